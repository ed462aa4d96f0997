"""``disclose``: the gate every published table and curve passes through.

Rules (see ``docs/privacy.md`` for the practice they follow):

* **Count tables** (long or wide): threshold rule (a shown count is 0 or at least
  ``k``; zeros are safe unless ``zeros_safe=False``), complementary suppression so
  that no suppressed cell can be derived from the other cells and the margins
  (:func:`~trajectory.privacy.suppression.suppression_pattern`), optional rounding
  of shown counts to a base; every total is the rounded true total, so margins may
  not add up. Columns derived from counts (rates, percentages) are suppressed where
  a count they derive from is. Suppressed cells are NaN, never 0, and flagged.
* **Curves** (CURVE_COLUMNS): see :mod:`trajectory.privacy.curves`.
* **Model and flag tables** (MODEL_COLUMNS, or a column ``n`` / ``n_cases`` beside
  columns of decimals: estimates, shares, p-values): rows whose ``n`` is below ``k``
  (and complementary rows) are withheld: every numeric value NaN, ``withheld`` True,
  and a note.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"zone": ["Z1", "Z1", "Z2", "Z2"], "sex": ["F", "M", "F", "M"],
...                       "n": [3, 40, 25, 31]})
>>> out = disclose(table, k=5)
>>> out
  zone sex   n  suppressed
0   Z1   F NaN        True
1   Z1   M NaN        True
2   Z2   F NaN        True
3   Z2   M NaN        True
>>> disclosure_audit(out)["reason"].tolist()
['primary', 'secondary', 'secondary', 'secondary']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import PrivacyError, SchemaError
from ..results import CURVE_COLUMNS, MODEL_COLUMNS, TidyResult
from .curves import TEST_EVENTS, disclose_curves, floor_test_events
from .suppression import rounded_to_base, suppression_pattern

__all__ = ["disclose", "disclosure_audit", "COUNT_NAMES"]

#: Column names read as a count without being declared.
COUNT_NAMES: tuple[str, ...] = ("n", "n_cases", "count", "cases", "freq", "frequency")
_GROUP_SIZE_NAMES = ("n_cases", "n")
_FLAG_NAMES = ("suppressed", "withheld")


def disclose(
    obj: Any,
    *,
    k: int = 5,
    rounding: int | None = None,
    counts: str | Sequence[str] | None = None,
    dims: Sequence[str] | None = None,
    derived: Mapping[str, str | Sequence[str]] | None = None,
    layout: Literal["auto", "long", "wide"] = "auto",
    total: Any = "Total",
    zeros_safe: bool = True,
    decimals: int = 3,
    withhold_by: str | None = None,
    rounded: Sequence[str] | None = None,
) -> Any:
    """Return ``obj`` made safe to publish, with an audit of what was hidden and why.

    Parameters
    ----------
    obj : pandas.DataFrame or TidyResult
        A count table (long: dimension columns plus count columns; wide: index rows,
        count columns), a curve result (table with CURVE_COLUMNS, optionally
        ``state``/``outcome``), a model or flags table (MODEL_COLUMNS or a column
        ``n``/``n_cases`` per row), or any table whose count columns are declared.
    k : int
        Threshold: no shown count, step, ``n_risk`` or ``n_event`` lies in ``[1, k-1]``.
    rounding : int, optional
        Round shown counts to this base (half up; never into ``[1, k-1]``). Totals
        are rounded independently, so rounded cells may not add up to them.
    counts : str or list of str, optional
        The count columns. Default: ``n``, ``n_cases``, ``count``... or, for a wide
        table, every numeric column.
    dims : list of str, optional
        Dimension columns of a long table (default: every other column).
    derived : mapping, optional
        ``{column: count column(s)}``: values derived from counts (rates, shares);
        suppressed wherever one of their counts is.
    layout : {"auto", "long", "wide"}
        How to read a count table; ``"auto"`` reads a table with any non-count
        column as long, else wide.
    total : scalar
        Label of total rows/columns (a category in a long table's dimensions, or an
        index/column label of a wide table). Totals are protected like cells.
    zeros_safe : bool
        Zeros are shown (as sdcTable and tau-Argus do by default). Set False where a
        zero itself discloses (e.g. "no victim of this sex in this zone").
    decimals : int
        Curves whose estimate cannot be recomputed from rounded counts show it
        rounded to this many decimals.

    Returns
    -------
    Same type as ``obj``
        DataFrames carry the audit in ``attrs["disclosure"]``; results carry it in
        ``notes["disclosure"]``. Read it with :func:`disclosure_audit`.

    Raises
    ------
    PrivacyError
        If the table's kind cannot be told (declare ``counts``), or a small cell
        cannot be protected.

    withhold_by : str, optional
        Treat the table as one row a group (a result table, not an additive count
        table): rows whose ``withhold_by`` count is below ``k`` are withheld, and every
        other count column (``n_*``) shown below ``k`` is blanked with the columns
        derived from it. Result classes declare it in their ``disclosure`` spec.
    rounded : list of str, optional
        With ``withhold_by``: count columns (group sizes) always shown rounded, as
        curve counts are: to ``rounding``, else to ``k``, half up, never into
        ``[1, k-1]`` (:func:`~trajectory.privacy.suppression.rounded_to_base`). With
        ``rounding`` every count column is rounded anyway.

    A result class whose ``disclosure`` spec names ``"restate"`` (a method) has it
    called on the disclosed result: text computed from the counts (sentences) is
    rewritten from the shown values, or blanked where they are hidden.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"F": [12, 2, 30], "M": [9, 14, 21]}, index=["Z1", "Z2", "Z3"])
    >>> disclose(wide, k=5)
           F     M
    Z1   NaN   NaN
    Z2   NaN   NaN
    Z3  30.0  21.0
    >>> disclose(wide, k=5, rounding=5)
           F     M
    Z1   NaN   NaN
    Z2   NaN   NaN
    Z3  30.0  20.0
    """
    if k < 1:
        raise PrivacyError(f"k must be at least 1, got {k!r}")
    options = dict(k=k, rounding=rounding, counts=counts, dims=dims, derived=derived,
                   layout=layout, total=total, zeros_safe=zeros_safe, withhold_by=withhold_by,
                   rounded=rounded)
    if isinstance(obj, TidyResult):
        spec = dict(getattr(type(obj), "disclosure", {}) or {})
        if spec.get("no_counts") and counts is None:
            audit = _audit(k, rounding, zeros_safe, "no counts")
            audit["notes"].append("the table holds test statistics only: nothing to hide")
            return obj.replace(notes={**obj.notes, "disclosure": audit})
        if counts is None and withhold_by is None and spec:
            options.update({key: value for key, value in spec.items() if key in options})
            counts, withhold_by = options["counts"], options["withhold_by"]
        table = obj.table
        if len(table) == 0:  # nothing estimated (sparse data): nothing to hide
            audit = _audit(k, rounding, zeros_safe, "empty")
            audit["notes"].append("the table has no rows: nothing published")
            return obj.replace(notes={**obj.notes, "disclosure": audit})
        if counts is None and set(CURVE_COLUMNS) <= set(table.columns):
            return disclose_curves(obj, k=k, rounding=rounding, decimals=decimals)
        if counts is None and set(MODEL_COLUMNS) <= set(table.columns) and not any(
                c in table.columns for c in _GROUP_SIZE_NAMES):
            return _disclose_model_without_counts(obj, k=k, rounding=rounding)
        new_table, audit = _disclose_frame(table, **options)
        new_table = _test_events(table, new_table, audit, counts=counts, k=k)
        n = int(rounded_to_base(np.array([obj.n]), base=rounding, k=k)[0]) if rounding else obj.n
        return restated(obj.replace(table=new_table, n=n,
                                    notes={**obj.notes, "disclosure": audit}))
    if isinstance(obj, pd.DataFrame):
        out, audit = _disclose_frame(obj, **options)
        out = _test_events(obj, out, audit, counts=counts, k=k)
        out.attrs["disclosure"] = audit
        return out
    raise PrivacyError(
        f"disclose() got a {type(obj).__name__}; pass a pandas DataFrame or a result "
        "object (TidyResult); turn a Series into a frame with .to_frame()"
    )


def _test_events(table: pd.DataFrame, shown: pd.DataFrame, audit: dict[str, Any], *,
                 counts: Any, k: int) -> pd.DataFrame:
    """Put a test's events by group on the curves' grid (``observed`` with ``expected``).

    Curves floor their events to multiples of ``k`` (:mod:`~trajectory.privacy.curves`);
    the exact events of a test of the same groups would tell how many they held back.
    """
    if "observed" not in _as_list(counts) or not set(TEST_EVENTS) <= set(shown.columns) \
            or len(shown) != len(table):
        return shown
    out = floor_test_events(table.reset_index(drop=True), shown.reset_index(drop=True), k=k)
    audit["notes"].append(f"observed floored to a multiple of {k} and expected rounded to "
                          f"one, as the curves' steps: a shown L stands for L to L + {k - 1}")
    audit["floored"] = {"observed": k}
    return out.set_axis(shown.index)


def restated(result: Any) -> Any:
    """``result`` with the text its class derives from counts rewritten from shown values.

    Calls the method a result class names in its ``disclosure`` spec (``"restate"``);
    any other object is returned unchanged. The gate calls it after every change to a
    published table (:func:`disclose`, the release gate).

    Examples
    --------
    >>> restated(pd.DataFrame({"n": [10]}))  # not a result: unchanged
        n
    0  10
    """
    spec = getattr(type(result), "disclosure", None) or {}
    method = spec.get("restate") if isinstance(result, TidyResult) else None
    return getattr(result, method)() if method else result


def disclosure_audit(obj: Any) -> pd.DataFrame:
    """One row an item hidden by :func:`disclose`: ``column``, ``where``, ``reason``.

    The audit never holds a hidden value. An object that did not pass through
    :func:`disclose` raises :class:`~trajectory.errors.PrivacyError`.
    """
    audit = obj.notes.get("disclosure") if isinstance(obj, TidyResult) else getattr(
        obj, "attrs", {}).get("disclosure")
    if audit is None:
        raise PrivacyError("this object did not pass through disclose(); call disclose() first")
    return pd.DataFrame(audit["items"], columns=["column", "where", "reason"])


# ----------------------------------------------------------------- table kinds


def _audit(k: int, rounding: int | None, zeros_safe: bool, kind: str) -> dict[str, Any]:
    return {"kind": kind, "k": k, "rounding": rounding, "zeros_safe": zeros_safe,
            "items": [], "notes": []}


def _is_flag(column: Any) -> bool:
    return isinstance(column, str) and (column in _FLAG_NAMES or column.endswith("_suppressed"))


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _disclose_frame(df: pd.DataFrame, *, k: int, rounding: int | None, counts: Any,
                    dims: Any, derived: Any, layout: str, total: Any,
                    zeros_safe: bool, withhold_by: str | None = None,
                    rounded: Sequence[str] | None = None,
                    ) -> tuple[pd.DataFrame, dict[str, Any]]:
    derived_map = {c: _as_list(v) for c, v in (derived or {}).items()}
    count_cols = _as_list(counts)
    columns = [c for c in df.columns if not _is_flag(c)]
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])]
    group_size = next((c for c in _GROUP_SIZE_NAMES if c in columns), None)
    rows_mode = False
    if withhold_by is not None:
        if withhold_by not in df.columns:
            raise SchemaError(f"withhold_by={withhold_by!r} is not a column of {list(df.columns)}")
        return _withhold_rows(df, by=withhold_by, k=k, derived=derived_map,
                              rounding=rounding, zeros_safe=zeros_safe, rounded=rounded)
    if rounded:
        raise PrivacyError("rounded= applies to one-row-a-group tables: pass withhold_by= too")
    if not count_cols:
        estimates = [c for c in numeric if c not in derived_map and c != group_size
                     and pd.api.types.is_float_dtype(df[c])]
        if group_size is not None and estimates:
            rows_mode, count_cols = True, [group_size]
        elif layout != "wide" and (named := [c for c in columns if c in COUNT_NAMES]):
            count_cols = named
        elif layout != "long" and columns and len(numeric) == len(columns):
            count_cols = numeric
            layout = "wide"
        else:
            raise PrivacyError(
                f"cannot tell which columns of {list(df.columns)} are counts; pass "
                "counts=[...] (and derived={rate: count} for rates or shares)"
            )
    missing = [c for c in [*count_cols, *derived_map, *sum(derived_map.values(), [])]
               if c not in df.columns]
    if missing:
        raise SchemaError(f"column(s) {missing} named in counts/derived are not in the table")
    if layout == "auto":
        layout = "wide" if all(c in count_cols for c in columns) else "long"
    if layout == "wide":
        if derived_map:
            raise PrivacyError("derived= is for long tables; reshape the table to long first")
        return _disclose_wide(df[count_cols], k=k, rounding=rounding, total=total,
                              zeros_safe=zeros_safe)
    if dims is None:
        value_cols = set(count_cols) | set(derived_map)
        if rows_mode:
            dims = [c for c in columns if (c not in value_cols and c not in numeric
                    and not pd.api.types.is_bool_dtype(df[c])) or c in _ROW_KEY_NAMES]
        else:
            dims = [c for c in columns if c not in value_cols]
            floats = [c for c in dims if pd.api.types.is_float_dtype(df[c])]
            if floats:
                raise PrivacyError(
                    f"column(s) {floats} hold decimals: declare them in derived= (rates, "
                    "shares) or name the dimension columns with dims=[...]"
                )
    out, audit = _disclose_long(df, dims=list(dims), counts=count_cols, derived=derived_map,
                                k=k, rounding=rounding, total=total, zeros_safe=zeros_safe,
                                withhold_by=count_cols[0] if rows_mode else None)
    if rows_mode:
        _blank_small_counts(out, audit, k=k, skip=count_cols[0], derived=derived_map)
        _blank_thin_quantiles(out, audit, k=k, size=count_cols[0])
    return out, audit


def _withhold_rows(df: pd.DataFrame, *, by: str, k: int, derived: Mapping[str, list[str]],
                   rounding: int | None, zeros_safe: bool, rounded: Sequence[str] | None = None,
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row a group (result tables): withhold rows whose group size is below ``k``.

    Every number of a withheld row is blanked and ``withheld`` is set; then counts
    shown in ``[1, k-1]`` elsewhere in the row are blanked with what derives from them.
    Shown counts are rounded to ``rounding`` (all of them) or, for the ``rounded``
    columns, to ``k`` when there is no ``rounding``; never into ``[1, k-1]``.
    """
    missing = [c for c in (rounded or ()) if c not in df.columns]
    if missing:
        raise SchemaError(f"column(s) {missing} named in rounded= are not in the table")
    audit = _audit(k, rounding, zeros_safe, "rows")
    out = df.copy()
    size = pd.to_numeric(out[by], errors="coerce")
    small = (size < k) & ~((size == 0) & zeros_safe)
    numeric = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c])
               and not pd.api.types.is_bool_dtype(out[c]) and not _is_flag(c)]
    if small.any():
        for column in numeric:
            out[column] = out[column].astype(float).mask(small)
        for position in np.flatnonzero(small.to_numpy()):
            audit["items"].append({"column": "*", "where": f"row {int(position)}",
                                   "reason": f"group of fewer than k={k} cases withheld"})
        audit["notes"].append(f"{int(small.sum())} row(s) for groups below k={k} withheld")
    out["withheld"] = small.to_numpy() | (out["withheld"].fillna(False).astype(bool).to_numpy()
                                         if "withheld" in out.columns else False)
    _blank_small_counts(out, audit, k=k, skip=by, derived=derived)
    _blank_thin_quantiles(out, audit, k=k, size=by)
    columns = [by, *[c for c in numeric if c in COUNT_NAMES or str(c).startswith("n_")]
               ] if rounding else []
    columns = list(dict.fromkeys([*columns, *(rounded or ())]))
    base = rounding or k
    for column in columns:
        values = out[column].to_numpy(dtype=float)
        shown = ~np.isnan(values)
        values[shown] = rounded_to_base(values[shown], base=base, k=k)
        out[column] = values
    if columns and base > 1:
        audit["rounded"] = {"columns": columns, "base": base}
        audit["notes"].append(f"{', '.join(map(str, columns))} rounded to multiples of {base}")
    return out, audit


