"""What openpyxl's values alone do not tell about an Excel sheet: merges and formulas.

Read with cached values (``data_only=True``), a merged range gives its value to the
top-left cell only and ``None`` to the others, and a formula that Excel never
calculated (a workbook written by a script, not saved by Excel) gives ``None`` too:
both look like empty cells. :func:`merged_rows` finds the merged ranges in the
sheet's XML and :func:`formula_rows` reads the formulas, so that the reader can
quarantine those rows with a reason naming the sheet and the cell, instead of
reading a missing value.

Examples
--------
>>> import tempfile, pathlib, openpyxl
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.xlsx"
>>> book = openpyxl.Workbook()
>>> sheet = book.active
>>> sheet.title = "contacts"
>>> for row in (["pv", "date"], ["A1", "2024-01-02"], ["A2", None], ["A3", "=B2+1"]):
...     sheet.append(row)
>>> sheet.merge_cells("B2:B3")
>>> book.save(path)
>>> ro = openpyxl.load_workbook(path, read_only=True)
>>> merged_rows(ro["contacts"])
{2: (2, 'B2:B3'), 3: (2, 'B2:B3')}
>>> list(formula_rows(path, "contacts", first_row=2))
[('A1', '2024-01-02'), ('A2', None), ('A3', '=B2+1')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["merged_rows", "formula_rows", "is_formula", "cell_name"]

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_number(letters: bytes | str) -> int:
    """1-based column number of Excel column letters (``"A"`` -> 1, ``"AA"`` -> 27)."""
    text = letters.decode() if isinstance(letters, bytes) else letters
    number = 0
    for char in text:
        number = number * 26 + ord(char) - 64
    return number


def cell_name(column: int, row: int) -> str:
    """Excel name of a cell from its 1-based column and row (``(3, 5)`` -> ``"C5"``)."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def merged_rows(sheet: Any, *, first_row: int = 2) -> dict[int, tuple[int, str]]:
    """Data rows covered by a merged range: row -> (first column of the range, range).

    Reads the ``<mergeCell>`` elements of the sheet's XML (openpyxl's read-only
    worksheets do not expose them) in blocks, without loading the sheet.
    """
    found: dict[int, tuple[int, str]] = {}
    source = sheet._get_source()  # the worksheet XML inside the workbook
    tail = b""
    try:
        while block := source.read(1 << 22):
            data = tail + block
            for match in _MERGE.finditer(data):
                col1, row1, col2, row2 = match.groups()
                top, bottom = int(row1), int(row2 or row1)
                ref = (f"{col1.decode()}{top}:{(col2 or col1).decode()}{bottom}")
                for row in range(max(top, first_row), bottom + 1):
                    found.setdefault(row, (_column_number(col1), ref))
            tail = data[-256:]
    finally:
        source.close()
    return found


def formula_rows(path: Path, sheet_name: str, *, first_row: int = 1) -> Iterator[tuple]:
    """The sheet's rows with formulas as text (``"=B2+1"``) instead of their values."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        yield from book[sheet_name].iter_rows(min_row=first_row, values_only=True)
    finally:
        book.close()


def is_formula(value: object) -> bool:
    """A cell value read with ``data_only=False`` that is a formula."""
    return isinstance(value, str) and value.startswith("=")
