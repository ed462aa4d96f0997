"""read_study on hand-made nasty extracts: exact quarantine, linking, privacy."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from _support.studies import TEST_KEY
from trajectory.config import from_dict, load_config
from trajectory.errors import IngestError, PrivacyError
from trajectory.io import QUARANTINE_COLUMNS, read_study, validate_study
from trajectory.privacy import pseudonymise
from trajectory.pseudonymise import DEMO_KEY, PseudonymKey
from trajectory.schema import validate_eventlog
from trajectory.store import StudyStore

DATA = Path(__file__).parent / "data"

EXPECTED_QUARANTINE = [
    ("police", 4, "DATE_PV", "bad_date"),
    ("police", 5, "CANAL", "unknown_code"),
    ("police", 6, "DATE_PLAINTE", "date_out_of_range"),
    ("police", 7, "PV_NR", "missing_identifier"),
    ("police", 8, None, "duplicate_row"),
    ("police", 9, "PV_NR", "duplicate_case"),
    ("police", 10, "VIF", "unknown_code"),
    ("police", 12, "CODE_PREV", "unknown_code"),
    ("parquet", 6, "DATE_CITATION", "impossible_sequence"),
    ("parquet", 7, "MOTIF", "unknown_code"),
    ("parquet", 8, "SECTION", "unknown_code"),
    ("court", 4, "act_date", "impossible_sequence"),
    ("court", 5, "notice_nr", "unknown_case"),
    ("court", 6, "act", "unknown_code"),
    ("court", 7, None, "duplicate_row"),
    ("court", 8, "act_date", "duplicate_event"),
    ("court", 10, "act_date", "bad_date"),
    ("court", 11, None, "malformed_record"),
    ("victim_services", 5, "pv", "unknown_case"),
    ("victim_services", 7, "type_contact", "unknown_code"),
    ("victim_services", 8, "date_contact", "bad_date"),
    ("victim_services", 9, "pv", "unknown_case"),
]


@pytest.fixture(scope="module")
def config():
    return load_config(DATA / "study.toml")


@pytest.fixture(scope="module")
def result(config):
    return read_study(config)


def _pv(value: str) -> str:
    """Pseudonym of a PV number as ingest makes it: normalised ([ingest] normalise_pv)."""
    spelled = value.upper().replace(".", "").replace(" ", "")
    return pseudonymise([spelled], key=PseudonymKey(TEST_KEY.encode(), source="test"),
                        kind="pv_number")[0]


def _records_in_file(path: Path) -> int:
    """Count data records independently of the reader (csv module / openpyxl)."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        return sum(any(v is not None for v in r) for r in rows)
    text = path.read_bytes().decode("cp1252" if "cp1252" in path.name else "utf-8-sig")
    delimiter = "," if "court" in path.name else ";"
    return sum(1 for rec in list(csv.reader(text.splitlines(), delimiter=delimiter))[1:] if rec)


def test_exact_quarantine(result):
    got = [(r.source, r.row, None if pd.isna(r.column) else r.column, r.reason)
           for r in result.quarantine.itertuples()]
    assert got == EXPECTED_QUARANTINE
    assert tuple(result.quarantine.columns) == QUARANTINE_COLUMNS


def test_nothing_lost_per_file(result, config):
    table = result.report.table.set_index("source")
    for src in config.sources:
        row = table.loc[src.name]
        assert row["read"] == _records_in_file(src.path)
        assert row["accepted"] + row["quarantined"] == row["read"]
        assert (result.quarantine["source"] == src.name).sum() == row["quarantined"]
    assert table["read"].tolist() == [12, 7, 10, 7]
    assert table["accepted"].tolist() == [4, 4, 3, 3]
    assert table.loc["victim_services", "blank"] == 1


def test_offending_values_reported(result):
    q = result.quarantine.set_index(["source", "row"])
    assert q.loc[("police", 4), "value"] == "31/02/2024"
    # a code seen in fewer than k = 5 rows is shown as its shape, never in clear
    assert q.loc[("police", 5), "value"] == "A{9}"
    assert q.loc[("victim_services", 8), "value"] == "<text, 11 chars>"  # "pas de date"
    assert q.loc[("court", 10), "value"] == "2024-13-01"
    assert q.loc[("court", 11), "detail"] == "expected 4 fields, found 2"
    assert q.loc[("police", 8), "detail"] == "same as row 2"
    # identifiers in the quarantine are pseudonyms, never raw values
    assert q.loc[("police", 9), "value"] == _pv("BR.2")
    assert not result.quarantine["value"].astype(str).str.contains("BR.").any()


