"""Map one chunk of an extract onto the contract and find its row-level problems.

For each record of a :class:`~trajectory.io.readers.Chunk`, :func:`map_chunk`
pseudonymises the identifiers, maps the case columns and code values through the
source's ``values`` tables, parses the event dates (wide: one column an event;
long: one row an event) and their detail codes, and records the *first* problem of
the record (reason code, extract column, offending value). Problems needing other
rows or other files (duplicates, unknown cases, impossible sequences) are found
later, in :mod:`trajectory.io.study`.

Reason codes (row level): ``missing_identifier``, ``unknown_code``, ``bad_date``,
``date_out_of_range``, ``missing_value``, ``missing_date``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import SourceConfig
from ..errors import IngestError
from ..pseudonymise import PseudonymKey, pseudonymise
from ..schema import vocabulary
from .parsing import detail_vocabulary, map_values, normalise_codes, parse_dates
from .readers import Chunk, row_hashes

__all__ = ["MappedChunk", "map_chunk", "required_columns", "normalise_pv_numbers",
           "LINK_IDENTIFIERS"]

#: Identifiers that name a case, in order of precedence for the case key.
LINK_IDENTIFIERS: tuple[str, ...] = ("pv_number", "parquet_number", "case_number")


@dataclass
class MappedChunk:
    """Row-aligned results of :func:`map_chunk` (position ``i`` = record ``rows[i]``)."""

    rows: np.ndarray
    reason: np.ndarray
    column: np.ndarray
    value: np.ndarray
    ids: pd.DataFrame
    attrs: pd.DataFrame
    events: pd.DataFrame
    row_hash: np.ndarray
    unmapped: pd.DataFrame
    spellings: pd.DataFrame


def required_columns(src: SourceConfig) -> list[str]:
    """Extract columns the config of ``src`` refers to, in config order."""
    cols = [*src.identifiers.values(), *src.columns.values(), *src.events.values(),
            *src.event_details.values()]
    if src.long is not None:
        cols += [src.long.event, src.long.date] + ([src.long.code] if src.long.code else [])
    return list(dict.fromkeys(cols))


def check_header(src: SourceConfig, columns: list[str]) -> None:
    """Raise :class:`IngestError` naming the first configured column missing in the file.

    The message never shows the file's header cells (in a file without a header
    line they are the first record): it gives their number, says when the first line
    looks like data, and names a configured column that matches a header cell but for
    case, spaces or accents.
    """
    present = set(columns)
    missing = [col for col in required_columns(src) if col not in present]
    if missing and _looks_like_data(columns):
        raise IngestError(
            "the first line looks like a data record, not column names: the file seems to "
            "have no header line. Re-export the extract with its header (the column names "
            "the study config refers to)",
            file=str(src.path), row=1)
    if missing:
        col = missing[0]
        near = {_fold(c) for c in columns}
        hint = (f" A header cell matches {col!r} except for case, spaces or accents: write "
                "the name exactly as in the file." if _fold(col) in near else "")
        raise IngestError(
            f"required column {col!r} (named in [[sources]] {src.name!r} of the study "
            f"config) is not in the header line ({len(columns)} columns; "
            f"{len(missing)} configured column(s) missing).{hint} Fix the column name in the "
            "config or re-export the extract with that column",
            file=str(src.path),
            column=col,
        )
    if not any(k in src.identifiers for k in LINK_IDENTIFIERS):
        raise IngestError(
            f"[[sources]] {src.name!r} maps no case identifier; map one of "
            f"{', '.join(LINK_IDENTIFIERS)} in identifiers",
            file=str(src.path),
        )


_DATA_CELL = re.compile(r"^[\d\s./:,;+-]*\d[\d\s./:,;+-]*$|^[A-Z]{1,3}[.\s]?\d")


def _looks_like_data(columns: list[str]) -> bool:
    """Most header cells are numbers, dates or PV-like numbers: a data record."""
    hits = sum(bool(_DATA_CELL.match(c)) for c in columns if c)
    return hits >= max(1, (len(columns) + 1) // 2)


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    return "".join(c for c in text if c.isalnum()).casefold()


class _Problems:
    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)
        self.clean = np.ones(n, dtype=np.bool_)  # no problem found yet

    def add(self, mask: pd.Series | np.ndarray, reason: str, column: str,
            values: pd.Series | None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        mask = mask & self.clean
        if not mask.any():
            return
        self.clean[mask] = False
        self.reason[mask] = reason
        self.column[mask] = column
        if values is not None:
            self.value[mask] = np.asarray(values.astype(object))[mask]


@dataclass(frozen=True)
class _Distinct:
    """A column as its distinct values (missing included) and each record's position there.

    The parsing and mapping of a column then runs once a distinct value: a column of a
    few thousand dates or codes costs a few thousand parses, not one a record. A
    column whose values are not all strings (a caller's typed frame) is kept whole.
    """

    values: pd.Series
    codes: np.ndarray | None  # None: ``values`` is the column itself

    @classmethod
    def of(cls, raw: pd.Series) -> _Distinct:
        codes, uniques = pd.factorize(raw, use_na_sentinel=False)
        distinct = pd.Series(uniques.to_numpy(dtype=object), dtype=object)
        distinct = distinct.where(distinct.notna(), None)
        if not all(isinstance(v, str) for v in distinct if v is not None):
            return cls(raw.reset_index(drop=True), None)  # 1 == 1.0 == True for a hash
        return cls(distinct, codes)

    def expand(self, per_value: pd.Series, index: pd.Index) -> pd.Series:
        """A result computed on :attr:`values`, one entry a record again."""
        array = per_value.to_numpy()
        return pd.Series(array if self.codes is None else array[self.codes], index=index)


def _tally(source: str, contract: str, column: str, raw: pd.Series, bad: pd.Series) -> pd.DataFrame:
    counts = raw[bad].value_counts()
    return pd.DataFrame({
        "source": source, "column": contract, "extract_column": column,
        "value": counts.index.astype(str), "count": counts.to_numpy(dtype=np.int64),
    })


@dataclass
class _Mapping:
    """What the steps of :func:`map_chunk` share: the chunk, its config, its problems."""

    frame: pd.DataFrame
    src: SourceConfig
    problems: _Problems
    lo: pd.Timestamp
    hi: pd.Timestamp
    typed: bool
    unmapped: list[pd.DataFrame]
    _distinct: dict[str, _Distinct] = field(default_factory=dict)

    def distinct(self, col: str) -> _Distinct:
        """The distinct values of an extract column (computed once a chunk)."""
        if col not in self._distinct:
            self._distinct[col] = _Distinct.of(self.frame[col])
        return self._distinct[col]

    def dates(self, col: str) -> pd.Series:
        """Parsed dates of a column; bad and out-of-range cells become problems."""
        raw = self.frame[col]
        distinct = self.distinct(col)
        dates, bad = (distinct.expand(part, raw.index) for part in parse_dates(
            distinct.values, date_format=self.src.date_format, decimal=self.src.decimal,
            typed=self.typed))
        self.problems.add(bad, "bad_date", col, raw)
        out = dates.notna() & ((dates < self.lo) | (dates > self.hi))
        self.problems.add(out, "date_out_of_range", col, raw)
        return dates

    def details(self, col: str | None, events: pd.Series, has: pd.Series) -> pd.Series:
        """Detail codes of a column, checked against each event's vocabulary."""
        frame = self.frame
        if col is None:
            return pd.Series(None, index=frame.index, dtype=object)
        raw = frame[col]
        distinct = self.distinct(col)
        raw_codes = distinct.values
        code_map = dict(self.src.values.get("code", {}))
        if code_map:
            mapped = raw_codes.map(code_map)
            raw_codes = mapped.where(mapped.notna(), raw_codes)
        codes = distinct.expand(normalise_codes(raw_codes, decimal=self.src.decimal),
                                raw.index)
        bad = pd.Series(False, index=frame.index)
        for event in pd.unique(events[has & codes.notna()]):
            allowed = detail_vocabulary(str(event))
            if allowed is not None:
                bad |= has & codes.notna() & (events == event) & ~codes.isin(allowed)
        if bad.any():
            self.problems.add(bad, "unknown_code", col, raw)
            self.unmapped.append(_tally(self.src.name, "code", col, raw, bad))
        return codes


def map_chunk(
    chunk: Chunk,
    src: SourceConfig,
    *,
    key: PseudonymKey,
    min_date: dt.date,
    max_date: dt.date,
    typed: bool = False,
    normalise_pv: bool = True,
) -> MappedChunk:
    """Map a chunk of ``src`` onto the contract; see the module docstring.

    Parameters
    ----------
    chunk : Chunk
        Records as strings, with their source row numbers.
    src : SourceConfig
        How the file maps onto the contract.
    key : PseudonymKey
        Pseudonymisation key for the identifiers.
    min_date, max_date : datetime.date
        Plausible range of event dates (inclusive); others are ``date_out_of_range``.
    typed : bool
        True for Excel/Parquet (date cells arrive as ISO text).
    normalise_pv : bool
        Upper-case PV numbers and drop their spaces and dots before pseudonymising
        (:func:`normalise_pv_numbers`).

    Returns
    -------
    MappedChunk
    """
    frame = chunk.frame
    step = _Mapping(frame, src, _Problems(len(frame)), pd.Timestamp(min_date),
                    pd.Timestamp(max_date), typed, [])
    for col, (values, codes) in (chunk.distinct or {}).items():  # the reader's encoding
        step._distinct[col] = _Distinct(pd.Series(values, dtype=object), codes)
    ids, spellings = _identifiers(step, key, normalise_pv)
    attrs = _case_columns(step)
    events = _wide_events(step) if src.long is None else _long_events(step)
    return MappedChunk(
        rows=chunk.rows,
        reason=step.problems.reason,
        column=step.problems.column,
        value=step.problems.value,
        ids=ids.reset_index(drop=True),
        attrs=attrs.reset_index(drop=True),
        events=events,
        row_hash=chunk.row_hash if chunk.row_hash is not None else row_hashes(frame),
        unmapped=(pd.concat(step.unmapped, ignore_index=True) if step.unmapped
                  else _EMPTY_UNMAPPED),
        spellings=spellings,
    )


def _identifiers(step: _Mapping, key: PseudonymKey, normalise_pv: bool
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pseudonyms of the identifiers (a record with no case key is a problem)."""
    frame, src = step.frame, step.src
    raw_ids = {kind: frame[col] for kind, col in src.identifiers.items()}
    if normalise_pv and "pv_number" in raw_ids:
        raw_ids["pv_number"] = normalise_pv_numbers(raw_ids["pv_number"])
    ids = pd.DataFrame(
        {kind: pseudonymise(values, key=key, kind=kind) for kind, values in raw_ids.items()},
        index=frame.index,
    )
    spellings = _EMPTY_SPELLINGS
    if "pv_number" in raw_ids:
        spellings = _spellings(frame[src.identifiers["pv_number"]], ids["pv_number"])
    linking = [k for k in LINK_IDENTIFIERS if k in ids]
    missing = ids[linking].isna().all(axis=1)
    step.problems.add(missing, "missing_identifier", src.identifiers[linking[0]], None)
    return ids, spellings


def _case_columns(step: _Mapping) -> pd.DataFrame:
    """Case columns mapped onto contract values (unmapped codes are problems)."""
    frame, src = step.frame, step.src
    attrs = {}
    for contract, col in src.columns.items():
        raw = frame[col]
        distinct = step.distinct(col)
        values, bad = (distinct.expand(part, raw.index) for part in map_values(
            distinct.values, contract, dict(src.values.get(contract, {})),
            decimal=src.decimal))
        if bad.any():
            step.problems.add(bad, "unknown_code", col, raw)
            step.unmapped.append(_tally(src.name, contract, col, raw, bad))
        attrs[contract] = values
    return pd.DataFrame(attrs, index=frame.index)


def _wide_events(step: _Mapping) -> pd.DataFrame:
    """One event a dated cell of the event columns (one row a case)."""
    frame, src = step.frame, step.src
    pieces = []
    for event, col in src.events.items():
        dates = step.dates(col)
        has = dates.notna()
        detail = step.details(src.event_details.get(event),
                              pd.Series(event, index=frame.index), has)
        pos = np.flatnonzero(has.to_numpy())
        pieces.append(pd.DataFrame({
            "pos": pos, "event": event, "date": dates.to_numpy()[pos],
            "code": detail.to_numpy()[pos], "column": col,
        }))
    if not pieces:
        return pd.DataFrame({"pos": np.array([], dtype=np.int64), "event": [],
                             "date": pd.to_datetime([]), "code": [], "column": []})
    return pd.concat(pieces, ignore_index=True)


def _long_events(step: _Mapping) -> pd.DataFrame:
    """One event a row (event label, date and detail columns)."""
    frame, src, problems = step.frame, step.src, step.problems
    long = src.long
    assert long is not None
    raw = frame[long.event]
    distinct = step.distinct(long.event)
    event_map = dict(src.values.get("event", {}))
    labels = distinct.values
    mapped = labels.map(event_map) if event_map else labels
    mapped = mapped.where(mapped.notna(), labels)
    known = set(vocabulary("events")["code"])
    events = distinct.expand(mapped, raw.index)
    bad = distinct.expand(labels.notna() & ~mapped.isin(known), raw.index).astype(bool)
    problems.add(raw.isna(), "missing_value", long.event, raw)
    if bad.any():
        problems.add(bad, "unknown_code", long.event, raw)
        step.unmapped.append(_tally(src.name, "event", long.event, raw, bad))
    problems.add(frame[long.date].isna(), "missing_date", long.date, frame[long.date])
    dates = step.dates(long.date)
    has = dates.notna() & ~bad & raw.notna()
    detail = step.details(long.code, events, has)
    return pd.DataFrame({
        "pos": np.arange(len(frame)), "event": events.to_numpy(dtype=object),
        "date": dates.to_numpy(), "code": detail.to_numpy(dtype=object), "column": long.date,
    })


def normalise_pv_numbers(raw: pd.Series) -> pd.Series:
    """PV numbers upper-cased, without spaces and dots: ``br. 12`` and ``BR12`` are one PV.

    Examples
    --------
    >>> import pandas as pd
    >>> normalise_pv_numbers(pd.Series(["BR.12.L3.1/24", "br 12 l3 1/24", None])).tolist()
    ['BR12L31/24', 'BR12L31/24', None]
    """
    text = _arrow_text(raw)
    text = pc.replace_substring_regex(pc.utf8_upper(text), pattern=r"[\s\x{00A0}.]+",
                                      replacement="")
    out = pd.Series(text.to_numpy(zero_copy_only=False), index=raw.index, dtype=object)
    return out.where(out.notna() & (out != ""), None)


def _arrow_text(raw: pd.Series) -> pa.Array:
    """A column of strings (or None) as an Arrow string array, without a loop per value."""
    try:
        return pa.array(raw.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers from a typed source
        return pa.array(raw.astype(object).where(raw.isna(), raw.astype(str)).to_numpy(
            dtype=object), type=pa.string(), from_pandas=True)


def _spellings(raw: pd.Series, pseudonyms: pd.Series) -> pd.DataFrame:
    """Distinct (spelling hash, pseudonym) pairs: counts spellings merged by normalisation.

    The spelling is kept as an unkeyed 64-bit hash in memory only, never stored.
    """
    keep = raw.notna().to_numpy() & pseudonyms.notna().to_numpy()
    spelled = pc.utf8_trim_whitespace(_arrow_text(raw[keep]))
    frame = pd.DataFrame({
        "spelling": pd.util.hash_array(spelled.to_numpy(zero_copy_only=False)),
        "pseudonym": pseudonyms[keep].to_numpy(dtype=object)})
    return frame.drop_duplicates()


_EMPTY_SPELLINGS = pd.DataFrame({"spelling": np.array([], dtype=np.uint64),
                                 "pseudonym": np.array([], dtype=object)})


_EMPTY_UNMAPPED = pd.DataFrame({"source": [], "column": [], "extract_column": [],
                                "value": [], "count": np.array([], dtype=np.int64)})
