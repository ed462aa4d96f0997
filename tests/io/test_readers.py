"""Readers: encodings, delimiters, row numbers, Excel and Parquet."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trajectory.errors import IngestError
from trajectory.io.readers import SourceReader, detect_delimiter, detect_encoding


def _read(path, **kw):
    reader = SourceReader(path, **kw)
    chunks = list(reader.chunks())
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    rows = np.concatenate([c.rows for c in chunks]).tolist()
    return reader, frame, rows


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")])
def test_detect_encoding(tmp_path, encoding, expected):
    path = tmp_path / "x.csv"
    path.write_bytes("a;b\nœuvre;déjà – 5 €\n".encode(encoding))
    assert detect_encoding(path) == expected
    reader, frame, _ = _read(path)
    assert frame.values.tolist() == [["œuvre", "déjà – 5 €"]]
    assert reader.columns == ["a", "b"]  # no BOM left in the first name


def test_cp1252_byte_far_down_a_utf8_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a;b\n" + b"x;y\n" * 30_000 + "z;é\n".encode("cp1252"))
    assert detect_encoding(path) == "cp1252"


@pytest.mark.parametrize("delim,line", [
    (";", "1;2,5;x y"), (",", '1,"2,5",x;y'), ("\t", "1\t2,5\tx;y"), ("|", "1|2,5|x;y")])
def test_detect_delimiter(tmp_path, delim, line):
    # a decimal comma in a ;-file and a ; inside a ,-file must not fool the detection
    path = tmp_path / "x.csv"
    path.write_text(delim.join(["id", "d", "v"]) + "\n" + line + "\n")
    reader, frame, _ = _read(path)
    assert reader.delimiter == delim
    assert frame.values.tolist() == [["1", "2,5", line.split(delim)[-1]]]


def test_detect_delimiter_prefers_consistent_split():
    assert detect_delimiter("a;b,c", ["1;2,3", "4;5,6"]) in (";", ",")
    assert detect_delimiter("single", []) == ","


def test_row_numbers_with_blank_lines_and_bad_records(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a;b\r\n1;x\r\n\r\n2;y;extra\r\n3;z\r\n4")
    reader, frame, rows = _read(path)
    assert frame["a"].tolist() == ["1", "3"]
    assert rows == [2, 5]
    assert reader.bad_records == [(4, "expected 2 fields, found 3"),
                                  (6, "expected 2 fields, found 1")]
    assert reader.blank_records == 1


def test_row_numbers_with_quoted_line_breaks(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('a;b\n1;"two\nlines"\n2;x\n3\n4;"q"\n')
    reader, frame, rows = _read(path)
    assert frame["b"].tolist() == ["two\nlines", "x", "q"]
    assert rows == [2, 4, 6]
    assert reader.bad_records == [(5, "expected 2 fields, found 1")]


def test_whitespace_and_empty_cells_become_none(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b;c\n  1 ; ;x\n")
    _, frame, _ = _read(path)
    assert frame.values.tolist() == [["1", None, "x"]]


def test_large_file_is_read_in_several_chunks(tmp_path, monkeypatch):
    from trajectory.io import readers

    monkeypatch.setattr(readers, "_BLOCK", 1 << 16)
    path = tmp_path / "x.csv"
    n = 40_000
    path.write_text("a;b\n" + "".join(f"{i};v{i}\n" for i in range(n)))
    reader = SourceReader(path)
    chunks = list(reader.chunks())
    assert len(chunks) > 3
    rows = np.concatenate([c.rows for c in chunks])
    assert rows.tolist() == list(range(2, n + 2))


@pytest.mark.parametrize("content,match", [
    (b"", "empty"), (b"\n1;2\n", "header"),
    (b"a;a\n1;2\n", r"more than once in the header \(columns \[1, 2\]\)")])
def test_fatal_csv_problems(tmp_path, content, match):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=match) as info:
        list(SourceReader(path).chunks())
    assert str(path) in str(info.value)


def test_excel_rows_are_sheet_rows(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    for row in [("id", "when", "code"), ("A", dt.datetime(2024, 1, 2, 15, 30), 21004.0),
                (None, None, None), ("B", 45292, "x"), ("C", "03/01/2024", 5.5)]:
        sheet.append(list(row))
    book.save(tmp_path / "x.xlsx")
    reader, frame, rows = _read(tmp_path / "x.xlsx", format="excel", sheet="data")
    assert rows == [2, 4, 5]
    assert frame.values.tolist() == [["A", "2024-01-02", "21004"], ["B", "45292", "x"],
                                     ["C", "03/01/2024", "5.5"]]
    assert reader.blank_records == 1
    with pytest.raises(IngestError, match="no sheet named"):
        SourceReader(tmp_path / "x.xlsx", format="excel", sheet="other")


def test_parquet_rows_and_types(tmp_path):
    table = pa.table({
        "id": ["A", "B", None],
        "when": pa.array([dt.date(2024, 1, 2), None, dt.date(2024, 3, 4)]),
        "ts": pa.array([dt.datetime(2024, 1, 2, 5), None, None]),
        "zone": pa.array([5339, 5340, None]),
    })
    pq.write_table(table, tmp_path / "x.parquet")
    _, frame, rows = _read(tmp_path / "x.parquet", format="parquet")
    assert rows == [1, 2, 3]
    assert frame.values.tolist() == [["A", "2024-01-02", "2024-01-02", "5339"],
                                     ["B", None, None, "5340"],
                                     [None, "2024-03-04", None, None]]


def test_not_a_parquet_file(tmp_path):
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(IngestError, match="Parquet"):
        SourceReader(tmp_path / "x.parquet", format="parquet")
