"""Counts at unique times, and the variance pieces built on them (private).

Everything here works on numpy arrays, one group at a time, with sort + cumulative
sums / ``bincount``: no Python loop over rows or over times.

Conventions are R ``survival``'s: a subject with entry time ``a`` and exit time ``t``
is at risk at every unique exit time ``s`` with ``a < s <= t``; at a tied time all
events happen together and those censored then are still at risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import EstimationError

__all__ = [
    "CONF_TYPES",
    "Prepared",
    "RiskCounts",
    "confint",
    "ij_variance_cumsum",
    "prepare",
    "risk_counts",
    "unique_times",
]

CONF_TYPES: tuple[str, ...] = ("log", "log-log", "plain")


@dataclass(frozen=True)
class RiskCounts:
    """Counts at the unique exit times of one group.

    ``n_event`` has one row per cause (row 0 is cause 1). The variance code needs
    subjects only through (first at-risk index ``a``, exit index ``e``, ``cause``), so
    subjects sharing all three are collapsed into one unit carrying ``w2``, the sum of
    their squared weights: the work after counting is O(units), not O(subjects).
    """

    times: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    a: np.ndarray
    e: np.ndarray
    cause: np.ndarray
    w2: np.ndarray

    @property
    def d(self) -> np.ndarray:
        """Events of any cause at each time."""
        return self.n_event.sum(axis=0)


def unique_times(time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique times and each row's index into them (``np.unique(return_inverse)``).

    Integer-valued times (days) in a compact range use a ``bincount`` lookup, O(n);
    anything else a hash factorisation.
    """
    if time.size and np.isfinite(time).all():
        lo, hi = float(time.min()), float(time.max())
        if hi - lo < max(4 * time.size, 1 << 16):
            t_int = time.astype(np.int64)
            if np.array_equal(t_int, time):
                shifted = t_int - int(lo)
                present = np.bincount(shifted) > 0
                rank = np.cumsum(present) - 1
                return np.flatnonzero(present).astype(float) + lo, rank[shifted]
    codes, uniques = pd.factorize(time, sort=True)
    return np.asarray(uniques, dtype=float), codes.astype(np.intp)