def _blank_small_counts(out: pd.DataFrame, audit: dict[str, Any], *, k: int, skip: str,
                        derived: Mapping[str, list[str]]) -> None:
    """In a one-row-a-group table, blank every other count shown in ``[1, k-1]``.

    Columns derived from a blanked count are blanked with it: those declared in
    ``derived``, or every decimal of the row when nothing is declared. Margins such
    tables do have (``all`` rows, complements) are checked by the release audit
    (:mod:`trajectory.privacy.audit`).
    """
    for column in out.columns:
        if column == skip or _is_flag(column) or not isinstance(column, str):
            continue
        if not (column in COUNT_NAMES or column.startswith("n_")):
            continue
        if not pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(
                out[column]):
            continue
        values = out[column]
        small = (values > 0) & (values < k)
        if not small.any():
            continue
        out[column] = values.astype(float).mask(small)
        # what derives from the count goes with it: the declared columns, or, when
        # nothing is declared, every decimal of the row (rates, intervals, effects)
        followers = [rate for rate, sources in derived.items()
                     if column in sources and rate in out.columns] if derived else [
            c for c in out.columns if isinstance(c, str) and c not in _ROW_KEY_NAMES
            and c not in ("p", "q") and pd.api.types.is_float_dtype(out[c])
            and not (c in COUNT_NAMES or c.startswith("n_"))]
        for rate in followers:
            out[rate] = out[rate].mask(small)
        for position in np.flatnonzero(small.to_numpy()):
            audit["items"].append({"column": column, "where": f"row {int(position)}",
                                   "reason": f"count below k={k}"})


