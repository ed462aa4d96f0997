"""write_extracts: files as received (encodings, layouts), determinism, planted malformed rows."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from trajectory.config import load_config
from trajectory.synth import (
    EXTRACT_FILES,
    MALFORMED_PLAN,
    SAMPLE_N_CASES,
    SAMPLE_SCENARIO,
    SAMPLE_SEED,
    make_study,
    write_extracts,
    write_sample,
)
from trajectory.synth.sample import default_sample_dir

FILES = (*EXTRACT_FILES, "study.toml")


def _digest(folder: Path) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in FILES}


def _read(path: Path, sep: str, encoding: str) -> pd.DataFrame:
    return pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):
    study = make_study(3_000, seed=21)
    out = tmp_path_factory.mktemp("extracts")
    return study, write_extracts(study, out)


def test_same_seed_gives_byte_identical_files(tmp_path: Path, written) -> None:
    study, toml = written
    again = write_extracts(make_study(3_000, seed=21), tmp_path / "again")
    assert _digest(toml.parent) == _digest(again.parent)
    other = write_extracts(make_study(3_000, seed=22), tmp_path / "other")
    assert _digest(other.parent)["police.csv"] != _digest(toml.parent)["police.csv"]


def test_written_config_loads_and_maps_every_file(written) -> None:
    study, toml = written
    cfg = load_config(toml)
    assert cfg.synthetic is True and cfg.seed == 21
    assert cfg.extraction_date.isoformat() == "2025-06-30"
    assert [s.name for s in cfg.sources] == ["police", "parquet", "court", "victim_services"]
    for src in cfg.sources:
        assert src.path.is_file()
        header = src.path.read_bytes().decode(
            "cp1252" if src.encoding == "cp1252" else "utf-8-sig").splitlines()[0]
        columns = next(csv.reader([header], delimiter=src.delimiter))
        used = [*src.identifiers.values(), *src.columns.values(), *src.events.values(),
                *src.event_details.values()]
        if src.long is not None:
            used += [src.long.event, src.long.date] + ([src.long.code] if src.long.code else [])
        assert set(used) <= set(columns), (src.name, set(used) - set(columns))
    police = cfg.source("police")
    # every code value written in the police file has a mapping in the config
    frame = _read(police.path, ";", "cp1252")
    for contract, column in police.columns.items():
        if contract in police.values:
            assert set(frame[column]) <= set(police.values[contract]), contract


def test_files_look_like_real_extracts(written) -> None:
    study, toml = written
    folder = toml.parent
    raw = (folder / "police.csv").read_bytes()
    assert b"\r\n" in raw and raw.decode("cp1252")  # Windows line ends and encoding
    text = raw.decode("cp1252")
    assert "é" in text or "à" in text  # accented labels survive cp1252
    assert (folder / "parquet.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    police = _read(folder / "police.csv", ";", "cp1252")
    assert police["DUREE_AUDITION_H"].str.fullmatch(r"\d+,\d\d").all()  # decimal comma
    assert police["PV_NR"].str.fullmatch(r"BR\.\d\d\.L\d\.\d{6}/20\d\d").all()
    assert police["PV_NR"].is_unique
    parquet = _read(folder / "parquet.csv", ";", "utf-8-sig")
    assert parquet["NOTICE"].str.fullmatch(r"BR1[23]\.\d\d\.\d{6}/\d\d").all()
    assert parquet["DATE_ENTREE"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    court = _read(folder / "court.csv", ",", "utf-8")
    assert court["act_date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert set(court["act"]) <= {"ORDONNANCE", "AUDIENCE", "JUGEMENT", "PEINE", "APPEL"}
    assert len(police) == study.log.n_cases


def test_malformed_rows_are_exactly_the_planned_ones(written) -> None:
    study, toml = written
    folder = toml.parent
    truth = study.truth
    assert truth.malformed == {k: n for k, (_, n) in MALFORMED_PLAN.items()}
    police = _read(folder / "police.csv", ";", "cp1252")
    parquet = _read(folder / "parquet.csv", ";", "utf-8-sig")
    court = _read(folder / "court.csv", ",", "utf-8")
    support = _read(folder / "victim_services.csv", ";", "utf-8")
    bad_date = ~police["DATE_PLAINTE"].str.fullmatch(r"(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4}")
    bad_date |= police["DATE_PLAINTE"].isin(["31/02/2023"])
    assert bad_date.sum() == truth.malformed["unparseable_date"]
    assert (parquet["PREVENTION"] == "99Z").sum() == truth.malformed["unknown_code"]
    assert support.duplicated().sum() == truth.malformed["duplicate_row"]
    assert (~court["notice_nr"].isin(parquet["NOTICE"])).sum() == truth.malformed[
        "orphan_court_record"]
    complaint = police.set_index("PV_NR")["DATE_PLAINTE"]
    linked = parquet[parquet["DATE_CITATION"] != ""]
    summons = pd.to_datetime(linked["DATE_CITATION"], format="%d/%m/%Y")
    lodged = pd.to_datetime(linked["PV_ORIGINE"].map(complaint), format="%d/%m/%Y",
                            errors="coerce")
    assert (summons < lodged).sum() == truth.malformed["summons_before_complaint"]
    assert truth.n_malformed == sum(n for _, n in MALFORMED_PLAN.values())


def test_clean_extracts_have_no_malformed_rows(tmp_path: Path, written) -> None:
    study, _ = written
    toml = write_extracts(study, tmp_path, malformed=False)
    parquet = _read(tmp_path / "parquet.csv", ";", "utf-8-sig")
    support = _read(tmp_path / "victim_services.csv", ";", "utf-8")
    court = _read(tmp_path / "court.csv", ",", "utf-8")
    assert not (parquet["PREVENTION"] == "99Z").any()
    assert not support.duplicated().any()
    assert court["notice_nr"].isin(parquet["NOTICE"]).all()
    assert load_config(toml).synthetic


def test_ingest_quarantines_exactly_the_planted_rows(written) -> None:
    import trajectory.io as io_module

    study, toml = written
    result = io_module.read_study(load_config(toml))
    reasons = result.quarantine["reason"].value_counts().to_dict()
    expected = {
        "bad_date": study.truth.malformed["unparseable_date"],
        "unknown_code": study.truth.malformed["unknown_code"],
        "duplicate_row": study.truth.malformed["duplicate_row"],
        "unknown_case": study.truth.malformed["orphan_court_record"],
        "impossible_sequence": study.truth.malformed["summons_before_complaint"],
    }
    assert reasons == expected
    assert len(result.quarantine) == study.truth.n_malformed
    assert result.log.n_cases == study.log.n_cases - study.truth.malformed["unparseable_date"]


def test_shipped_sample_is_regenerated_byte_for_byte(tmp_path: Path) -> None:
    shipped = default_sample_dir()
    assert (shipped / "study.toml").is_file(), "data/sample/ is missing from the checkout"
    toml = write_sample(tmp_path)
    assert _digest(toml.parent) == _digest(shipped)
    assert sum((shipped / f).stat().st_size for f in FILES) < 3 * 2**20
    cfg = load_config(shipped / "study.toml")
    assert cfg.name == "sample" and cfg.seed == SAMPLE_SEED
    text = (shipped / "study.toml").read_text("utf-8")
    assert f"scenario = '{SAMPLE_SCENARIO}'" in text and f"n_cases = {SAMPLE_N_CASES}" in text
    assert re.search(r"synthetic = true", text)


def test_command_line_writes_a_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from trajectory.synth.__main__ import main

    assert main(["--out", str(tmp_path), "--n-cases", "150", "--scenario", "null", "--clean"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "study.toml")
    assert load_config(tmp_path / "study.toml").synthetic
    with pytest.raises(SystemExit):
        main(["--n-cases", "10"])  # --out is required without --sample
