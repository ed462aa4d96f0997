"""The stage table as one SQL definition, run where the event log lies (DuckDB or Spark).

:func:`stage_sql` writes the rules of :func:`trajectory.cohort.stage_table` (first day of
each stage token within follow-up, the first decision by the endpoint rules, the
statuses ``completed``, ``censored``, ``skipped`` and ``not_applicable`` of
:func:`trajectory.cohort.rules.stage_status`) as queries over relations ``cases`` and
``events``, in DuckDB's dialect, transpiled to Spark SQL by sqlglot like the cohort
(:mod:`trajectory.cohort.query`, whose code table and decision packing it shares). The
same traps are kept out: days are ``date_diff('day', ...)``, no window, no division but
by the packing constant, missing days are the integer ``MISSING`` (never NULL inside
``LEAST``).

One scan of ``events``, one ``GROUP BY case_id``: every needed first day (events of any
date) and the packed first endpoint. A first day is within follow-up exactly when it is
on or before the case's censoring day (its extraction date, or ``censor_at`` if
earlier), which is known from ``cases`` alone, so no event needs a second look.

``{name}_cases`` is one row a case (wide: each stage's status, days and exit code);
:func:`stage_rows_sql` unfolds it into one row a case x stage.

Examples
--------
>>> from trajectory.cohort.build import DEFAULT_STAGES
>>> spec = StageSpec(stages=DEFAULT_STAGES[:2], endpoints={"court": ("E45",)},
...                  default_extraction=20088)
>>> table, query = stage_sql(spec)
>>> table
'stages_cases'
>>> from trajectory.engine import to_dialect
>>> "DATEDIFF(DAY" in to_dialect(query, "spark")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..engine.sql import quote
from .build import Stage
from .query import (
    _EVENTS,
    _OFFSET,
    _RANKS,
    _case_index,
    _day,
    _least,
    _lit,
    code_table,
    first_decision,
)
from .rules import MISSING, STATUS_CODES

__all__ = ["StageSpec", "stage_rows_sql", "stage_rules_sql", "stage_sql"]

M = MISSING


@dataclass(frozen=True)
class StageSpec:
    """Resolved options of :func:`~trajectory.cohort.stage_table`, days as integers."""

    stages: tuple[Stage, ...]
    endpoints: Mapping[str, tuple[str, ...]]
    default_extraction: int
    has_extraction: bool = True
    censor_day: int | None = None

    @property
    def end_codes(self) -> list[str]:
        """Every endpoint event code, in endpoint order."""
        return list(dict.fromkeys(c for v in self.endpoints.values() for c in v))

    @property
    def codes(self) -> list[str]:
        """Event codes of the stage tokens (``decision`` tokens are not event codes)."""
        return list(dict.fromkeys(
            t for s in self.stages for t in (*s.start, *s.end, *s.beyond)
            if not t.startswith("decision")))

    @property
    def pairs(self) -> list[tuple[int, str]]:
        """(group index, code) of every endpoint, in endpoint order: a code's rank."""
        return [(k, c) for k, codes in enumerate(self.endpoints.values()) for c in codes]


def _scan(spec: StageSpec) -> list[tuple[str, str]]:
    """CTEs: per-case first days, packed first endpoint, quality counts, censoring day."""
    u = [f"u{j}" for j in range(len(spec.codes))]
    ext = (f"COALESCE({_day('extraction_date')}, {spec.default_extraction})"
           if spec.has_extraction else str(spec.default_extraction))
    packed = f"(CAST(day AS BIGINT) + {_OFFSET}) * {_RANKS}"
    firsts = "".join(f", MIN(CASE WHEN oi = {j} THEN day END) AS {v}" for j, v in enumerate(u))
    per_case = "".join(f", COALESCE(a.{v}, {M}) AS {v}" for v in u)
    censor = "ext" if spec.censor_day is None else f"LEAST(ext, {spec.censor_day})"
    return [
        ("ev", _EVENTS),
        ("ci", f"SELECT case_id, {ext} AS ext FROM cases"),
        ("evk", f"SELECT ev.case_id, ev.day, k.r1, k.r2, k.oi "
                f"FROM ev LEFT JOIN {code_table(spec)} ON ev.event = k.code"),
        ("agg", f"SELECT case_id, COUNT(*) AS n_events, COUNT(*) - COUNT(day) AS n_undated, "
                f"MAX(day) AS max_day, MIN({packed} + r1) AS e_first, "
                f"MIN({packed} + r2) AS e_last{firsts} FROM evk GROUP BY case_id"),
        ("b", f"SELECT COALESCE(ci.case_id, a.case_id) AS case_id, ci.case_id IS NOT NULL "
              f"AS is_case, COALESCE(a.n_events, 0) AS n_events, COALESCE(ci.ext, 0) AS ext, "
              f"COALESCE(a.n_undated, 0) > 0 AS undated, "
              f"COALESCE(a.max_day > ci.ext, FALSE) AS after, a.e_first, a.e_last{per_case} "
              f"FROM ci FULL OUTER JOIN agg a ON ci.case_id = a.case_id"),
        ("c", f"SELECT *, {censor} AS censor FROM b"),
    ]


