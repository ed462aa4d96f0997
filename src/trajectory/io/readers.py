r"""Read extract files as chunks of strings with their source row numbers.

Every reader yields :class:`Chunk` objects: a DataFrame whose cells are stripped
strings or ``None`` (all columns of the file, as text) and the row number of each
record in the source: the physical line number for CSV (header = line 1; a record
with a quoted line break is numbered by the line it starts on), the sheet row for
Excel, the record number (from 1) for Parquet. Parsing into dates and codes happens
later (:mod:`trajectory.io.mapping`), so that a bad cell quarantines one row and
never stops the file.

CSV files are scanned for their records (:mod:`.csvscan`, array operations on the
bytes) and parsed by pyarrow in blocks (a file larger than memory is read piece by
piece); Excel sheets with openpyxl in read-only mode (merged ranges and formulas
without a saved value go to :attr:`SourceReader.cell_rejects`, see :mod:`.excel`);
Parquet files by record batches. Records with the wrong number of fields (a truncated
last line, a stray delimiter) are collected in :attr:`SourceReader.bad_records` with
their line.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "x.csv").write_bytes("id;ville\n1;Liège\n2\n".encode("cp1252"))
>>> reader = SourceReader(folder / "x.csv")
>>> reader.encoding, reader.delimiter, reader.columns
('cp1252', ';', ['id', 'ville'])
>>> [c.frame.values.tolist() for c in reader.chunks()], reader.bad_records
([[['1', 'Liège']]], [(3, 'expected 2 fields, found 1')])
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import IngestError
from .csvfile import LineTally, survey
from .csvscan import scan_records

__all__ = ["Chunk", "SourceReader", "detect_encoding", "detect_delimiter"]

CHUNK_ROWS = 250_000
_BLOCK = 1 << 24
_SAMPLE = 1 << 16


@dataclass(frozen=True)
class Chunk:
    """Consecutive records of a file: ``frame`` of strings/None, ``rows`` their numbers.

    ``row_hash``, when the reader has it, is :func:`row_hashes` of ``frame`` (computed
    from the columns' dictionary encodings, cheaper than hashing every cell).
    ``distinct``, when the reader has it, gives for each column its distinct values
    (``None`` last) and each record's position among them: ``values[codes]`` is the
    column.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    row_hash: np.ndarray | None = None
    distinct: dict[str, tuple[np.ndarray, np.ndarray]] | None = None


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """64-bit hash of each row of a frame of strings/None (equal rows, equal hashes).

    The same values as ``pandas.util.hash_pandas_object(frame, index=False)``.
    """
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _combine_hashes(hashes: list[np.ndarray], n_rows: int) -> np.ndarray:
    """Row hashes from the column hashes, combined as pandas combines them.

    (``pandas.core.util.hashing.combine_hash_arrays``, so that :func:`row_hashes` and
    the readers' hashes agree.)
    """
    if not hashes:
        return np.zeros(n_rows, dtype=np.uint64)
    mult = np.uint64(1000003)
    out = np.zeros(n_rows, dtype=np.uint64) + np.uint64(0x345678)
    with np.errstate(over="ignore"):
        for i, values in enumerate(hashes):
            inverse = len(hashes) - i
            out ^= values
            out *= mult
            mult += np.uint64(82520 + inverse + inverse)
        out += np.uint64(97531)
    return out


def detect_encoding(path: Path) -> str:
    """Return ``"utf-8-sig"`` (BOM), ``"utf-8"`` (valid UTF-8) or ``"cp1252"``.

    The whole file is checked (in blocks), so a single Windows-1252 byte far down a
    large file is found.
    """
    with open(path, "rb") as handle:
        head = handle.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := handle.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def detect_delimiter(header: str, sample_lines: list[str]) -> str:
    """Pick the delimiter among ``; , tab |`` that splits the header into most fields.

    Ties are broken by how consistently the next lines split into the same number
    of fields. Returns ``","`` for a single-column file.

    Examples
    --------
    >>> detect_delimiter("a;b;c", ["1;2,5;3"])
    ';'
    """
    best, best_score = ",", (0, 0)
    for delim in (";", ",", "\t", "|"):
        n = len(next(csv.reader([header], delimiter=delim)))
        if n < 2:
            continue
        same = sum(
            len(next(csv.reader([line], delimiter=delim), [])) == n for line in sample_lines
        )
        score = (n, same)
        if score > best_score:
            best, best_score = delim, score
    return best


class SourceReader:
    """Open one extract file and read it as string chunks.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    format : {"csv", "parquet", "excel"}
    delimiter, encoding : str
        ``"auto"`` to detect (CSV only).
    sheet : str or int, optional
        Excel sheet name or 0-based index (default: the first sheet).
    chunk_rows : int
        Records a chunk (Excel, Parquet); CSV chunks are blocks of ~16 MB.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        format: str = "csv",
        delimiter: str = "auto",
        encoding: str = "auto",
        sheet: str | int | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> None:
        self.path = Path(path)
        self.format = format
        self.sheet = sheet
        self.chunk_rows = chunk_rows
        self.bad_records: list[tuple[int, str]] = []
        #: Records rejected for a cell: (row, reason, column, detail) (Excel merges, formulas).
        self.cell_rejects: list[tuple[int, str, str | None, str]] = []
        #: Remarks for the quality report (e.g. a workbook's sheets that were not read).
        self.notes: list[str] = []
        self.blank_records = 0
        self.encoding = ""
        self.delimiter = ""
        self.lines = 0
        self.tally = LineTally()
        self._has_quotes = False
        if not self.path.is_file():
            raise IngestError(
                "file not found; check [[sources]] path in the study config "
                "(relative paths are resolved against the config file's folder)",
                file=str(self.path),
            )
        if format == "csv":
            self._open_csv(delimiter, encoding)
        elif format == "parquet":
            self._open_parquet()
        elif format == "excel":
            self._open_excel()
        else:
            raise IngestError(f"unknown format {format!r}", file=str(self.path))

    # ----------------------------------------------------------------- CSV
    def _open_csv(self, delimiter: str, encoding: str) -> None:
        if self.path.stat().st_size == 0:
            raise IngestError(
                "the file is empty (0 bytes): no header line. Re-export the extract with "
                "its header, or remove this source from the config",
                file=str(self.path),
            )
        found = survey(self.path, encoding)
        self.encoding, self.lines, self._has_quotes = found.encoding, found.lines, found.has_quotes
        with open(self.path, "rb") as handle:
            raw = handle.read(_SAMPLE)
        text = raw.decode(self.encoding, errors="replace").lstrip("\ufeff")
        lines = text.splitlines()
        if not lines or not lines[0].strip():
            raise IngestError(
                "the first line is empty: the header line with the column names is missing",
                file=str(self.path),
                row=1,
            )
        self.delimiter = (
            detect_delimiter(lines[0], lines[1:20]) if delimiter == "auto" else delimiter
        )
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter))
        self.columns = [h.strip() for h in header]
        dupes = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if dupes:
            raise IngestError(
                f"{len(dupes)} column name(s) appear more than once in the header (columns "
                f"{_positions(self.columns, dupes)}); rename them in the extract",
                file=str(self.path),
                row=1,
            )

    def _csv_chunks(self) -> Iterator[Chunk]:
        """Records parsed by pyarrow in blocks; their lines come from :func:`scan_records`."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        ncol = len(self.columns)
        found = scan_records(self.path, self.delimiter, ncol)
        if found.lines != self.lines:
            raise IngestError(
                f"the file has {self.lines} lines but the record scan found {found.lines}; "
                "please report this as a bug of trajectory with the file's shape",
                file=str(self.path))

        def handler(row: pacsv.InvalidRow) -> str:
            return "skip"  # the scan has them as bad records (or blank), with their lines

        arrow_encoding = "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding
        read_options = pacsv.ReadOptions(
            column_names=[f"c{i}" for i in range(ncol)], skip_rows=1,
            encoding=arrow_encoding, use_threads=True, block_size=_BLOCK)
        parse_options = pacsv.ParseOptions(
            delimiter=self.delimiter, quote_char='"' if self._has_quotes else False,
            double_quote=True, newlines_in_values=found.continued > 0 or found.header > 1,
            invalid_row_handler=handler, ignore_empty_lines=True)
        convert_options = pacsv.ConvertOptions(
            column_types={f"c{i}": pa.string() for i in range(ncol)}, null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=True)
        expected = len(found.rows)
        emitted = 0
        try:
            reader = pacsv.open_csv(self.path, read_options=read_options,
                                    parse_options=parse_options,
                                    convert_options=convert_options)
            for batch in reader:
                n = batch.num_rows
                if emitted + n > expected:  # the open quote of a truncated last line
                    n = expected - emitted
                    if n < 0 or not found.unclosed_last:
                        raise self._disagree(found, emitted)
                    batch = batch.slice(0, n)
                frame, blank, hashes, distinct = _arrow_strings(batch)
                frame.columns = self.columns
                rows = found.rows[emitted:emitted + n]
                emitted += n
                yield self._clean(frame, rows, blank, hashes, distinct)
        except pa.ArrowInvalid as exc:
            line = int(found.rows[min(emitted, expected - 1)]) if expected else 2
            raise IngestError(
                f"cannot parse the file near line {line} ({_arrow_reason(exc)}); check the "
                "delimiter, the quotes and the line ends there",
                file=str(self.path), row=line) from None
        if emitted != expected:
            raise self._disagree(found, emitted)
        self.bad_records = found.bad_records
        t = self.tally
        t.header, t.blank, t.continued, t.records = (found.header, found.blank,
                                                      found.continued, found.records)
        self._check_lines()

    def _disagree(self, found: object, emitted: int) -> IngestError:
        rows = found.rows  # type: ignore[attr-defined]
        line = int(rows[min(emitted, len(rows) - 1)]) if len(rows) else 2
        return IngestError(
            f"the CSV parser and the line scan disagree about the records after line {line} "
            "(quotes inside values?); save the file again as CSV and read it again",
            file=str(self.path), row=line)

    def _check_lines(self) -> None:
        """Every physical line is the header, blank, a record or inside one."""
        t = self.tally
        t.blank += self.blank_records
        t.records -= self.blank_records
        self.blank_records = t.blank
        counted = t.header + t.blank + t.continued + t.records
        if counted != self.lines:
            raise IngestError(
                f"the file has {self.lines} lines but {counted} "
                "were read, so some would be lost (mixed quoting or line ends?); save the file "
                "again as CSV and read it again",
                file=str(self.path))

    def _clean(self, frame: pd.DataFrame, rows: np.ndarray, blank: np.ndarray,
               hashes: np.ndarray | None = None,
               distinct: list[tuple[np.ndarray, np.ndarray]] | None = None) -> Chunk:
        """Drop the records whose every cell is empty (``blank``), counting them."""
        if blank.any():
            self.blank_records += int(blank.sum())
            frame = frame.loc[~blank].reset_index(drop=True)
            rows = rows[~blank]
            hashes = None if hashes is None else hashes[~blank]
            distinct = None if distinct is None else [(u, c[~blank]) for u, c in distinct]
        named = None if distinct is None else dict(zip(frame.columns, distinct, strict=True))
        return Chunk(frame, np.asarray(rows, dtype=np.int64), hashes, named)

    # ------------------------------------------------------------- Parquet
    def _open_parquet(self) -> None:
        import pyarrow.parquet as pq

        try:
            self._parquet = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise IngestError(
                f"not a readable Parquet file ({exc}); re-export it or set format = 'csv'",
                file=str(self.path),
            ) from None
        self.columns = list(self._parquet.schema_arrow.names)
        self.lines = int(self._parquet.metadata.num_rows)

    def _parquet_chunks(self) -> Iterator[Chunk]:
        import pyarrow as pa
        import pyarrow.compute as pc

        start = 1
        for batch in self._parquet.iter_batches(batch_size=self.chunk_rows):
            arrays = []
            for array in batch.columns:
                if pa.types.is_timestamp(array.type):
                    array = pc.strftime(array, format="%Y-%m-%d")
                elif not pa.types.is_string(array.type):
                    array = array.cast(pa.string())
                arrays.append(array)
            frame, blank, hashes, distinct = _arrow_strings(
                pa.RecordBatch.from_arrays(arrays, names=batch.schema.names))
            rows = np.arange(start, start + len(frame), dtype=np.int64)
            start += len(frame)
            yield self._clean(frame, rows, blank, hashes, distinct)
        self.tally.blank = self.blank_records
        self.tally.records = self.lines - self.blank_records

    # --------------------------------------------------------------- Excel
    def _open_excel(self) -> None:
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile/KeyError/... on a bad file
            raise IngestError(
                f"not a readable .xlsx workbook ({exc}); save it as .xlsx or export to CSV",
                file=str(self.path),
            ) from None
        names = self._book.sheetnames
        if self.sheet is None and len(names) > 1:
            raise IngestError(
                f"the workbook has {len(names)} sheets and the study config does not say which "
                "to read; set sheet = \"<name as on the tab>\" or sheet = <0-based position> "
                "in this [[sources]] table",
                file=str(self.path))
        sheet = self.sheet if self.sheet is not None else 0
        if isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise IngestError(
                    f"sheet index {sheet} out of range: the workbook has {len(names)} sheets "
                    f"(0 to {len(names) - 1}); set sheet in [[sources]]",
                    file=str(self.path))
            sheet = names[sheet]
        if sheet not in names:
            raise IngestError(
                f"no sheet named {sheet!r} among the workbook's {len(names)} sheets; set "
                "sheet in [[sources]] to the name as on the tab, or a 0-based position",
                file=str(self.path),
            )
        self.sheet_name = sheet
        self._sheet = self._book[sheet]
        others = [name for name in names if name != sheet]
        if others:
            self.notes.append(
                f"{self.path.name}: sheet {sheet!r} read; the workbook's other sheet(s) "
                f"{', '.join(repr(o) for o in others)} were not read")
        header = next(self._sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if header is None or all(h is None for h in header):
            raise IngestError(
                f"sheet {sheet!r} is empty: row 1 must hold the column names",
                file=str(self.path),
                row=1,
            )
        width = max(i for i, h in enumerate(header) if h is not None) + 1
        self.columns = [str(h).strip() if h is not None else f"column_{i + 1}"
                        for i, h in enumerate(header[:width])]

    def _excel_chunks(self) -> Iterator[Chunk]:
        from .excel import cell_name, formula_rows, is_formula, merged_rows

        width = len(self.columns)
        records: list[list[str | None]] = []
        rows: list[int] = []
        self.lines = 1
        merged = merged_rows(self._sheet)
        formulas = formula_rows(self.path, self.sheet_name, first_row=2)
        where = f"of sheet {self.sheet_name!r}"
        for (number, values), written in zip(
            enumerate(self._sheet.iter_rows(min_row=2, values_only=True), start=2),
            formulas, strict=False,
        ):
            self.lines = number
            cells = [_excel_text(v) for v in values[:width]]
            cells += [None] * (width - len(cells))
            if any(v is not None for v in values[width:]):
                self.bad_records.append((number, f"values beyond the {width} header columns"))
                continue
            if number in merged and merged[number][0] <= width:
                col, ref = merged[number]
                self.cell_rejects.append((number, "merged_cell", self.columns[col - 1],
                                          f"cells {ref} {where} are merged: one value stands "
                                          "for several rows; unmerge them and fill each row"))
                continue
            uncached = [i for i, (v, f) in enumerate(zip(values[:width], written[:width],
                                                         strict=False))
                        if v is None and is_formula(f)]
            if uncached:
                i = uncached[0]
                self.cell_rejects.append((
                    number, "formula_without_value", self.columns[i],
                    f"cell {cell_name(i + 1, number)} {where} holds a formula with no saved "
                    "value (the workbook was not saved by Excel); open and save it in Excel, "
                    "or paste the values"))
                continue
            if all(c is None for c in cells):
                self.blank_records += 1
                continue
            records.append(cells)
            rows.append(number)
            if len(records) >= self.chunk_rows:
                yield Chunk(pd.DataFrame(records, columns=self.columns, dtype=object),
                            np.asarray(rows, dtype=np.int64))
                records, rows = [], []
        yield Chunk(pd.DataFrame(records, columns=self.columns, dtype=object),
                    np.asarray(rows, dtype=np.int64))
        formulas.close()  # type: ignore[attr-defined]
        self._book.close()
        self.tally.header, self.tally.blank = 1, self.blank_records
        self.tally.records = self.lines - 1 - self.blank_records

    # ---------------------------------------------------------------------
    def chunks(self) -> Iterator[Chunk]:
        """Yield the records of the file, in order, as :class:`Chunk` objects."""
        if self.format == "csv":
            yield from self._csv_chunks()
        elif self.format == "parquet":
            yield from self._parquet_chunks()
        else:
            yield from self._excel_chunks()


def _arrow_strings(batch: object) -> tuple[pd.DataFrame, np.ndarray, np.ndarray,
                                           list[tuple[np.ndarray, np.ndarray]]]:
    """Stripped strings, blank records, row hashes and distinct values of a record batch.

    Empty strings become None. The distinct values of each column, with each record's
    code among them, are :attr:`Chunk.distinct`. Equal values share one Python string
    (through a dictionary encoding), so a column of a few thousand distinct dates or
    codes holds a few thousand strings, not one a row. The row hashes
    (:func:`row_hashes`) come from the same encoding: each distinct value of a column
    is hashed once.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = {}
    hashes = []
    distinct = []
    n_rows: int = batch.num_rows  # type: ignore[attr-defined]
    blank: np.ndarray = np.ones(n_rows, dtype=np.bool_)
    for name, array in zip(batch.schema.names, batch.columns, strict=True):  # type: ignore[attr-defined]
        trimmed = pc.utf8_trim_whitespace(array)
        cleaned = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
        blank = blank & cleaned.is_null().to_numpy(zero_copy_only=False)
        encoded = pc.dictionary_encode(cleaned)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        uniques = np.append(encoded.dictionary.to_numpy(zero_copy_only=False),
                            np.array([None], dtype=object))
        codes = encoded.indices.fill_null(len(uniques) - 1).to_numpy(zero_copy_only=False)
        cols[name] = uniques[codes]
        distinct.append((uniques, codes))
        # as pandas hashes an object column: its distinct values, missing ones as u8max
        hashed = np.append(pd.util.hash_array(uniques[:-1], categorize=False),
                           np.uint64(np.iinfo(np.uint64).max))
        hashes.append(hashed[codes])
    return pd.DataFrame(cols), blank, _combine_hashes(hashes, n_rows), distinct


def _excel_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _positions(columns: list[str], names: list[str]) -> list[int]:
    """1-based positions of the header cells in ``names`` (never the cells)."""
    return [i + 1 for i, c in enumerate(columns) if c in names]


def _arrow_reason(exc: Exception) -> str:
    """The kind of a pyarrow parse error, without the row text it may quote."""
    text = str(exc)
    if "straddling" in text or "block" in text:
        return "a line longer than the read block"
    if "UTF8" in text or "utf-8" in text.lower():
        return "invalid UTF-8"
    return "malformed CSV"
