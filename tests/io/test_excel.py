"""Excel cells that only look empty: merged ranges and formulas without a saved value.

Fixture ``tests/io/data/merged_formula.xlsx`` (see README.md there): sheet
``contacts`` with B3:B4 merged and a formula in C5 that Excel never calculated, plus
two other sheets that are not read.
"""

from __future__ import annotations

from pathlib import Path

from _support.studies import police_study
from trajectory.io import read_study

DATA = Path(__file__).parent / "data"


def _study():
    return police_study(DATA / "merged_formula.xlsx", format="excel", sheet="contacts",
                        identifiers={"pv_number": "pv"}, columns={},
                        events={"E11": "date_contact"})


def test_merged_and_uncalculated_cells_are_quarantined_naming_sheet_and_cell():
    result = read_study(_study())
    q = result.quarantine
    assert q[["row", "column", "reason"]].values.tolist() == [
        [3, "type_contact", "merged_cell"],
        [4, "type_contact", "merged_cell"],
        [5, "date_contact", "formula_without_value"],
    ]
    assert q["detail"].iloc[0].startswith("cells B3:B4 of sheet 'contacts' are merged")
    assert q["detail"].iloc[2].startswith("cell C5 of sheet 'contacts' holds a formula")
    assert q["value"].isna().all()  # no cell value is kept
    t = result.report.table.iloc[0]
    assert (t["lines"], t["header"], t["blank"], t["accepted"], t["quarantined"]) == (
        6, 1, 0, 2, 3)
    assert result.log.n_cases == 2


def test_the_sheets_not_read_are_named_in_the_report():
    report = read_study(_study()).report
    assert report.remarks == ("merged_formula.xlsx: sheet 'contacts' read; the workbook's "
                            "other sheet(s) 'notes', 'archive' were not read",)
    assert "Remarks:" in report.summary() and "'archive'" in report.summary()
