"""The cohort as one SQL definition, run where the event log lies (DuckDB or Spark).

:func:`cohort_sql` writes the rules of :func:`trajectory.cohort.build_cohort` (origin and
its fallbacks, censoring, the first decision by the endpoint rules, delayed entry, the
exclusions and flags of ``docs/cohort.md``) as one query over relations ``cases`` and
``events`` with the data contract's columns. It is written once in DuckDB's dialect and
transpiled to Spark SQL by sqlglot (:func:`trajectory.engine.to_dialect`), like the count
table. The query mirrors :mod:`trajectory.cohort.rules` step by step, with the same
sentinels (``MISSING`` for "no such day"), so that the engines agree exactly (tested in
``tests/test_cohort_sql.py`` and ``tests/engine/test_cohort_spark.py``).

The dialect traps of survival SQL are kept out: days are ``date_diff('day', ...)``
(never date subtraction, an INTERVAL in Spark), there is no ``ln``, no window and no
division but by a constant (exact, in floating point in both dialects); missing days are
integers, never NULLs inside ``LEAST``/``GREATEST``, so NULL handling cannot differ
between engines.

One scan of ``events`` in the usual case: one ``GROUP BY case_id`` gives every first
day needed (events of any date), the first endpoint (packed with its rank into one
integer) and the quality flags; the first day on or before censoring is the overall
first day when that is on or before censoring, so it needs no join. The last endpoint
and reopening days are taken on or before :attr:`CohortSpec.bound` (the study's
``censor_at`` or the latest extraction day, known before the scan), which is a case's
censoring day unless its own extraction date or the horizon censors it earlier. Only
then, for the cases with such a day after their own censoring day, a second scan reads
their endpoint and reopening events (:func:`rescan_sql` says whether it is needed).

Examples
--------
>>> spec = CohortSpec(origin_codes=("E11",), endpoints={"court": ("E45",)},
...                   default_extraction=20088)
>>> [table for table, _ in cohort_sql(spec)]
['cohort_cases', 'cohort_all']
>>> from trajectory.engine import to_dialect
>>> "DATEDIFF(DAY" in to_dialect(cohort_sql(spec)[0][1], "spark")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..engine.sql import quote
from ..errors import ConfigError
from .rules import CENSORED, COHORT_RULES, MISSING, REOPENING

__all__ = ["CohortSpec", "cohort_sql", "kept_sql", "rescan_sql", "rules_sql"]

M = MISSING
_RANKS = 64  #: endpoint (group, code) pairs packed with a day into one integer
_OFFSET = 2**20  #: days added before packing, so that packed values stay positive
#: Per-case columns of the full table that the kept cohort carries (then covariates).
OUTPUT_COLUMNS: tuple[str, ...] = ("case_id", "entry", "time", "outcome", "origin_day",
                                   "exit_day", "origin_event", "exit_event", "reopened")
_FLAGS = ("origin_fallback", "events_after_extraction", "undated_events", "second_decision",
          "same_day_decisions", "reopened", "exit_on_entry_day")
_EXCLUSIONS = tuple(r.name for r in COHORT_RULES if r.action == "excluded")


@dataclass(frozen=True)
class CohortSpec:
    """Resolved options of :func:`~trajectory.cohort.build_cohort`, days as integers.

    ``origin_codes`` is the origin followed by its fallbacks (priority order), or, with
    ``earliest``, the codes whose earliest day is the origin (origin ``"decision"``).
    ``entry`` is None, an event code, or ``{source value: event code}``.
    ``max_extraction`` is the latest extraction day of any case (None: unknown), which
    bounds the last endpoint days of the first scan (:attr:`bound`).
    """

    origin_codes: tuple[str, ...]
    endpoints: Mapping[str, tuple[str, ...]]
    default_extraction: int
    earliest: bool = False
    has_extraction: bool = True
    censor_day: int | None = None
    window: tuple[int | None, int | None] | None = None
    horizon: int | None = None
    entry: str | Mapping[str, str] | None = None
    covariates: tuple[str, ...] = field(default_factory=tuple)
    max_extraction: int | None = None
    #: codes whose first day within follow-up ``{name}_all`` carries as ``x0, x1, ...``
    #: (with ``censor``), for the multi-state transitions
    extra_codes: tuple[str, ...] = ()

    @property
    def bound(self) -> int | None:
        """A day that no case's censoring day exceeds (None: unknown).

        The lower of ``censor_day`` and the latest extraction day (``default_extraction``
        without an ``extraction_date`` column, else ``max_extraction`` when known).
        """
        days = [d for d in (self.censor_day, self.default_extraction if not self.has_extraction
                            else self.max_extraction) if d is not None]
        return min(days) if days else None

    @property
    def entry_codes(self) -> list[str]:
        """Event codes of delayed entry (none without ``entry``)."""
        if self.entry is None:
            return []
        if isinstance(self.entry, str):
            return [self.entry]
        return list(dict.fromkeys(self.entry.values()))

    @property
    def end_codes(self) -> list[str]:
        """Every endpoint event code, in endpoint order."""
        return list(dict.fromkeys(c for v in self.endpoints.values() for c in v))

    @property
    def codes(self) -> list[str]:
        """Codes whose own first day is needed (origin and entry; endpoints are packed)."""
        return list(dict.fromkeys([*self.origin_codes, *self.entry_codes, *self.extra_codes]))

    @property
    def pairs(self) -> list[tuple[int, str]]:
        """(group index, code) of every endpoint, in endpoint order: a code's rank."""
        return [(k, c) for k, codes in enumerate(self.endpoints.values()) for c in codes]


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _least(exprs: Sequence[str]) -> str:
    return exprs[0] if len(exprs) == 1 else f"LEAST({', '.join(exprs)})"


