"""The one definition of the count table, as SQL, compiled to DuckDB and Spark.

The count table (:class:`~trajectory.estimators.CountTable`) is one ``GROUP BY`` over
the case rows of a relation called ``cohort``: keys, optional entry, exit time and
outcome label, with ``n`` (cases or summed weights) and ``n2`` (summed squared
weights). It is written once, in DuckDB's dialect, and transpiled to Spark SQL by
sqlglot. Only plain aggregates are used (no window, no ``ln``, no division), so the
dialect traps of survival SQL (``ln(0)`` is ``-inf`` in DuckDB and NULL in Spark,
division by zero, date subtraction) cannot reach it: the non-linear parts
(product-limit, Aalen-Johansen, variances, Cox) run in numpy on the small table.

Examples
--------
>>> sql = count_sql(keys=["zone"], time="time", event="outcome")
>>> print(to_dialect(sql, "spark"))  # doctest: +NORMALIZE_WHITESPACE
SELECT `zone` AS `zone`, CAST(`time` AS DOUBLE) AS `time`, CAST(`outcome` AS STRING)
AS `outcome`, CAST(COUNT(*) AS DOUBLE) AS `n`, CAST(COUNT(*) AS DOUBLE) AS `n2`
FROM `cohort` GROUP BY `zone`, CAST(`time` AS DOUBLE), CAST(`outcome` AS STRING)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ConfigError

__all__ = ["DIALECTS", "count_sql", "quote", "to_dialect"]

DIALECTS: tuple[str, ...] = ("duckdb", "spark")


def quote(name: str) -> str:
    """A DuckDB-quoted identifier (double quotes doubled)."""
    return '"' + str(name).replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def count_sql(
    *,
    keys: Sequence[str] = (),
    time: str = "time",
    event: str = "outcome",
    entry: str | None = None,
    weights: str | None = None,
    binary: bool = False,
    censored: str = "censored",
    source: str = "cohort",
) -> str:
    """The count-table query in DuckDB SQL over the relation ``source``.

    ``binary=True`` reads ``event`` as a 0/1 or boolean column and labels its rows
    ``"event"`` / ``censored``; otherwise the outcome label is the column's text.
    Rows with a missing key, time or outcome keep their NULL (counted, never dropped),
    so that the estimators report them.
    """
    key_cols = [f"{quote(k)} AS {quote(k)}" for k in keys]
    key_grp = [quote(k) for k in keys]
    exprs = []
    if entry is not None:
        exprs.append((f"CAST({quote(entry)} AS DOUBLE)", "entry"))
    exprs.append((f"CAST({quote(time)} AS DOUBLE)", "time"))
    if binary:
        label = (f"CASE WHEN CAST({quote(event)} AS INTEGER) = 1 THEN 'event' "
                 f"WHEN CAST({quote(event)} AS INTEGER) = 0 THEN {_literal(censored)} END")
    else:
        label = f"CAST({quote(event)} AS VARCHAR)"
    exprs.append((label, "outcome"))
    if weights is None:
        n = n2 = "CAST(COUNT(*) AS DOUBLE)"
    else:
        # a missing weight becomes NaN, which the count table refuses (SUM would skip it)
        w = f"COALESCE(CAST({quote(weights)} AS DOUBLE), CAST('NaN' AS DOUBLE))"
        n, n2 = f"SUM({w})", f"SUM({w} * {w})"
    select = key_cols + [f"{e} AS {quote(a)}" for e, a in exprs]
    select += [f"{n} AS {quote('n')}", f"{n2} AS {quote('n2')}"]
    group = key_grp + [e for e, _ in exprs]
    return (f"SELECT {', '.join(select)} FROM {quote(source)} "
            f"GROUP BY {', '.join(group)}")


def to_dialect(sql: str, dialect: str) -> str:
    """The DuckDB query in ``dialect`` (``"duckdb"`` or ``"spark"``), via sqlglot."""
    if dialect not in DIALECTS:
        raise ConfigError(f"dialect {dialect!r} is not supported; use one of {DIALECTS}")
    if dialect == "duckdb":
        return sql
    import sqlglot
    from sqlglot.errors import ErrorLevel

    return sqlglot.transpile(sql, read="duckdb", write=dialect,
                             unsupported_level=ErrorLevel.RAISE)[0]
