"""From an event log to time-to-event, stage and multi-state data.

Three views of an :class:`~trajectory.schema.EventLog`, each resolving inconsistent
sequences by explicit rules that are counted in the result's ``rules`` table
(``rule, n_cases, action, description``); the rules and the state model are written
out in ``docs/cohort.md``:

* :func:`build_cohort`: one row a case: ``entry``, ``time`` and ``outcome`` (first
  endpoint group reached, or ``"censored"``), for Kaplan-Meier, Aalen-Johansen, Cox.
* :func:`stage_table`: one row a case x stage: sojourn and status
  (``completed``, ``censored``, ``skipped``, ``not_applicable``).
* :func:`~trajectory.cohort.multistate.transitions` (in its own module):
  counting-process multi-state data (``case_id, from_state, to_state, entry, exit, status``).

Times are integer days from the case's origin. The engines give identical tables:
``engine="pandas"`` (in memory), ``engine="duckdb"`` and ``engine="spark"`` (pass
``con=`` a DuckDB connection or SparkSession holding ``cases`` and ``events``). On
DuckDB and Spark each view is one SQL definition (:mod:`trajectory.cohort.query`,
:mod:`~trajectory.cohort.stage_query`, :mod:`~trajectory.cohort.transition_query`);
:func:`~trajectory.cohort.pushdown.push_cohort`,
:func:`~trajectory.cohort.pushstages.push_stage_table` and
:func:`~trajectory.cohort.pushstages.push_transitions` leave it in the engine.

Examples
--------
>>> import pandas as pd
>>> from trajectory.schema import EventLog
>>> cases = pd.DataFrame({"case_id": ["a", "b"], "offence_group": ["hate", "ifg"],
...                       "extraction_date": pd.to_datetime(["2024-12-31"] * 2)})
>>> events = pd.DataFrame({
...     "case_id": ["a", "a", "a", "b", "b"],
...     "event": ["E11", "E30", "E41", "E11", "E30"],
...     "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-03-01",
...                             "2024-06-01", "2024-06-20"])})
>>> log = EventLog(cases, events, pd.Timestamp("2024-12-31"))
>>> build_cohort(log).table[["case_id", "entry", "time", "outcome"]]
  case_id  entry  time                outcome
0       a      0    60  dismissal_opportunity
1       b      0   213               censored
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..results import TidyResult
from ..schema import EventLog
from . import rules as cr
from .rules import CENSORED, DEFAULT_ORIGIN_FALLBACK, REOPENING
from .source import coerce_cases, open_source

__all__ = [
    "Cohort",
    "StageTable",
    "Stage",
    "DEFAULT_STAGES",
    "DEFAULT_ORIGIN_FALLBACK",
    "build_cohort",
    "check_stages",
    "stage_endpoints",
    "stage_table",
]

M = cr.MISSING
STAGE_STATUSES: tuple[str, ...] = ("completed", "censored", "skipped", "not_applicable")


@dataclass(frozen=True)
class Stage:
    """A stage of the stage table: from the first ``start`` event to the first ``end`` one.

    Items of ``start``, ``end`` and ``beyond`` are event codes, or ``"decision"`` (the
    case's first decision, resolved by the endpoint rules), or ``"decision:<group>"``
    (the first decision when it belongs to endpoint group ``<group>``). ``beyond``
    events prove that the case went past the stage without its end event.
    """

    name: str
    start: tuple[str, ...]
    end: tuple[str, ...]
    beyond: tuple[str, ...] = ()


_COURT_ON = ("E48", "E50", "E51")
DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("complaint_to_pv", ("E11",), ("E12",), ("E20", "E23", "E30", "decision") + _COURT_ON),
    Stage("pv_to_transmission", ("E12",), ("E23",), ("E30", "decision") + _COURT_ON),
    Stage("transmission_to_registration", ("E23",), ("E30",),
          ("E31", "E32", "E36", "E38", "decision") + _COURT_ON),
    Stage("registration_to_decision", ("E30",), ("decision",), _COURT_ON),
    Stage("decision_to_judgment", ("decision:court",), ("E51",), ("E53", "E54")),
    Stage("complaint_to_support", ("E11",), ("E60", "E61", "E62", "E37")),
)


def _summary_counts(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = table.groupby(by, observed=False).size().rename("n").reset_index()
    out["share"] = out["n"] / max(int(out["n"].sum()), 1)
    return out


@dataclass(frozen=True, repr=False)
class Cohort(TidyResult):
    """One row a case: ``case_id, entry, time, outcome, origin_date, exit_date, ...``.

    ``rules`` counts the cases each resolution rule touched; ``n_cases_in`` equals
    ``n`` (rows) plus the ``n_cases`` of the rules whose action is ``"excluded"``.
    """

    rules: pd.DataFrame = field(default_factory=pd.DataFrame)
    origin: str = "E11"
    endpoints: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    n_cases_in: int = 0

    def summary(self) -> pd.DataFrame:
        """Number and share of cases by outcome."""
        return _summary_counts(self.table, ["outcome"])


@dataclass(frozen=True, repr=False)
class StageTable(TidyResult):
    """One row a case x stage: ``case_id, stage, start_date, end_date, sojourn, status, exit``."""

    rules: pd.DataFrame = field(default_factory=pd.DataFrame)
    stages: tuple[Stage, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Number of rows by stage and status."""
        return _summary_counts(self.table, ["stage", "status"])


def stage_endpoints(
    endpoints: Mapping[str, Any] | None,
) -> Mapping[str, Sequence[str]] | None:
    """Endpoint groups with every :class:`Stage` (or stage name) replaced by event codes.

    A stage stands for its ``end`` events followed by its ``beyond`` events that are
    event codes (``"decision"`` tokens are dropped: a decision is not an event code).

    Examples
    --------
    >>> stage_endpoints({"transmitted": "pv_to_transmission", "x": ["E30"]})
    {'transmitted': ('E23', 'E30', 'E48', 'E50', 'E51'), 'x': ('E30',)}
    """
    if endpoints is None:
        return None
    named = {s.name: s for s in DEFAULT_STAGES}
    out: dict[str, Sequence[str]] = {}
    for group, value in endpoints.items():
        if isinstance(value, str) and value in named:
            value = named[value]
        if isinstance(value, Stage):
            codes = [*value.end, *value.beyond]
            value = tuple(dict.fromkeys(c for c in codes if not c.startswith("decision")))
        elif isinstance(value, str):
            raise ConfigError(
                f"endpoints[{group!r}] = {value!r}: give a list of event codes or the name "
                f"of a stage ({', '.join(named)})"
            )
        out[group] = tuple(value)
    return out


# ----------------------------------------------------------------------------------
# public functions



def _entry_codes(src: Any, entry_event: str | Mapping[str, str] | None
                 ) -> tuple[list[str], np.ndarray | None]:
    """The delayed-entry event codes, and each case's code when it depends on its source."""
    if entry_event is None:
        return [], None
    if isinstance(entry_event, str):
        return [entry_event], None
    source = src.covariates(["source"])["source"].astype(object).to_numpy()
    case_entry = pd.Series(source).map(dict(entry_event)).to_numpy(dtype=object)
    return list(dict.fromkeys(entry_event.values())), case_entry


def _delayed_entry(res: Any, n: int, entry_codes: list[str], case_entry: np.ndarray | None,
                   time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entry days after the origin, and which cases enter late.

    The rules ``no_entry_event`` and ``entry_after_exit`` are counted in ``res.counts``
    and applied to ``res.excluded``.
    """
    entry = np.zeros(n, dtype=np.int64)
    late = np.zeros(n, dtype=bool)
    if not entry_codes:
        return entry, late
    if case_entry is None:
        entry_day = res.first[:, res.col[entry_codes[0]]]
        late[:] = True
    else:
        entry_day = np.full(n, M, dtype=np.int64)
        for code in entry_codes:
            rows = case_entry == code
            entry_day[rows] = res.first[rows, res.col[code]]
            late |= rows
    entry = np.where(late & (entry_day < M), np.maximum(entry_day - res.origin_day, 0), 0)
    ex = res.excluded
    for name, hit in (("no_entry_event", late & (entry_day >= M)),
                      ("entry_after_exit", late & (entry_day < M) & (entry > time))):
        res.counts[name] = int((hit & ~ex).sum())
        ex |= hit
    return entry, late


def cohort_arguments(
    config: Any,
    *,
    origin: str,
    window: tuple[Any, Any] | None,
    horizon: int | None,
    covariates: Sequence[str] | None,
    endpoints: Mapping[str, Any] | None,
) -> tuple[str, tuple[Any, Any] | None, int | None, Sequence[str] | None,
           dict[str, tuple[str, ...]]]:
    """Cohort arguments with a study config's ``[cohort]`` and ``[endpoints]`` filled in.

    An argument left at its default takes the config's value (an explicit one wins);
    endpoints are resolved (stages to event codes) and checked. A config without a
    ``cohort`` section (e.g. an engine config) changes nothing. Both engines of
    :func:`build_cohort` and :func:`~trajectory.cohort.pushdown.push_cohort` read their
    arguments through here.

    Examples
    --------
    >>> cohort_arguments(None, origin="E11", window=None, horizon=None, covariates=None,
    ...                  endpoints={"court": ["E45"]})[4]
    {'court': ('E45',)}
    """
    c = getattr(config, "cohort", None)
    if c is not None:
        origin = c.origin if origin == "E11" else origin
        window = window if window is not None else c.entry_window
        horizon = horizon if horizon is not None else c.follow_up_days
        covariates = covariates if covariates is not None else c.covariates
        endpoints = endpoints if endpoints is not None else config.endpoints
    ends = cr.check_endpoints(stage_endpoints(endpoints))
    return origin, window, horizon, covariates, ends


def build_cohort(
    log: EventLog | None = None,
    *,
    origin: str = "E11",
    origin_fallback: Sequence[str] | None = None,
    endpoints: Mapping[str, Sequence[str]] | None = None,
    censor_at: Any = None,
    window: tuple[Any, Any] | None = None,
    horizon: int | None = None,
    entry_event: str | Mapping[str, str] | None = None,
    covariates: Sequence[str] | None = None,
    engine: Literal["pandas", "duckdb", "spark"] = "pandas",
    con: Any = None,
    config: Any = None,
) -> Cohort:
    """Build the time-to-event cohort: one row a case, time from origin to first endpoint.

    Parameters
    ----------
    log : EventLog, optional
        The event log (optional with ``engine="duckdb"`` and ``con``).
    origin : str
        Event code of time zero (default ``"E11"``, complaint); its earliest date. Any
        event code works, or ``"decision"``: the case's first decision (earliest event
        of any default endpoint group), e.g. for the time to informing the victim.
    origin_fallback : sequence of str, optional
        Events giving the origin, in priority order, when the origin event is missing
        (rule ``origin_fallback``). Default :data:`DEFAULT_ORIGIN_FALLBACK` (for E11:
        E12, E10, E20). Cases with neither are excluded (``missing_origin``).
    endpoints : mapping, optional
        Competing outcome group -> event codes; default
        :func:`trajectory.schema.default_endpoints`. Its order breaks same-day ties.
        Endpoints need not be decisions: any event codes, or a :class:`Stage` (or the
        name of one of :data:`DEFAULT_STAGES`), which stands for its end events and the
        events after it that prove the stage was passed (e.g. ``{"transmitted":
        "pv_to_transmission"}``: the first of E23 or E30, counted from ``origin``).
    censor_at : date-like, optional
        Administrative censoring date (cases are censored at the earliest of their
        ``extraction_date``, the log's extraction date when that is missing, this date
        and ``origin + horizon``). An endpoint on the censoring day counts as an event.
    window : (start, end), optional
        Entry window on the origin date (inclusive; either may be None). Cases outside
        are excluded (``outside_window``).
    horizon : int, optional
        Follow-up horizon in days after the origin.
    entry_event : str or mapping, optional
        Delayed entry (left truncation). An event code: every case enters observation
        at its first such event, ``entry = max(0, days from origin)``. A mapping
        ``{source value: event code}``: only cases whose ``source`` column has that
        value enter late (e.g. ``{"parquet": "E30"}`` for cases that reached the data
        source at parquet registration). Cases without the event, or with it after the
        endpoint, are excluded and counted.
    covariates : sequence of str, optional
        Case columns to carry; default all but ``case_id``.
    engine : {"pandas", "duckdb", "spark"}
        In memory, or the one SQL definition of the cohort run inside DuckDB or Spark
        (:func:`~trajectory.cohort.pushdown.push_cohort`, which leaves the cohort in the
        engine); identical tables.
    con : DuckDB connection or SparkSession, optional
        Holding tables or views ``cases`` and ``events`` (``engine="duckdb"`` or
        ``"spark"``); without it, the log's tables are registered in a new one.
    config : StudyConfig, optional
        The study config: ``[cohort]`` (``origin``, ``entry_window``,
        ``follow_up_days``, ``covariates``) and ``[endpoints]`` fill the arguments left
        at their defaults (an explicit argument wins).

    Returns
    -------
    Cohort
        ``table`` columns: ``case_id, entry, time, outcome`` (Categorical: endpoint
        groups then ``"censored"``), ``origin_date, exit_date, origin_event, exit_event,
        reopened``, then the covariates; rows ordered by ``case_id``. ``rules`` counts
        every rule (see ``docs/cohort.md``).

    Examples
    --------
    >>> import pandas as pd
    >>> from trajectory.schema import EventLog
    >>> cases = pd.DataFrame({"case_id": ["a", "b", "c"],
    ...                       "extraction_date": pd.to_datetime(["2024-12-31"] * 3)})
    >>> events = pd.DataFrame({"case_id": ["a", "a", "b", "b", "c"],
    ...     "event": ["E11", "E45", "E12", "E40", "E30"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
    ...                             "2024-03-11", "2024-05-01"])})
    >>> result = build_cohort(EventLog(cases, events, pd.Timestamp("2024-12-31")))
    >>> result.table[["case_id", "time", "outcome", "origin_event"]]
      case_id  time              outcome origin_event
    0       a    31                court          E11
    1       b    10  dismissal_technical          E12
    >>> result.rules.set_index("rule").loc[["missing_origin", "origin_fallback"], "n_cases"]
    rule
    missing_origin     1
    origin_fallback    1
    Name: n_cases, dtype: int64
    """
    origin, window, horizon, covariates, ends = cohort_arguments(
        config, origin=origin, window=window, horizon=horizon, covariates=covariates,
        endpoints=endpoints)
    if engine in ("duckdb", "spark"):
        from .pushdown import fetch_cohort

        return fetch_cohort(log, engine=engine, con=con, config=config, origin=origin,
                            origin_fallback=origin_fallback, endpoints=ends,
                            censor_at=censor_at, window=window, horizon=horizon,
                            entry_event=entry_event, covariates=covariates)
    src = open_source(log, engine)
    entry_codes, case_entry = _entry_codes(src, entry_event)
    res = cr.resolve_cohort(src, origin=origin, origin_fallback=origin_fallback, endpoints=ends,
                   censor_at=censor_at, window=window, horizon=horizon,
                   extra_codes=entry_codes)
    has_dec = res.dec.day < M
    exit_day = np.where(has_dec, res.dec.day, res.censor_day)
    time = exit_day - res.origin_day
    entry, late = _delayed_entry(res, src.n, entry_codes, case_entry, time)
    keep = ~res.excluded
    counts = {**res.counts, **cr.flag_counts(res, keep, src)}
    counts["exit_on_entry_day"] = int((keep & late & (entry == time)).sum())
    groups = list(ends)
    outcome = np.where(has_dec, np.asarray(groups + [CENSORED], dtype=object)[res.dec.group],
                       CENSORED)
    reopened = res.last[:, res.col[REOPENING]] >= res.dec.day
    origin_codes = np.asarray(res.origin_codes, dtype=object)
    table = pd.DataFrame({
        "case_id": pd.array(src.case_ids[keep], dtype="string"),
        "entry": entry[keep].astype(np.int64),
        "time": time[keep].astype(np.int64),
        "outcome": pd.Categorical(outcome[keep], categories=groups + [CENSORED]),
        "origin_date": cr.from_days(res.origin_day[keep]),
        "exit_date": cr.from_days(exit_day[keep]),
        "origin_event": pd.array(origin_codes[res.origin_used[keep]], dtype="string"),
        "exit_event": pd.array(res.dec.code[keep], dtype="string"),
        "reopened": reopened[keep],
    })
    cov = coerce_cases(src.covariates(covariates))
    clash = [c for c in cov.columns if c in table.columns]
    if clash:
        raise ConfigError(f"covariates {clash} clash with cohort columns; rename them")
    table = pd.concat([table, cov[keep].reset_index(drop=True)], axis=1)
    n_in = src.n
    return Cohort(
        table=table, alpha=0.0, method=f"cohort from {origin} to first endpoint",
        time_unit="days", n=len(table), rules=cr.rules_frame(cr.COHORT_RULES, counts),
        origin=origin, endpoints=ends, n_cases_in=n_in,
        notes={"censor_at": censor_at, "window": window, "horizon": horizon,
               "entry_event": entry_event, "engine": engine},
    )


def check_stages(stages: Sequence[Stage] | None,
                 endpoints: Mapping[str, Sequence[str]]) -> tuple[Stage, ...]:
    """The stages (default :data:`DEFAULT_STAGES`), checked against the endpoint groups.

    Examples
    --------
    >>> [s.name for s in check_stages(None, {"court": ("E45",)})][:2]
    ['complaint_to_pv', 'pv_to_transmission']
    """
    out = tuple(DEFAULT_STAGES if stages is None else stages)
    groups = list(endpoints)
    for stage in out:
        for tok in (*stage.start, *stage.end, *stage.beyond):
            if tok.startswith("decision:") and tok.split(":", 1)[1] not in endpoints:
                raise ConfigError(
                    f"stage {stage.name!r}: {tok!r} names no endpoint group; groups: {groups}"
                )
        if not stage.start or not stage.end:
            raise ConfigError(f"stage {stage.name!r} needs start and end events")
    return out


def stage_table(
    log: EventLog | None = None,
    *,
    stages: Sequence[Stage] | None = None,
    endpoints: Mapping[str, Sequence[str]] | None = None,
    censor_at: Any = None,
    engine: Literal["pandas", "duckdb", "spark"] = "pandas",
    con: Any = None,
) -> StageTable:
    """One row a case x stage: when the stage started and ended, its sojourn and status.

    A stage runs from the first of its ``start`` events to the first of its ``end``
    events (see :class:`Stage`; default :data:`DEFAULT_STAGES`: complaint->PV,
    PV->transmission, transmission->parquet registration, registration->decision,
    court decision->judgment, complaint->first victim-support contact). Events after
    the censoring date (the case's extraction date, or ``censor_at`` if earlier) are
    ignored.

    Statuses: ``completed`` (start and end observed, end on or after start; ``sojourn``
    = end - start); ``censored`` (start observed, no end and no later event by the
    censoring date; ``end_date`` = censoring date, ``sojourn`` = follow-up in the
    stage); ``skipped`` (the case went past the stage without a usable record of it:
    end before start, or end missing but a later event of the chain present, or start
    missing but end or a later event present; ``exit`` is that evidence);
    ``not_applicable`` (stage never reached: no start and nothing later; or excluded by
    the path: decision->judgment when the first decision is not a court decision).

    ``engine="duckdb"`` or ``"spark"`` (``con=`` a connection or SparkSession holding
    ``cases`` and ``events``; without it the log's tables are registered in a new one)
    runs the stage table's one SQL definition there
    (:func:`~trajectory.cohort.pushstages.push_stage_table`) and fetches the rows: the
    same table.

    Returns
    -------
    StageTable
        ``table`` columns ``case_id, stage, start_date, end_date, sojourn`` (Int64 days),
        ``status`` and ``exit`` (event code), ordered by case then stage.

    Examples
    --------
    >>> import pandas as pd
    >>> from trajectory.schema import EventLog
    >>> cases = pd.DataFrame({"case_id": ["a"],
    ...                       "extraction_date": pd.to_datetime(["2024-12-31"])})
    >>> events = pd.DataFrame({"case_id": ["a"] * 3, "event": ["E11", "E12", "E30"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-01"])})
    >>> st = stage_table(EventLog(cases, events, pd.Timestamp("2024-12-31")))
    >>> st.table[["stage", "sojourn", "status", "exit"]]
                              stage  sojourn          status  exit
    0               complaint_to_pv        1       completed   E12
    1            pv_to_transmission     <NA>         skipped   E30
    2  transmission_to_registration     <NA>         skipped   E30
    3      registration_to_decision      334        censored  <NA>
    4          decision_to_judgment     <NA>  not_applicable  <NA>
    5          complaint_to_support      365        censored  <NA>
    """
    ends = cr.check_endpoints(endpoints)
    stages = check_stages(stages, ends)
    groups = list(ends)
    if engine in ("duckdb", "spark"):
        from .pushstages import fetch_stage_table

        return fetch_stage_table(log, engine=engine, con=con, stages=stages, endpoints=ends,
                                 censor_at=censor_at)
    src = open_source(log, engine)
    censor = src.extraction.copy()
    if censor_at is not None:
        censor = np.minimum(censor, cr.parse_day(censor_at, "censor_at"))
    tokens = [t for s in stages for t in (*s.start, *s.end, *s.beyond)]
    codes = list(dict.fromkeys(
        [c for v in ends.values() for c in v]
        + [t for t in tokens if not t.startswith("decision")]))
    col = {c: j for j, c in enumerate(codes)}
    first, last = src.first_last(codes, censor)
    dec = cr.resolve_decisions(first, last, col, ends)
    after, undated = src.quality_flags()
    n, k = src.n, len(stages)
    parts: dict[str, list[np.ndarray]] = {}
    end_before = np.zeros(n, dtype=bool)
    for stage in stages:
        s_day, _ = cr.pick_first(*cr.token_days(stage.start, first, col, dec, groups))
        e_day, e_code = cr.pick_first(*cr.token_days(stage.end, first, col, dec, groups))
        b_day, b_code = cr.pick_first(*cr.token_days(
            stage.beyond, first, col, dec, groups)) if stage.beyond else (
            np.full(n, M), np.full(n, None, dtype=object))
        inapplicable = np.zeros(n, dtype=bool)
        for tok in stage.start:
            if tok.startswith("decision:"):
                g = groups.index(tok.split(":", 1)[1])
                inapplicable |= (dec.day < M) & (dec.group != g)
        got = cr.stage_status(s_day, e_day, e_code, b_day, b_code, censor, inapplicable)
        end_before |= got.pop("end_before_start")
        for key, value in got.items():
            parts.setdefault(key, []).append(value)
    mat = {key: np.column_stack(v).ravel() for key, v in parts.items()}
    sojourn = pd.array(np.where(mat["sojourn"] < M, mat["sojourn"], 0), dtype="Int64")
    sojourn[mat["sojourn"] >= M] = pd.NA
    names = [s.name for s in stages]
    table = pd.DataFrame({
        "case_id": pd.array(np.repeat(src.case_ids, k), dtype="string"),
        "stage": pd.Categorical.from_codes(np.tile(np.arange(k), n),
                                           categories=pd.Index(names)),
        "start_date": cr.from_days(mat["start"]),
        "end_date": cr.from_days(mat["end"]),
        "sojourn": sojourn,
        "status": pd.Categorical.from_codes(mat["status"],
                                            categories=pd.Index(STAGE_STATUSES)),
        "exit": pd.array(mat["exit"], dtype="string"),
    })
    counts = {"events_after_extraction": int(after.sum()), "undated_events": int(undated.sum()),
              "end_before_start": int(end_before.sum()),
              "same_day_decisions": int(dec.same_day.sum())}
    return StageTable(table=table, alpha=0.0, method="stage sojourns", time_unit="days",
                      n=n, rules=cr.rules_frame(cr.STAGE_RULES, counts), stages=stages,
                      notes={"censor_at": censor_at, "engine": engine})