def _greatest(exprs: Sequence[str]) -> str:
    return exprs[0] if len(exprs) == 1 else f"GREATEST({', '.join(exprs)})"


def _day(col: str) -> str:
    """Days since 1970-01-01 of a date or timestamp column (an integer in both dialects)."""
    return f"CAST(DATE_DIFF('day', DATE '1970-01-01', CAST({col} AS DATE)) AS INTEGER)"


_EVENTS = f"SELECT case_id, event, {_day('date')} AS day FROM events"


def _in(col: str, codes: Sequence[str]) -> str:
    return f"{col} IN ({', '.join(_lit(c) for c in codes)})"


def _case_index(conds: Sequence[str], values: Sequence[str], default: str) -> str:
    """``CASE WHEN cond_0 THEN value_0 ... ELSE default END`` (first true condition)."""
    whens = " ".join(f"WHEN {c} THEN {v}" for c, v in zip(conds, values, strict=True))
    return f"CASE {whens} ELSE {default} END"


class CodeSpec(Protocol):
    """What :func:`code_table` and :func:`first_decision` read of a spec."""

    @property
    def pairs(self) -> list[tuple[int, str]]: ...

    @property
    def end_codes(self) -> list[str]: ...

    @property
    def codes(self) -> list[str]: ...


def code_table(spec: CodeSpec) -> str:
    """An inline table: for each event code needed, what the first scan does with it.

    ``r1``/``r2``: the code's first and (flipped) last endpoint rank, packed with the day
    as ``(day + OFFSET) * RANKS + rank``, so that one minimum gives the earliest endpoint
    day and, on that day, the endpoint listed first (``e_first``) or last (``e_last``):
    two aggregate states instead of one a code, and integer comparisons only, since the
    codes are matched once by a join with this small table. ``oi``: index among the
    codes whose own first day is needed; ``is_end``, ``is_re``: endpoint, reopening.
    """
    pairs = spec.pairs
    if len(pairs) > _RANKS:
        raise ConfigError(f"endpoints: at most {_RANKS} (group, event code) pairs, "
                          f"got {len(pairs)}")
    first = {c: r for r, (_, c) in reversed(list(enumerate(pairs)))}
    last = {c: r for r, (_, c) in enumerate(pairs)}
    own = {c: j for j, c in enumerate(spec.codes)}
    rows = []
    for c in dict.fromkeys([*spec.end_codes, *spec.codes, REOPENING]):
        r1 = str(first[c]) if c in first else "NULL"
        r2 = str(_RANKS - 1 - last[c]) if c in last else "NULL"
        oi = str(own[c]) if c in own else "NULL"
        rows.append(f"({_lit(c)}, {r1}, {r2}, {oi}, {str(c in first).upper()}, "
                    f"{str(c == REOPENING).upper()})")
    return f"(VALUES {', '.join(rows)}) AS k(code, r1, r2, oi, is_end, is_re)"


