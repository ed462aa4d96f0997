"""One-vs-rest comparisons of many groups at once, on one table of counts.

The bottleneck lenses compare each group (police zone, parquet division, ...) with
the rest of the cases, within strata (offence group, ...). Everything here works on
ONE count table, :class:`GroupedCounts`: stratum x group x unique time, holding the
numbers at risk, of events and of censorings. The "rest" of a group is the stratum
total minus the group, so every group is compared at once with array arithmetic:
no loop over rows, only over strata, groups or cells.

- :func:`grouped_counts` builds the table from case (or counting-process) rows;
- :func:`logrank_vs_rest`: stratified two-sample log-rank test of each group;
- :func:`cox_vs_rest`: stratified Cox hazard ratio (Breslow ties) of each group;
- :func:`km_quantiles`: Kaplan-Meier quantiles with Brookmeyer-Crowley limits;
- :func:`quantile_ratio_vs_rest`: pooled within-stratum ratio of quantiles, with a
  Wald test of the same estimand;
- :func:`risk_difference_vs_rest`: Mantel-Haenszel risk difference (Sato variance).

Conventions are R ``survival``'s: a row with entry ``a`` and exit ``t`` is at risk at
every unique time ``s`` with ``a < s <= t``; at a tied time all events happen
together and those censored then are still at risk.

Examples
--------
>>> import numpy as np
>>> from trajectory.estimators import grouped_counts, logrank_vs_rest
>>> counts = grouped_counts(np.array([1, 2, 3, 4, 5, 6]), np.array([1, 1, 1, 1, 1, 0]),
...                         np.array(["a", "a", "a", "b", "b", "b"]))
>>> logrank_vs_rest(counts)["observed"].tolist()
[3.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm
from threadpoolctl import threadpool_limits

from ..errors import EstimationError
from . import _cox_engine as ce
from ._counts import CONF_TYPES, confint, unique_times
from .nonparametric import _findq

__all__ = [
    "GroupedCounts",
    "cox_vs_rest",
    "grouped_counts",
    "km_quantiles",
    "logrank_vs_rest",
    "quantile_ratio_vs_rest",
    "risk_difference_vs_rest",
]


# --------------------------------------------------------------------- the count table


@dataclass(frozen=True, eq=False)
class GroupedCounts:
    """Counts at unique times by stratum and group: the input of every ``*_vs_rest``.

    Attributes
    ----------
    times : numpy.ndarray, shape (T,)
        Sorted unique exit times (over all strata and groups).
    groups : tuple
        Group labels, sorted; axis 1 of the count arrays.
    strata : tuple
        Stratum labels, sorted; axis 0 of the count arrays.
    n_risk : numpy.ndarray, shape (S, G, T)
        Number at risk at ``times[t]``: rows with ``entry < t <= exit`` (those
        censored at ``t`` are still at risk at ``t``).
    n_event : numpy.ndarray, shape (S, G, T)
        Number of events at ``times[t]``.
    n_censor : numpy.ndarray, shape (S, G, T)
        Number censored at ``times[t]``.

    The "rest" of group ``g`` in stratum ``s`` is the stratum total minus the group,
    e.g. ``counts.total_risk[:, None, :] - counts.n_risk``.

    Examples
    --------
    >>> import numpy as np
    >>> c = grouped_counts(np.array([1.0, 2, 2, 3]), np.array([1, 0, 1, 1]),
    ...                    np.array(["x", "y", "x", "y"]), strata=np.array([0, 0, 1, 1]))
    >>> c.n_risk.shape, c.groups, c.strata
    ((2, 2, 3), ('x', 'y'), (0, 1))
    >>> c.total_risk
    array([[2., 1., 0.],
           [2., 2., 1.]])
    >>> c.collapse().n_event[0]
    array([[1., 1., 0.],
           [0., 0., 1.]])
    """

    times: np.ndarray
    groups: tuple[Any, ...]
    strata: tuple[Any, ...]
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray

    def __post_init__(self) -> None:
        shape = (len(self.strata), len(self.groups), self.times.shape[0])
        for name in ("n_risk", "n_event", "n_censor"):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise EstimationError(
                    f"GroupedCounts.{name} has shape {arr.shape}; expected "
                    f"(strata, groups, times) = {shape}"
                )

    @property
    def total_risk(self) -> np.ndarray:
        """Number at risk in each stratum (all groups), shape (S, T)."""
        return self.n_risk.sum(axis=1)

    @property
    def total_event(self) -> np.ndarray:
        """Events in each stratum (all groups), shape (S, T)."""
        return self.n_event.sum(axis=1)

    @property
    def total_censor(self) -> np.ndarray:
        """Censorings in each stratum (all groups), shape (S, T)."""
        return self.n_censor.sum(axis=1)

    @property
    def n(self) -> np.ndarray:
        """Number of rows (exits: events + censorings) of each stratum and group, (S, G)."""
        return (self.n_event + self.n_censor).sum(axis=2)

    def subset(self, strata: Sequence[Hashable] | np.ndarray) -> GroupedCounts:
        """Keep some strata: a list of labels, or a boolean mask over :attr:`strata`.

        Examples
        --------
        >>> import numpy as np
        >>> c = grouped_counts(np.array([1, 2, 3]), np.array([1, 1, 0]),
        ...                    np.array(["a", "b", "a"]), strata=np.array(["u", "v", "v"]))
        >>> c.subset(["v"]).strata, c.subset(np.array([True, False])).strata
        (('v',), ('u',))
        """
        arr = np.asarray(strata)
        if arr.dtype == bool:
            if arr.shape != (len(self.strata),):
                raise EstimationError(
                    f"a boolean strata mask needs {len(self.strata)} values, got {arr.shape}"
                )
            keep = np.flatnonzero(arr)
        else:
            index = {s: k for k, s in enumerate(self.strata)}
            missing = [s for s in list(strata) if s not in index]
            if missing:
                raise EstimationError(
                    f"strata {missing} are not in the counts; available: {list(self.strata)}"
                )
            keep = np.array([index[s] for s in list(strata)], dtype=np.intp)
        return GroupedCounts(
            self.times, self.groups, tuple(self.strata[k] for k in keep),
            self.n_risk[keep], self.n_event[keep], self.n_censor[keep],
        )

    def collapse(self, label: Hashable = "all") -> GroupedCounts:
        """The counts summed over strata: one stratum ``label`` (the unstratified table)."""
        return GroupedCounts(
            self.times, self.groups, (label,),
            self.n_risk.sum(axis=0, keepdims=True),
            self.n_event.sum(axis=0, keepdims=True),
            self.n_censor.sum(axis=0, keepdims=True),
        )


def _float_array(values: Any, role: str, n: int | None) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise EstimationError(f"{role} must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise EstimationError(f"{role} must be one-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise EstimationError(
            f"{role} has {arr.shape[0]} values but time has {n}; pass arrays of one length"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise EstimationError(
            f"{role} has missing or infinite values (first rows: {rows}); "
            "drop or impute them first"
        )
    return arr


def _binary(values: Any, role: str, n: int | None) -> np.ndarray:
    arr = _float_array(values, role, n)
    if not np.isin(arr, (0.0, 1.0)).all():
        row = int(np.flatnonzero(~np.isin(arr, (0.0, 1.0)))[0])
        raise EstimationError(f"{role} must be bool or 0/1; row {row} has {arr[row]!r}")
    return arr


def _labels(values: Any, role: str, n: int) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Codes 0..k-1 of the labels, in sorted label order (by ``str`` if not comparable)."""
    arr = pd.Series(np.asarray(values, dtype=object) if not isinstance(values, pd.Series)
                    else values.to_numpy(dtype=object), dtype=object)
    if arr.shape[0] != n:
        raise EstimationError(
            f"{role} has {arr.shape[0]} values but time has {n}; pass arrays of one length"
        )
    codes, uniques = pd.factorize(arr, sort=False)
    if (codes < 0).any():
        rows = np.flatnonzero(codes < 0)[:5].tolist()
        raise EstimationError(
            f"{role} has missing labels (first rows: {rows}); recode them, e.g. as 'missing'"
        )
    labels = list(uniques)
    try:
        order = sorted(range(len(labels)), key=lambda k: labels[k])
    except TypeError:
        order = sorted(range(len(labels)), key=lambda k: str(labels[k]))
    rank = np.empty(len(labels), dtype=np.intp)
    rank[np.array(order, dtype=np.intp)] = np.arange(len(labels))
    return rank[codes], tuple(labels[k] for k in order)


