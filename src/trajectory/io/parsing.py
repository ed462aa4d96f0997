"""Parse extract cells: dates, code columns, booleans, detail codes, allowed values.

All functions take a Series of stripped strings (or ``None``) and return the parsed
values plus a boolean mask of the cells that could not be parsed, so that the caller
can quarantine those rows. Nothing is silently coerced to missing.

Dates (``date_format = "auto"``) are read value by value in any of three forms that
cannot be confused with each other:

* ``yyyy-mm-dd`` (optionally followed by a time, which is dropped);
* ``dd/mm/yyyy`` (also ``dd-mm-yyyy`` and ``dd.mm.yyyy``): day first, as in Belgium,
  never month first;
* Excel serial day numbers from 10000 (1927-05-18) to 109574 (2199-12-31), with
  an optional fraction (the time of day, dropped) written with the source's decimal
  mark.

Examples
--------
>>> import pandas as pd
>>> s = pd.Series(["2021-03-04", "04/03/2021", "44259", "31/02/2021", None])
>>> dates, bad = parse_dates(s)
>>> dates.dt.strftime("%Y-%m-%d").tolist(), bad.tolist()
(['2021-03-04', '2021-03-04', '2021-03-04', nan, nan], [False, False, False, True, False])
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import CASE_COLUMNS, VALUE_SETS, vocabulary

__all__ = [
    "parse_dates",
    "normalise_codes",
    "allowed_values",
    "detail_vocabulary",
    "map_values",
    "BOOLEAN_COLUMNS",
    "CODE_COLUMNS",
]

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + "$"
_DMY = r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})" + _TIME + "$"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_FORMAT_PARTS = {"%d": r"(?P<d>\d{1,2})", "%m": r"(?P<m>\d{1,2})", "%Y": r"(?P<y>\d{4})"}

#: Case columns holding codes that Excel may have turned into numbers ("21004.0").
CODE_COLUMNS: tuple[str, ...] = ("zone", "municipality", "police_code", "parquet_code")
#: Case columns of boolean dtype in the contract.
BOOLEAN_COLUMNS: tuple[str, ...] = tuple(
    name for name, (dtype, _) in CASE_COLUMNS.items() if dtype == "boolean"
)
_TRUE = ("true", "1", "yes", "y", "oui", "ja", "vrai", "waar")
_FALSE = ("false", "0", "no", "n", "non", "nee", "neen", "faux", "onwaar")


def parse_dates(
    raw: pd.Series,
    *,
    date_format: str = "auto",
    decimal: str = ".",
    typed: bool = False,
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of date strings to day precision.

    Parameters
    ----------
    raw : pandas.Series
        Stripped strings or None.
    date_format : str
        ``"auto"`` (see module docstring) or a strftime pattern such as ``"%d/%m/%Y"``.
    decimal : {".", ","}
        Decimal mark of Excel serial numbers with a time fraction.
    typed : bool
        True for Excel and Parquet sources, whose date cells arrive as ``yyyy-mm-dd``
        text: those are accepted whatever ``date_format`` says.

    Returns
    -------
    dates : pandas.Series of datetime64[ns]
        NaT where the cell is empty or unparseable.
    bad : pandas.Series of bool
        True where a non-empty cell could not be parsed.
    """
    present = raw.notna()
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if not present.any():
        return out, pd.Series(False, index=raw.index)
    values = pa.array(raw[present].astype(str).to_numpy(dtype=object), type=pa.string())
    if date_format == "auto":
        days = _parse_auto(values, decimal)
    else:
        pattern = _format_regex(date_format)
        if pattern is not None:
            days = _ymd(values, pattern)
        else:  # other strftime directives: pandas' parser
            parsed = pd.to_datetime(pd.Series(values.to_pylist()), format=date_format,
                                    errors="coerce")
            days = parsed.dt.normalize().to_numpy(dtype="datetime64[ns]").astype(
                "datetime64[D]")
        if typed:
            todo = np.isnat(days)
            if todo.any():
                days[todo] = _ymd(values.filter(pa.array(todo)), _ISO)
    out[present] = days.astype("datetime64[ns]")
    bad = present & out.isna()
    return out, bad


def _format_regex(date_format: str) -> str | None:
    """Regex for a strftime pattern made only of %d, %m, %Y and literal separators."""
    import re

    parts = re.split(r"(%.)", date_format)
    if any(p.startswith("%") and p not in _FORMAT_PARTS for p in parts if p):
        return None
    if not {"%d", "%m", "%Y"} <= set(parts):
        return None
    return "^" + "".join(_FORMAT_PARTS.get(p, re.escape(p)) for p in parts) + "$"