def first_decision(spec: CodeSpec) -> tuple[str, str, str, str]:
    """SQL for the first endpoint day, its group, its rank (code) and the same-day flag."""
    pairs = spec.pairs
    r1 = f"(e_first % {_RANKS})"
    r2 = f"({_RANKS - 1} - e_last % {_RANKS})"
    day = f"CAST((e_first - {r1}) / {_RANKS} AS BIGINT) - {_OFFSET}"
    dec_day = f"CASE WHEN e_first IS NOT NULL AND {day} <= censor THEN {day} ELSE {M} END"

    def of(rank: str, values: Sequence[str]) -> str:
        return _case_index([f"{rank} = {r}" for r in range(len(pairs))], values, "NULL")

    group = of(r1, [str(k) for k, _ in pairs])
    other = of(r2, [str(k) for k, _ in pairs])
    return dec_day, group, r1, f"{group} <> {other}"


def _carried(spec: CohortSpec) -> dict[str, str]:
    """Case columns carried through the per-case tables -> their internal names."""
    names = list(dict.fromkeys([*spec.covariates,
                                *(["source"] if isinstance(spec.entry, Mapping) else [])]))
    return {c: f"cv{j}" for j, c in enumerate(names)}


def _scans(spec: CohortSpec) -> list[tuple[str, str]]:
    """CTEs: days of events, per-case first days and quality counts, cases with censoring."""
    u = {c: f"u{j}" for j, c in enumerate(spec.codes)}
    ext = (f"COALESCE({_day('extraction_date')}, {spec.default_extraction})"
           if spec.has_extraction else str(spec.default_extraction))
    firsts = "".join(f", MIN(CASE WHEN oi = {j} THEN day END) AS {v}"
                     for j, v in enumerate(u.values()))
    per_case = ", ".join(f"COALESCE(a.{v}, {M}) AS {v}" for v in u.values())
    packed = f"(CAST(day AS BIGINT) + {_OFFSET}) * {_RANKS}"
    within = "" if spec.bound is None else f" AND day <= {spec.bound}"
    lasts = (f"MAX(CASE WHEN is_end{within} THEN day END) AS max_end, "
             f"MAX(CASE WHEN is_re{within} THEN day END) AS max_reopen, "
             f"MIN({packed} + r1) AS e_first, MIN({packed} + r2) AS e_last")
    carried = "".join(f", {quote(c)} AS {v}" for c, v in _carried(spec).items())
    carried_b = "".join(f", ci.{v}" for v in _carried(spec).values())
    origin = [u[c] for c in spec.origin_codes]
    if spec.earliest:
        origin_day = _least(origin)
        used = _case_index([f"{v} = {origin_day} AND {v} < {M}" for v in origin],
                           [str(j) for j in range(len(origin))], "-1")
    else:
        origin_day = _case_index([f"{v} < {M}" for v in origin], origin, str(M))
        used = _case_index([f"{v} < {M}" for v in origin],
                           [str(j) for j in range(len(origin))], "-1")
    censor = "ext" if spec.censor_day is None else f"LEAST(ext, {spec.censor_day})"
    if spec.horizon is not None:
        censor = (f"CASE WHEN used >= 0 THEN LEAST({censor}, origin_day + {int(spec.horizon)}) "
                  f"ELSE {censor} END")
    return [
        ("ev", _EVENTS),
        ("ci", f"SELECT case_id, {ext} AS ext{carried} FROM cases"),
        ("evk", f"SELECT ev.case_id, ev.day, k.r1, k.r2, k.oi, k.is_end, k.is_re "
                f"FROM ev LEFT JOIN {code_table(spec)} ON ev.event = k.code"),
        ("agg", f"SELECT case_id, COUNT(*) AS n_events, COUNT(*) - COUNT(day) AS n_undated, "
                f"MAX(day) AS max_day, {lasts}{firsts} FROM evk GROUP BY case_id"),
        ("b", f"SELECT COALESCE(ci.case_id, a.case_id) AS case_id, ci.case_id IS NOT NULL "
              f"AS is_case, COALESCE(a.n_events, 0) AS n_events, COALESCE(ci.ext, 0) AS ext, "
              f"COALESCE(a.n_undated, 0) > 0 AS undated, "
              f"COALESCE(a.max_day > ci.ext, FALSE) AS after, "
              f"COALESCE(a.max_end, {-M}) AS max_end, COALESCE(a.max_reopen, {-M}) AS max_reopen, "
              f"a.e_first, a.e_last, {per_case}{carried_b} "
              f"FROM ci FULL OUTER JOIN agg a ON ci.case_id = a.case_id"),
        ("o", f"SELECT *, {origin_day} AS origin_day, {used} AS used FROM b"),
        ("c", f"SELECT *, {censor} AS censor FROM o"),
    ]