def grouped_counts(
    time: Any,
    event: Any,
    group: Any,
    *,
    strata: Any = None,
    entry: Any = None,
) -> GroupedCounts:
    """Count table stratum x group x unique time from rows ``(entry, time, event)``.

    Parameters
    ----------
    time : array_like of float, shape (n,)
        Exit time of each row (event or censoring time).
    event : array_like of bool or 0/1, shape (n,)
        1 when the row ends with the event, 0 when censored.
    group : array_like of hashable, shape (n,)
        Group label of each row (sorted into :attr:`GroupedCounts.groups`).
    strata : array_like of hashable, shape (n,), optional
        Stratum label of each row; one stratum ``"all"`` when omitted.
    entry : array_like of float, shape (n,), optional
        Entry time (left truncation, counting-process rows): the row is at risk on
        ``(entry, time]``. With it a case may contribute several rows with different
        groups, as a time-dependent covariate needs (R ``Surv(entry, time, event)``).

    Returns
    -------
    GroupedCounts

    Raises
    ------
    EstimationError
        On missing or infinite values, arrays of different lengths, a non-binary
        ``event``, or ``entry >= time``.

    Examples
    --------
    >>> import numpy as np
    >>> c = grouped_counts(np.array([2, 3, 3, 5]), np.array([True, True, False, True]),
    ...                    np.array(["b", "a", "a", "b"]), entry=np.array([0, 0, 1, 2]))
    >>> c.times
    array([2., 3., 5.])
    >>> c.n_risk[0]
    array([[2., 2., 0.],
           [1., 1., 1.]])

    References
    ----------
    .. [1] Therneau T. M., Grambsch P. M. (2000). *Modeling Survival Data: Extending
       the Cox Model*, ch. 3 (counting-process data). Springer.
    """
    t = _float_array(time, "time", None)
    n = t.shape[0]
    if n == 0:
        raise EstimationError("time is empty; nothing to count")
    ev = _binary(event, "event", n)
    g_codes, g_labels = _labels(group, "group", n)
    if strata is None:
        s_codes, s_labels = np.zeros(n, dtype=np.intp), ("all",)
    else:
        s_codes, s_labels = _labels(strata, "strata", n)
    ent = None if entry is None else _float_array(entry, "entry", n)
    if ent is not None and (ent >= t).any():
        row = int(np.flatnonzero(ent >= t)[0])
        raise EstimationError(
            f"entry must be < time on every row; row {row} has entry {ent[row]} and "
            f"time {t[row]} (drop rows of zero length, or shift the entry)"
        )
    times, e_idx = unique_times(t)
    n_s, n_g, n_t = len(s_labels), len(g_labels), times.shape[0]
    cell = s_codes.astype(np.int64) * n_g + g_codes
    flat = cell * n_t + e_idx
    size = n_s * n_g * n_t
    n_event = np.bincount(flat, weights=ev, minlength=size).reshape(n_s, n_g, n_t)
    exits = np.bincount(flat, minlength=size).reshape(n_s, n_g, n_t).astype(float)
    if ent is None:
        n_risk = np.cumsum(exits[..., ::-1], axis=2)[..., ::-1]
    else:
        a = np.searchsorted(times, ent, side="right")
        enters = np.bincount(cell * (n_t + 1) + a, minlength=n_s * n_g * (n_t + 1))
        enters = enters.reshape(n_s, n_g, n_t + 1)[..., :n_t].astype(float)
        n_risk = np.cumsum(enters, axis=2) - np.cumsum(exits, axis=2) + exits
    return GroupedCounts(
        times, g_labels, s_labels, np.ascontiguousarray(n_risk), n_event, exits - n_event
    )


