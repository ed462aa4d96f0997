"""Private engine of :mod:`trajectory.cohort`: per-case date arrays and the resolution rules.

The in-memory engine reduces the event log to small per-case arrays: the first (and,
for a few codes, the last) day of each needed event code, in days since 1970-01-01.
Every rule of the cohort, the stage table and the transitions is then applied here,
with numpy on those arrays. DuckDB and Spark run the same rules as SQL
(:mod:`~trajectory.cohort.query`, :mod:`~trajectory.cohort.stage_query`,
:mod:`~trajectory.cohort.transition_query`), tested equal to these. Missing days are
``MISSING`` (a large integer) in "first" arrays and ``-MISSING`` in "last" arrays.

Examples
--------
>>> import numpy as np
>>> first = np.array([[5, MISSING], [MISSING, MISSING]])
>>> first_of(first, [0, 1])
array([         5, 1073741824])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..schema import default_endpoints

MISSING = 2**30  #: "no such event" in first-day arrays (larger than any real day)
EPOCH = np.datetime64("1970-01-01", "D")
CENSORED = "censored"
REOPENING = "E49"
#: ``origin`` token meaning "the case's first decision" (earliest event of any default
#: endpoint group), e.g. for the time from the decision to informing the victim.
DECISION_ORIGIN = "decision"
#: origin event -> fallback events used, in this order, when the origin is missing.
DEFAULT_ORIGIN_FALLBACK: dict[str, tuple[str, ...]] = {
    "E11": ("E12", "E10", "E20"),
    "E10": ("E11", "E12", "E20"),
    "E12": ("E20", "E11"),
}


@dataclass(frozen=True)
class Rule:
    """One documented resolution rule: its name, what is done, and the counted cases."""

    name: str
    action: str  # "excluded", "corrected" or "flagged"
    description: str


# Order matters: a case is excluded by the first exclusion rule that applies.
COHORT_RULES: tuple[Rule, ...] = (
    Rule("missing_origin", "excluded",
         "neither the origin event nor any fallback event is dated: no time zero"),
    Rule("outside_window", "excluded", "origin date outside the entry window"),
    Rule("origin_after_censoring", "excluded",
         "origin dated after the case's censoring date (extraction date, censor_at)"),
    Rule("endpoint_before_origin", "excluded",
         "an endpoint event is dated before the origin: the sequence cannot be timed"),
    Rule("no_entry_event", "excluded",
         "delayed entry requested but the entry event is missing before censoring"),
    Rule("entry_after_exit", "excluded",
         "the entry event is dated after the endpoint: the case leaves before it enters"),
    Rule("origin_fallback", "flagged",
         "origin event missing: origin is the first fallback event found (list order)"),
    Rule("events_after_extraction", "corrected",
         "events dated after the case's extraction date are ignored"),
    Rule("undated_events", "corrected", "events without a date are ignored"),
    Rule("second_decision", "corrected",
         "an endpoint event on a later day than the first one: the first counts"),
    Rule("same_day_decisions", "corrected",
         "several endpoint groups on the first decision day: the first group in the "
         "endpoints order counts"),
    Rule("reopened", "flagged",
         "reopening (E49) on or after the first decision: the first decision still ends "
         "the case (column 'reopened'); study reopenings with origin='E49'"),
    Rule("exit_on_entry_day", "flagged",
         "delayed entry and exit on the same day: no time at risk after entry"),
)

STAGE_RULES: tuple[Rule, ...] = (
    Rule("events_after_extraction", "corrected",
         "events dated after the case's extraction date are ignored"),
    Rule("undated_events", "corrected", "events without a date are ignored"),
    Rule("end_before_start", "corrected",
         "a stage's end event is dated before its start: the stage is 'skipped'"),
    Rule("same_day_decisions", "corrected",
         "several endpoint groups on the first decision day: the first group counts"),
)

TRANSITION_RULES: tuple[Rule, ...] = (
    Rule("state_before_origin", "corrected",
         "a state's first event is dated before the origin: it is entered at time 0"),
    Rule("out_of_order_events", "corrected",
         "an event of an earlier state dated after a later state's entry: ignored"),
    Rule("same_day_transitions", "corrected",
         "several states entered on one day: one transition to the last of them"),
    Rule("no_follow_up", "excluded",
         "censored on the origin day in the initial state: no row to write"),
)


def to_days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Datetimes to int64 days since 1970-01-01 (floored); NaT -> MISSING.

    Examples
    --------
    >>> to_days(pd.Series(pd.to_datetime(["1970-01-03 23:00", None])))
    array([         2, 1073741824])
    """
    arr = np.asarray(values, dtype="datetime64[ns]")
    nat = np.isnat(arr)
    out = arr.astype("datetime64[D]").astype(np.int64)
    out[nat] = MISSING
    return out