def _blank_thin_quantiles(out: pd.DataFrame, audit: dict[str, Any], *, k: int,
                          size: str) -> None:
    """Quantiles (a ``q`` column) need ``2k`` events: below, a quartile is one case's delay."""
    level = next((c for c in ("q", "quantile") if c in out.columns), None)
    events = next((c for c in ("n_event", size) if c in out.columns), None)
    if level is None or events is None:
        return
    thin = (pd.to_numeric(out[events], errors="coerce") < 2 * k).to_numpy() & out[
        events].notna().to_numpy()
    if not thin.any():
        return
    for column in out.columns:
        if column in (level, "p") or not pd.api.types.is_float_dtype(out[column]) or (
                isinstance(column, str) and (column in COUNT_NAMES or column.startswith("n_"))):
            continue
        out[column] = out[column].mask(thin)
    for position in np.flatnonzero(thin):
        audit["items"].append({"column": "estimate", "where": f"row {int(position)}",
                               "reason": f"quantile of fewer than 2k={2 * k} events"})


#: numeric columns that index rows of a result table (quantile level, time point)
_ROW_KEY_NAMES = ("q", "quantile", "time", "horizon", "day", "days", "month", "months")


def _is_total(value: Any, total: Any) -> bool:
    try:
        return bool(value == total)
    except (TypeError, ValueError):
        return False