def _token(tok: str, spec: StageSpec) -> tuple[str, str]:
    """SQL of a stage token's day within follow-up and of its event code."""
    if tok == "decision":
        return "dec_day", "dec_code"
    if tok.startswith("decision:"):
        g = list(spec.endpoints).index(tok.split(":", 1)[1])
        return f"CASE WHEN dec_group = {g} THEN dec_day ELSE {M} END", "dec_code"
    return f"f{spec.codes.index(tok)}", _lit(tok)


def _pick(tokens: Sequence[str], spec: StageSpec) -> tuple[str, str]:
    """Earliest day of ``tokens`` and its code (ties: first token), as in ``pick_first``."""
    if not tokens:
        return str(M), "NULL"
    days, codes = zip(*(_token(t, spec) for t in tokens), strict=True)
    day = _least(list(days))
    code = _case_index([f"{day} >= {M}", *(f"{d} = {day}" for d in days)],
                       ["NULL", *codes], "NULL")
    return day, code


def _stage_columns(spec: StageSpec) -> tuple[list[str], list[str], list[str]]:
    """Per stage: raw days and codes; status flags; the output columns."""
    groups = list(spec.endpoints)
    raw, flags, out = [], [], []
    for i, stage in enumerate(spec.stages):
        s_day, _ = _pick(stage.start, spec)
        e_day, e_code = _pick(stage.end, spec)
        b_day, b_code = _pick(stage.beyond, spec)
        ia = [f"dec_group <> {groups.index(t.split(':', 1)[1])}"
              for t in stage.start if t.startswith("decision:")]
        inapplicable = f"(dec_day < {M} AND ({' OR '.join(ia)}))" if ia else "FALSE"
        raw += [f"{s_day} AS s{i}", f"{e_day} AS e{i}", f"{e_code} AS ec{i}",
                f"{b_day} AS b{i}", f"{b_code} AS bc{i}", f"{inapplicable} AS ia{i}"]
        has_s, has_e, has_b = f"s{i} < {M}", f"e{i} < {M}", f"b{i} < {M}"
        cp = f"({has_s} AND {has_e} AND e{i} >= s{i})"
        cs = f"({has_s} AND NOT {has_e} AND NOT {has_b})"
        sk = f"(NOT {cp} AND NOT {cs} AND ({has_e} OR {has_b}))"
        flags += [f"{cp} AS cp{i}", f"{cs} AS cs{i}", f"{sk} AS sk{i}",
                  f"({has_s} AND {has_e} AND e{i} < s{i}) AS eb{i}",
                  f"(ia{i} OR NOT ({cp} OR {cs} OR {sk})) AS na{i}"]
        ok = f"NOT na{i}"
        end = (f"CASE WHEN {ok} AND (cp{i} OR sk{i}) THEN "
               f"(CASE WHEN e{i} < {M} THEN e{i} ELSE b{i} END) "
               f"WHEN {ok} AND cs{i} THEN censor ELSE {M} END")
        status = _case_index([f"na{i}", f"cp{i}", f"cs{i}"],
                             [str(STATUS_CODES[k])
                              for k in ("not_applicable", "completed", "censored")],
                             str(STATUS_CODES["skipped"]))
        out += [f"{status} AS st{i}",
                f"CASE WHEN na{i} AND ia{i} THEN {M} ELSE s{i} END AS sd{i}",
                f"{end} AS ed{i}",
                f"CASE WHEN {ok} AND (cp{i} OR cs{i}) THEN ({end}) - s{i} ELSE {M} END AS sj{i}",
                f"CASE WHEN {ok} AND (cp{i} OR sk{i}) THEN "
                f"(CASE WHEN e{i} < {M} THEN ec{i} ELSE bc{i} END) END AS ex{i}",
                f"eb{i} AND NOT na{i} AS ebk{i}"]
    return raw, flags, out