# ----------------------------------------------------------------------------- helpers


def _event_cells(
    counts: GroupedCounts,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratum-times with at least one event: totals ``D, N`` (K,) and group ``d1, n1`` (K, G)."""
    total_event = counts.total_event
    si, ti = np.nonzero(total_event > 0)
    d = total_event[si, ti]
    n = counts.total_risk[si, ti]
    d1 = counts.n_event[si, :, ti]
    n1 = counts.n_risk[si, :, ti]
    return d, n, d1, n1


def _group_index(counts: GroupedCounts) -> pd.Index:
    return pd.Index(list(counts.groups), name="group", tupleize_cols=False)


def _z(alpha: float) -> float:
    if not 0.0 < alpha < 1.0:
        raise EstimationError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(norm.ppf(1.0 - alpha / 2.0))


# ----------------------------------------------------------------------------- log-rank


def logrank_vs_rest(counts: GroupedCounts) -> pd.DataFrame:
    """Stratified two-sample log-rank test of each group against the rest.

    Parameters
    ----------
    counts : GroupedCounts

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``observed`` and ``expected`` events in the group (summed
        over strata), the hypergeometric ``variance`` of ``observed - expected``,
        ``chisq = (observed - expected)^2 / variance`` and its 1-df ``p`` (NaN when
        the variance is 0). As R ``survdiff(Surv(time, event) ~ in_group +
        strata(s))``; with delayed entry, the score test of the Cox model.

    Examples
    --------
    >>> import numpy as np
    >>> c = grouped_counts(np.array([1, 2, 3, 4, 5, 6]), np.array([1, 1, 1, 1, 1, 0]),
    ...                    np.array([1, 1, 1, 0, 0, 0]))
    >>> logrank_vs_rest(c).round(4).reset_index()
       group  observed  expected  variance   chisq       p
    0      0       2.0      3.85    0.6775  5.0517  0.0246
    1      1       3.0      1.15    0.6775  5.0517  0.0246

    References
    ----------
    .. [1] Mantel N. (1966). Evaluation of survival data and two new rank order
       statistics arising in its consideration. *Cancer Chemotherapy Reports* 50, 163-170.
    .. [2] R package ``survival``, function ``survdiff``.
    """
    d, n, d1, n1 = _event_cells(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(n[:, None] > 0, n1 / n[:, None], 0.0)
        shrink = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    observed = d1.sum(axis=0)
    expected = (d[:, None] * frac).sum(axis=0)
    variance = (shrink[:, None] * frac * (1.0 - frac)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(variance > 0, (observed - expected) ** 2 / variance, np.nan)
    return pd.DataFrame(
        {"observed": observed, "expected": expected, "variance": variance,
         "chisq": stat, "p": chi2.sf(stat, 1)},
        index=_group_index(counts),
    )


# ---------------------------------------------------------------------------------- Cox


def cox_vs_rest(
    counts: GroupedCounts, *, alpha: float = 0.05, max_iter: int = 100
) -> pd.DataFrame:
    """Stratified Cox hazard ratio of each group against the rest (Breslow ties).

    The model has one binary covariate, "in the group", and a baseline hazard per
    stratum (R ``coxph(Surv([entry, ]time, event) ~ in_group + strata(s),
    ties="breslow")``). Its partial likelihood depends on the data only through the
    events and numbers at risk of the group and of the stratum at each time, so all
    groups are fitted from those counts by the package's one Cox solver
    (:func:`trajectory.estimators._cox_engine.fit_cox` on
    :func:`~trajectory.estimators._cox_engine.counts_data`), which converges on the
    score and step, never on a change of log-likelihood.

    Parameters
    ----------
    counts : GroupedCounts
    alpha : float
        The interval is ``1 - alpha``.
    max_iter : int
        Newton iterations at most.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``coef`` (log hazard ratio), ``std_err`` (inverse observed
        information), ``hr``, Wald ``lower``/``upper`` of the hazard ratio and Wald
        ``p`` (one model: effect, interval and p agree), ``n_event_group``,
        ``n_event_rest`` and ``converged``. All NaN when the group or the rest has
        no event. A coefficient that runs off to infinity (monotone likelihood, e.g.
        every group event before any rest event) stops at a large value with a huge
        ``std_err``, as R does.

    Examples
    --------
    >>> import numpy as np
    >>> c = grouped_counts(np.array([1, 2, 3, 4, 5, 6, 7, 8]), np.array([1, 1, 1, 0, 1, 1, 1, 0]),
    ...                    np.array([1, 0, 1, 1, 0, 0, 1, 0]))
    >>> round(float(cox_vs_rest(c).loc[1, "hr"]), 4)  # R exp(coef(coxph(ties="breslow")))
    1.4077

    References
    ----------
    .. [1] Cox D. R. (1972). Regression models and life-tables. *JRSS B* 34, 187-220.
    .. [2] Breslow N. (1974). Covariance analysis of censored survival data.
       *Biometrics* 30, 89-99.
    .. [3] R package ``survival``, function ``coxph``.
    """
    z = _z(alpha)
    d, n, d1, n1 = _event_cells(counts)
    ev_g = d1.sum(axis=0)
    ev_r = d.sum() - ev_g
    n_g = len(counts.groups)
    coef = np.full(n_g, np.nan)
    std_err = np.full(n_g, np.nan)
    converged = np.zeros(n_g, dtype=bool)
    X = np.array([[1.0], [0.0]])  # pattern 0: in the group; pattern 1: the rest
    with threadpool_limits(1):
        for g in np.flatnonzero((ev_g > 0) & (ev_r > 0)):
            data = ce.counts_data(X, np.stack([n1[:, g], n - n1[:, g]]),
                                  np.stack([d1[:, g], d - d1[:, g]]))
            fit = ce.fit_cox(data, ties="breslow", max_iter=max_iter, on_fail="return")
            coef[g] = fit.beta[0]
            std_err[g] = np.sqrt(fit.var[0, 0])
            converged[g] = fit.converged
    with np.errstate(invalid="ignore", over="ignore"):
        return pd.DataFrame(
            {"coef": coef, "std_err": std_err, "hr": np.exp(coef),
             "lower": np.exp(coef - z * std_err), "upper": np.exp(coef + z * std_err),
             "p": 2.0 * norm.sf(np.abs(coef) / std_err),
             "n_event_group": ev_g, "n_event_rest": ev_r, "converged": converged},
            index=_group_index(counts),
        )


# ----------------------------------------------------------------- Kaplan-Meier quantiles


def _as_probs(q: float | Sequence[float]) -> np.ndarray:
    p = np.atleast_1d(np.asarray(q, dtype=float))
    if p.ndim != 1 or p.size == 0 or np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise EstimationError(f"quantile probabilities must be in [0, 1], got {q!r}")
    return p


def _quantile_array(
    counts: GroupedCounts, p: np.ndarray, alpha: float, conf_type: str
) -> np.ndarray:
    """Quantiles, shape (S, G, 2 sides [group, rest], 3 [estimate, lower, upper], P)."""
    if conf_type not in CONF_TYPES:
        raise EstimationError(
            f"conf_type={conf_type!r} is not supported; use one of {', '.join(CONF_TYPES)}"
        )
    _z(alpha)
    exits_g = counts.n_event + counts.n_censor
    out = np.full((len(counts.strata), len(counts.groups), 2, 3, p.size), np.nan)
    times = counts.times
    for s in range(len(counts.strata)):  # loop over strata and cells, arrays over time
        risk_s, event_s, exit_s = (
            counts.total_risk[s], counts.total_event[s], exits_g[s].sum(axis=0)
        )
        for side in range(2):
            if side == 0:
                nr, ne, nx = counts.n_risk[s], counts.n_event[s], exits_g[s]
            else:
                nr = risk_s - counts.n_risk[s]
                ne = event_s - counts.n_event[s]
                nx = exit_s - exits_g[s]
            with np.errstate(divide="ignore", invalid="ignore"):
                surv = np.cumprod(1.0 - np.where(nr > 0, ne / nr, 0.0), axis=1)
                gw = np.sqrt(np.cumsum(np.where(ne > 0, ne / (nr * (nr - ne)), 0.0), axis=1))
            lower, upper = confint(surv, gw, conf_type=conf_type, alpha=alpha, logse=True)
            for g in range(len(counts.groups)):
                keep = nx[g] > 0  # the cell's own unique times, censor-only ones included
                if not keep.any():
                    continue
                tt = times[keep]
                x = np.concatenate(([min(0.0, float(tt[0]))], tt))
                for k, curve in enumerate((surv[g], lower[g], upper[g])):
                    out[s, g, side, k] = _findq(x, np.concatenate(([0.0], 1.0 - curve[keep])), p)
    return out


def km_quantiles(
    counts: GroupedCounts,
    q: float | Sequence[float],
    *,
    alpha: float = 0.05,
    conf_type: str = "log",
) -> pd.DataFrame:
    """Kaplan-Meier quantiles of each group and of its rest, in each stratum.

    Parameters
    ----------
    counts : GroupedCounts
        Use ``counts.collapse()`` for the curves unstratified (summed over strata).
    q : float or sequence of float
        Probabilities in [0, 1]: the time by which a fraction ``q`` had the event.
    alpha : float
        Pointwise limits of the curve at ``1 - alpha``.
    conf_type : {"log", "log-log", "plain"}
        Transformation of the pointwise limits (R ``conf.type``).

    Returns
    -------
    pandas.DataFrame
        One row per (stratum, group, side, q), side in {"group", "rest"}: columns
        ``stratum, group, side, q, estimate, lower, upper, n, n_event``. As
        ``trajectory.estimators.kaplan_meier(...).quantiles(q)`` and R
        ``quantile(survfit(...), probs=q)``: the first time the curve reaches
        ``1 - q``, the midpoint where it equals ``1 - q`` over an interval (R
        ``survival:::findq`` on the curve at the cell's own unique times, censor-only
        ones included), with Greenwood variance and Brookmeyer-Crowley limits (the
        same rule applied to the pointwise limits). NaN where not reached.

    Examples
    --------
    >>> import numpy as np
    >>> c = grouped_counts(np.array([1, 2, 3, 4, 5, 6, 7, 8]), np.ones(8),
    ...                    np.array(["a", "a", "a", "a", "b", "b", "b", "b"]))
    >>> km_quantiles(c, 0.5)[["group", "side", "estimate", "n"]]
      group   side  estimate  n
    0     a  group       2.5  4
    1     a   rest       6.5  4
    2     b  group       6.5  4
    3     b   rest       2.5  4

    References
    ----------
    .. [1] Brookmeyer R., Crowley J. (1982). A confidence interval for the median
       survival time. *Biometrics* 38, 29-41.
    .. [2] R package ``survival``, function ``quantile.survfit``.
    """
    p = _as_probs(q)
    arr = _quantile_array(counts, p, alpha, conf_type)
    n_s, n_g = len(counts.strata), len(counts.groups)
    n_grp = counts.n
    n_rest = n_grp.sum(axis=1, keepdims=True) - n_grp
    e_grp = counts.n_event.sum(axis=2)
    e_rest = e_grp.sum(axis=1, keepdims=True) - e_grp
    shape = (n_s, n_g, 2, p.size)
    s_idx, g_idx, side_idx, q_idx = (a.ravel() for a in np.indices(shape))
    n_all = np.stack([n_grp, n_rest], axis=2)[s_idx, g_idx, side_idx]
    e_all = np.stack([e_grp, e_rest], axis=2)[s_idx, g_idx, side_idx]
    strata = np.empty(len(counts.strata), dtype=object)
    strata[:] = list(counts.strata)
    groups = np.empty(n_g, dtype=object)
    groups[:] = list(counts.groups)
    return pd.DataFrame({
        "stratum": strata[s_idx],
        "group": groups[g_idx],
        "side": np.array(["group", "rest"], dtype=object)[side_idx],
        "q": p[q_idx],
        "estimate": arr[:, :, :, 0, :].ravel(),
        "lower": arr[:, :, :, 1, :].ravel(),
        "upper": arr[:, :, :, 2, :].ravel(),
        "n": n_all.astype(np.int64),
        "n_event": e_all.astype(np.int64),
    })


def _log_se(est: np.ndarray, lo: np.ndarray, hi: np.ndarray, z: float) -> np.ndarray:
    """Standard error of log(quantile) read from its limits (one-sided without upper)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        two = (np.log(hi) - np.log(lo)) / (2.0 * z)
        one = (np.log(est) - np.log(lo)) / z
    return np.where(np.isfinite(two), two, one)


def quantile_ratio_vs_rest(
    counts: GroupedCounts, q: float, *, alpha: float = 0.05
) -> pd.DataFrame:
    """Within-stratum ratio of the ``q`` quantile of each group to that of the rest.

    In each stratum, the log ratio of the group's Kaplan-Meier quantile to the rest's
    (:func:`km_quantiles`); the standard error of each log quantile is read from its
    Brookmeyer-Crowley limits, ``(log upper - log lower) / (2 z)``, or one-sided
    ``(log estimate - log lower) / z`` when the upper limit is not reached. Strata
    where a quantile is zero or missing, or its standard error is not positive, are
    skipped. The log ratios are pooled by inverse variance; the interval and the
    Wald z-test ``p`` are of that pooled log ratio, so the decision, the effect and
    its interval are one estimand.

    Parameters
    ----------
    counts : GroupedCounts
    q : float
        Probability in (0, 1), e.g. 0.5 for the median.
    alpha : float
        Level of the quantile limits and of the pooled interval.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``ratio``, ``lower``, ``upper``, ``p``; ``reference`` =
        exp of the weighted mean of the rest's log quantiles (same weights) and
        ``value = reference * ratio``, both in time units and "within strata";
        ``n_group``, ``n_rest`` (rows, all strata) and ``n_strata`` (strata used).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.tile(np.arange(1.0, 21.0), 2)
    >>> g = np.repeat(["slow", "fast"], 20)
    >>> t[g == "slow"] *= 2
    >>> res = quantile_ratio_vs_rest(grouped_counts(t, np.ones(40), g), 0.5)
    >>> res[["ratio", "value", "reference", "n_strata"]].round(3).reset_index()
      group  ratio  value  reference  n_strata
    0  fast    0.5   10.5       21.0         1
    1  slow    2.0   21.0       10.5         1

    References
    ----------
    .. [1] Brookmeyer R., Crowley J. (1982). A confidence interval for the median
       survival time. *Biometrics* 38, 29-41.
    .. [2] Su J. Q., Wei L. J. (1993). Nonparametric estimation for the difference or
       ratio of median failure times. *Biometrics* 49, 603-607.
    """
    p = _as_probs(q)
    if p.size != 1:
        raise EstimationError(f"quantile_ratio_vs_rest takes one probability, got {q!r}")
    z = _z(alpha)
    arr = _quantile_array(counts, p, alpha, "log")[..., 0]  # (S, G, side, 3)
    se_g = _log_se(arr[:, :, 0, 0], arr[:, :, 0, 1], arr[:, :, 0, 2], z)
    se_r = _log_se(arr[:, :, 1, 0], arr[:, :, 1, 1], arr[:, :, 1, 2], z)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_g = np.log(arr[:, :, 0, 0])
        log_r = np.log(arr[:, :, 1, 0])
        var = se_g**2 + se_r**2
        ok = np.isfinite(log_g) & np.isfinite(log_r) & np.isfinite(var) & (var > 0)
        w = np.where(ok, 1.0 / np.where(ok, var, 1.0), 0.0)
        sw = w.sum(axis=0)
        mean = (w * np.where(ok, log_g - log_r, 0.0)).sum(axis=0) / sw
        ref = (w * np.where(ok, log_r, 0.0)).sum(axis=0) / sw
        se = 1.0 / np.sqrt(sw)
    n_grp = counts.n.sum(axis=0)
    return pd.DataFrame(
        {"ratio": np.exp(mean), "lower": np.exp(mean - z * se), "upper": np.exp(mean + z * se),
         "p": 2.0 * norm.sf(np.abs(mean) / se),
         "value": np.exp(ref + mean), "reference": np.exp(ref),
         "n_group": n_grp.astype(np.int64), "n_rest": (n_grp.sum() - n_grp).astype(np.int64),
         "n_strata": ok.sum(axis=0)},
        index=_group_index(counts),
    )


# --------------------------------------------------------------------- risk difference


def risk_difference_vs_rest(
    success: Any, group: Any, *, strata: Any = None, alpha: float = 0.05
) -> pd.DataFrame:
    """Mantel-Haenszel risk difference of each group against the rest, over strata.

    In stratum ``k`` the group has ``x1`` successes out of ``n1``, the rest ``x0``
    out of ``n0`` (``N = n1 + n0``). With weights ``W = n1 n0 / N`` the estimate is
    ``RD = sum W (x1/n1 - x0/n0) / sum W`` and Sato's variance is
    ``(RD sum P + sum Q) / (sum W)^2`` with
    ``P = (n1^2 x0 - n0^2 x1 + n1 n0 (n0 - n1) / 2) / N^2`` and
    ``Q = (x1 (n0 - x0) + x0 (n1 - x1)) / (2 N)``; it is consistent both with many
    small strata and with few large ones. The interval and the Wald ``p`` use that
    same variance. Strata where the group or the rest is empty are skipped.

    Parameters
    ----------
    success : array_like of bool or 0/1, shape (n,)
    group : array_like of hashable, shape (n,)
    strata : array_like of hashable, shape (n,), optional
    alpha : float

    Returns
    -------
    pandas.DataFrame
        Indexed by group (sorted): ``difference``, ``lower``, ``upper``, ``p`` (Wald,
        Sato variance), ``p_cmh`` (Cochran-Mantel-Haenszel chi-square without
        continuity correction, R ``mantelhaen.test(correct=FALSE)``: the score test of
        no difference in any stratum, better calibrated than the Wald test when a
        share is near 0 or 1 in a small group), ``value`` and ``reference`` (crude
        shares of success in the group and in the rest), ``n_group``, ``n_rest``,
        ``x_group``, ``x_rest``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.r_[np.ones(30), np.zeros(70), np.ones(10), np.zeros(90)]
    >>> g = np.repeat(["a", "b"], 100)
    >>> risk_difference_vs_rest(y, g)[["difference", "value", "reference"]].round(3).reset_index()
      group  difference  value  reference
    0     a         0.2    0.3        0.1
    1     b        -0.2    0.1        0.3

    References
    ----------
    .. [1] Greenland S., Robins J. M. (1985). Estimation of a common effect parameter
       from sparse follow-up data. *Biometrics* 41, 55-68.
    .. [2] Sato T. (1989). On the variance estimator for the Mantel-Haenszel risk
       difference. *Biometrics* 45, 1323-1324.
    """
    z = _z(alpha)
    y = _binary(success, "success", None)
    n = y.shape[0]
    if n == 0:
        raise EstimationError("success is empty; nothing to compare")
    g_codes, g_labels = _labels(group, "group", n)
    if strata is None:
        s_codes, n_s = np.zeros(n, dtype=np.intp), 1
    else:
        s_codes, s_labels = _labels(strata, "strata", n)
        n_s = len(s_labels)
    n_g = len(g_labels)
    cell = s_codes.astype(np.int64) * n_g + g_codes
    n1 = np.bincount(cell, minlength=n_s * n_g).reshape(n_s, n_g).astype(float)
    x1 = np.bincount(cell, weights=y, minlength=n_s * n_g).reshape(n_s, n_g)
    n0 = n1.sum(axis=1, keepdims=True) - n1
    x0 = x1.sum(axis=1, keepdims=True) - x1
    big = n1 + n0
    ok = (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(ok, n1 * n0 / big, 0.0)
        diff_k = np.where(ok, x1 / n1 - x0 / n0, 0.0)
        sw = w.sum(axis=0)
        rd = (w * diff_k).sum(axis=0) / sw
        p_k = np.where(ok, (n1**2 * x0 - n0**2 * x1 + n1 * n0 * (n0 - n1) / 2) / big**2, 0.0)
        q_k = np.where(ok, (x1 * (n0 - x0) + x0 * (n1 - x1)) / (2 * big), 0.0)
        var = (rd * p_k.sum(axis=0) + q_k.sum(axis=0)) / sw**2
        se = np.sqrt(np.maximum(var, 0.0))
        pval = np.where(se > 0, 2.0 * norm.sf(np.abs(rd) / se), np.nan)
        m1 = x1 + x0  # Cochran-Mantel-Haenszel: the score test of "no difference"
        expected = np.where(ok, n1 * m1 / big, 0.0)
        v_k = np.where(ok & (big > 1), n1 * n0 * m1 * (big - m1) / (big**2 * (big - 1)), 0.0)
        v = v_k.sum(axis=0)
        cmh = np.where(v > 0, (np.where(ok, x1, 0.0).sum(axis=0) - expected.sum(axis=0)) ** 2
                       / np.where(v > 0, v, 1.0), np.nan)
        p_cmh = np.where(v > 0, chi2.sf(cmh, 1), np.nan)
        ng, xg = n1.sum(axis=0), x1.sum(axis=0)
        nr, xr = n - ng, y.sum() - xg
        value, reference = xg / ng, np.where(nr > 0, xr / nr, np.nan)
    return pd.DataFrame(
        {"difference": rd, "lower": rd - z * se, "upper": rd + z * se, "p": pval,
         "p_cmh": p_cmh, "value": value, "reference": reference,
         "n_group": ng.astype(np.int64), "n_rest": nr.astype(np.int64),
         "x_group": xg, "x_rest": xr},
        index=pd.Index(list(g_labels), name="group", tupleize_cols=False),
    )