def _decisions(spec: CohortSpec, cases: str, rescan: bool) -> list[tuple[str, str]]:
    """CTEs over the per-case table ``cases``: last days, the first decision, entry, time.

    ``rescan=False`` when no case has an endpoint or reopening event after its
    censoring day: the last days of the first scan are then the ones within follow-up.
    """
    u = {c: f"u{j}" for j, c in enumerate(spec.codes)}
    limited = ", ".join(f"CASE WHEN c.{v} <= c.censor THEN c.{v} ELSE {M} END AS f{v}"
                        for v in u.values())
    dec_day, group, code, other_group = first_decision(spec)
    if spec.entry is None:
        late, entry_day = "FALSE", str(M)
    elif isinstance(spec.entry, str):
        late, entry_day = "TRUE", f"f{u[spec.entry]}"
    else:
        src = [f"{_carried(spec)['source']} = {_lit(k)}" for k in spec.entry]
        late = f"COALESCE({' OR '.join(src)}, FALSE)"
        entry_day = _case_index(src, [f"f{u[c]}" for c in spec.entry.values()], str(M))
    lasts = [
        ("ev", _EVENTS),
        ("lst", f"SELECT ev.case_id, "
                f"MAX(CASE WHEN {_in('ev.event', spec.end_codes)} THEN ev.day END) AS last_end, "
                f"MAX(CASE WHEN ev.event = {_lit(REOPENING)} THEN ev.day END) AS last_reopen "
                f"FROM ev JOIN (SELECT case_id, censor FROM c WHERE max_end > censor "
                f"OR max_reopen > censor) cc ON ev.case_id = cc.case_id "
                f"WHERE {_in('ev.event', [*spec.end_codes, REOPENING])} "
                f"AND ev.day <= cc.censor GROUP BY ev.case_id"),
    ]
    later = (f"CASE WHEN c.max_end <= c.censor THEN c.max_end "
             f"ELSE COALESCE(l.last_end, {-M}) END AS last_end, "
             f"CASE WHEN c.max_reopen <= c.censor THEN c.max_reopen "
             f"ELSE COALESCE(l.last_reopen, {-M}) END AS last_reopen "
             f"FROM c LEFT JOIN lst l ON c.case_id = l.case_id") if rescan else (
        "c.max_end AS last_end, c.max_reopen AS last_reopen FROM c")
    return [
        ("c", f"SELECT * FROM {quote(cases)}"),
        *(lasts if rescan else []),
        ("f", f"SELECT c.*, {limited}, {later}"),
        ("d", f"SELECT *, {dec_day} AS dec_day FROM f"),
        ("r", f"SELECT d.*, CASE WHEN dec_day < {M} THEN {group} ELSE -1 END AS dec_group, "
              f"dec_day < {M} AND {other_group} AS same_day, "
              f"CASE WHEN dec_day < {M} THEN {code} END AS dec_rank, "
              f"dec_day < {M} AND last_end > dec_day AS later_dec, "
              f"last_reopen >= dec_day AS reopened, {late} AS late, {entry_day} AS entry_day, "
              f"CASE WHEN dec_day < {M} THEN dec_day ELSE censor END AS exit_day "
              f"FROM d"),
        ("t", f"SELECT *, exit_day - origin_day AS t_time, "
              f"CASE WHEN late AND entry_day < {M} THEN GREATEST(entry_day - origin_day, 0) "
              f"ELSE 0 END AS t_entry FROM r"),
    ]