def stage_sql(spec: StageSpec, name: str = "stages") -> tuple[str, str]:
    """The wide stage table ``(table, query)`` in DuckDB SQL: one row a case_id.

    Rows of ``cases`` and, for the contract checks, case_ids found only in ``events``
    (``is_case`` False). Per stage ``i``: ``st{i}`` (status code of
    :data:`trajectory.cohort.rules.STATUS_CODES`), ``sd{i}``, ``ed{i}`` (start and end
    days, ``MISSING`` when none), ``sj{i}`` (sojourn), ``ex{i}`` (exit code) and
    ``ebk{i}`` (rule ``end_before_start``); and ``after``, ``undated``, ``same_day``.
    """
    dec_day, group, rank, other = first_decision(spec)
    limited = "".join(f", CASE WHEN u{j} <= censor THEN u{j} ELSE {M} END AS f{j}"
                      for j in range(len(spec.codes)))
    code = _case_index([f"{rank} = {r}" for r in range(len(spec.pairs))],
                       [_lit(c) for _, c in spec.pairs], "NULL")
    raw, flags, out = _stage_columns(spec)
    steps = [
        *_scan(spec),
        ("d", f"SELECT *, {dec_day} AS dec_day{limited} FROM c"),
        ("r", f"SELECT *, CASE WHEN dec_day < {M} THEN {group} ELSE -1 END AS dec_group, "
              f"dec_day < {M} AND {other} AS same_day, "
              f"CASE WHEN dec_day < {M} THEN {code} END AS dec_code FROM d"),
        ("p", f"SELECT *, {', '.join(raw)} FROM r"),
        ("q", f"SELECT *, {', '.join(flags)} FROM p"),
    ]
    ctes = ",\n".join(f"{n} AS ({body})" for n, body in steps)
    keep = ", ".join(["case_id", "is_case", "n_events", "after", "undated", "same_day", *out])
    return f"{name}_cases", f"WITH {ctes}\nSELECT {keep} FROM q"


def stage_rules_sql(table: str, spec: StageSpec) -> str:
    """One row of counts: cases, the stage rules, and the contract checks of the cohort."""
    n = len(spec.stages)
    end_before = " OR ".join(f"ebk{i}" for i in range(n)) if n else "FALSE"
    cols = ["SUM(CASE WHEN is_case THEN 1 ELSE 0 END) AS n_cases_in",
            "SUM(CASE WHEN is_case THEN 0 ELSE n_events END) AS orphan_events",
            "MIN(CASE WHEN is_case THEN NULL ELSE case_id END) AS orphan_example",
            "SUM(CASE WHEN is_case THEN 1 ELSE 0 END) "
            "- COUNT(DISTINCT CASE WHEN is_case THEN case_id END) AS duplicates"]
    cols += [f"SUM(CASE WHEN is_case AND ({cond}) THEN 1 ELSE 0 END) AS {rule}"
             for rule, cond in (("events_after_extraction", "after"),
                                ("undated_events", "undated"),
                                ("end_before_start", end_before),
                                ("same_day_decisions", "same_day"))]
    return f"SELECT {', '.join(cols)} FROM {quote(table)}"


def stage_rows_sql(table: str, spec: StageSpec) -> str:
    """One row a case x stage, from the wide table of :func:`stage_sql`.

    Columns ``case_id, stage_index, stage, start_day, end_day, sojourn, status, exit``
    (days since 1970-01-01, NULL when missing).
    """
    labels = {v: k for k, v in STATUS_CODES.items()}
    parts = []
    for i, stage in enumerate(spec.stages):
        status = _case_index([f"st{i} = {c}" for c in sorted(labels)],
                             [_lit(labels[c]) for c in sorted(labels)], "NULL")
        parts.append(
            f"SELECT case_id, {i} AS stage_index, {_lit(stage.name)} AS stage, "
            f"CASE WHEN sd{i} < {M} THEN sd{i} END AS start_day, "
            f"CASE WHEN ed{i} < {M} THEN ed{i} END AS end_day, "
            f"CASE WHEN sj{i} < {M} THEN sj{i} END AS sojourn, {status} AS status, "
            f"ex{i} AS {quote('exit')} FROM {quote(table)} WHERE is_case")
    return "\nUNION ALL\n".join(parts)