def risk_counts(
    time: np.ndarray,
    cause: np.ndarray,
    n_causes: int,
    entry: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    w2: np.ndarray | None = None,
) -> RiskCounts:
    """Weighted number at risk, events by cause and censored at each unique exit time.

    ``cause`` is 0 for censored, ``1..n_causes`` for an event of that cause. ``w2`` is
    each row's sum of squared case weights when a row counts several cases (a count
    table); by default ``weight ** 2`` (one case a row).
    """
    times, e = unique_times(time)
    n_t = times.shape[0]
    k1 = n_causes + 1
    cell = e * k1 + cause
    w = weight
    if w2 is None:
        w2 = None if weight is None else weight * weight
    ev_flat = np.bincount(cell, weights=w, minlength=n_t * k1).astype(float)
    ev = ev_flat.reshape(n_t, k1).T
    exits = ev.sum(axis=0)
    if entry is None:
        n_risk = np.cumsum(exits[::-1])[::-1]
        w2_cell = ev_flat if w2 is None else np.bincount(cell, weights=w2, minlength=n_t * k1)
        units = np.flatnonzero(w2_cell > 0)
        return RiskCounts(times, n_risk, ev[1:], ev[0], np.zeros(units.size, dtype=np.intp),
                          units // k1, units % k1, w2_cell[units])
    a = np.searchsorted(times, entry, side="right")
    enters = np.bincount(a, weights=w, minlength=n_t + 1)[:n_t].astype(float)
    n_risk = np.cumsum(enters) - np.cumsum(exits) + exits
    key = a.astype(np.int64) * (n_t * k1) + cell
    ucode, ukeys = pd.factorize(key, sort=False)
    ukeys = np.asarray(ukeys, dtype=np.int64)
    w2_unit = np.bincount(ucode, weights=w2, minlength=ukeys.size).astype(float)
    rest = ukeys % (n_t * k1)
    return RiskCounts(times, n_risk, ev[1:], ev[0], (ukeys // (n_t * k1)).astype(np.intp),
                      (rest // k1).astype(np.intp), (rest % k1).astype(np.intp), w2_unit)


def ij_variance_cumsum(
    rc: RiskCounts, g: np.ndarray, q: np.ndarray, jump: np.ndarray
) -> np.ndarray:
    """Infinitesimal-jackknife sum of squares of a per-subject cumulative process.

    Subject ``i``'s derivative is ``L_i(m) = sum_{a_i <= j <= min(m, e_i)} g_j -
    jump_i * q[e_i] * 1{m >= e_i}``; returns ``V(m) = sum_i w_i^2 L_i(m)^2`` for
    every time index ``m``, in O(n + T) with prefix sums.
    """
    n_t = rc.times.shape[0]
    big_g = np.concatenate(([0.0], np.cumsum(g)))  # big_g[m + 1] = sum_{j <= m} g_j
    w2 = rc.w2
    g_a = big_g[rc.a]
    # still at risk (a_i <= m < e_i): L = G(m) - G(a_i)
    add = np.bincount(rc.a, weights=w2, minlength=n_t + 1)[:n_t]
    rem = np.bincount(rc.e, weights=w2, minlength=n_t)
    n_w = np.cumsum(add - rem)
    s1 = np.cumsum(
        np.bincount(rc.a, weights=w2 * g_a, minlength=n_t + 1)[:n_t]
        - np.bincount(rc.e, weights=w2 * g_a, minlength=n_t)
    )
    s2 = np.cumsum(
        np.bincount(rc.a, weights=w2 * g_a**2, minlength=n_t + 1)[:n_t]
        - np.bincount(rc.e, weights=w2 * g_a**2, minlength=n_t)
    )
    gm = big_g[1:]
    at_risk = n_w * gm**2 - 2.0 * gm * s1 + s2
    # exited (m >= e_i): L frozen at l_i
    l_i = big_g[rc.e + 1] - g_a - jump * q[rc.e]
    gone = np.cumsum(np.bincount(rc.e, weights=w2 * l_i**2, minlength=n_t))
    return np.maximum(at_risk, 0.0) + gone


def confint(
    p: np.ndarray,
    se: np.ndarray,
    *,
    conf_type: str,
    alpha: float,
    logse: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits as R ``survival:::survfit_confint`` (upper limit capped at 1).

    ``se`` is the standard error of ``log(p)`` when ``logse`` (KM Greenwood),
    else of ``p`` itself (multi-state curves). Undefined limits are NaN, as R's NA.
    """
    z = norm.ppf(1.0 - alpha / 2.0)
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if not logse:
            se = np.where(se == 0, 0.0, se / p)
        if conf_type == "plain":
            se2 = se * p * z
            return np.maximum(p - se2, 0.0), np.minimum(p + se2, 1.0)
        if conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            se2 = z * se
            return np.exp(np.log(xx) - se2), np.minimum(np.exp(np.log(xx) + se2), 1.0)
        if conf_type == "log-log":
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            se2 = z * se / np.log(xx)
            return (
                np.exp(-np.exp(np.log(-np.log(xx)) - se2)),
                np.exp(-np.exp(np.log(-np.log(xx)) + se2)),
            )
    raise EstimationError(
        f"conf_type={conf_type!r} is not supported; use one of {', '.join(CONF_TYPES)}"
    )


# ----------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Prepared:
    """Validated arrays, sorted by group: ``groups`` and ``slices`` index each group."""

    time: np.ndarray
    cause: np.ndarray
    causes: tuple[str, ...]
    entry: np.ndarray | None
    weight: np.ndarray | None
    groups: tuple[Any, ...]
    slices: tuple[slice, ...]
    n: int
    order: np.ndarray | None = None  # row permutation applied (None: original order)
    codes: np.ndarray | None = None  # group code of each row (unsorted preparation)
    w2: np.ndarray | None = None  # sum of squared case weights of each row (count tables)

    def group_w2(self, k: int) -> np.ndarray | None:
        """``w2`` of group ``k`` (None for case rows)."""
        return None if self.w2 is None else self.w2[self.slices[k]]


def _column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in data.columns:
        raise EstimationError(
            f"{role} column {name!r} is not in the data (columns: {list(data.columns)}); "
            f"pass {role}=<column name>"
        )
    col = data[name]
    if col.isna().any():
        rows = list(data.index[col.isna().to_numpy()][:5])
        raise EstimationError(
            f"{role} column {name!r} has missing values (first rows: {rows}); "
            "drop or impute them before estimating"
        )
    return col


def _numeric(data: pd.DataFrame, name: str, role: str) -> np.ndarray:
    col = _column(data, name, role)
    try:
        arr = col.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise EstimationError(
            f"{role} column {name!r} must be numeric (dtype is {col.dtype})"
        ) from exc
    if not np.isfinite(arr).all():
        raise EstimationError(f"{role} column {name!r} has infinite values")
    return arr


def _causes(col: pd.Series, censored: Any, competing: bool) -> tuple[np.ndarray, tuple[str, ...]]:
    """Code the outcome column: 0 = censored, 1.. = causes (in category / sorted order)."""
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy().astype(np.intp), ("event",)
    if pd.api.types.is_numeric_dtype(col):
        arr = col.to_numpy()
        if ((arr == 0) | (arr == 1)).all():
            return arr.astype(np.intp), ("event",)
        raise EstimationError(
            f"event column {col.name!r} is numeric but not 0/1; use 0/1 or bool for one event "
            "type, or labels (strings / categorical) with a censoring level for competing risks"
        )
    raw, uniques = pd.factorize(col, sort=False)
    if isinstance(col.dtype, pd.CategoricalDtype):
        levels = [c for c in col.cat.categories if c != censored]
    else:
        levels = sorted(v for v in uniques if v != censored)
    if not levels:
        raise EstimationError(
            f"event column {col.name!r} has no outcome other than the censoring level "
            f"{censored!r}; nothing to estimate (is censored= the right level?)"
        )
    index = {lev: k for k, lev in enumerate(levels, start=1)}
    lut = np.array([index.get(u, 0) for u in uniques], dtype=np.intp)
    codes = lut[raw]
    if not competing and len(levels) > 1:
        return (codes > 0).astype(np.intp), ("event",)
    return codes, tuple(str(v) for v in levels)


def prepare(
    data: pd.DataFrame,
    *,
    time: str,
    event: str,
    by: str | None,
    entry: str | None,
    weights: str | None,
    censored: Any = "censored",
    competing: bool = False,
    sort_groups: bool = True,
    w2: str | None = None,
) -> Prepared:
    """Check the columns, code the outcome and sort the rows by group (data not mutated).

    With ``sort_groups=False`` rows keep their order and ``codes`` gives each row's group.
    ``w2`` names the column of summed squared weights of a count table (see
    :func:`trajectory.estimators.count_table.unwrap_counts`); ``n`` is then the number
    of cases counted.
    """
    if not isinstance(data, pd.DataFrame):
        raise EstimationError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise EstimationError("data has no rows")
    t = _numeric(data, time, "time")
    cause, causes = _causes(_column(data, event, "event"), censored, competing)
    ent = None if entry is None else _numeric(data, entry, "entry")
    if ent is not None and (ent >= t).any():
        bad = int(np.flatnonzero(ent >= t)[0])
        raise EstimationError(
            f"entry column {entry!r} must be < time column {time!r}; row {data.index[bad]!r} "
            f"has entry {ent[bad]} and time {t[bad]}"
        )
    w = None if weights is None else _numeric(data, weights, "weights")
    if w is not None and (w < 0).any():
        raise EstimationError(f"weights column {weights!r} has negative values")
    sq = None if w2 is None else _numeric(data, w2, "w2")
    n = len(t) if sq is None or w is None else int(round(float(w.sum())))
    if by is None:
        return Prepared(t, cause, causes, ent, w, ("all",), (slice(0, len(t)),), n, w2=sq)
    codes, uniques = pd.factorize(_column(data, by, "by"), sort=True)
    if not sort_groups:
        return Prepared(t, cause, causes, ent, w, tuple(uniques), (), n, None, codes, sq)
    small = np.int16 if len(uniques) < 2**15 else np.int64  # 16-bit keys: radix sort
    order = np.argsort(codes.astype(small), kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    slices = tuple(slice(int(bounds[i]), int(bounds[i + 1])) for i in range(len(uniques)))
    return Prepared(
        t[order],
        cause[order],
        causes,
        None if ent is None else ent[order],
        None if w is None else w[order],
        tuple(uniques),
        slices,
        n,
        order,
        None,
        None if sq is None else sq[order],
    )


def group_arrays(
    prep: Prepared, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The time, cause, entry and weight arrays of group ``k``."""
    s = prep.slices[k]
    return (
        prep.time[s],
        prep.cause[s],
        None if prep.entry is None else prep.entry[s],
        None if prep.weight is None else prep.weight[s],
    )


def _risk_set_sums(rc: RiskCounts, values: np.ndarray) -> np.ndarray:
    """For each time m: sum of ``w_i^2 * values_i`` over subjects with a_i <= m < e_i."""
    n_t = rc.times.shape[0]
    v = rc.w2 * values
    return np.cumsum(
        np.bincount(rc.a, weights=v, minlength=n_t + 1)[:n_t]
        - np.bincount(rc.e, weights=v, minlength=n_t)
    )


def _exited_sums(rc: RiskCounts, values: np.ndarray) -> np.ndarray:
    """For each time m: sum of ``w_i^2 * values_i`` over subjects with e_i <= m."""
    n_t = rc.times.shape[0]
    return np.cumsum(np.bincount(rc.e, weights=rc.w2 * values, minlength=n_t))


def aalen_johansen(rc: RiskCounts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Competing-risks Aalen-Johansen: (S, CIF[k, t], IJ standard error of CIF[k, t]).

    The standard error is R ``survfit``'s multi-state default (infinitesimal jackknife,
    ``sqrt(sum_i w_i^2 U_i(t)^2)``), computed in closed form from prefix sums.
    """
    n = rc.n_risk
    d_k = rc.n_event
    d = d_k.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h_k = np.where(n > 0, d_k / n, 0.0)
        h = h_k.sum(axis=0)
        surv = np.cumprod(1.0 - h)
        s_prev = np.concatenate(([1.0], surv[:-1]))
        alive = n - d > 0
        g = np.where(alive, h / (n - d), 0.0)
        q = np.where(alive, 1.0 / (n - d), 0.0)
        inv_n = np.where(n > 0, 1.0 / n, 0.0)
    f_k = s_prev * h_k  # CIF increments
    cif = np.cumsum(f_k, axis=1)
    big_g = np.concatenate(([0.0], np.cumsum(g)))
    g_a = big_g[rc.a]
    ge = big_g[rc.e + 1]
    event = (rc.cause > 0).astype(float)
    l_i = ge - g_a - event * q[rc.e]
    n_w = _risk_set_sums(rc, np.ones_like(g_a))
    s_g = _risk_set_sums(rc, g_a)
    s_gg = _risk_set_sums(rc, g_a**2)
    s_ll = _exited_sums(rc, l_i**2)
    se = np.empty_like(cif)
    for k in range(cif.shape[0]):  # loop over causes only
        big_c = np.concatenate(([0.0], np.cumsum(f_k[k] * big_g[:-1] - f_k[k] * inv_n)))
        big_f = np.concatenate(([0.0], cif[k]))
        c_i = big_c[rc.a] - g_a * big_f[rc.a]
        u_e = big_c[rc.e + 1] - g_a * big_f[rc.e + 1] - c_i
        u_e = u_e + (rc.cause == k + 1) * s_prev[rc.e] * inv_n[rc.e]
        u_i = u_e - l_i * big_f[rc.e + 1]
        cm, fm = big_c[1:], big_f[1:]
        at_risk = (
            cm**2 * n_w
            - 2 * cm * fm * s_g
            + fm**2 * s_gg
            - 2 * cm * _risk_set_sums(rc, c_i)
            + 2 * fm * _risk_set_sums(rc, g_a * c_i)
            + _risk_set_sums(rc, c_i**2)
        )
        gone = _exited_sums(rc, u_i**2) + 2 * fm * _exited_sums(rc, u_i * l_i) + fm**2 * s_ll
        se[k] = np.sqrt(np.maximum(at_risk, 0.0) + np.maximum(gone, 0.0))
    return surv, cif, se


@dataclass(frozen=True)
class MultiStateFit:
    """Multi-state Aalen-Johansen on one group: arrays indexed [state, time]."""

    times: np.ndarray
    p: np.ndarray
    se: np.ndarray
    n_risk: np.ndarray
    n_enter: np.ndarray
    n_censor: np.ndarray
    p0: np.ndarray


def multistate_aj(
    case: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    entry: np.ndarray,
    exit_: np.ndarray,
    moved: np.ndarray,
    censor: np.ndarray,
    weight: np.ndarray,
    n_states: int,
) -> MultiStateFit:
    """Aalen-Johansen state occupation with R's infinitesimal-jackknife standard errors.

    Rows are intervals ``(entry, exit]`` spent in state ``src`` by case ``case``
    (0..n_cases-1); ``moved`` rows end with a transition to ``dst``; ``censor`` rows
    are true censorings (not a split followed by another row of the same case).
    The product ``p(t) = p(t-) (I + dA(t))`` and the per-case influence ``U`` are
    updated at event times only (a loop over event times, vectorised over cases),
    exactly as R ``survival``'s ``survfitci`` C code does.
    """
    times, e = unique_times(exit_)
    n_t = times.shape[0]
    a = np.searchsorted(times, entry, side="right")
    k = n_states

    def by_state_time(idx_t: np.ndarray, state: np.ndarray, w: np.ndarray) -> np.ndarray:
        flat = np.bincount(state * (n_t + 1) + idx_t, weights=w, minlength=k * (n_t + 1))
        return flat.reshape(k, n_t + 1)[:, :n_t]

    exits = by_state_time(e, src, weight)  # rows exiting at t are still at risk at t
    n_risk = np.cumsum(by_state_time(a, src, weight) - exits, axis=1) + exits
    n_enter = by_state_time(e[moved], dst[moved], np.ones(int(moved.sum())))
    n_censor = np.bincount(e[censor], minlength=n_t).astype(float)

    ev_idx = np.unique(e[moved])
    t0 = int(ev_idx[0]) if ev_idx.size else n_t - 1
    at0 = (a <= t0) & (e >= t0)
    p0 = np.bincount(src[at0], weights=weight[at0], minlength=k) / weight[at0].sum()

    n_cases = int(case.max()) + 1
    wcase = np.zeros(n_cases)
    wcase[case] = weight
    u = np.zeros((n_cases, k))
    p = p0.copy()
    p_out = np.empty((k, n_t))
    se_out = np.empty((k, n_t))
    last = 0
    # rows that move, grouped by their exit index
    mv_rows = np.flatnonzero(moved)
    mv_rows = mv_rows[np.argsort(e[mv_rows], kind="stable")]
    mv_bounds = np.searchsorted(e[mv_rows], ev_idx, side="left")
    mv_ends = np.searchsorted(e[mv_rows], ev_idx, side="right")
    for pos, j in enumerate(ev_idx):
        p_out[:, last:j] = p[:, None]
        se_out[:, last:j] = np.sqrt(((wcase[:, None] * u) ** 2).sum(axis=0))[:, None]
        rows = mv_rows[mv_bounds[pos] : mv_ends[pos]]
        ws = n_risk[:, j]
        counts = np.zeros((k, k))
        np.add.at(counts, (src[rows], dst[rows]), weight[rows])
        with np.errstate(divide="ignore", invalid="ignore"):
            hmat = np.where(ws[:, None] > 0, counts / ws[:, None], 0.0)
        np.fill_diagonal(hmat, 1.0 - hmat.sum(axis=1))
        u = u @ hmat
        risk = np.flatnonzero((a <= j) & (e >= j))
        h = src[risk]
        scale = np.where(ws[h] > 0, p[h] / np.where(ws[h] > 0, ws[h], 1.0), 0.0)
        dstate = h.copy()
        moving = moved[risk] & (e[risk] == j)
        dstate[moving] = dst[risk][moving]
        cid = case[risk]
        u[cid] -= hmat[h] * scale[:, None]
        u[cid, dstate] += scale
        p = p @ hmat
        last = j
    p_out[:, last:] = p[:, None]
    se_out[:, last:] = np.sqrt(((wcase[:, None] * u) ** 2).sum(axis=0))[:, None]
    return MultiStateFit(times, p_out, se_out, n_risk, n_enter, n_censor, p0)
