"""End to end: synthetic extracts ingest with exactly the planted rows quarantined."""

from __future__ import annotations

from pathlib import Path

from trajectory import synth
from trajectory.config import load_config
from trajectory.io import read_study

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "study.toml"
#: planted kind -> (source, quarantine reason)
KIND_REASON = {
    "unparseable_date": ("police", "bad_date"),
    "unknown_code": ("parquet", "unknown_code"),
    "duplicate_row": ("victim_services", "duplicate_row"),
    "orphan_court_record": ("court", "unknown_case"),
    "summons_before_complaint": ("parquet", "impossible_sequence"),
}


def _check(result, truth, n_cases):
    assert len(result.quarantine) == truth.n_malformed
    got = result.report.reasons.set_index(["source", "reason"])["count"].to_dict()
    want = {}
    for kind, count in truth.malformed.items():
        if count:
            want[KIND_REASON[kind]] = want.get(KIND_REASON[kind], 0) + count
    assert got == want
    table = result.report.table
    assert (table["accepted"] + table["quarantined"] == table["read"]).all()
    # the police-only cases whose one police row has a bad date are the only ones lost
    assert result.log.n_cases == n_cases - truth.malformed["unparseable_date"]
    result.log.validate()


def test_committed_sample_quarantines_exactly_the_planted_rows():
    # the committed sample is part of the repository: missing, it is a failure (make sample)
    assert SAMPLE.is_file(), "data/sample/study.toml is missing: run `make sample`"
    cfg = load_config(SAMPLE)
    log, truth = synth.make_study(synth.SAMPLE_N_CASES, seed=synth.SAMPLE_SEED,
                                  scenario=synth.SAMPLE_SCENARIO)
    _check(read_study(cfg), truth, log.n_cases)


def test_fresh_extract_quarantines_exactly_the_planted_rows(tmp_path):
    study = synth.make_study(600, seed=3)
    toml = synth.write_extracts(study, tmp_path, malformed=True)
    _check(read_study(load_config(toml)), study.truth, study.log.n_cases)
