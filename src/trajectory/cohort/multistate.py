"""Counting-process multi-state data: the cohort's states and transitions.

:func:`transitions` gives one row a stay in a state that ends (``case_id, from_state,
to_state, entry, exit, status``), with the origin, censoring, exclusions and first
decision of :func:`~trajectory.cohort.build_cohort`; the state model is written out in
``docs/cohort.md``.
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
from .build import _summary_counts
from .source import open_source

__all__ = ["DEFAULT_STATES", "JUDGED", "Transitions", "state_model", "transitions"]

M = cr.MISSING
JUDGED = "judged"
JUDGMENT_EVENTS: tuple[str, ...] = ("E51",)
#: Pre-decision states of :func:`transitions`: the first is the initial state (entered
#: at the origin); each later state is entered at the first of its events.
DEFAULT_STATES: dict[str, tuple[str, ...]] = {
    "complaint": ("E11",),
    "police": ("E12", "E20", "E22", "E23"),
    "parquet": ("E30", "E31", "E32", "E36", "E38"),
}


@dataclass(frozen=True, repr=False)
class Transitions(TidyResult):
    """Counting-process multi-state rows ``case_id, from_state, to_state, entry, exit, status``."""

    rules: pd.DataFrame = field(default_factory=pd.DataFrame)
    states: tuple[str, ...] = ()
    absorbing: tuple[str, ...] = ()
    n_cases_in: int = 0

    def summary(self) -> pd.DataFrame:
        """Number of observed transitions by from/to state."""
        done = self.table[self.table["status"] == 1]
        return _summary_counts(done, ["from_state", "to_state"]).query("n > 0")


def state_model(states: Mapping[str, Sequence[str]] | None,
                endpoints: Mapping[str, Sequence[str]]) -> tuple[dict[str, tuple[str, ...]],
                                                                  list[str]]:
    """The pre-decision states (default :data:`DEFAULT_STATES`), checked, and every name.

    Examples
    --------
    >>> state_model(None, {"court": ("E45",)})[1]
    ['complaint', 'police', 'parquet', 'court', 'judged']
    """
    chain = dict(DEFAULT_STATES if states is None else {k: tuple(v) for k, v in states.items()})
    if not chain:
        raise ConfigError("states: give at least the initial state, e.g. {'complaint': ('E11',)}")
    names = list(chain) + list(endpoints) + ([JUDGED] if "court" in endpoints else [])
    if len(set(names)) != len(names):
        raise ConfigError(f"state names must be unique across states and endpoints: {names}")
    return chain, names


def transitions(
    log: EventLog | None = None,
    *,
    states: Mapping[str, Sequence[str]] | None = None,
    origin: str = "E11",
    origin_fallback: Sequence[str] | None = None,
    endpoints: Mapping[str, Sequence[str]] | None = None,
    censor_at: Any = None,
    window: tuple[Any, Any] | None = None,
    horizon: int | None = None,
    engine: Literal["pandas", "duckdb", "spark"] = "pandas",
    con: Any = None,
) -> Transitions:
    """Counting-process multi-state data: one row a stay in a state that ends.

    State model (``docs/cohort.md``): the initial state (first of ``states``,
    default ``complaint``, entered at the origin) -> the later pre-decision states in
    order (default ``police`` at the first of E12/E20/E22/E23, ``parquet`` at the first
    of E30/E31/E32/E36/E38; states may be skipped) -> one decision state per endpoint
    group (absorbing, except ``court``) -> ``judged`` (first E51 on or after a court
    decision; absorbing). Origin, censoring, exclusions and the first decision are
    those of :func:`build_cohort` with the same options.

    Rows: ``entry < exit`` except transitions on the origin day (``entry == exit == 0``).
    An event of an earlier state dated after a later state's entry is ignored; several
    states entered on one day give one transition to the last of them; a state whose
    first event precedes the origin is entered at 0. ``status`` is 1 for a transition
    at ``exit`` (to ``to_state``), 0 for censoring at ``exit`` (``to_state`` missing).
    A case censored on the day it entered a state has no censored row for it.

    ``engine="duckdb"`` or ``"spark"`` (``con=`` a connection or SparkSession holding
    ``cases`` and ``events``) runs the same rules as SQL there
    (:func:`~trajectory.cohort.pushstages.push_transitions`) and fetches the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from trajectory.schema import EventLog
    >>> cases = pd.DataFrame({"case_id": ["a"],
    ...                       "extraction_date": pd.to_datetime(["2024-12-31"])})
    >>> events = pd.DataFrame({"case_id": ["a"] * 4, "event": ["E11", "E12", "E30", "E45"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-01", "2024-05-01"])})
    >>> transitions(EventLog(cases, events, pd.Timestamp("2024-12-31"))).table
      case_id from_state to_state  entry  exit  status
    0       a  complaint   police      0     1       1
    1       a     police  parquet      1    31       1
    2       a    parquet    court     31   121       1
    3       a      court      NaN    121   365       0
    """
    ends = cr.check_endpoints(endpoints)
    chain, names = state_model(states, ends)
    groups = list(ends)
    has_judged = "court" in ends
    if engine in ("duckdb", "spark"):
        from .pushstages import fetch_transitions

        return fetch_transitions(log, engine=engine, con=con, states=chain, origin=origin,
                                 origin_fallback=origin_fallback, endpoints=ends,
                                 censor_at=censor_at, window=window, horizon=horizon)
    later = list(chain)[1:]
    src = open_source(log, engine)
    extra = [c for s in later for c in chain[s]] + list(JUDGMENT_EVENTS)
    res = cr.resolve_cohort(src, origin=origin, origin_fallback=origin_fallback, endpoints=ends,
                   censor_at=censor_at, window=window, horizon=horizon, extra_codes=extra)
    keep = ~res.excluded
    o = res.origin_day[keep][:, None]
    first = res.first[keep]
    dec_day, dec_group = res.dec.day[keep], res.dec.group[keep]
    n = int(keep.sum())
    cols = [np.zeros(n, dtype=np.int64)]
    cols += [cr.first_of(first, [res.col[c] for c in chain[s]]) for s in later]
    cols.append(dec_day)
    judged = cr.first_of(first, [res.col[c] for c in JUDGMENT_EVENTS])
    court = groups.index("court") if has_judged else -2
    cols.append(np.where(dec_group == court, judged, M))
    raw = np.column_stack(cols)
    present = raw < M
    present[:, 0] = True
    times = np.where(present, raw - o, M)
    times[:, 0] = 0
    ids = np.tile(np.arange(len(chain) + 2), (n, 1))
    ids[:, len(chain)] = len(chain) + np.maximum(dec_group, 0)
    ids[:, len(chain) + 1] = len(chain) + len(groups)
    transient = np.ones_like(present)
    transient[:, len(chain)] = dec_group == court
    transient[:, len(chain) + 1] = False
    follow = res.censor_day[keep] - res.origin_day[keep]
    rows, flags = cr.transition_rows(times, ids, present, follow, len(later), transient)
    counts = dict(res.counts)
    counts.update(cr.flag_counts(res, keep, src))
    counts.update({k: int(v.sum()) for k, v in flags.items()})
    case_ids = src.case_ids[keep]
    n_in = src.n
    to_codes = rows["to_state"]
    table = pd.DataFrame({
        "case_id": pd.array(case_ids[rows["case"]], dtype="string"),
        "from_state": pd.Categorical.from_codes(rows["from_state"], categories=pd.Index(names)),
        "to_state": pd.Categorical.from_codes(to_codes, categories=pd.Index(names)),
        "entry": rows["entry"].astype(np.int64),
        "exit": rows["exit"].astype(np.int64),
        "status": rows["status"].astype(np.int64),
    })
    rules = cr.rules_frame(cr.COHORT_RULES[:4] + cr.COHORT_RULES[6:12] + cr.TRANSITION_RULES,
                         counts)
    absorbing = tuple(g for g in groups if g != "court" or not has_judged) + (
        (JUDGED,) if has_judged else ())
    return Transitions(table=table, alpha=0.0, method="multi-state counting process",
                       time_unit="days", n=int(table["case_id"].nunique()), rules=rules,
                       states=tuple(names), absorbing=absorbing, n_cases_in=n_in,
                       notes={"origin": origin, "censor_at": censor_at, "window": window,
                              "horizon": horizon, "engine": engine})
