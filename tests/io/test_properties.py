"""Property test: corrupt random cells of a valid extract; nothing is lost, nothing bad kept."""

from __future__ import annotations

import csv
import io
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trajectory.config import from_dict
from trajectory.io import read_study

N = 12
HEADER = ["PV", "ZONE", "SEXE", "D_PLAINTE", "D_PV"]
VALID = [[f"PV-{i:03d}", "5339" if i % 2 else "5341", "F" if i % 3 else "H",
          f"{1 + i:02d}/03/2024", f"2024-03-{2 + i:02d}"] for i in range(N)]

# Values that are invalid whatever the row (the oracle does not use trajectory.io):
# a zone or sex made of letters is never a zone code nor F/M/X/H; these dates do
# not exist or lie outside 1990-01-01 .. 2025-06-30.
_text = st.text(alphabet=string.ascii_letters + "é;,\"' \n|\t", min_size=1, max_size=8).filter(
    lambda v: any(c.isalpha() for c in v) and v.strip() not in ("F", "M", "X", "H"))
_bad_dates = st.sampled_from([
    "31/02/2024", "2024-02-30", "00/01/2024", "13/13/2024", "2024/03/01", "01/01/1980",
    "2031-01-01", "45292,5x", "yesterday", "1/1/24", "0", "99999999", "01-01-2026",
]) | _text
_BAD = {"PV": st.just(""), "ZONE": _text, "SEXE": _text, "D_PLAINTE": _bad_dates,
        "D_PV": _bad_dates}
_corruption = st.tuples(st.integers(0, N - 1), st.sampled_from(HEADER)).flatmap(
    lambda rc: st.tuples(st.just(rc[0]), st.just(rc[1]), _BAD[rc[1]]))


def _write(rows: list[list[str]], path: Path, delimiter: str) -> list[int]:
    """Write the CSV; return the line on which each record starts (header = 1)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    starts = []
    for row in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return starts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions=st.lists(_corruption, max_size=6),
       blanks=st.lists(st.integers(0, N - 1), max_size=3),
       delimiter=st.sampled_from([";", ",", "|"]))
def test_corrupted_cells_are_quarantined_and_nothing_is_lost(corruptions, blanks, delimiter):
    rows = [list(r) for r in VALID]
    for i in blanks:  # an empty D_PV is valid: the event is simply absent
        rows[i][4] = ""
    bad_rows = set()
    for i, column, value in corruptions:
        rows[i][HEADER.index(column)] = value
        bad_rows.add(i)
    with tempfile.TemporaryDirectory() as folder:
        starts = _write(rows, Path(folder) / "police.csv", delimiter)
        cfg = from_dict({
            "study": {"name": "p", "extraction_date": "2025-06-30", "synthetic": True},
            "sources": [{
                "name": "police", "kind": "police", "path": "police.csv",
                "identifiers": {"pv_number": "PV"},
                "columns": {"zone": "ZONE", "victim_sex": "SEXE"},
                "values": {"victim_sex": {"H": "M"}},
                "events": {"E11": "D_PLAINTE", "E12": "D_PV"}}]}, base=Path(folder))
        result = read_study(cfg)
    table = result.report.table.iloc[0]
    assert table["read"] == N
    assert table["accepted"] + table["quarantined"] == N
    quarantined = set(result.quarantine["row"].tolist())
    assert quarantined == {starts[i] for i in bad_rows}
    assert set(result.quarantine["reason"]) <= {
        "missing_identifier", "unknown_code", "bad_date", "date_out_of_range"}
    assert result.log.n_cases == N - len(bad_rows)
    expected_events = sum(1 + (rows[i][4] != "") for i in range(N) if i not in bad_rows)
    assert result.log.n_events == expected_events