def test_cases_and_events(result):
    log = result.log
    validate_eventlog(log)
    cases = log.cases.set_index("case_id")
    expected_ids = {_pv(v) for v in ("BR.1", "BR.2", "BR.7", "BR.9", "BR.404")}
    notice_n4 = pseudonymise(["N4"], key=PseudonymKey(TEST_KEY.encode(), source="test"),
                             kind="parquet_number")[0]
    assert set(cases.index) == expected_ids | {notice_n4}
    br2 = cases.loc[_pv("BR.2")]
    assert br2["source"] == "police+parquet"
    assert br2["offence_group"] == "harassment"  # derived from parquet code 601
    assert (br2["zone"], br2["municipality"], br2["division"]) == ("5340", "21012", "NL")
    assert (br2["channel"], br2["victim_sex"], bool(br2["ifg_police"])) == (
        "police_on_web", "M", False)
    assert cases.loc[_pv("BR.1"), "municipality"] == "21004"  # "21004,0" from decimal comma
    assert cases.loc[notice_n4, "source"] == "parquet"
    assert log.n_events == 21
    ev = log.events
    br1 = ev[ev["case_id"] == _pv("BR.1")]
    assert br1["event"].tolist() == ["E11", "E12", "E60", "E23", "E30", "E45", "E50", "E51"]
    assert br1["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-05", "2024-01-05", "2024-01-06", "2024-01-20", "2024-01-25", "2024-03-01",
        "2024-04-02", "2024-05-10"]
    br2_ev = ev[ev["case_id"] == _pv("BR.2")].set_index("event")
    assert br2_ev.loc["E40", "date"] == pd.Timestamp("2024-03-01")  # Excel serial 45352
    assert br2_ev.loc["E40", "code"] == "T03"
    assert br2_ev.loc["E61", "date"] == pd.Timestamp("2024-02-28")  # serial cell 45350
    assert str(ev["date"].dtype) == "datetime64[s]"


def test_unmapped_and_links(result):
    unmapped = {(r.source, r.extract_column, r.value): r.count
                for r in result.report.unmapped.itertuples()}
    # each seen once (< k = 5 rows): shapes, not values (TELEPHONE, 999, T03, XX, ...)
    assert unmapped == {
        ("police", "CANAL", "A{9}"): 1, ("police", "VIF", "?"): 1,
        ("police", "CODE_PREV", "9{3}"): 1, ("parquet", "MOTIF", "A9{2}"): 1,
        ("parquet", "SECTION", "A{2}"): 1, ("court", "act", "A{8}"): 1,
        ("victim_services", "type_contact", "A{3}"): 1,
    }
    links = {(r.source, r.link): r.count for r in result.report.links.itertuples()}
    assert links[("court", "parquet_number unknown")] == 1
    assert links[("victim_services", "pv_number unknown")] == 2
    assert links[("parquet", "pv_number not in police extract")] == 1
    assert links[("parquet", "no pv_number (parquet-only case)")] == 1


def test_report_views(result):
    report = result.report
    text = report.summary()
    assert "36 rows read, 14 accepted, 22 quarantined" in text
    assert "A{9}" in text and "TELEPHONE" not in text and "malformed_record" in text
    wide = report.to_frame().set_index("source")
    assert wide.loc["court", "duplicate_row"] == 1
    assert wide.loc["police", "unknown_code"] == 3
    assert "<table" in report._repr_html_()
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.n_cases = 0  # type: ignore[misc]


def test_validate_study_returns_report(config):
    report = validate_study(config)
    assert report.n_quarantined == len(EXPECTED_QUARANTINE)


def _one_source(tmp_path: Path, text: bytes, **source) -> object:
    (tmp_path / "x.csv").write_bytes(text)
    raw = {"name": "police", "kind": "police", "path": "x.csv",
           "identifiers": {"pv_number": "PV"}, "events": {"E11": "D"}}
    raw.update(source)
    return from_dict({"study": {"name": "t", "extraction_date": "2025-06-30",
                                "synthetic": True}, "sources": [raw]}, base=tmp_path)


def test_missing_required_column_names_it(tmp_path):
    cfg = _one_source(tmp_path, b"PV;DATE\nA;01/01/2024\n")
    with pytest.raises(IngestError, match=r"required column 'D'") as info:
        read_study(cfg)
    assert info.value.file == str(tmp_path / "x.csv")
    assert info.value.column == "D"
    assert "'PV'" not in str(info.value) and "DATE" not in str(info.value)  # no header cell
    assert "2 columns" in str(info.value)


def test_near_miss_column_name_is_hinted_without_showing_the_header(tmp_path):
    cfg = _one_source(tmp_path, b"pv;d\nA;01/01/2024\n")
    with pytest.raises(IngestError, match="except for case") as info:
        read_study(cfg)
    assert "'pv'" not in str(info.value)


