"""A small Cox partial-likelihood engine on sorted counts (numpy only).

It fits ``coxph``-style models with Breslow or Efron ties, counting-process
(delayed entry) data, strata, case weights and a cluster-robust sandwich variance,
following R ``survival`` (``agreg.fit``) formula by formula:

* at an event time with ``d`` tied event rows, Efron uses the mean weight of the
  tied rows and ``d`` denominators ``S0 - (k/d) E0``, ``k = 0..d-1``; Breslow
  uses one denominator ``S0`` and the summed weight of the tied rows;
* a row ``(start, stop]`` is at risk at event time ``t`` when ``start < t <= stop``
  (censored at ``t`` still at risk, as in R).

Every sum over a risk set is a difference of two cumulative sums indexed by
``searchsorted`` positions, and the information matrix is written as
``X' diag(c) X - A' diag(w) A``, so one Newton step costs ``O(n p^2)`` with no
per-time loop. The same engine fits rows that are *aggregated counts*
(weights = number of identical cases), and count tables, covariate pattern x risk-set
cell (:class:`PatternCounts`, Breslow ties), which is how a 10-million-case cohort with
categorical covariates is fitted in seconds. One Newton iteration (:func:`fit_cox`)
serves both layouts; it converges on the score and step, never on a change of
log-likelihood (which is float noise near the optimum).

This module is private: :mod:`trajectory.estimators.regression` is the public API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import EstimationError

__all__ = [
    "CoxData", "CoxFit", "PatternCounts", "baseline_hazard", "counts_data", "cox_pieces",
    "fit_cox", "make_data", "pattern_baseline_hazard", "runaway", "zph_test",
]


@dataclass(frozen=True)
class CoxData:
    """Arrays of one Cox problem, with the risk-set indices precomputed."""

    X: np.ndarray  # (n, p), centred
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray  # bool
    weight: np.ndarray
    strata: np.ndarray  # int codes
    times: np.ndarray  # unique event times, stratum by stratum
    time_strata: np.ndarray  # stratum of each unique event time
    lo: np.ndarray  # row at risk for event-time indices lo <= j < hi
    hi: np.ndarray
    jev: np.ndarray  # event-time index of each event row (-1 otherwise)
    center: np.ndarray  # column means subtracted from X
    delta: Any = None  # sparse (m+1, n): +1 at (lo_i, i), -1 at (hi_i, i)
    evmat: Any = None  # sparse (m, n): 1 at (jev_i, i) for event rows


def make_data(
    X: np.ndarray,
    start: np.ndarray | None,
    stop: np.ndarray,
    event: np.ndarray,
    weight: np.ndarray | None = None,
    strata: np.ndarray | None = None,
) -> CoxData:
    """Validate arrays and precompute risk-set indices (see module docstring)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise EstimationError("the design matrix must be two-dimensional")
    n = X.shape[0]
    stop = np.asarray(stop, dtype=float)
    start = np.full(n, -np.inf) if start is None else np.asarray(start, dtype=float)
    event = np.asarray(event).astype(bool)
    weight = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    if np.any(start >= stop):
        bad = int(np.flatnonzero(start >= stop)[0])
        raise EstimationError(
            f"row {bad}: entry ({start[bad]}) is not before the exit time ({stop[bad]}); "
            "every case must enter before it leaves (drop or fix such rows)"
        )
    if np.any(weight < 0):
        raise EstimationError("weights must be non-negative")
    center = np.average(X, axis=0, weights=weight) if n else np.zeros(X.shape[1])
    Xc = np.ascontiguousarray(X - center)
    lo = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    times_list, tstrata_list = [], []
    offset = 0
    for s in np.unique(strata):
        rows = np.flatnonzero(strata == s)
        t_s = np.unique(stop[rows][event[rows]])
        lo[rows] = offset + np.searchsorted(t_s, start[rows], side="right")
        hi[rows] = offset + np.searchsorted(t_s, stop[rows], side="right")
        times_list.append(t_s)
        tstrata_list.append(np.full(t_s.size, s))
        offset += t_s.size
    jev = np.where(event, hi - 1, -1)
    m = offset
    rows_n = np.arange(n)
    delta = sp.csr_matrix(
        (np.concatenate([np.ones(n), -np.ones(n)]),
         (np.concatenate([lo, hi]), np.concatenate([rows_n, rows_n]))),
        shape=(m + 1, n),
    )
    ev_rows = np.flatnonzero(event)
    evmat = sp.csr_matrix((np.ones(ev_rows.size), (jev[ev_rows], ev_rows)), shape=(m, n))
    return CoxData(
        X=Xc,
        start=start,
        stop=stop,
        event=event,
        weight=weight,
        strata=strata,
        times=np.concatenate(times_list) if times_list else np.empty(0),
        time_strata=np.concatenate(tstrata_list) if tstrata_list else np.empty(0, int),
        lo=lo,
        hi=hi,
        jev=jev,
        center=center,
        delta=delta,
        evmat=evmat,
    )


