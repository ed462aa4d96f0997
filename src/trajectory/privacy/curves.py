"""Disclosure control of curves (Kaplan-Meier, cumulative incidence) and risk tables.

Follows OpenSAFELY's rounded Kaplan-Meier practice (``kaplan-meier-function``
reusable action, ``round_km``: event times are delayed until at least a threshold
number of events has occurred, counts are rounded and the estimate is recomputed
from the rounded counts):

* a group whose size (largest ``n_risk``) is below ``k`` is withheld whole, with a
  note; rows of any other table of the result (medians, quantiles) for that group
  are withheld too;
* in each curve, events are held back until ``k`` have accumulated: the cumulative
  event count is floored to a multiple of ``k``, and a step is shown only where that
  floored count rises, so every shown step holds a multiple of ``k`` events; the
  cumulative censoring count is floored the same way, and a row's ``n_censor`` is
  the (floored) censorings from its time up to the next shown time;
* rows where fewer than ``k`` cases are still at risk are not shown (the tail);
* Kaplan-Meier curves (no ``state`` column, estimate equal to the product-limit of
  the table's counts, no delayed entry) are recomputed from the rounded counts, with
  ``n_risk`` = (group size rounded up to a multiple of ``k``) minus the rounded
  events and censorings before, and Greenwood limits with the result's
  ``conf_type``; this ``n_risk`` is never below the true one and every step's events
  fit in it;
* other curves (cumulative incidence, multi-state) show the true estimate and
  limits at the kept steps on a grid of ``k / N`` (``N``: the group size rounded up
  to a multiple of ``k``; at least ``10**-decimals``), so that an estimate times the
  group size gives no count the floors hide, with ``n_risk`` rounded up to a
  multiple of ``k``; hidden state rows show blank counts, never 0.

Examples
--------
>>> import pandas as pd
>>> from trajectory.estimators.nonparametric import kaplan_meier
>>> cases = pd.DataFrame({"time": range(1, 21), "outcome": [1, 0] * 10})
>>> safe = disclose_curves(kaplan_meier(cases), k=5)
>>> safe.table[["time", "n_risk", "n_event", "n_censor"]]
   time  n_risk  n_event  n_censor
0   9.0    20.0      5.0      10.0
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..results import TidyResult

__all__ = ["TEST_EVENTS", "disclose_curves", "floor_test_events"]

#: A test's event counts by group beside their expected numbers (log-rank): the
#: columns :func:`floor_test_events` puts on the curves' grid.
TEST_EVENTS = ("observed", "expected")

_STATE_COLUMNS = ("state", "outcome")
_EPS = 1e-9


def _ceil_to(x: np.ndarray | float, base: float) -> np.ndarray:
    return base * np.ceil(np.asarray(x, dtype=float) / base - _EPS)


def _floor_to(x: np.ndarray, base: float) -> np.ndarray:
    return base * np.floor(np.asarray(x, dtype=float) / base + _EPS)


def _is_product_limit(curve: pd.DataFrame) -> bool:
    """True if the curve is a Kaplan-Meier survival curve without delayed entry."""
    nr = curve["n_risk"].to_numpy(dtype=float)
    d = curve["n_event"].to_numpy(dtype=float)
    c = curve["n_censor"].to_numpy(dtype=float)
    if len(nr) == 0 or (nr <= 0).any():
        return False
    if not np.allclose(nr[1:], nr[:-1] - d[:-1] - c[:-1]):
        return False
    km = np.cumprod(1.0 - d / nr)
    return bool(np.allclose(km, curve["estimate"].to_numpy(dtype=float), atol=1e-8))


def _limits(surv: np.ndarray, se_log: np.ndarray, conf_type: str, alpha: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits of a survival curve as R ``survfit`` (``se_log``: s.e. of log S)."""
    z = norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            se = surv * se_log
            lower, upper = np.clip(surv - z * se, 0, 1), np.clip(surv + z * se, 0, 1)
        elif conf_type == "log-log":
            ok = (surv > 0) & (surv < 1)
            s = np.where(ok, surv, np.nan)
            a = np.exp(-np.exp(np.log(-np.log(s)) + z * se_log / np.log(s)))
            b = np.exp(-np.exp(np.log(-np.log(s)) - z * se_log / np.log(s)))
            lower, upper = np.fmin(a, b), np.fmax(a, b)
        else:
            lower = surv * np.exp(-z * se_log)
            upper = np.minimum(1.0, surv * np.exp(z * se_log))
    bad = ~(surv > 0)
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def _coarsen(curve: pd.DataFrame, *, k: int, km: bool, conf_type: str, alpha: float,
             decimals: int) -> pd.DataFrame:
    curve = curve.sort_values("time", kind="stable")
    nr = curve["n_risk"].to_numpy(dtype=float)
    if "_at_risk" in curve.columns:
        # multi-state / competing risks: the group's number at risk, not the state's
        # (an absorbing state has nobody at risk of leaving it, yet its curve is shown)
        nr_filter = curve.pop("_at_risk").to_numpy(dtype=float)
    else:
        nr_filter = nr
    cum_d = _floor_to(np.cumsum(curve["n_event"].to_numpy(dtype=float)), k)
    cum_c = _floor_to(np.cumsum(curve["n_censor"].to_numpy(dtype=float)), k)
    step = np.diff(cum_d, prepend=0.0) > 0
    keep = np.flatnonzero(step & (nr_filter >= k))
    out = curve.iloc[keep].copy()
    prev_d = np.concatenate(([0.0], cum_d[keep][:-1]))
    # floored censorings strictly before each kept time (those censored at t are at risk)
    cens_before = np.concatenate(([0.0], cum_c[:-1]))[keep]
    d = cum_d[keep] - prev_d
    out["n_event"] = d
    out["n_censor"] = np.diff(np.concatenate((cens_before, cum_c[-1:])))
    floats = [c for c in out.columns if c not in ("time", "n_risk", "n_event", "n_censor")
              and pd.api.types.is_float_dtype(out[c])]
    if km:
        n = _ceil_to(nr.max(), k) - prev_d - cens_before
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1.0 - d / n)
            se_log = np.sqrt(np.cumsum(d / (n * (n - d))))
            std_err = surv * se_log
        lower, upper = _limits(surv, se_log, conf_type, alpha)
        out["n_risk"] = n
        out["estimate"], out["lower"], out["upper"] = surv, lower, upper
        if "std_err" in out.columns:
            out["std_err"] = std_err
        floats = [c for c in floats if c not in ("estimate", "lower", "upper", "std_err")]
    else:
        out["n_risk"] = _ceil_to(nr[keep], k)
        # an estimate times the group size must not give back a count the floors hide:
        # estimates and limits on a grid of k / N (N: the group size rounded up to k)
        grid = max(10.0 ** -decimals, k / float(_ceil_to(nr_filter.max(), k)))
        for c in ("estimate", "lower", "upper", "std_err"):
            if c in out.columns:
                out[c] = (np.round(out[c].to_numpy(dtype=float) / grid) * grid)
    for c in floats:
        out[c] = out[c].round(decimals)
    return out