def test_headerless_file_does_not_print_its_first_row(tmp_path):
    cfg = _one_source(tmp_path, b"BR.12.L3.054321/2024;05/01/2024\nBR.2;06/01/2024\n")
    with pytest.raises(IngestError, match="no header line") as info:
        read_study(cfg)
    assert "054321" not in str(info.value) and "05/01" not in str(info.value)
    assert info.value.row == 1


def test_empty_file_is_fatal(tmp_path):
    cfg = _one_source(tmp_path, b"")
    with pytest.raises(IngestError, match="empty"):
        validate_study(cfg)


def test_header_only_file_reads_nothing(tmp_path):
    cfg = _one_source(tmp_path, b"PV;D\n")
    result = read_study(cfg)
    assert result.log.n_cases == 0 and result.report.n_read == 0


def test_missing_file_is_fatal(tmp_path):
    cfg = _one_source(tmp_path, b"PV;D\n")
    (tmp_path / "x.csv").unlink()
    with pytest.raises(IngestError, match="file not found"):
        read_study(cfg)


def test_wrong_configured_encoding_is_fatal_with_hint(tmp_path):
    cfg = _one_source(tmp_path, "PV;D\nLiège;01/01/2024\n".encode("cp1252"), encoding="utf-8")
    with pytest.raises(IngestError, match="cp1252"):
        read_study(cfg)


def test_real_data_without_key_is_refused(config):
    real = dataclasses.replace(config, synthetic=False, privacy=dataclasses.replace(
        config.privacy, key_env="TRAJ_TEST_NO_KEY"))
    with pytest.raises(PrivacyError, match="TRAJ_TEST_NO_KEY"):
        read_study(real, environ={})


def test_key_never_appears_in_any_output(config, tmp_path):
    secret = "S3cret-Key-For-Grep-Test-7f9a2c41"
    real = dataclasses.replace(config, synthetic=False, privacy=dataclasses.replace(
        config.privacy, key_env="TRAJ_TEST_KEY"))
    result = read_study(real, environ={"TRAJ_TEST_KEY": secret})
    store = StudyStore(tmp_path / "s.duckdb")
    store.save(result)
    store.close()
    outputs = [
        repr(result), result.report.summary(), result.report._repr_html_(),
        result.quarantine.to_csv(), result.log.cases.to_csv(), result.log.events.to_csv(),
        result.identifiers.to_csv(), repr(result.log.metadata), repr(result.log),
    ]
    blob = (tmp_path / "s.duckdb").read_bytes()
    try:
        read_study(dataclasses.replace(real, sources=(dataclasses.replace(
            real.sources[0], path=tmp_path / "missing.csv"),)),
            environ={"TRAJ_TEST_KEY": secret})
    except IngestError as exc:
        outputs.append(str(exc))
    try:
        PseudonymKey(b"short", source="env:TRAJ_TEST_KEY")
    except PrivacyError as exc:
        outputs.append(str(exc))
    for text in outputs:
        assert secret not in text
        assert secret.encode().hex() not in text
    assert secret.encode() not in blob and secret.encode().hex().encode() not in blob
    assert result.log.metadata["pseudonym_key"] == "env:TRAJ_TEST_KEY"
    fingerprint = result.log.metadata["key_fingerprint"]
    assert fingerprint == PseudonymKey(secret.encode(), source="x").fingerprint
    assert fingerprint != PseudonymKey(DEMO_KEY, source="demo").fingerprint
    # a different key gives different pseudonyms: the test key's ones are not reused
    assert _pv("BR.1") not in set(result.log.cases["case_id"])


def test_long_source_with_case_columns_and_parquet_format(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "contacts.csv").write_text(
        "pv|type|when|sex\nP1|CAW|02/01/2024|F\nP1|FJC|03/01/2024|F\nP2|CAW|04/01/2024|\n")
    pq.write_table(pa.table({
        "pv": ["P1", "P2", "P3"],
        "entered": pa.array([dt.date(2024, 1, 5), dt.date(2024, 1, 6), None]),
        "group": ["hate", "harassment", "hate"],
    }), tmp_path / "parquet.parquet")
    cfg = from_dict({
        "study": {"name": "t", "extraction_date": "2025-06-30", "synthetic": True},
        "sources": [
            {"name": "support", "kind": "victim_services", "path": "contacts.csv",
             "identifiers": {"pv_number": "pv"}, "columns": {"victim_sex": "sex"},
             "long": {"event": "type", "date": "when"},
             "values": {"event": {"CAW": "E60", "FJC": "E61"}}},
            {"name": "parquet", "kind": "parquet", "path": "parquet.parquet",
             "date_format": "%d/%m/%Y", "identifiers": {"pv_number": "pv"},
             "columns": {"offence_group": "group"}, "events": {"E30": "entered"}},
        ]}, base=tmp_path)
    result = read_study(cfg)
    assert result.quarantine.empty
    cases = result.log.cases.set_index("case_id")
    p1 = cases.loc[_pv("P1")]
    assert (p1["victim_sex"], p1["offence_group"], p1["source"]) == ("F", "hate",
                                                                    "support+parquet")
    assert cases.loc[_pv("P3"), "source"] == "parquet"
    ev = result.log.events
    assert sorted(ev.loc[ev["case_id"] == _pv("P1"), "event"]) == ["E30", "E60", "E61"]
    assert result.report.table["read"].tolist() == [3, 3]