def _risk_sum(d: CoxData, v: np.ndarray, m: int) -> np.ndarray:
    """Sum of ``v`` (n,) or (n, p) over the risk set of each event time.

    Summed from the last event time back (the rows still at risk after ``t``), as R
    ``coxfit6`` does: without delayed entry every term added is a row that is at risk,
    so no large sum is ever subtracted. A forward sum minus the rows that left loses
    every digit when the rows that left first had the largest risk (separated events:
    ``exp(eta)`` of 1e9 against 1e-9), and the risk set can then come out <= 0.
    """
    change = d.delta @ v  # (m + 1, ...): entries at lo, exits at hi
    tail = np.cumsum(change[::-1], axis=0)[::-1]  # tail[k] = sum of change[k:]
    return -tail[1:m + 1]


def _over_interval(d: CoxData, h: np.ndarray) -> np.ndarray:
    """For each row, the sum of the per-time values ``h`` over its at-risk times."""
    c = np.concatenate([np.zeros((1,) + h.shape[1:]), np.cumsum(h, axis=0)])
    return c[d.hi] - c[d.lo]


@dataclass(frozen=True)
class Pieces:
    """Per-time and per-tie-level quantities of the partial likelihood at ``beta``."""

    loglik: float
    grad: np.ndarray
    jj: np.ndarray  # event-time index of each tie level
    frac: np.ndarray  # k/d of each tie level (0 for Breslow)
    pw: np.ndarray  # weight of each tie level
    d2: np.ndarray  # denominator of each tie level
    a: np.ndarray  # (L, p) weighted means of each tie level
    c1: np.ndarray  # per time: sum_k pw/d2
    c2: np.ndarray  # per time: sum_k pw*frac/d2
    risk: np.ndarray  # exp(eta) per row
    wd: np.ndarray  # summed weight of event rows per time


