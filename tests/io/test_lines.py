"""Every physical line of a CSV extract is accepted, quarantined, blank, or the file is refused.

Fixtures in ``tests/io/data`` (see README.md there): ``unbalanced_quote.csv``,
``long_field.csv``, ``whitespace_lines.csv``, ``mixed_line_ends.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _support.studies import police_study
from trajectory.errors import IngestError
from trajectory.io import read_study
from trajectory.io.readers import SourceReader

DATA = Path(__file__).parent / "data"
HEADER = "PV_NR;DATE_PLAINTE;ZONE_POL;REMARQUE"




def row(i: int, remark: str = "") -> str:
    return f"BR.{i};{(i % 28) + 1:02d}/01/2024;5339;{remark}"


def accounted(result) -> dict:
    t = result.report.table.iloc[0]
    assert t["lines"] == t["header"] + t["blank"] + t["continued"] + t["accepted"] \
        + t["quarantined"]
    assert t["read"] == t["accepted"] + t["quarantined"]
    return {k: int(t[k]) for k in ("lines", "header", "blank", "continued", "read",
                                   "accepted", "quarantined")}


def test_unbalanced_quote_mid_file_is_refused_at_its_line():
    with pytest.raises(IngestError) as info:
        read_study(police_study(DATA / "unbalanced_quote.csv"))
    assert info.value.row == 12
    text = str(info.value)
    assert "unbalanced_quote.csv" in text and "line 12" in text and "quote" in text
    assert "BR." not in text and "appel" not in text  # no content echoed


def test_unbalanced_quote_closed_by_a_later_quote_in_a_5000_line_file(tmp_path):
    lines = [HEADER] + [row(i, '"vu"' if i % 100 == 0 else "") for i in range(1, 5000)]
    lines[2500] = row(2500, '"appel du voisin')  # opens; the quote of line 2601 closes it
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        read_study(police_study(path))
    assert info.value.row == 2501
    assert "line 2501" in str(info.value)


def test_unclosed_quote_on_the_last_line_is_quarantined(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("\n".join([HEADER, row(1), row(2, '"vu"'), row(3, '"coup')]),
                    encoding="utf-8")
    result = read_study(police_study(path))
    assert accounted(result) == {"lines": 4, "header": 1, "blank": 0, "continued": 0,
                                 "read": 3, "accepted": 2, "quarantined": 1}
    q = result.quarantine.iloc[0]
    assert (q["row"], q["reason"]) == (4, "malformed_record")
    assert "never closed" in q["detail"]


def test_quoted_field_over_128_kib_is_read():
    result = read_study(police_study(DATA / "long_field.csv"))
    assert accounted(result) == {"lines": 7, "header": 1, "blank": 0, "continued": 1,
                                 "read": 5, "accepted": 5, "quarantined": 0}


def test_field_over_the_limit_is_refused_naming_its_line(tmp_path, monkeypatch):
    from trajectory.io import csvfile

    monkeypatch.setattr(csvfile, "FIELD_LIMIT", 1 << 10)
    path = tmp_path / "x.csv"
    path.write_text("\n".join([HEADER, row(1), row(2, '"' + "x" * 200_000 + '"'), row(3)]))
    with pytest.raises(IngestError, match="longer than") as info:
        read_study(police_study(path))
    assert info.value.row == 3


def test_whitespace_only_lines_are_blank_not_malformed():
    result = read_study(police_study(DATA / "whitespace_lines.csv"))
    assert accounted(result) == {"lines": 9, "header": 1, "blank": 4, "continued": 0,
                                 "read": 4, "accepted": 4, "quarantined": 0}
    assert result.quarantine.empty


def test_whitespace_only_lines_in_a_quoted_file_are_blank(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("\n".join([HEADER, row(1, '"a"'), "  ", "\t", row(2)]) + "\n")
    assert accounted(read_study(police_study(path)))["blank"] == 2


def test_mixed_line_ends_are_all_lines():
    reader = SourceReader(DATA / "mixed_line_ends.csv")
    rows = [int(r) for chunk in reader.chunks() for r in chunk.rows]
    assert rows == [2, 3, 4, 6, 8]  # CRLF, LF, lone CR, blank, a quoted CRLF, no final end
    result = read_study(police_study(DATA / "mixed_line_ends.csv"))
    assert accounted(result) == {"lines": 8, "header": 1, "blank": 1, "continued": 1,
                                 "read": 5, "accepted": 5, "quarantined": 0}


@pytest.mark.parametrize("ends", ["\n", "\r\n", "\r"])
def test_bad_records_keep_their_line_whatever_the_line_end(tmp_path, ends):
    path = tmp_path / "x.csv"
    path.write_text(ends.join([HEADER, row(1), "BR.2;3", "", row(3), "BR.4"]), newline="")
    result = read_study(police_study(path))
    assert accounted(result) == {"lines": 6, "header": 1, "blank": 1, "continued": 0,
                                 "read": 4, "accepted": 2, "quarantined": 2}
    assert result.quarantine["row"].tolist() == [3, 6]


def test_quality_summary_shows_lines():
    result = read_study(police_study(DATA / "whitespace_lines.csv"))
    assert "lines         9" in result.report.summary()


def test_literal_and_doubled_quotes_are_read_as_the_parser_reads_them():
    result = read_study(police_study(DATA / "literal_quotes.csv"))
    assert accounted(result) == {"lines": 7, "header": 1, "blank": 0, "continued": 1,
                                 "read": 5, "accepted": 5, "quarantined": 0}
    reader = SourceReader(DATA / "literal_quotes.csv")
    chunk = next(reader.chunks())
    assert chunk.rows.tolist() == [2, 3, 4, 5, 7]
    assert chunk.frame["REMARQUE"].tolist() == [
        'ecran 12" casse', 'dit "non"', "vu puis parti", "deux\nlignes; avec delimiteur", None]


_PIECES = ["a", "b", ";", '"', '""', "\n", "\r\n", "\r", " ", '"x;y"', '"p\nq"', "12", "\t"]


@settings(max_examples=200, deadline=None)
@given(body=st.lists(st.sampled_from(_PIECES), max_size=40), block=st.integers(2, 17))
def test_record_scan_does_not_depend_on_the_block_size(tmp_path_factory, body, block):
    """Records cut by a block boundary (even inside a CRLF or a quote) are found whole."""
    from trajectory.io.csvscan import scan_records

    path = tmp_path_factory.mktemp("scan") / "x.csv"
    path.write_bytes(("h1;h2;h3\n" + "".join(body)).encode())

    def scan(size):
        try:
            s = scan_records(path, ";", 3, block=size)
        except IngestError as exc:
            return ("refused", exc.row)
        return (s.rows.tolist(), s.bad_records, s.header, s.blank, s.continued, s.records,
                s.lines)

    assert scan(block) == scan(1 << 20)
    whole = scan(1 << 20)
    if whole[0] != "refused":  # every physical line accounted for
        assert whole[2] + whole[3] + whole[4] + whole[5] == whole[6]