def test_every_reason_is_documented(result):
    from trajectory.io import REASONS

    text = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text("utf-8")
    for reason in REASONS:
        assert f"`{reason}`" in text, reason
    assert set(result.quarantine["reason"]) <= set(REASONS)


def test_frequent_unmapped_code_is_shown_in_clear(tmp_path):
    rows = "".join(f"P{i};05/01/2024;TELEPHONE\n" for i in range(5)) + "P9;05/01/2024;FAX\n"
    cfg = _one_source(tmp_path, ("PV;D;CANAL\n" + rows).encode(), columns={"channel": "CANAL"})
    result = read_study(cfg)
    unmapped = {r.value: r.count for r in result.report.unmapped.itertuples()}
    assert unmapped == {"TELEPHONE": 5, "A{3}": 1}  # k = 5 rows share TELEPHONE
    assert set(result.quarantine["value"]) == {"TELEPHONE", "A{3}"}


def test_pv_spellings_merge_and_are_counted(tmp_path):
    (tmp_path / "police.csv").write_text("PV;D\nBR.12.L3;05/01/2024\nBR.13;05/01/2024\n")
    (tmp_path / "victims.csv").write_text(
        "pv;t;d\nbr 12 l3;CAW;06/01/2024\nBR12L3;CAW;07/01/2024\nbr.13;CAW;08/01/2024\n")
    raw = {"study": {"name": "t", "extraction_date": "2025-06-30", "synthetic": True},
           "sources": [
               {"name": "police", "kind": "police", "path": "police.csv",
                "identifiers": {"pv_number": "PV"}, "events": {"E11": "D"}},
               {"name": "victims", "kind": "victim_services", "path": "victims.csv",
                "identifiers": {"pv_number": "pv"}, "long": {"event": "t", "date": "d"},
                "values": {"event": {"CAW": "E60"}}}]}
    result = read_study(from_dict(raw, base=tmp_path))
    assert result.quarantine.empty and result.log.n_cases == 2 and result.log.n_events == 5
    links = {r.link: r.count for r in result.report.links.itertuples()}
    assert links["pv_number spellings merged (case, spaces, dots)"] == 3
    raw["ingest"] = {"normalise_pv": False}
    result = read_study(from_dict(raw, base=tmp_path))
    assert (result.quarantine["reason"] == "unknown_case").sum() == 3


@pytest.mark.parametrize("policy,quarantined", [("quarantine", 2), ("warn", 0)])
def test_events_before_the_complaint(tmp_path, policy, quarantined):
    (tmp_path / "police.csv").write_text(
        "PV;PLAINTE;TRANSMIS;ENTREE;CLASSEMENT\n"
        "A1;05/01/2024;04/01/2024;;\n"          # transmission before the complaint
        "A2;05/01/2024;06/01/2024;07/01/2024;01/01/2024\n"  # dismissal before it
        "A3;05/01/2024;06/01/2024;07/01/2024;08/02/2024\n")
    cfg = from_dict({"study": {"name": "t", "extraction_date": "2025-06-30", "synthetic": True},
                     "ingest": {"early_events": policy},
                     "sources": [{"name": "police", "kind": "police", "path": "police.csv",
                                  "identifiers": {"pv_number": "PV"},
                                  "events": {"E11": "PLAINTE", "E23": "TRANSMIS",
                                             "E30": "ENTREE", "E41": "CLASSEMENT"}}]},
                    base=tmp_path)
    result = read_study(cfg)
    assert len(result.quarantine) == quarantined
    if quarantined:
        assert result.quarantine["row"].tolist() == [2, 3]
        assert result.quarantine["column"].tolist() == ["TRANSMIS", "CLASSEMENT"]
    links = {r.link: (r.outcome, r.count) for r in result.report.links.itertuples()}
    assert links["event dated before the complaint"][1] == 2
