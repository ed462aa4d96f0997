"""Bad files and bad configs give an error naming the file and how to fix it, never a traceback.

Fixtures in ``tests/io/data``: ``cp1252_declared_utf8.csv``, ``bom_declared_cp1252.csv``,
``utf16.csv``, ``study_cp1252.toml`` (see README.md there).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from _support.studies import police_study
from trajectory.config import from_dict, load_config
from trajectory.errors import ConfigError, IngestError
from trajectory.io import read_study

DATA = Path(__file__).parent / "data"
MOJIBAKE = ("Ã", "\ufffd", "ï»¿", "Â")




def _refused(path: Path, **source: object) -> IngestError:
    with pytest.raises(IngestError) as info:
        read_study(police_study(path, **source))
    text = str(info.value)
    assert path.name in text
    assert not any(m in text for m in MOJIBAKE), text
    assert "BR." not in text and "Li" not in text and "déjà" not in text  # no content
    return info.value


def test_cp1252_file_declared_utf8_with_a_quote():
    exc = _refused(DATA / "cp1252_declared_utf8.csv", encoding="utf-8")
    assert exc.row == 3
    assert "not valid UTF-8" in str(exc) and "encoding = 'cp1252'" in str(exc)


def test_bom_file_declared_cp1252():
    exc = _refused(DATA / "bom_declared_cp1252.csv", encoding="cp1252")
    assert exc.row == 1 and "encoding = 'utf-8-sig'" in str(exc)


def test_bom_file_declared_utf8_is_read():
    result = read_study(police_study(DATA / "bom_declared_cp1252.csv", encoding="utf-8"))
    assert result.report.table["accepted"].tolist() == [1]


@pytest.mark.parametrize("encoding", ["auto", "utf-8", "cp1252"])
def test_utf16_export(encoding):
    exc = _refused(DATA / "utf16.csv", encoding=encoding)
    assert exc.row == 1 and "UTF-16" in str(exc) and "iconv" in str(exc)


def test_bytes_invalid_in_utf8_and_cp1252(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"PV_NR;DATE_PLAINTE;ZONE_POL;REMARQUE\nBR.1;01/01/2024;5339;\n"
                     b"BR.2;01/01/2024;5339;d\x81j\xe0\n")
    exc = _refused(path)
    assert exc.row == 3 and "neither valid UTF-8 nor valid Windows-1252" in str(exc)
    assert "0x81" in str(exc) and "position 23" in str(exc)


def test_nul_bytes(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"PV_NR;DATE_PLAINTE;ZONE_POL;REMARQUE\nBR.1;01/01/2024;5339;\x00\n")
    assert _refused(path).row == 2


def test_study_toml_saved_as_cp1252():
    with pytest.raises(ConfigError) as info:
        load_config(DATA / "study_cp1252.toml")
    text = str(info.value)
    assert "study_cp1252.toml" in text and "line 3, column 10" in text and "UTF-8" in text
    assert "tude" not in text  # the title is not echoed


def test_study_toml_with_bom_is_read(tmp_path):
    (tmp_path / "s.toml").write_bytes(
        b'\xef\xbb\xbf[study]\nname = "x"\nextraction_date = "2025-06-30"\n')
    assert load_config(tmp_path / "s.toml").name == "x"


_STUDY = {"name": "t", "extraction_date": "2025-06-30"}


@pytest.mark.parametrize("section", ["cohort", "privacy", "groupings", "endpoints", "report",
                                     "ingest", "study"])
def test_config_tables_given_as_scalars(section):
    data = {"study": dict(_STUDY), section: 5}
    with pytest.raises(ConfigError, match=rf"\[{section}\] must be a table") as info:
        from_dict(data)
    assert "5" not in str(info.value).replace(f"[{section}]", "")


def test_scalar_table_in_a_toml_file_names_the_file(tmp_path):
    (tmp_path / "s.toml").write_text(
        'privacy = 5\n[study]\nname = "x"\nextraction_date = "2025-06-30"\n')
    with pytest.raises(ConfigError, match=r"s\.toml: \[privacy\] must be a table"):
        load_config(tmp_path / "s.toml")


def test_sources_entry_given_as_scalar():
    with pytest.raises(ConfigError, match=r"must be a table \(\[\[sources\]\]\), not a single"):
        from_dict({"study": _STUDY, "sources": [5]})


def _source(**extra):
    raw = {"name": "v", "kind": "victim_services", "path": "v.xlsx",
           "identifiers": {"pv_number": "pv"}, "long": {"event": "e", "date": "d"}}
    raw.update(extra)
    return {"study": _STUDY, "sources": [raw]}


@pytest.mark.parametrize("sheet", [1.5, -1, True, "", [0]])
def test_bad_sheet_is_refused_at_load(sheet):
    with pytest.raises(ConfigError, match="sheet"):
        from_dict(_source(sheet=sheet))


def test_sheet_on_a_csv_source_is_refused():
    with pytest.raises(ConfigError, match="format = 'excel' only"):
        from_dict(_source(path="v.csv", sheet=0))


@pytest.mark.parametrize("fmt", ["%d/%m", "%Y-%d", "%Q/%m/%Y", "dd/mm/yyyy", 5])
def test_bad_date_format_is_refused_at_load(fmt):
    with pytest.raises(ConfigError, match="date_format"):
        from_dict(_source(date_format=fmt))


@pytest.mark.parametrize("fmt", ["auto", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M"])
def test_good_date_formats(fmt):
    assert from_dict(_source(date_format=fmt)).sources[0].date_format == fmt


def test_workbook_with_several_sheets_and_no_sheet_key_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["pv", "e", "d"])
    book.create_sheet("notes").append(["x"])
    book.save(tmp_path / "v.xlsx")
    cfg = from_dict(_source(), base=tmp_path)
    with pytest.raises(IngestError, match="2 sheets") as info:
        read_study(dataclass_synthetic(cfg))
    assert "notes" not in str(info.value) and "set sheet" in str(info.value)
    cfg = from_dict(_source(sheet=0), base=tmp_path)
    assert read_study(dataclass_synthetic(cfg)).report.table["read"].tolist() == [0]


def dataclass_synthetic(cfg):
    import dataclasses

    return dataclasses.replace(cfg, synthetic=True)


# ---------------------------------------------------------------- sources inside the folder
@pytest.mark.parametrize("path", ["../outside.csv", "../../../../etc/passwd", "/etc/passwd"])
def test_source_outside_the_study_folder_is_refused(tmp_path, path):
    folder = tmp_path / "study"
    folder.mkdir()
    (tmp_path / "outside.csv").write_text("PV_NR;DATE_PLAINTE\nBR.1;01/01/2024\n")
    raw = {"name": "police", "kind": "police", "path": path,
           "identifiers": {"pv_number": "PV_NR"}, "events": {"E11": "DATE_PLAINTE"}}
    with pytest.raises(ConfigError, match=r"\[sources.police\] path resolves outside") as info:
        from_dict({"study": _STUDY, "sources": [raw]}, base=folder)
    assert "root:" not in str(info.value) and "BR." not in str(info.value)


def test_source_outside_allowed_when_said(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    shutil.copy(DATA / "whitespace_lines.csv", tmp_path / "outside.csv")
    raw = {"name": "police", "kind": "police", "path": "../outside.csv",
           "allow_outside": True, "identifiers": {"pv_number": "PV_NR"},
           "events": {"E11": "DATE_PLAINTE"}}
    cfg = from_dict({"study": {**_STUDY, "synthetic": True}, "sources": [raw]}, base=folder)
    assert read_study(cfg).report.table["accepted"].tolist() == [4]


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    (tmp_path / "outside.csv").write_text("x\n")
    (folder / "link.csv").symlink_to(tmp_path / "outside.csv")
    raw = {"name": "police", "kind": "police", "path": "link.csv",
           "identifiers": {"pv_number": "PV_NR"}}
    with pytest.raises(ConfigError, match="outside"):
        from_dict({"study": _STUDY, "sources": [raw]}, base=folder)