def from_days(days: np.ndarray) -> np.ndarray:
    """Integer days since 1970-01-01 (MISSING -> NaT) to datetime64[s]."""
    days = np.asarray(days, dtype=np.int64)
    out = (EPOCH + days.clip(-(2**20), 2**20).astype("timedelta64[D]")).astype("datetime64[s]")
    out[np.abs(days) >= MISSING] = np.datetime64("NaT")
    return out


def first_of(first: np.ndarray, cols: Sequence[int]) -> np.ndarray:
    """Earliest day over some columns of a first-day array (MISSING if none)."""
    if len(cols) == 0:
        return np.full(first.shape[0], MISSING, dtype=np.int64)
    return first[:, list(cols)].min(axis=1)


def argfirst_of(first: np.ndarray, cols: Sequence[int]) -> np.ndarray:
    """Position, within ``cols``, of the earliest day (ties: first in ``cols`` order)."""
    return first[:, list(cols)].argmin(axis=1)


def last_of(last: np.ndarray, cols: Sequence[int]) -> np.ndarray:
    """Latest day over some columns of a last-day array (-MISSING if none)."""
    if len(cols) == 0:
        return np.full(last.shape[0], -MISSING, dtype=np.int64)
    return last[:, list(cols)].max(axis=1)


@dataclass(frozen=True)
class Decisions:
    """First decision of each case, resolved by the endpoint rules."""

    day: np.ndarray  # first endpoint day (MISSING: none)
    group: np.ndarray  # index into the endpoint groups, -1 when none
    code: np.ndarray  # event code of the decision (object, None when none)
    same_day: np.ndarray  # bool: several groups on the first decision day
    second: np.ndarray  # bool: endpoint event on a later day (within follow-up)


def resolve_decisions(
    first: np.ndarray,
    last: np.ndarray,
    col: Mapping[str, int],
    endpoints: Mapping[str, Sequence[str]],
) -> Decisions:
    """Apply the endpoint rules to first/last-day arrays (dates already cut at censoring)."""
    n = first.shape[0]
    group_first = np.column_stack(
        [first_of(first, [col[c] for c in codes]) for codes in endpoints.values()]
    ) if endpoints else np.full((n, 0), MISSING)
    day = group_first.min(axis=1) if endpoints else np.full(n, MISSING)
    has = day < MISSING
    on_first_day = group_first == day[:, None]
    group = np.where(has, on_first_day.argmax(axis=1), -1)
    same_day = has & (on_first_day.sum(axis=1) >= 2)
    all_codes = [col[c] for codes in endpoints.values() for c in codes]
    second = has & (last_of(last, all_codes) > day)
    code = np.full(n, None, dtype=object)
    for g, codes in enumerate(endpoints.values()):
        rows = group == g
        if rows.any():
            pick = argfirst_of(first[rows], [col[c] for c in codes])
            code[rows] = np.asarray(codes, dtype=object)[pick]
    return Decisions(day, group, code, same_day, second)