def cox_pieces(d: CoxData, beta: np.ndarray, ties: str) -> Pieces:
    """Log partial likelihood, gradient and the pieces of the information matrix."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return _cox_pieces(d, beta, ties)


def _cox_pieces(d: CoxData, beta: np.ndarray, ties: str) -> Pieces:
    m = d.times.size
    eta = d.X @ beta
    risk = np.exp(eta)
    r = d.weight * risk
    ev = d.event
    jev = d.jev[ev]
    rx = r[:, None] * d.X
    S0 = _risk_sum(d, r, m)
    S1 = _risk_sum(d, rx, m)
    nd = np.bincount(jev, minlength=m).astype(float)
    wd = np.bincount(jev, d.weight[ev], minlength=m)
    if ties == "efron":
        E0 = d.evmat @ r
        E1 = d.evmat @ rx
        counts = nd.astype(np.int64)
        jj = np.repeat(np.arange(m), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        frac = (np.arange(jj.size) - first) / nd[jj]
        pw = (wd / nd)[jj]
        d2 = S0[jj] - frac * E0[jj]
        num = S1[jj] - frac[:, None] * E1[jj]
    elif ties == "breslow":
        jj = np.arange(m)
        frac = np.zeros(m)
        pw = wd
        d2 = S0
        num = S1
    else:
        raise EstimationError(f"ties={ties!r} is not supported; use 'efron' or 'breslow'")
    a = num / d2[:, None]
    loglik = float(np.sum(d.weight[ev] * eta[ev]) - np.sum(pw * np.log(d2)))
    if not (np.all(np.isfinite(r)) and np.all(d2[pw > 0] > 0)):
        loglik = -np.inf  # exp(eta) overflowed or a risk set vanished: the step is refused
    grad = d.X.T @ (d.weight * ev) - pw @ a
    c1 = np.bincount(jj, pw / d2, minlength=m)
    c2 = np.bincount(jj, pw * frac / d2, minlength=m)
    return Pieces(loglik, grad, jj, frac, pw, d2, a, c1, c2, risk, wd)


def information(d: CoxData, pc: Pieces, h: np.ndarray | None = None) -> np.ndarray:
    """Information matrix, optionally with per-event-time multipliers ``h`` (for cox.zph)."""
    h = np.ones(d.times.size) if h is None else h
    coef = _over_interval(d, h * pc.c1)
    ev = d.event
    coef[ev] -= (h * pc.c2)[d.jev[ev]]
    rc = d.weight * pc.risk * coef
    first = (d.X * rc[:, None]).T @ d.X
    second = (pc.a * (pc.pw * h[pc.jj])[:, None]).T @ pc.a
    return first - second


@dataclass(frozen=True)
class CoxFit:
    """Estimates of one Cox fit (coefficients on the uncentred scale)."""

    beta: np.ndarray
    var: np.ndarray  # model-based inverse information
    loglik: float
    loglik_null: float
    iterations: int
    pieces: Any  # Pieces (case rows) or PatternPieces (count table)
    converged: bool = True
    infinite: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # per coefficient: still moving when the log-likelihood stopped (R "may be infinite")


def _solve(imat: np.ndarray, grad: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(imat, grad)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(
            "the information matrix is singular: a covariate is constant or collinear "
            "(drop it or merge sparse categories)"
        ) from exc


def runaway(beta: np.ndarray, var: np.ndarray, grad: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    """Coefficients that a further Newton step would still move: possibly infinite.

    R ``coxph`` (``coxph.fit``/``agreg.fit``) computes the next Newton step
    ``|U' I^-1|`` at the estimate and warns "Loglik converged before variable ...;
    coefficient may be infinite" for each coefficient whose step exceeds ``eps`` and
    ``sqrt(eps) |beta|`` (its ``toler.inf``). That is the monotone likelihood of a level
    without events or of separated events: the log-likelihood flattens towards its
    supremum while the coefficient runs off, Newton steps stay near one unit, and any
    stopping rule on the score or the log-likelihood is met at a large finite value.

    References
    ----------
    .. [1] Bryson MC, Johnson ME (1981). The incidence of monotone likelihood in the Cox
       model. Technometrics 23(4):381-383.
    .. [2] Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood
       in Cox regression. Biometrics 57(1):114-119.
    .. [3] R package ``survival``: ``coxph.fit`` and ``coxph.control(toler.inf)``.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        step = np.abs(var @ grad)
        out = ~np.isfinite(grad) | ((step > eps) & (step > np.sqrt(eps) * np.abs(beta)))
    return np.asarray(out, dtype=bool)


def _evaluate(d: Any, beta: np.ndarray, ties: str) -> Any:
    return pattern_pieces(d, beta) if isinstance(d, PatternCounts) else cox_pieces(d, beta, ties)


def _information(d: Any, pc: Any) -> np.ndarray:
    return pc.info if isinstance(d, PatternCounts) else information(d, pc)


def _accepted(new: float, old: float, noise: float) -> bool:
    """A step is kept when the log-likelihood is finite and falls by no more than ``noise``."""
    return bool(np.isfinite(new) and new >= old - noise)