def _ymd(values: pa.Array, pattern: str) -> np.ndarray:
    """Days (datetime64[D], NaT if no match or no such day) of strings matching pattern."""
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    if len(values) == 0:
        return out
    parts = pc.extract_regex(values, pattern=pattern)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    if not matched.any():
        return out

    mask = pa.array(matched)

    def number(name: str) -> np.ndarray:
        text = pc.if_else(mask, parts.field(name), pa.scalar("0"))
        return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)

    y, m, d = number("y"), number("m"), number("d")
    ok = matched & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1000)
    months = np.where(ok, (y - 1970) * 12 + m - 1, 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months  # 31/02 rolls into March: rejected
    out[ok] = days[ok]
    return out


def _parse_auto(values: pa.Array, decimal: str) -> np.ndarray:
    days = _ymd(values, _ISO)
    todo = np.isnat(days)
    if todo.any():
        days[todo] = _ymd(values.filter(pa.array(todo)), _DMY)
    todo = np.isnat(days)
    if todo.any():
        rest = values.filter(pa.array(todo))
        mark = "," if decimal == "," else r"\."
        serial = pc.match_substring_regex(rest, pattern=r"^\d{5,7}(?:" + mark + r"\d+)?$")
        serial = pc.fill_null(serial, False).to_numpy(zero_copy_only=False)
        if serial.any():
            text = pc.replace_substring(rest.filter(pa.array(serial)), ",", ".")
            number = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
            ok = (number >= 10000) & (number < 109575)
            found = np.full(len(number), np.datetime64("NaT"), dtype="datetime64[D]")
            found[ok] = _EXCEL_EPOCH + np.floor(number[ok]).astype("int64").astype(
                "timedelta64[D]")
            sub = np.full(len(rest), np.datetime64("NaT"), dtype="datetime64[D]")
            sub[serial] = found
            idx = np.flatnonzero(todo)
            days[idx] = sub
    return days


def normalise_codes(raw: pd.Series, *, decimal: str = ".") -> pd.Series:
    """Undo Excel's number formatting of codes: ``"21004.0"`` -> ``"21004"``.

    Numbers with a non-zero fraction are written with a ``.`` decimal mark (so
    ``"12,50"`` from a decimal-comma source becomes ``"12.50"``).

    Examples
    --------
    >>> import pandas as pd
    >>> normalise_codes(pd.Series(["21004,0", "T03", "12,50", None]), decimal=",").tolist()
    ['21004', 'T03', '12.50', None]
    """
    present = raw.notna()
    if not present.any():
        return raw
    mark = "," if decimal == "," else r"\."
    values = pa.array(raw[present].astype(str).to_numpy(dtype=object), type=pa.string())
    values = pc.replace_substring_regex(values, pattern=rf"^(-?\d+){mark}0+$",
                                        replacement=r"\1")
    if decimal == ",":
        values = pc.replace_substring_regex(values, pattern=r"^(-?\d+),(\d+)$",
                                            replacement=r"\1.\2")
    out = raw.astype(object).copy()
    out[present] = values.to_numpy(zero_copy_only=False)
    return out


@functools.cache
def _allowed(column: str) -> frozenset[str] | None:
    vocab = {
        "offence_group": "offence_groups",
        "police_code": "charge_codes",
        "parquet_code": "charge_codes",
        "zone": "police_zones",
        "municipality": "municipalities",
    }
    if column in vocab:
        return frozenset(vocabulary(vocab[column])["code"])
    if column in VALUE_SETS:
        return frozenset(VALUE_SETS[column])
    if column in BOOLEAN_COLUMNS:
        return frozenset(("true", "false"))
    return None


def allowed_values(column: str) -> frozenset[str] | None:
    """Contract values allowed in a case column (None: any value).

    Examples
    --------
    >>> sorted(allowed_values("division"))
    ['FR', 'NL']
    """
    return _allowed(column)


@functools.cache
def detail_vocabulary(event: str) -> frozenset[str] | None:
    """Allowed detail codes of an event (None: free detail).

    E40 technical motives (T..), E41 opportunity motives (O..), E31/E32 charge
    codes, E51 verdicts, E52 sanctions.

    Examples
    --------
    >>> "T03" in detail_vocabulary("E40"), "T03" in detail_vocabulary("E41")
    (True, False)
    """
    motives = vocabulary("motives")
    table = {
        "E40": motives.loc[motives["kind"] == "technical", "code"],
        "E41": motives.loc[motives["kind"] == "opportunity", "code"],
        "E31": vocabulary("charge_codes")["code"],
        "E32": vocabulary("charge_codes")["code"],
        "E51": vocabulary("verdicts")["code"],
        "E52": vocabulary("sanctions")["code"],
    }
    return frozenset(table[event]) if event in table else None


def map_values(
    raw: pd.Series,
    column: str,
    mapping: dict[str, str] | None,
    *,
    decimal: str = ".",
) -> tuple[pd.Series, pd.Series]:
    """Map extract values of one case column onto contract values and check them.

    A value found in ``mapping`` is replaced; any other value must already be an
    allowed contract value. Booleans also accept common spellings (true/false,
    1/0, yes/no, oui/non, ja/nee, case-insensitive).

    Returns
    -------
    values : pandas.Series
        Contract values (object; ``"true"``/``"false"`` text for booleans).
    bad : pandas.Series of bool
        Non-empty cells with no mapping and no allowed value: unmapped codes.

    Examples
    --------
    >>> import pandas as pd
    >>> v, bad = map_values(pd.Series(["O", "N", "?", None]), "ifg_police", {"O": "true"})
    >>> v.tolist(), bad.tolist()
    (['true', 'false', '?', None], [False, False, True, False])
    """
    values = raw.astype(object)
    if mapping:
        mapped = values.map(mapping)
        values = mapped.where(mapped.notna(), values)
    if column in CODE_COLUMNS:
        values = normalise_codes(values, decimal=decimal)
    if column in BOOLEAN_COLUMNS:
        text = pa.array(values.where(values.isna(), values.astype(str)).to_numpy(dtype=object),
                        type=pa.string(), from_pandas=True)
        lower = pd.Series(pc.utf8_lower(text).to_numpy(zero_copy_only=False),
                          index=values.index, dtype=object)
        values = lower.where(~lower.isin(_TRUE), "true").where(~lower.isin(_FALSE), "false")
        values = values.where(lower.isin(_TRUE + _FALSE) | lower.isna(), raw)
    allowed = _allowed(column)
    if allowed is None:
        return values, pd.Series(False, index=raw.index)
    bad = values.notna() & ~values.isin(allowed)
    return values.where(values.notna(), None), bad
