"""DuckDB group-bys of :mod:`trajectory.estimators.poisson`: a cohort that stays in DuckDB.

A DataFrame, a DuckDB relation or a Parquet path is collapsed in DuckDB to the rows the
Poisson model needs (``covariates x [entry] x time x status -> count``, or one integer
pattern key instead of the covariates); only those counts reach Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["aggregate_duckdb", "duckdb_pattern_rows"]


def aggregate_duckdb(
    source: Any, keys: list[str], event: str, causes: list[str] | None
) -> pd.DataFrame:
    """``keys x status -> count`` computed in DuckDB (no missing key or event allowed)."""
    import duckdb

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    con = duckdb.connect()
    try:
        if isinstance(source, (str, Path)):
            rel = con.read_parquet(str(source))
        elif isinstance(source, pd.DataFrame):
            rel = con.from_df(source)
        else:  # a DuckDB relation (from any connection)
            rel = source
        if causes is not None:
            quoted = ", ".join("'" + c.replace("'", "''") + "'" for c in causes)
            status = f"CAST(CAST({q(event)} AS VARCHAR) IN ({quoted}) AS BIGINT)"
        else:
            status = f"CAST(CAST({q(event)} AS BOOLEAN) AS BIGINT)"
        key_sql = ", ".join(q(k) for k in keys)
        nulls = " OR ".join(f"{q(k)} IS NULL" for k in [*keys, event])
        found = rel.query("cohort", f"SELECT count(*) FROM cohort WHERE {nulls}")
        n_null = found.fetchall()[0][0] if found is not None else 0
        if n_null:
            raise EstimationError(
                f"{n_null} row(s) have missing values in {[*keys, event]}; drop or impute "
                "them before fitting (rows are never dropped silently)"
            )
        sql = f"SELECT {key_sql}, {status} AS status, count(*) AS count FROM cohort GROUP BY ALL"
        result = rel.query("cohort", sql)
        if result is None:  # pragma: no cover - DuckDB returns a relation for SELECT
            raise EstimationError("DuckDB returned no result for the aggregation query")
        # via Arrow, text columns arrive dictionary-encoded (categoricals), not as
        # millions of Python strings
        out = result.to_arrow_table().to_pandas(strings_to_categorical=True)
    finally:
        con.close()
    return out


def duckdb_pattern_rows(
    source: Any, covs: list[str], time: str, event: str, cause: Any, entry: str | None
) -> tuple[dict[str, Any], np.ndarray, pd.DataFrame]:
    """Counts by (pattern key, [entry], time, status) computed in DuckDB.

    Each covariate is coded by its position among its distinct levels (sorted, or a
    DataFrame categorical's order) and the codes are combined into one BIGINT, so the
    group-by hashes one integer instead of several strings.
    """
    import duckdb

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def lit(v: Any) -> str:
        return "'" + str(v).replace("'", "''") + "'" if isinstance(v, str) else repr(v)

    causes = None if cause is None else ([cause] if isinstance(cause, str) else list(cause))
    con = duckdb.connect()
    try:
        rel = (con.read_parquet(str(source)) if isinstance(source, (str, Path))
               else con.from_df(source) if isinstance(source, pd.DataFrame) else source)
        levels: dict[str, list[Any]] = {}
        for c in covs:
            src = source[c] if isinstance(source, pd.DataFrame) else None
            if src is not None and isinstance(src.dtype, pd.CategoricalDtype):
                levels[c] = list(src.cat.categories)
                continue
            found = rel.query("cohort", f"SELECT DISTINCT {q(c)} FROM cohort")
            vals = [v[0] for v in (found.fetchall() if found is not None else [])]
            if any(v is None for v in vals):
                raise EstimationError(f"covariate column {c!r} has missing values; drop or "
                                      "impute them before fitting")
            levels[c] = sorted(vals)
        key = "CAST(0 AS BIGINT)"
        for c in covs:
            lv = "[" + ", ".join(lit(v) for v in levels[c]) + "]"
            cast = "CAST({} AS VARCHAR)" if isinstance(levels[c][0], str) else "{}"
            key = f"({key}) * {len(levels[c])} + (list_position({lv}, {cast.format(q(c))}) - 1)"
        if causes is not None:
            status = (f"CAST(CAST({q(event)} AS VARCHAR) IN "
                      f"({', '.join(lit(c) for c in causes)}) AS BIGINT)")
        else:
            status = f"CAST(CAST({q(event)} AS BOOLEAN) AS BIGINT)"
        cols = ([f"{q(entry)} AS entry"] if entry else []) + [f"{q(time)} AS time"]
        sql = (f"SELECT {key} AS pattern, {', '.join(cols)}, {status} AS status, "
               "count(*) AS count FROM cohort GROUP BY ALL")
        result = rel.query("cohort", sql)
        if result is None:  # pragma: no cover - DuckDB returns a relation for SELECT
            raise EstimationError("DuckDB returned no result for the aggregation query")
        out = result.fetchnumpy()
    finally:
        con.close()
    arrays = {k: np.asarray(v) for k, v in out.items()}
    for k, v in arrays.items():
        if np.ma.is_masked(out[k]) or (v.dtype.kind == "f" and np.isnan(v).any()):
            raise EstimationError(f"column {k!r} has missing values; drop or impute them "
                                  "before fitting (rows are never dropped silently)")
    keys, pat = np.unique(arrays["pattern"], return_inverse=True)
    digits = {}
    rest = keys.astype(np.int64)
    for c in reversed(covs):
        digits[c] = rest % len(levels[c])
        rest = rest // len(levels[c])
    patterns = pd.DataFrame({
        c: pd.Categorical.from_codes(digits[c], categories=pd.Index(levels[c]))
        if isinstance(levels[c][0], str) else np.asarray(levels[c])[digits[c]]
        for c in covs
    })
    rows: dict[str, Any] = {time: arrays["time"], "status": arrays["status"],
                            "count": arrays["count"]}
    if entry:
        rows[entry] = arrays["entry"]
    return rows, pat.ravel(), patterns