def fit_cox(
    d: CoxData | PatternCounts,
    *,
    ties: str = "efron",
    tol: float = 1e-10,
    max_iter: int = 50,
    on_fail: str = "raise",
) -> CoxFit:
    """Newton-Raphson started at zero (as R ``coxph``), converging on the score and step.

    Each iteration solves ``I step = U``. It stops when the step is small
    (``max|step| <= tol * (1 + max|beta|)``) or the Newton decrement ``U' I^-1 U`` is at
    the float noise of the log-likelihood; that last step is applied, so the estimate
    is the one a further Newton step would not move. A step is halved only while the
    log-likelihood is not finite (``exp`` of the linear predictor overflowed, or a risk
    set vanished: R ``coxph`` guards ``exp`` the same way) or falls by more than its
    float noise (``1e-10 * (1 + |loglik|)``): comparing log-likelihoods closer than
    that decides on rounding, which stopped the previous solver ~1e-7 short of R's
    maximum. When 40 halvings find no such step, no step raises the log-likelihood at
    float precision and the fit stops there, converged (R: "Loglik converged").

    ``d`` is case (or aggregated) rows (:class:`CoxData`: Efron or Breslow, entry,
    strata, weights) or a pattern x risk-set count table (:class:`PatternCounts`,
    Breslow): the same Newton iteration and stopping rule for both.

    ``on_fail="raise"`` raises :class:`EstimationError` after ``max_iter`` iterations
    (monotone likelihood) or on a singular information matrix; ``"return"`` returns the
    last iterate with ``converged=False`` and an infinite variance where it is undefined
    (R ``coxph`` warns and returns it).

    A fit that converges while a coefficient runs off (monotone likelihood: a level
    without events, separated events) is not an error here: ``infinite`` marks those
    coefficients by R's rule (:func:`runaway`), and the caller reports them as not
    estimable (:func:`trajectory.estimators.regression.cox` does).
    """
    if ties not in ("efron", "breslow"):
        raise EstimationError(f"ties={ties!r} is not supported; use 'efron' or 'breslow'")
    if isinstance(d, PatternCounts) and ties != "breslow":
        raise EstimationError("a count table is fitted with Breslow ties (Efron needs the "
                              "tied case rows)")
    p = d.X.shape[1]
    beta = np.zeros(p)
    pc = _evaluate(d, beta, ties)
    loglik_null = pc.loglik
    imat = _information(d, pc)
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        try:
            step = _solve(imat, pc.grad)
        except EstimationError:
            if on_fail == "raise":
                raise
            break  # no information on a coefficient (e.g. no event with both sides at risk)
        decrement = float(pc.grad @ step)
        noise = 1e-10 * (1.0 + abs(pc.loglik))
        if not np.isfinite(decrement) or decrement < -1e-3 * noise:
            break  # information not positive definite at rounding: a flat (monotone) likelihood
        small = np.max(np.abs(step), initial=0.0) <= tol * (1 + np.max(np.abs(beta), initial=0.0))
        if small or decrement <= 1e-3 * noise:
            beta = beta + step  # the last, tiny, Newton step
            pc = _evaluate(d, beta, ties)
            imat = _information(d, pc)
            converged = True
            break
        new = beta + step
        pn = _evaluate(d, new, ties)
        halving = 0
        while not _accepted(pn.loglik, pc.loglik, noise) and halving < 40:
            step = step / 2
            new = beta + step
            pn = _evaluate(d, new, ties)
            halving += 1
        if not _accepted(pn.loglik, pc.loglik, noise):
            converged = True  # no step raises the log-likelihood at float precision: a
            break  # maximum (R "Loglik converged"); runaway() flags what is still moving
        beta, pc = new, pn
        imat = _information(d, pc)
    if not converged and on_fail == "raise":
        raise EstimationError(
            f"the Cox fit did not converge ({iterations} iterations; check for monotone "
            "likelihood: a category with no events, or perfect separation)"
        )
    try:
        var = np.linalg.inv(imat)
    except np.linalg.LinAlgError:
        var = np.full((p, p), np.inf)
    if not converged:  # a coefficient running off to infinity has no finite variance
        var = np.where(np.diag(var)[:, None] > 0, var, np.inf) if p else var
    infinite = runaway(beta, var, pc.grad)
    return CoxFit(beta, var, pc.loglik, loglik_null, iterations, pc, converged, infinite)