def _exclusions(spec: CohortSpec) -> str:
    """Index (in the rules' order) of the first exclusion rule of a case (NULL: kept)."""
    checks = {"missing_origin": "used < 0",
              "origin_after_censoring": "origin_day > censor",
              "endpoint_before_origin": "dec_day < origin_day",
              "no_entry_event": f"late AND entry_day >= {M}",
              "entry_after_exit": f"late AND entry_day < {M} AND t_entry > t_time"}
    if spec.window is not None:
        lo, hi = spec.window
        parts = ([f"origin_day < {lo}"] if lo is not None else []) + (
            [f"origin_day > {hi}"] if hi is not None else [])
        if parts:
            checks["outside_window"] = " OR ".join(parts)
    names = [n for n in _EXCLUSIONS if n in checks]
    return _case_index([checks[n] for n in names], [str(_EXCLUSIONS.index(n)) for n in names],
                       "NULL")


def cohort_sql(spec: CohortSpec, name: str = "cohort",
               rescan: bool = True) -> list[tuple[str, str]]:
    """The cohort as two steps ``(table, query)`` in DuckDB SQL, run in order.

    With ``rescan=False`` the second step does not read ``events`` again: allowed only
    when :func:`rescan_sql` on the first step's table counts no case.

    ``{name}_cases``: one row a case_id of ``cases`` or ``events``, with its first days
    and censoring day (one scan of ``events``). ``{name}_all``: the same rows with
    ``is_case`` (False for a case_id found only in ``events``), ``n_events``, ``excl``
    (index of the exclusion rule, NULL when kept), the flags (``after``, ``undated``,
    ``later_dec``, ``same_day``, ``reopened``, ``late``), ``entry``, ``time``,
    ``dec_group``, ``used`` and ``dec_rank`` (indices of the outcome, origin code and
    exit code), ``origin_day``, ``exit_day`` and the covariates of ``spec``.
    """
    step1 = ",\n".join(f"{n} AS ({body})" for n, body in _scans(spec))
    keep1 = ", ".join(["case_id", "is_case", "n_events", "undated", "after", "max_end",
                       "max_reopen", "e_first", "e_last",
                       *[f"u{j}" for j in range(len(spec.codes))],
                       "origin_day", "used", "censor", *_carried(spec).values()])
    carried = _carried(spec)
    covs = "".join(f", t.{carried[c]} AS {quote(c)}" for c in spec.covariates)
    if spec.extra_codes:
        covs += ", t.censor" + "".join(f", t.fu{spec.codes.index(c)} AS x{k}"
                                       for k, c in enumerate(spec.extra_codes))
    # integers only (labels are added by kept_sql): a narrow table for tens of millions
    select = (f"SELECT t.case_id, t.is_case, t.n_events, {_exclusions(spec)} AS excl, "
              f"t.after, t.undated, t.later_dec, t.same_day, t.reopened, t.used, t.late, "
              f"t.t_entry AS {quote('entry')}, t.t_time AS {quote('time')}, t.dec_group, "
              f"t.origin_day, t.exit_day, t.dec_rank{covs} FROM t")
    step2 = ",\n".join(f"{n} AS ({body})"
                        for n, body in _decisions(spec, f"{name}_cases", rescan))
    return [(f"{name}_cases", f"WITH {step1}\nSELECT {keep1} FROM c"),
            (f"{name}_all", f"WITH {step2}\n{select}")]