def resolve_origin(
    unfiltered_first: np.ndarray, origin_codes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Origin day and the index (in ``origin_codes``) of the code used; -1 when missing.

    ``origin_codes`` is the origin event followed by its fallbacks, in priority order:
    the first code of the list that the case has gives the origin (its earliest day).
    """
    n = unfiltered_first.shape[0]
    day = np.full(n, MISSING, dtype=np.int64)
    used = np.full(n, -1, dtype=np.int64)
    for j in range(len(origin_codes)):
        take = (used < 0) & (unfiltered_first[:, j] < MISSING)
        day[take] = unfiltered_first[take, j]
        used[take] = j
    return day, used


# stages


def token_days(
    tokens: Sequence[str],
    first: np.ndarray,
    col: Mapping[str, int],
    dec: Decisions,
    groups: Sequence[str],
) -> tuple[np.ndarray, list[Any]]:
    """Days (n, len(tokens)) of stage tokens: event codes, "decision", "decision:<group>".

    Returns the day matrix and, per token, its code (a str, or an object array for
    decision tokens).
    """
    days: list[np.ndarray] = []
    codes: list[Any] = []
    for tok in tokens:
        if tok == "decision":
            days.append(dec.day)
            codes.append(dec.code)
        elif tok.startswith("decision:"):
            g = list(groups).index(tok.split(":", 1)[1])
            days.append(np.where(dec.group == g, dec.day, MISSING))
            codes.append(dec.code)
        else:
            days.append(first[:, col[tok]])
            codes.append(tok)
    n = first.shape[0]
    return (np.column_stack(days) if days else np.full((n, 1), MISSING)), codes


def pick_first(days: np.ndarray, codes: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Earliest day per row and its code (ties: first token); None where no day."""
    n = days.shape[0]
    j = days.argmin(axis=1)
    day = days[np.arange(n), j]
    code = np.full(n, None, dtype=object)
    for k, c in enumerate(codes):
        rows = (j == k) & (day < MISSING)
        code[rows] = c[rows] if isinstance(c, np.ndarray) else c
    return day, code


STATUS_CODES = {"completed": 0, "censored": 1, "skipped": 2, "not_applicable": 3}


def stage_status(
    start: np.ndarray,
    end: np.ndarray,
    end_code: np.ndarray,
    beyond: np.ndarray,
    beyond_code: np.ndarray,
    censor: np.ndarray,
    inapplicable: np.ndarray,
) -> dict[str, np.ndarray]:
    """Status, dates, sojourn and exit code of one stage for every case.

    * completed: start and end observed, end on or after start;
    * skipped: the end precedes the start, or the end is missing but a ``beyond``
      event shows the case went past the stage, or the start is missing but the end
      or a beyond event is present;
    * censored: start observed, neither end nor beyond event by the censoring date;
    * not_applicable: no start and no later evidence (stage not reached), or the
      stage is excluded by the case's path (``inapplicable``).
    """
    has_s, has_e, has_b = start < MISSING, end < MISSING, beyond < MISSING
    completed = has_s & has_e & (end >= start)
    end_before = has_s & has_e & (end < start)
    censored = has_s & ~has_e & ~has_b
    skipped = ~completed & ~censored & (has_e | has_b)
    na = inapplicable | ~(completed | censored | skipped)
    skipped &= ~na
    censored &= ~na
    completed &= ~na
    status = np.full(start.shape[0], STATUS_CODES["not_applicable"], dtype=np.int64)
    status[completed] = STATUS_CODES["completed"]
    status[censored] = STATUS_CODES["censored"]
    status[skipped] = STATUS_CODES["skipped"]
    ev_day = np.where(has_e, end, beyond)
    ev_code = np.where(has_e, end_code, beyond_code)
    end_day = np.where(completed | skipped, ev_day, np.where(censored, censor, MISSING))
    sojourn = np.where(completed | censored, end_day - start, MISSING)
    exit_code = np.asarray(ev_code, dtype=object).copy()
    exit_code[~(completed | skipped)] = None
    start_day = np.where(na & inapplicable, MISSING, start)
    return {"start": start_day, "end": end_day, "sojourn": sojourn, "status": status,
            "exit": exit_code, "end_before_start": end_before & ~na}


# ----------------------------------------------------------------------------------
# transitions


def transition_rows(
    times: np.ndarray,
    state_ids: np.ndarray,
    present: np.ndarray,
    follow_up: np.ndarray,
    n_chain: int,
    transient_last: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Counting-process rows from state entry times (days from origin).

    Parameters
    ----------
    times : (n, S) int
        Entry day of each state (column 0: initial state, time 0; columns 1..n_chain:
        pre-decision states; then decision; then judged). MISSING when absent.
    state_ids : (n, S) int
        State index of each column for each case (the decision column varies by case).
    present : (n, S) bool
        The state's event is observed (before clamping/ordering rules).
    follow_up : (n,) int
        Censoring time (days from origin).
    n_chain : int
        Number of pre-decision columns after the initial one.
    transient_last : (n, S) bool
        Whether a case may leave the state of that column (False: absorbing).

    Returns
    -------
    rows : dict of arrays ``case, from_state, to_state, entry, exit, status``
        (``to_state`` -1 for censored rows), ordered by case then entry.
    flags : dict of per-case bool arrays for the transition rules.
    """
    n, s = times.shape
    t = np.where(present, np.maximum(times, 0), MISSING)
    before_origin = (present & (times < 0))[:, 1:].any(axis=1)
    valid = present.copy()
    valid[:, 0] = True
    dec_col = n_chain + 1
    # decision is resolved upstream; judged must follow it
    valid[:, dec_col + 1] &= valid[:, dec_col] & (t[:, dec_col + 1] >= t[:, dec_col])
    nxt = np.where(valid[:, dec_col], t[:, dec_col], follow_up)
    for j in range(n_chain, 0, -1):
        valid[:, j] &= t[:, j] <= nxt
        nxt = np.where(valid[:, j], t[:, j], nxt)
    out_of_order = (present & ~valid)[:, 1:].any(axis=1)
    # several states on one day: keep the last one reached
    nv = np.full(n, MISSING + 1, dtype=np.int64)
    kept = valid.copy()
    for j in range(s - 1, -1, -1):
        drop = valid[:, j] & (nv == t[:, j])
        kept[:, j] &= ~drop
        nv = np.where(valid[:, j], t[:, j], nv)
    # on the origin day the case starts in the last pre-decision state reached that day,
    # so that a decision on day 0 is a row (start state -> decision, 0, 0)
    at0 = valid[:, : n_chain + 1] & (t[:, : n_chain + 1] == 0)
    start_col = n_chain - np.argmax(at0[:, ::-1], axis=1)
    kept[np.arange(n), start_col] = True
    same_day = (valid & ~kept).any(axis=1)
    case = np.repeat(np.arange(n), s).reshape(n, s)[kept]
    st, tt = state_ids[kept], t[kept]
    trans_last = transient_last[kept]
    same = case[:-1] == case[1:]
    is_last = np.ones(len(case), dtype=bool)
    is_last[:-1] = ~same
    cens = is_last & trans_last & (tt < follow_up[case])
    no_rows = np.ones(n, dtype=bool)
    no_rows[case[:-1][same]] = False
    no_rows[case[cens]] = False
    rows = {
        "case": np.concatenate([case[:-1][same], case[cens]]),
        "from_state": np.concatenate([st[:-1][same], st[cens]]),
        "to_state": np.concatenate([st[1:][same], np.full(int(cens.sum()), -1)]),
        "entry": np.concatenate([tt[:-1][same], tt[cens]]),
        "exit": np.concatenate([tt[1:][same], follow_up[case[cens]]]),
        "status": np.concatenate([np.ones(int(same.sum()), dtype=np.int64),
                                  np.zeros(int(cens.sum()), dtype=np.int64)]),
    }
    order = np.argsort(rows["case"], kind="stable")
    rows = {k: v[order] for k, v in rows.items()}
    flags = {"state_before_origin": before_origin, "out_of_order_events": out_of_order,
             "same_day_transitions": same_day, "no_follow_up": no_rows}
    return rows, flags


# ----------------------------------------------------------------------------------
# cohort resolution shared by build_cohort and transitions

def parse_day(value: Any, what: str) -> int:
    """Days since 1970-01-01 of a date-like ``value``; ConfigError naming ``what``."""
    try:
        return int(to_days(np.array([pd.Timestamp(value)], dtype="datetime64[ns]"))[0])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{what}={value!r} is not a date; pass e.g. '2024-12-31'") from exc


def check_endpoints(endpoints: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    """The endpoint groups (default: the schema's), checked: non-empty, none ``censored``."""
    ends = default_endpoints() if endpoints is None else {k: tuple(v) for k, v in endpoints.items()}
    if not ends or CENSORED in ends or any(not v for v in ends.values()):
        raise ConfigError(
            f"endpoints={endpoints!r}: give a non-empty mapping group -> event codes, "
            f"with no group named {CENSORED!r}"
        )
    return ends


def rules_frame(rules: Sequence[Rule], counts: Mapping[str, int]) -> pd.DataFrame:
    """One row a rule: ``rule, n_cases, action, description``."""
    return pd.DataFrame(
        {
            "rule": [r.name for r in rules],
            "n_cases": [int(counts.get(r.name, 0)) for r in rules],
            "action": [r.action for r in rules],
            "description": [r.description for r in rules],
        }
    )


@dataclass(frozen=True)
class Resolved:
    """Per-case origin, censoring and first decision, with the exclusion mask."""

    origin_codes: tuple[str, ...]
    origin_day: np.ndarray
    origin_used: np.ndarray
    censor_day: np.ndarray
    dec: Decisions
    first: np.ndarray
    last: np.ndarray
    col: dict[str, int]
    excluded: np.ndarray
    counts: dict[str, int]
    earliest: bool = False  #: origin = earliest of ``origin_codes`` (no fallback order)


def origin_events(origin: str, origin_fallback: Sequence[str] | None) -> tuple[str, ...]:
    """Event codes that give a case's time zero, in priority order.

    ``"decision"``: every default endpoint code (the origin is the earliest of them);
    otherwise ``origin`` then its fallbacks (default :data:`DEFAULT_ORIGIN_FALLBACK`).

    Examples
    --------
    >>> origin_events("E11", None)
    ('E11', 'E12', 'E10', 'E20')
    >>> origin_events("E30", ["E30", "E23"])
    ('E30', 'E23')
    """
    if origin == DECISION_ORIGIN:
        return tuple(dict.fromkeys(c for v in default_endpoints().values() for c in v))
    fallback = DEFAULT_ORIGIN_FALLBACK.get(origin, ()) if origin_fallback is None else (
        tuple(origin_fallback))
    return (origin, *[c for c in fallback if c != origin])


def resolve_cohort(
    src: Any,
    *,
    origin: str,
    origin_fallback: Sequence[str] | None,
    endpoints: Mapping[str, tuple[str, ...]],
    censor_at: Any,
    window: tuple[Any, Any] | None,
    horizon: int | None,
    extra_codes: Sequence[str] = (),
) -> Resolved:
    """Origin, censoring day, first decision and exclusions of every case of ``src``."""
    origin_codes = origin_events(origin, origin_fallback)
    f0, _ = src.first_last(origin_codes, None, want_last=False)
    if origin == DECISION_ORIGIN:  # time zero = the earliest of any default endpoint
        origin_day = f0.min(axis=1)
        used = np.where(origin_day < MISSING, f0.argmin(axis=1), -1)
    else:
        origin_day, used = resolve_origin(f0, origin_codes)
    has_origin = used >= 0
    censor = src.extraction.copy()
    if censor_at is not None:
        censor = np.minimum(censor, parse_day(censor_at, "censor_at"))
    if horizon is not None:
        if int(horizon) < 0:
            raise ConfigError(f"horizon={horizon!r} must be a number of days >= 0")
        censor = np.where(has_origin, np.minimum(censor, origin_day + int(horizon)), censor)
    codes = list(dict.fromkeys([c for v in endpoints.values() for c in v] + [REOPENING]
                               + list(extra_codes)))
    col = {c: j for j, c in enumerate(codes)}
    first, last = src.first_last(codes, censor)
    dec = resolve_decisions(first, last, col, endpoints)
    excluded = np.zeros(src.n, dtype=bool)
    counts: dict[str, int] = {}

    def exclude(name: str, hit: np.ndarray) -> None:
        hit = hit & ~excluded
        counts[name] = int(hit.sum())
        excluded[:] |= hit

    exclude("missing_origin", ~has_origin)
    if window is not None:
        start, end = window
        lo = parse_day(start, "window start") if start is not None else -MISSING
        hi = parse_day(end, "window end") if end is not None else MISSING
        exclude("outside_window", (origin_day < lo) | (origin_day > hi))
    exclude("origin_after_censoring", origin_day > censor)
    exclude("endpoint_before_origin", dec.day < origin_day)
    return Resolved(origin_codes, origin_day, used, censor, dec, first, last, col, excluded, counts,
                    earliest=origin == DECISION_ORIGIN)


def flag_counts(res: Resolved, keep: np.ndarray, src: Any) -> dict[str, int]:
    """Number of kept cases each flag rule applies to (rule name -> count)."""
    after, undated = src.quality_flags()
    reopened = res.last[:, res.col[REOPENING]] >= res.dec.day
    return {
        "origin_fallback": 0 if res.earliest else int((keep & (res.origin_used > 0)).sum()),
        "events_after_extraction": int((keep & after).sum()),
        "undated_events": int((keep & undated).sum()),
        "second_decision": int((keep & res.dec.second).sum()),
        "same_day_decisions": int((keep & res.dec.same_day).sum()),
        "reopened": int((keep & reopened).sum()),
    }