@dataclass(frozen=True)
class PatternCounts:
    """A Cox problem as a count table: covariate pattern x risk-set cell (Breslow ties).

    ``N[p, k]`` cases of pattern ``p`` (row ``X[p]``, centred) at risk in cell ``k`` (one
    event time of one stratum) and ``D[p, k]`` events; only cells with events are kept.
    The Breslow partial likelihood depends on the cases only through these counts, so
    the fit equals the case-level fit; memory is O(patterns x cells), not O(cases).
    """

    X: np.ndarray
    N: np.ndarray
    D: np.ndarray
    center: np.ndarray
    dj: np.ndarray  # events per cell
    dp: np.ndarray  # events per pattern


@dataclass(frozen=True)
class PatternPieces:
    """Log-likelihood, score and information of :class:`PatternCounts` at ``beta``."""

    loglik: float
    grad: np.ndarray
    info: np.ndarray
    s0: np.ndarray  # per cell: sum_p N exp(eta_p) (centred scale)


def counts_data(
    X: np.ndarray, n_risk: np.ndarray, n_event: np.ndarray
) -> PatternCounts:
    """:class:`PatternCounts` from patterns ``X`` (P, p) and tables ``n_risk``, ``n_event`` (P, K).

    Cells are risk sets (an event time within a stratum), so strata need no index: a
    stratified model is the cells of every stratum side by side.
    """
    X = np.asarray(X, dtype=float)
    N = np.asarray(n_risk, dtype=float)
    D = np.asarray(n_event, dtype=float)
    if X.ndim != 2 or N.shape != D.shape or N.shape[0] != X.shape[0]:
        raise EstimationError(
            f"count table shapes differ: X {X.shape}, n_risk {N.shape}, n_event {D.shape}"
        )
    if (D < 0).any() or (N < D).any():
        raise EstimationError("count table: events must be between 0 and the number at risk")
    keep = D.sum(axis=0) > 0
    if not keep.all():  # cells without events add nothing (no copy when all have events)
        N, D = np.ascontiguousarray(N[:, keep]), np.ascontiguousarray(D[:, keep])
    weight = N[:, 0] if N.shape[1] else np.ones(X.shape[0])
    center = np.average(X, axis=0, weights=weight + 1e-300) if X.shape[0] else np.zeros(0)
    return PatternCounts(X - center, N, D, center, D.sum(axis=0), D.sum(axis=1))


def pattern_pieces(d: PatternCounts, beta: np.ndarray) -> PatternPieces:
    """Breslow log partial likelihood, score and information on a count table."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return _pattern_pieces(d, beta)


def _pattern_pieces(d: PatternCounts, beta: np.ndarray) -> PatternPieces:
    eta = d.X @ beta
    r = np.exp(eta)
    s0 = d.N.T @ r
    a = (d.N.T @ (r[:, None] * d.X)) / s0[:, None]
    loglik = float(d.dp @ eta - d.dj @ np.log(s0))
    grad = d.X.T @ d.dp - d.dj @ a
    c = d.N @ (d.dj / s0)
    info = (d.X * (r * c)[:, None]).T @ d.X - (a * d.dj[:, None]).T @ a
    if not (np.all(np.isfinite(r)) and np.all(s0[d.dj > 0] > 0)):
        loglik = -np.inf  # exp(eta) overflowed or a risk set vanished: the step is refused
    return PatternPieces(loglik, grad, info, s0)


def pattern_baseline_hazard(d: PatternCounts, fit: CoxFit) -> np.ndarray:
    """Breslow hazard increments per cell at covariates zero (uncentred scale)."""
    return d.dj / fit.pieces.s0 * float(np.exp(-d.center @ fit.beta))


def score_residuals(d: CoxData, pc: Pieces) -> np.ndarray:
    """Per-row (unweighted) score residuals, as R ``residuals(fit, type='score')``."""
    m = d.times.size
    ev = d.event
    wa = pc.pw[:, None] * pc.a
    abar = np.zeros((m, d.X.shape[1]))
    np.add.at(abar, pc.jj, wa)
    abar /= np.where(pc.wd > 0, pc.wd, 1)[:, None]
    b1 = np.zeros_like(abar)
    np.add.at(b1, pc.jj, wa / pc.d2[:, None])
    b2 = np.zeros_like(abar)
    np.add.at(b2, pc.jj, (pc.frac * pc.pw / pc.d2)[:, None] * pc.a)
    c1i = _over_interval(d, pc.c1)
    b1i = _over_interval(d, b1)
    u = -pc.risk[:, None] * (d.X * c1i[:, None] - b1i)
    j = d.jev[ev]
    u[ev] += d.X[ev] - abar[j]
    u[ev] += pc.risk[ev, None] * (d.X[ev] * pc.c2[j][:, None] - b2[j])
    return u


def robust_variance(d: CoxData, fit: CoxFit, cluster: np.ndarray | None) -> np.ndarray:
    """Sandwich variance ``D'D`` from weighted dfbeta summed by cluster (R ``robust=TRUE``)."""
    dfb = (score_residuals(d, fit.pieces) * d.weight[:, None]) @ fit.var
    if cluster is not None:
        _, code = np.unique(cluster, return_inverse=True)
        summed = np.zeros((code.max() + 1, dfb.shape[1]))
        np.add.at(summed, code, dfb)
        dfb = summed
    return dfb.T @ dfb


