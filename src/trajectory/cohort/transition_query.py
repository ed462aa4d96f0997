"""The multi-state transitions as one SQL definition, run in DuckDB or Spark.

:func:`paths_sql` reads the cohort's per-case table (``{name}_all`` of
:func:`trajectory.cohort.query.cohort_sql`, built with the states' event codes as
:attr:`~trajectory.cohort.query.CohortSpec.extra_codes`: the same origin, censoring,
exclusions and first decision as the cohort) and writes the state model of
:func:`trajectory.cohort.transitions` column by column, as
:func:`trajectory.cohort.rules.transition_rows` does on arrays: entry time of each
state column, the ordering rule (an earlier state's event after a later state's entry
is ignored), the same-day rule (one transition to the last state of a day) and the
start state on the origin day. :func:`transition_rows_sql` unfolds the kept columns into
one row a transition (consecutive kept columns) or a censored stay (the last kept
column of a transient state). No window function: the columns of a case are few and
known, so "the next kept column" is a ``CASE`` over them.

Examples
--------
>>> spec = PathSpec(chain=("complaint", "police"), codes={"police": ("x0",)},
...                 groups=("court", "dismissal"), judged_code="x1")
>>> "UNION ALL" in transition_rows_sql("p", spec)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..engine.sql import quote
from .multistate import JUDGED
from .query import _case_index, _least, _lit
from .rules import MISSING

__all__ = ["PathSpec", "paths_sql", "transition_flags_sql", "transition_rows_sql"]

M = MISSING


@dataclass(frozen=True)
class PathSpec:
    """The state model in terms of the cohort table's columns.

    ``chain``: pre-decision states, the first the initial one; ``codes``: for each later
    chain state, the cohort columns (``x0, x1, ...``) of its event codes' first days;
    ``groups``: endpoint groups (decision states); ``judged_code``: the column of the
    judgment's first day (used only when a ``court`` group exists).
    """

    chain: tuple[str, ...]
    codes: Mapping[str, tuple[str, ...]]
    groups: tuple[str, ...]
    judged_code: str

    @property
    def width(self) -> int:
        """Number of state columns: chain, decision, judged."""
        return len(self.chain) + 2


def _raw(spec: PathSpec) -> list[str]:
    """Per state column: the entry day (days since 1970-01-01; MISSING when absent)."""
    court = spec.groups.index("court") if "court" in spec.groups else None
    raw = ["origin_day"]
    raw += [_least(list(spec.codes[s])) for s in spec.chain[1:]]
    raw.append(f"CASE WHEN dec_group >= 0 THEN exit_day ELSE {M} END")
    raw.append(str(M) if court is None else
               f"CASE WHEN dec_group = {court} THEN {spec.judged_code} ELSE {M} END")
    return raw


def paths_sql(table: str, spec: PathSpec, name: str = "paths") -> tuple[str, str]:
    """The per-case state columns ``(table, query)``: one row a kept case of ``table``.

    Columns ``case_id``, ``follow`` (censoring, days from origin), per column ``j``:
    ``t{j}`` (entry, days from origin), ``k{j}`` (kept), ``lab{j}`` (state name),
    ``tr{j}`` (transient); and the rule flags ``before_origin``, ``out_of_order``,
    ``same_day_tr``.
    """
    w, dcol = spec.width, spec.width - 2
    raw = _raw(spec)
    base = [f"({r}) AS r{j}" for j, r in enumerate(raw)]
    court = spec.groups.index("court") if "court" in spec.groups else -2
    steps = [("a", f"SELECT case_id, origin_day, censor - origin_day AS follow, "
                   f"{', '.join(base)}, dec_group FROM {quote(table)} "
                   f"WHERE excl IS NULL AND is_case"),
             ("b", "SELECT *, " + ", ".join(
                 [f"r{j} < {M} AS p{j}" for j in range(1, w)]
                 + ["TRUE AS p0", "TRUE AS v0", "0 AS t0"]
                 + [f"CASE WHEN r{j} < {M} THEN GREATEST(r{j} - origin_day, 0) ELSE {M} END "
                    f"AS t{j}" for j in range(1, w)]) + " FROM a"),
             ("s0", f"SELECT *, p{dcol} AS v{dcol}, p{w - 1} AND p{dcol} AND "
                    f"t{w - 1} >= t{dcol} AS v{w - 1} FROM b")]
    for j in range(dcol - 1, 0, -1):  # later chain states, right to left
        later = list(range(j + 1, dcol + 1))
        nxt = _case_index([f"v{i}" for i in later], [f"t{i}" for i in later], "follow")
        steps.append((f"s{dcol - j}", f"SELECT *, p{j} AND t{j} <= {nxt} AS v{j} "
                                      f"FROM s{dcol - j - 1}"))
    last = steps[-1][0]
    kept = []
    for j in range(w):
        after = list(range(j + 1, w))
        nv = _case_index([f"v{i}" for i in after], [f"t{i}" for i in after], str(M + 1)) if (
            after) else str(M + 1)
        zero_later = " OR ".join(f"(v{i} AND t{i} = 0)" for i in range(j + 1, dcol))
        forced = (f"(v{j} AND t{j} = 0" + (f" AND NOT ({zero_later})" if zero_later else "")
                  + ")") if j < dcol else "FALSE"
        kept.append(f"(v{j} AND {nv} <> t{j}) OR {forced} AS k{j}")
    labels = [_lit(s) for s in spec.chain]
    labels.append(_case_index([f"dec_group = {g}" for g in range(len(spec.groups))],
                              [_lit(g) for g in spec.groups], "NULL"))
    labels.append(_lit(JUDGED))
    trans = ["TRUE"] * dcol + [f"dec_group = {court}", "FALSE"]
    steps.append(("k", f"SELECT *, {', '.join(kept)} FROM {last}"))
    flags = [
        "(" + " OR ".join(f"(p{j} AND r{j} < origin_day)" for j in range(1, w))
        + ") AS before_origin",
        "(" + " OR ".join(f"(p{j} AND NOT v{j})" for j in range(1, w)) + ") AS out_of_order",
        "(" + " OR ".join(f"(v{j} AND NOT k{j})" for j in range(w)) + ") AS same_day_tr",
    ]
    cols = ["case_id", "follow", *(f"t{j}" for j in range(w)), *(f"k{j}" for j in range(w)),
            *(f"{lab} AS lab{j}" for j, lab in enumerate(labels)),
            *(f"{tr} AS tr{j}" for j, tr in enumerate(trans)), *flags]
    ctes = ",\n".join(f"{n} AS ({body})" for n, body in steps)
    return f"{name}_cases", f"WITH {ctes}\nSELECT {', '.join(cols)} FROM k"


def _last(j: int, w: int) -> str:
    """Column ``j`` is kept and no later column is."""
    later = " OR ".join(f"k{i}" for i in range(j + 1, w))
    return f"k{j}" + (f" AND NOT ({later})" if later else "")


def transition_rows_sql(table: str, spec: PathSpec) -> str:
    """One row a stay: ``case_id, from_state, to_state, entry, exit, status, k``.

    ``k`` orders a case's rows as :func:`~trajectory.cohort.transitions` does: the
    transitions by their from column, then the censored stay.
    """
    w = spec.width
    src = quote(table)
    parts = []
    for i in range(w):
        for j in range(i + 1, w):
            between = " OR ".join(f"k{m}" for m in range(i + 1, j))
            cond = f"k{i} AND k{j}" + (f" AND NOT ({between})" if between else "")
            parts.append(f"SELECT case_id, lab{i} AS from_state, lab{j} AS to_state, "
                         f"t{i} AS entry, t{j} AS {quote('exit')}, 1 AS status, {i} AS k "
                         f"FROM {src} WHERE {cond}")
    for j in range(w):
        parts.append(f"SELECT case_id, lab{j} AS from_state, CAST(NULL AS VARCHAR) AS to_state, "
                     f"t{j} AS entry, follow AS {quote('exit')}, 0 AS status, {w} AS k "
                     f"FROM {src} WHERE {_last(j, w)} AND tr{j} AND t{j} < follow")
    return "\nUNION ALL\n".join(parts)


def transition_flags_sql(table: str, spec: PathSpec) -> str:
    """One row of counts of the transition rules over the kept cases of ``table``."""
    w = spec.width
    n_kept = " + ".join(f"CASE WHEN k{j} THEN 1 ELSE 0 END" for j in range(w))
    censored = " OR ".join(f"({_last(j, w)} AND tr{j} AND t{j} < follow)" for j in range(w))
    cols = [f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END) AS {n}" for n, c in (
        ("state_before_origin", "before_origin"), ("out_of_order_events", "out_of_order"),
        ("same_day_transitions", "same_day_tr"),
        ("no_follow_up", f"NOT ({n_kept} >= 2 OR {censored})"))]
    return f"SELECT {', '.join(cols)} FROM {quote(table)}"