def _coarsen_states(curves: pd.DataFrame, *, state: str, k: int,
                    decimals: int) -> pd.DataFrame:
    """Multi-state occupation of one group on a coarse time grid.

    A state's occupation changes with entries and exits, so the grid is the group's:
    times at which its cumulative number of transitions (entries into any state)
    reaches a new multiple of ``k`` while at least ``k`` cases are at risk. At those
    times every state is shown, except a state entered by fewer than ``k`` cases so
    far, whose estimate is suppressed (NaN and ``suppressed``).
    """
    wide_events = curves.pivot_table(index="time", columns=state, values="n_event",
                                     aggfunc="sum", fill_value=0.0).sort_index()
    at_risk = curves.groupby("time")["n_risk"].max().reindex(wide_events.index)
    cum_all = _floor_to(np.cumsum(wide_events.sum(axis=1).to_numpy(dtype=float)), k)
    step = np.diff(cum_all, prepend=0.0) > 0
    kept_times = wide_events.index[step & (at_risk.to_numpy(dtype=float) >= k)]
    cum_state = wide_events.cumsum()
    out = curves[curves["time"].isin(kept_times)].sort_values(["time", state]).copy()
    entered = cast(pd.Series, cum_state.stack()).rename("_entered")
    out = out.join(entered, on=["time", state])
    floors = _floor_to(out["_entered"].to_numpy(dtype=float), k)
    out["n_event"] = out.groupby(state)["_entered"].transform(
        lambda c: np.diff(_floor_to(c.to_numpy(dtype=float), k), prepend=0.0))
    # states occupied from time 0 (the cohort's starting state) hold the whole group
    first = curves.sort_values("time", kind="stable").groupby(state)["estimate"].first()
    initial = out[state].map(first).fillna(0).to_numpy() > 0
    hidden = (floors < k) & ~initial
    for c in ("estimate", "lower", "upper", "std_err"):
        if c in out.columns:
            out[c] = out[c].astype(float).mask(hidden).round(decimals)
    out["suppressed"] = hidden
    out["n_risk"] = _ceil_to(out["n_risk"].to_numpy(dtype=float), k) + 0.0
    out["n_censor"] = out.groupby(state)["n_censor"].transform(
        lambda c: np.diff(_floor_to(np.cumsum(c.to_numpy(dtype=float)), k), prepend=0.0))
    for c in ("n_risk", "n_event", "n_censor"):  # a hidden cell is blank, never 0
        out[c] = out[c].astype(float).mask(hidden)
    return out.drop(columns="_entered").reset_index(drop=True)


def _withhold_groups(frame: pd.DataFrame, groups: set[Any]) -> pd.DataFrame:
    if "group" not in frame.columns or not groups:
        return frame
    out = frame.copy()
    mask = out["group"].isin(list(groups)).to_numpy()
    for c in out.columns:
        if c != "group" and pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].where(~mask)
    return out