def _positions(labels: pd.Series, total: Any, name: str) -> tuple[np.ndarray, list[Any]]:
    if labels.isna().any():
        raise SchemaError(f"dimension {name!r} has missing values; label them (e.g. 'unknown')")
    cats = [v for v in pd.unique(labels) if not _is_total(v, total)]
    lookup = {v: i for i, v in enumerate(cats)}
    pos = np.array([len(cats) if _is_total(v, total) else lookup[v] for v in labels], dtype=int)
    return pos, cats


def _protect(values: np.ndarray, in_table: np.ndarray, *, k: int, zeros_safe: bool,
             rounding: int | None, audit: dict[str, Any] | None = None,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Suppress and round an extended array: (shown values, suppressed mask, reasons)."""
    pattern = suppression_pattern(values, in_table, k=k, zeros_safe=zeros_safe)
    if pattern.unprotected and audit is not None:
        audit["unprotected"] = audit.get("unprotected", 0) + len(pattern.unprotected)
        audit["notes"].append(
            f"{len(pattern.unprotected)} hidden cell(s) stay narrower than the protection "
            f"interval ({k}) for an intruder who knows every margin: the margins give "
            "them away; aggregate categories or do not publish those margins")
    shown = np.where(pattern.suppressed, np.nan, values)
    if rounding:
        shown = rounded_to_base(shown, base=rounding, k=k)
    return shown, pattern.suppressed, pattern.reason


def _disclose_long(df: pd.DataFrame, *, dims: list[str], counts: list[str],
                   derived: dict[str, list[str]], k: int, rounding: int | None, total: Any,
                   zeros_safe: bool, withhold_by: str | None
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    audit = _audit(k, rounding, zeros_safe, "rows" if withhold_by else "long count table")
    out = df.drop(columns=[c for c in df.columns if _is_flag(c)]).copy()
    if dims:
        pos, cats = zip(*(_positions(df[d], total, d) for d in dims), strict=True)
        shape = tuple(len(c) + 1 for c in cats)
        flat = np.ravel_multi_index(np.vstack(pos), shape)
    else:
        shape, flat = (len(df) + 1,), np.arange(len(df))
    dup = pd.Series(flat).duplicated(keep=False).to_numpy()
    if dup.any():
        raise SchemaError(f"rows {list(np.flatnonzero(dup))} repeat the same cell of {dims}; "
                          "aggregate them first or add the missing dimension to dims=")
    wheres = [", ".join(f"{d}={df[d].iloc[i]!r}" for d in dims) or f"row {i}"
              for i in range(len(df))]
    hidden: dict[str, np.ndarray] = {}
    for col in counts:
        values = np.zeros(shape)
        in_table = np.zeros(shape, dtype=bool)
        values.flat[flat] = df[col].to_numpy(dtype=float)
        in_table.flat[flat] = True
        shown, sup, reason = _protect(values, in_table, k=k, zeros_safe=zeros_safe,
                                      rounding=rounding, audit=audit)
        out[col] = shown.flat[flat]
        hidden[col] = sup.flat[flat]
        audit["items"] += [{"column": col, "where": wheres[i], "reason": str(reason.flat[f])}
                           for i, f in enumerate(flat) if sup.flat[f]]
    for col, sources in derived.items():
        mask = np.zeros(len(df), dtype=bool)
        for s in sources:
            mask |= hidden.get(s, out[s].isna().to_numpy())
        out[col] = out[col].where(~mask)
        audit["items"] += [{"column": col, "where": wheres[i],
                            "reason": f"derived from suppressed {', '.join(sources)}"}
                           for i in np.flatnonzero(mask)]
    if withhold_by is not None:
        mask = hidden[withhold_by]
        for col in out.columns:
            if col in dims or col == withhold_by or not mask.any():
                continue
            if pd.api.types.is_bool_dtype(out[col]):
                out[col] = out[col].astype("boolean").mask(mask)
            elif pd.api.types.is_numeric_dtype(out[col]):
                out[col] = out[col].where(~mask)
        out["withheld"] = mask
        if mask.any():
            audit["notes"].append(
                f"{int(mask.sum())} row(s) withheld: fewer than {k} cases "
                "(or withheld so that a small group cannot be derived from the total)")
    elif len(counts) == 1:
        out["suppressed"] = hidden[counts[0]]
    else:
        for col in counts:
            out[f"{col}_suppressed"] = hidden[col]
    return out, audit


def _disclose_wide(df: pd.DataFrame, *, k: int, rounding: int | None, total: Any,
                   zeros_safe: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    audit = _audit(k, rounding, zeros_safe, "wide count table")
    row_pos, row_cats = _positions(pd.Series(df.index), total, "index")
    col_pos, col_cats = _positions(pd.Series(df.columns), total, "columns")
    if pd.Series(row_pos).duplicated().any() or pd.Series(col_pos).duplicated().any():
        raise SchemaError("a wide count table needs unique row and column labels")
    shape = (len(row_cats) + 1, len(col_cats) + 1)
    values = np.zeros(shape)
    in_table = np.zeros(shape, dtype=bool)
    grid = np.ix_(row_pos, col_pos)
    values[grid] = df.to_numpy(dtype=float)
    in_table[grid] = True
    shown, sup, reason = _protect(values, in_table, k=k, zeros_safe=zeros_safe,
                                  rounding=rounding, audit=audit)
    out = pd.DataFrame(shown[grid], index=df.index, columns=df.columns)
    for i, r in enumerate(df.index):
        for j, c in enumerate(df.columns):
            if sup[row_pos[i], col_pos[j]]:
                audit["items"].append({"column": c, "where": f"row {r!r}",
                                       "reason": str(reason[row_pos[i], col_pos[j]])})
    return out, audit


def _disclose_model_without_counts(result: TidyResult, *, k: int,
                                   rounding: int | None = None) -> TidyResult:
    """A model table: withheld on fewer than ``k`` cases or events; its sizes rounded.

    The model's ``n`` and ``n_event`` (shown by ``summary()`` and the repr) are counts
    like any other: a model with ``n_event`` or ``n - n_event`` in ``1 .. k-1`` is
    withheld, and with ``rounding`` both are shown rounded.
    """
    audit = _audit(k, rounding, True, "model table")
    table = result.table.copy()
    n_event = getattr(result, "n_event", None)
    sizes = [result.n] + ([n_event, result.n - n_event] if isinstance(n_event, int) else [])
    if any(0 < size < k for size in sizes):
        numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
        table[numeric] = np.nan
        audit["items"] = [{"column": c, "where": "all terms", "reason": "model on fewer than k"}
                          for c in numeric]
        audit["notes"].append(f"model withheld: fitted on fewer than {k} cases or events")
    else:
        audit["notes"].append("no per-term case counts (n): only the whole-model size "
                              f"and events were checked against k={k}")
    changes: dict[str, Any] = {}
    if rounding:
        changes["n"] = int(rounded_to_base(np.array([result.n]), base=rounding, k=k)[0])
        if isinstance(n_event, int):
            changes["n_event"] = int(rounded_to_base(np.array([n_event]), base=rounding,
                                                     k=k)[0])
    return result.replace(table=table, notes={**result.notes, "disclosure": audit}, **changes)