def km_transform(d: CoxData) -> np.ndarray:
    """``1 - S(t-)`` of the pooled (unweighted, unstratified) Kaplan-Meier at each event time.

    As R ``cox.zph(transform="km")``, which uses ``survfitKM`` on the model's ``Surv``.
    """
    t = np.unique(d.stop[d.event])
    n_event = np.bincount(np.searchsorted(t, d.stop[d.event]), minlength=t.size)
    # at risk at t: start < t <= stop  =  #(start < t) - #(stop < t)
    n_risk = np.searchsorted(np.sort(d.start), t, "left") - np.searchsorted(
        np.sort(d.stop), t, "left"
    )
    surv = np.cumprod(1 - n_event / n_risk)
    surv_before = np.concatenate([[1.0], surv[:-1]])
    return 1 - surv_before[np.searchsorted(t, d.times)]


def zph_test(
    d: CoxData, fit: CoxFit, terms: list[list[int]], g: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Score test of ``beta_k(t) = beta_k + theta_k g(t)`` (R >= 3.0 ``cox.zph``).

    ``g`` is the transformed time at each unique event time. Returns the chi-square
    of each term (columns grouped in ``terms``) and the global chi-square.
    """
    pc = fit.pieces
    ev = d.event
    gbar = g[d.jev[ev]].mean()  # R centres at the unweighted mean over event rows
    gc = g - gbar
    p = d.X.shape[1]
    m = d.times.size
    score_t = np.zeros((m, p))
    np.add.at(score_t, d.jev[ev], d.weight[ev, None] * d.X[ev])
    np.add.at(score_t, pc.jj, -pc.pw[:, None] * pc.a)
    u = np.concatenate([np.zeros(p), gc @ score_t])
    i0 = information(d, pc)
    i1 = information(d, pc, gc)
    i2 = information(d, pc, gc * gc)
    imat = np.block([[i0, i1], [i1, i2]])
    chisq = np.empty(len(terms))
    for i, cols in enumerate(terms):
        kk = np.concatenate([np.arange(p), p + np.asarray(cols)])
        uu = u[kk]
        chisq[i] = uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu)
    glob = float(u @ np.linalg.solve(imat, u))
    return chisq, np.array(glob)


def baseline_hazard(d: CoxData, fit: CoxFit) -> np.ndarray:
    """Breslow increments of the cumulative baseline hazard at each event time.

    Baseline = all covariates at zero on the *uncentred* scale.
    """
    pc = fit.pieces
    shift = float(np.exp(-d.center @ fit.beta))  # risk at x=0 relative to the centred zero
    s0 = _risk_sum(d, d.weight * pc.risk, d.times.size)
    return pc.wd / s0 * shift