def disclose_curves(result: TidyResult, *, k: int = 5, rounding: int | None = None,
                    decimals: int = 3) -> TidyResult:
    """Return a curve result safe to publish (called by :func:`disclose`).

    Parameters
    ----------
    result : TidyResult
        Its ``table`` has CURVE_COLUMNS, optionally ``state``/``outcome``.
    k : int
        Threshold and step size: every shown step holds a multiple of ``k`` events,
        every shown ``n_risk`` is at least ``k``, groups below ``k`` are withheld.
    rounding : int, optional
        Rounds the result's ``n`` to this base (the curve counts are multiples of
        ``k`` already).
    decimals : int
        Decimals of estimates that cannot be recomputed from rounded counts.
    """
    previous = result.notes.get("disclosure")
    if isinstance(previous, dict) and previous.get("kind") == "curves" and previous.get(
            "k") == k:
        return result  # already coarsened with this k: disclose(disclose(r)) == disclose(r)
    table = result.table
    state = [c for c in _STATE_COLUMNS if c in table.columns]
    sizes = table.groupby("group", sort=False)["n_risk"].max()
    small = {g for g, n in sizes.items() if n < k}
    conf_type = str(result.notes.get("conf_type", "log"))
    items = [{"column": "curve", "where": f"group={g!r}",
              "reason": f"fewer than {k} cases: whole curve withheld"} for g in small]
    frames = []
    if state:
        # the group's number at risk at each time: the largest over its states
        table = table.assign(
            _at_risk=table.groupby(["group", "time"], sort=False)["n_risk"].transform("max"))
    # multi-state occupation (declared by the result's figure kind, not its class name)
    occupation = bool(state) and dict(getattr(result, "figure", {})).get("kind") == (
        "state_occupation")
    if occupation:
        for group, curves in table.groupby("group", sort=False):
            if group not in small:
                frames.append(_coarsen_states(curves.drop(columns="_at_risk"),
                                              state=state[0], k=k, decimals=decimals))
    for _, curve in table.groupby(["group", *state], sort=False):
        if curve["group"].iloc[0] in small or frames and occupation:
            continue
        km = not state and _is_product_limit(curve.sort_values("time", kind="stable"))
        frames.append(_coarsen(curve, k=k, km=km, conf_type=conf_type, alpha=result.alpha,
                               decimals=decimals))
    new = (pd.concat(frames, ignore_index=True) if frames
           else table.iloc[0:0].copy()).reset_index(drop=True)
    for c in ("n_risk", "n_event", "n_censor"):
        new[c] = new[c].astype(float)
    notes = [f"steps hold back events until {k} have accumulated; n_risk below {k} not shown"]
    if small:
        notes.append(f"{len(small)} group(s) with fewer than {k} cases withheld: "
                     + ", ".join(repr(g) for g in small))
    audit = {"kind": "curves", "k": k, "rounding": rounding, "zeros_safe": True,
             "items": items, "notes": notes, "withheld_groups": sorted(map(str, small))}
    changes: dict[str, Any] = {"table": new, "notes": {**result.notes, "disclosure": audit},
                               "n": int(_ceil_to(result.n, rounding or k)) if result.n else 0}
    for f in fields(result):
        value = getattr(result, f.name)
        if f.name != "table" and isinstance(value, pd.DataFrame):
            changes[f.name] = _withhold_groups(value, small)
    for key, value in result.notes.items():
        if isinstance(value, pd.DataFrame):
            changes["notes"][key] = _withhold_groups(value, small)
    return result.replace(**changes)


def floor_test_events(table: pd.DataFrame, shown: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """A test's events by group on the grid of the curves published beside it.

    A curve floors each group's cumulative events to a multiple of ``k`` (see the
    module's notes), so the events of a test by group (``observed`` of a log-rank
    table), shown exactly, tell how many events the curve held back. Here ``observed``
    is floored to a multiple of ``k`` as the curve's last step would be, and
    ``expected`` (whose sum over the groups is the sum of ``observed``) is rounded to
    the nearest multiple of ``k``. A shown ``observed`` of ``L`` stands for ``L`` to
    ``L + k - 1`` events, as the curve's counts do.

    Parameters
    ----------
    table : DataFrame
        The test's table before the gate (true counts), with :data:`TEST_EVENTS`.
    shown : DataFrame
        The same rows after the count-table gate: cells it hid stay hidden.
    k : int
        The curves' step.

    Returns
    -------
    DataFrame
        ``shown`` with ``observed`` floored and ``expected`` rounded; a count of at
        least ``k`` never floors below ``k``.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b"], "n": [40, 30], "observed": [13, 9],
    ...                   "expected": [12.6, 9.4]})
    >>> floor_test_events(t, t, k=5)[["observed", "expected"]]
       observed  expected
    0      10.0      15.0
    1       5.0      10.0
    """
    out = shown.copy()
    observed = table["observed"].to_numpy(dtype=float)
    hidden = pd.isna(shown["observed"]).to_numpy()
    out["observed"] = np.where(hidden, np.nan, _floor_to(observed, k))
    if "expected" in out.columns:
        expected = table["expected"].to_numpy(dtype=float)
        rounded = k * np.floor(expected / k + 0.5)
        out["expected"] = np.where(pd.isna(shown["expected"]).to_numpy(), np.nan, rounded)
    return out