def rescan_sql(table: str) -> str:
    """Cases of the first step's table with an endpoint or reopening after censoring.

    Only days on or before :attr:`CohortSpec.bound` were kept by the first step, so a
    case counts when its own censoring day is earlier than the bound and such a day
    lies between the two.
    """
    return (f"SELECT COUNT(*) AS n FROM {quote(table)} "
            "WHERE max_end > censor OR max_reopen > censor")


def rules_sql(table: str, spec: CohortSpec) -> str:
    """One row of counts: cases in, each exclusion rule, each flag among kept cases.

    Also the contract checks: events of no case (``orphan_events`` and one example
    ``orphan_example``) and ``duplicates`` (case_id rows beyond the first).
    """
    kept = "excl IS NULL AND is_case"
    flags = {"origin_fallback": "FALSE" if spec.earliest else "used > 0",
             "events_after_extraction": "after", "undated_events": "undated",
             "second_decision": "later_dec", "same_day_decisions": "same_day",
             "reopened": "reopened",
             "exit_on_entry_day": f"late AND {quote('entry')} = {quote('time')}"}
    cols = ["SUM(CASE WHEN is_case THEN 1 ELSE 0 END) AS n_cases_in",
            "SUM(CASE WHEN is_case THEN 0 ELSE n_events END) AS orphan_events",
            "MIN(CASE WHEN is_case THEN NULL ELSE case_id END) AS orphan_example",
            "SUM(CASE WHEN is_case THEN 1 ELSE 0 END) "
            "- COUNT(DISTINCT CASE WHEN is_case THEN case_id END) AS duplicates"]
    cols += [f"SUM(CASE WHEN is_case AND excl = {j} THEN 1 ELSE 0 END) AS {n}"
             for j, n in enumerate(_EXCLUSIONS)]
    cols += [f"SUM(CASE WHEN {kept} AND ({flags[n]}) THEN 1 ELSE 0 END) AS {n}" for n in _FLAGS]
    return f"SELECT {', '.join(cols)} FROM {quote(table)}"


def kept_sql(table: str, spec: CohortSpec) -> str:
    """The cohort: kept cases, :data:`OUTPUT_COLUMNS` then the covariates."""
    groups = list(spec.endpoints)
    labels = {
        "outcome": _case_index([f"dec_group = {k}" for k in range(len(groups))],
                               [_lit(g) for g in groups], _lit(CENSORED)),
        "origin_event": _case_index([f"used = {j}" for j in range(len(spec.origin_codes))],
                                    [_lit(c) for c in spec.origin_codes], "NULL"),
        "exit_event": _case_index([f"dec_rank = {r}" for r in range(len(spec.pairs))],
                                  [_lit(c) for _, c in spec.pairs], "NULL"),
    }
    cols = ", ".join(f"{labels[c]} AS {quote(c)}" if c in labels else quote(c)
                     for c in (*OUTPUT_COLUMNS, *spec.covariates))
    return f"SELECT {cols} FROM {quote(table)} WHERE excl IS NULL AND is_case"
