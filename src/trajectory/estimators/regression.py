"""Cox proportional-hazards regression for case trajectories.

:func:`cox` fits a Cox model on a cohort (one row a case: ``entry``, ``time``,
``outcome`` and covariates); :func:`cause_specific_cox` models one outcome with the
others censored. Results are :class:`CoxResult` objects with a tidy table
(``term, estimate, std_err, lower, upper, p, hazard_ratio, hr_lower, hr_upper``;
``estimate`` is the log hazard ratio, as R ``coef``) and :meth:`CoxResult.ph_test`.

Conventions match R ``survival::coxph``: Efron ties by default, counting-process risk
sets ``start < t <= stop``, robust (sandwich) variance summed by ``cluster``, weights
strictly positive. Coefficients equal R 4.2 / survival 3.5 to 1e-8 (lung, colon;
strata, clusters, weights, delayed entry, and Breslow with entry + strata + cluster;
see ``tests/reference/regression_cox*.R``).

Every fit, Efron or Breslow, uses the package's one Cox solver
(:mod:`trajectory.estimators._cox_engine`): Newton-Raphson on sorted counts converging
on the score and step. The same solver fits aggregated rows (weights = counts) and
count tables (:func:`trajectory.estimators._cox_engine.counts_data`), which is how the
Poisson pattern path, Fine-Gray and the lenses' one-vs-rest models are fitted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from ..errors import EstimationError
from ..results import MODEL_COLUMNS, TidyResult, model_summary
from . import _cox_engine as ce
from ._formula import Design, column, design_matrix, event_indicator
from .count_table import CountTable, needs_case_rows, unwrap_counts

__all__ = ["CoxResult", "cox", "cause_specific_cox", "model_table"]


def model_table(
    names: Sequence[str], beta: np.ndarray, se: np.ndarray, alpha: float, ratio: str
) -> pd.DataFrame:
    """Tidy Wald table: MODEL_COLUMNS plus ``<ratio>``, ``<prefix>_lower``, ``<prefix>_upper``."""
    z = stats.norm.ppf(1 - alpha / 2)
    lower, upper = beta - z * se, beta + z * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(beta / se))
    prefix = {"hazard_ratio": "hr", "rate_ratio": "rr"}.get(ratio, ratio)
    table = pd.DataFrame(
        {
            "term": list(names),
            "estimate": beta,
            "std_err": se,
            "lower": lower,
            "upper": upper,
            "p": p,
            ratio: np.exp(beta),
            f"{prefix}_lower": np.exp(lower),
            f"{prefix}_upper": np.exp(upper),
        }
    )
    assert list(table.columns[:6]) == list(MODEL_COLUMNS)
    return table


@dataclass(frozen=True, repr=False)
class CoxResult(TidyResult):
    """A fitted Cox model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row a coefficient: ``term, estimate, std_err, lower, upper, p,
        hazard_ratio, hr_lower, hr_upper`` (``estimate`` = log hazard ratio).
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at zero.
    concordance : float
        Harrell's C (NaN when not computed, see ``notes``).
    n_event : int
        Number of event rows.
    vcov : pandas.DataFrame
        Variance of the coefficients (robust when ``cluster``/``robust``).
    """

    loglik: float = float("nan")
    loglik_null: float = float("nan")
    concordance: float = float("nan")
    n_event: int = 0
    vcov: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_data: Any = field(default=None, compare=False)

    figure: ClassVar[Mapping[str, Any]] = {"kind": "forest", "scale": "ratio"}

    def summary(self) -> pd.DataFrame:
        """Hazard ratios with their CI and p, with ``n`` and events (R ``summary(coxph)``).

        Columns ``term, hazard_ratio, lower, upper, p, n, n_event`` (``lower``/``upper``
        the limits of the hazard ratio); the full table, with the log hazard ratio and
        its standard error, is :meth:`to_frame`.
        """
        return model_summary(self, ratio="hazard_ratio", lower="hr_lower", upper="hr_upper")

    def ph_test(self, transform: str = "km") -> pd.DataFrame:
        """Test of proportional hazards from scaled Schoenfeld residuals (R ``cox.zph``).

        The score test of survival >= 3.0 (``cox.zph(fit, transform="km")``): for each
        term, adding ``beta(t) = beta + theta * g(t)`` with ``g = 1 - KM(t-)`` (or
        ``"identity"``, ``"log"``, ``"rank"``), and a global test. Uses the model-based
        information (R does the same, also for clustered fits).

        Returns
        -------
        pandas.DataFrame
            Columns ``term, chisq, df, p``; the last row is ``GLOBAL``.

        References
        ----------
        .. [1] Grambsch PM, Therneau TM (1994). Proportional hazards tests and diagnostics
           based on weighted residuals. Biometrika 81(3):515-526.
        """
        data, fit, terms, ties = self.model_data
        times = data.times
        if transform == "km":
            g = ce.km_transform(data)
        elif transform == "identity":
            g = times.astype(float)
        elif transform == "log":
            g = np.log(times)
        elif transform == "rank":  # average rank among all rows' exit times, as R rank()
            order = np.sort(data.stop)
            less = np.searchsorted(order, times, "left")
            g = less + (np.searchsorted(order, times, "right") - less + 1) / 2
        else:
            raise EstimationError(
                f"transform={transform!r} is unknown; use 'km', 'identity', 'log' or 'rank'"
            )
        with threadpool_limits(1):
            chisq, glob = ce.zph_test(data, fit, [cols for _, cols in terms], g)
        df = [len(cols) for _, cols in terms] + [sum(len(c) for _, c in terms)]
        out = pd.DataFrame(
            {"term": [t for t, _ in terms] + ["GLOBAL"], "chisq": np.append(chisq, glob), "df": df}
        )
        out["p"] = stats.chi2.sf(out["chisq"], out["df"])
        return out


def _harrell_counts(time: np.ndarray, event: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """(concordant, tied-on-eta, comparable) pair counts of one stratum, O(n log n).

    A pair is comparable when ``i`` has an event at ``t`` and ``j`` is still at risk
    after it (``t_j > t``, or censored at ``t``), as R ``concordance``. Times are swept
    downwards with a Fenwick tree of the ranks of ``eta`` among the rows already passed.
    """
    _, rank = np.unique(eta, return_inverse=True)
    rank = rank.ravel() + 1
    size = int(rank.max())
    tree = np.zeros(size + 1)

    def add(idx: np.ndarray) -> None:
        idx = idx.copy()
        while idx.size:
            np.add.at(tree, idx, 1.0)
            idx = idx + (idx & -idx)
            idx = idx[idx <= size]

    def prefix(idx: np.ndarray) -> np.ndarray:
        idx, out = idx.copy(), np.zeros(idx.size)
        while np.any(idx > 0):
            out += tree[idx]
            idx = idx - (idx & -idx)
        return out

    order = np.lexsort((event, -time))  # descending time; censored before events at a tie
    t_sorted = time[order]
    bounds = np.flatnonzero(np.diff(t_sorted)) + 1
    concordant = tied = pairs = 0.0
    inserted = 0
    for block in np.split(order, bounds):
        e = block[event[block]]
        c = block[~event[block]]
        add(rank[c])
        inserted += c.size
        if e.size:
            below = prefix(rank[e] - 1)
            at = prefix(rank[e]) - below
            concordant += below.sum()
            tied += at.sum()
            pairs += inserted * e.size
            add(rank[e])
            inserted += e.size
    return np.array([concordant, tied, pairs])


def _concordance(stop: np.ndarray, event: np.ndarray, eta: np.ndarray, strata: np.ndarray) -> float:
    """Harrell's C pooled over strata (tied predictors count one half), as R ``coxph``."""
    total = np.zeros(3)
    for s in np.unique(strata):
        k = strata == s
        if event[k].any():
            total += _harrell_counts(stop[k], event[k].astype(bool), eta[k])
    correct, tied, pairs = total
    return (correct + tied / 2) / pairs if pairs else float("nan")


def _strata_names(strata: str | Sequence[str] | None) -> list[str]:
    """``strata=`` as a list of column names."""
    return [strata] if isinstance(strata, str) else list(strata or [])


def cox(
    cohort: pd.DataFrame | CountTable,
    *,
    formula: str | None = None,
    covariates: Sequence[str] | None = None,
    time: str = "time",
    event: str = "outcome",
    cause: str | Sequence[str] | None = None,
    entry: str | None = None,
    strata: str | Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool | None = None,
    ties: str = "efron",
    alpha: float = 0.05,
    engine: str = "counts",
) -> CoxResult:
    """Fit a Cox proportional-hazards model (R ``coxph``).

    Parameters
    ----------
    cohort : pandas.DataFrame or CountTable
        One row a case (or a ``(entry, time]`` interval). Never mutated. A
        :class:`~trajectory.estimators.CountTable` whose keys hold the covariates gives
        the case-level Breslow fit (``ties="breslow"``; no cluster/robust variance,
        which need case rows).
    formula, covariates : str or list of str
        Right-hand side as a formulaic formula (``"zone + C(division, Treatment('NL'))"``)
        or a list of columns (strings/categoricals become treatment dummies with the
        first level as reference). Give exactly one.
    time, event : str
        Exit time column, and event column: boolean / 0-1, or an outcome column with
        ``cause=`` naming the level(s) that count as the event (others censored).
    cause : str or list of str, optional
        Outcome level(s) modelled when ``event`` is an outcome column.
    entry : str, optional
        Delayed-entry (left-truncation) time column: at risk on ``(entry, time]``.
    strata : str or list of str, optional
        Separate baseline hazards by these columns.
    weights : str, optional
        Case weights (R ``weights=``; non-integer weights do not switch robust on).
    cluster : str, optional
        Cluster id: robust variance summed by cluster (R ``cluster(id)``).
    robust : bool, optional
        Robust variance; default True when ``cluster`` is given.
    ties : {"efron", "breslow"}
        Tie handling.
    alpha : float
        Confidence level ``1 - alpha``.
    engine : {"counts"}
        The package's Cox solver (the only one; lifelines is no longer used to fit).

    Returns
    -------
    CoxResult
        A coefficient with no finite estimate (a level with no event, events separated
        by a covariate: monotone likelihood, where R ``coxph`` warns "coefficient may be
        infinite") has NaN in every column of its row and of ``vcov``, and
        ``notes["non_estimable"]`` maps its term to the reason, naming the level without
        events. The other terms are estimated as R estimates them.

    References
    ----------
    .. [1] Cox DR (1972). Regression models and life-tables. J R Stat Soc B 34(2):187-220.
    .. [2] Efron B (1977). The efficiency of Cox's likelihood function for censored data. J
       Am Stat Assoc 72(359):557-565.
    .. [3] Breslow N (1974). Covariance analysis of censored survival data. Biometrics
       30(1):89-99.
    .. [4] Lin DY, Wei LJ (1989). The robust inference for the Cox proportional hazards
       model. J Am Stat Assoc 84(408):1074-1078.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> zone = rng.choice(["north", "south"], 300)
    >>> t = rng.exponential(np.where(zone == "south", 50.0, 100.0))
    >>> df = pd.DataFrame({"time": np.ceil(np.minimum(t, 120)), "zone": zone,
    ...                    "outcome": np.where(t < 120, "court", "censored")})
    >>> fit = cox(df, covariates=["zone"], cause="court", ties="breslow")  # true ratio 2
    >>> fit.table[["term", "hazard_ratio"]].round(1).to_dict("records")
    [{'term': 'zone[T.south]', 'hazard_ratio': 1.8}]
    >>> fit.ph_test()["term"].tolist()
    ['zone', 'GLOBAL']
    """
    if ties not in ("efron", "breslow"):
        raise EstimationError(f"ties={ties!r} is not supported; use 'efron' or 'breslow'")
    if engine != "counts":
        raise EstimationError(
            f"engine={engine!r} is unknown; Cox models are fitted by the package's solver "
            "(engine='counts')"
        )
    counted = isinstance(cohort, CountTable)
    frame, weights, entry, cause = _case_frame(
        cohort, formula=formula, covariates=covariates, event=event, cause=cause, entry=entry,
        strata=strata, weights=weights, cluster=cluster, robust=robust, ties=ties)
    design = design_matrix(frame, formula, covariates)
    a = _model_arrays(frame, time=time, event=event, cause=cause, entry=entry, weights=weights,
                      strata=strata, cluster=cluster)
    robust = (cluster is not None) if robust is None else robust
    with threadpool_limits(1):
        data = ce.make_data(design.X, a.start, a.stop, a.event, a.weight, a.strata)
        fit = ce.fit_cox(data, ties=ties)
        var = ce.robust_variance(data, fit, a.cluster) if robust else fit.var
    return _cox_result(design, a, data, fit, var, ties=ties, robust=robust, counted=counted,
                       alpha=alpha)


class _Arrays(NamedTuple):
    """The model's columns as arrays (``event`` after ``cause=``; None where not given)."""

    stop: np.ndarray
    event: np.ndarray
    start: np.ndarray | None
    weight: np.ndarray | None
    strata: np.ndarray | None
    cluster: np.ndarray | None


def _case_frame(
    cohort: pd.DataFrame | CountTable, *, formula: str | None,
    covariates: Sequence[str] | None, event: str, cause: str | Sequence[str] | None,
    entry: str | None, strata: str | Sequence[str] | None, weights: str | None,
    cluster: str | None, robust: bool | None, ties: str,
) -> tuple[pd.DataFrame, str | None, str | None, str | Sequence[str] | None]:
    """``(frame, weights, entry, cause)``: case rows as given, or a count table's rows.

    A count table is refused where the fit needs case rows (Efron ties, a robust
    variance, a covariate that is not one of its keys); its counts become the weights.
    """
    if not isinstance(cohort, CountTable):
        return cohort, weights, entry, cause
    if ties != "breslow":
        needs_case_rows(cohort, "cox(ties='efron')", "Efron ties count a weighted row "
                        "as one case; ties='breslow' is exact on a count table")
    if cluster is not None or robust:
        needs_case_rows(cohort, "a robust or clustered Cox variance",
                        "it sums case-level score residuals")
    if cause is None and event == "outcome":
        cause = sorted(set(map(str, cohort.table["outcome"])) - {cohort.censored})
    used = set(covariates or []) | set(_strata_names(strata))
    if formula is not None:
        import formulaic

        used |= set(formulaic.Formula(formula.split("~", 1)[-1]).required_variables)
    missing = sorted(str(v) for v in used - set(cohort.keys))
    if missing:
        needs_case_rows(cohort, "cox", f"{missing} are not keys of the count table "
                        "(continuous covariates need case rows)")
    frame, weights, entry, _ = unwrap_counts(cohort, weights=weights, entry=entry, role="cox")
    return frame, weights, entry, cause


def _model_arrays(
    frame: pd.DataFrame, *, time: str, event: str, cause: str | Sequence[str] | None,
    entry: str | None, weights: str | None, strata: str | Sequence[str] | None,
    cluster: str | None,
) -> _Arrays:
    """Read and check the time, event, entry, weight, strata and cluster columns."""
    stop = column(frame, time, "time").to_numpy(float)
    ev = event_indicator(frame, event, cause)
    start = None if entry is None else column(frame, entry, "entry").to_numpy(float)
    w = None if weights is None else column(frame, weights, "weights").to_numpy(float)
    if w is not None and not np.all(np.isfinite(w) & (w > 0)):
        bad = int(np.flatnonzero(~(np.isfinite(w) & (w > 0)))[0])
        raise EstimationError(
            f"weights column {weights!r}, row {bad}: weights must be finite and > 0 (as R "
            "coxph); drop the rows that should not count"
        )
    strata_cols = _strata_names(strata)
    scode = None
    if strata_cols:
        for c in strata_cols:
            column(frame, c, "strata")
        scode = frame.groupby(strata_cols, sort=True, observed=True).ngroup().to_numpy()
    cl = None if cluster is None else column(frame, cluster, "cluster").to_numpy()
    if stop.size and stop.min() < 0:
        raise EstimationError(f"time column {time!r} has negative values")
    return _Arrays(stop, ev, start, w, scode, cl)


_LEVEL = re.compile(r"^(?P<var>.+)\[T\.(?P<level>.+)\]$")


def non_estimable(
    design: Design, event: np.ndarray, infinite: np.ndarray, *,
    model: str = "R coxph: 'coefficient may be infinite'",
) -> dict[str, str]:
    """Why each coefficient has no finite estimate: ``{column name: reason}``.

    A coefficient is not estimable when the solver saw it still running off as the
    log-likelihood converged (``infinite``, R's "coefficient may be infinite"), or when
    it is a level indicator with no event among its rows (its maximum-likelihood
    estimate is minus infinity, or not identified when the reference has no event
    either). The reason names the level without events when there is one. ``event``
    says, per row of ``design.X``, whether the row has an event (a case, or a count
    table row with events); ``model`` names what R does with such a term. Cox
    (:func:`cox`), Fine-Gray and the Poisson rate models report through this one rule.

    References
    ----------
    .. [1] Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood
       in Cox regression. Biometrics 57(1):114-119.
    """
    out: dict[str, str] = {}
    event = np.asarray(event, dtype=bool)
    for _, cols in design.terms:
        sub = design.X[:, cols]
        reference = ~(sub != 0).any(axis=1)
        ref_empty = bool(reference.any()) and not event[reference].any()
        for c in cols:
            x = design.X[:, c]
            level = _LEVEL.match(design.names[c])
            indicator = level is not None and bool(np.isin(x, (0.0, 1.0)).all())
            empty = indicator and not event[x != 0].any()
            if not (infinite[c] or empty):
                continue
            if empty and level is not None:
                why = (f"no event among the cases of level {level['level']!r} of "
                       f"{level['var']}")
            elif indicator and ref_empty and level is not None:
                why = (f"no event among the cases of the reference level of {level['var']}; "
                       "choose a reference level with events (formula "
                       f"C({level['var']}, Treatment('<level>')))")
            else:
                why = ("monotone likelihood: the events separate on this covariate (e.g. every "
                       "event of one group before any event of the other)")
            out[design.names[c]] = why + f"; its coefficient runs off to infinity ({model})"
    return out


def blank_non_estimable(
    names: Sequence[str], reasons: Mapping[str, str], beta: np.ndarray, var: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Copies of ``beta`` and ``var`` with NaN for the terms in ``reasons`` (rows and columns)."""
    beta, var = np.array(beta, dtype=float), np.array(var, dtype=float)
    bad = np.isin(list(names), list(reasons))
    beta[bad] = np.nan
    var[bad, :] = np.nan
    var[:, bad] = np.nan
    return beta, var


def _cox_result(
    design: Design, a: _Arrays, data: ce.CoxData, fit: ce.CoxFit, var: np.ndarray, *,
    ties: str, robust: bool, counted: bool, alpha: float,
) -> CoxResult:
    """The :class:`CoxResult`: table, notes (non-estimable terms NaN), concordance."""
    notes: dict[str, Any] = {"formula": design.formula, "ties": ties, "robust": robust}
    if counted:
        notes["count_table"] = True
    reasons = non_estimable(design, a.event, fit.infinite)
    beta, var = blank_non_estimable(design.names, reasons, fit.beta, var)
    se = np.sqrt(np.diag(var))
    naive = np.sqrt(np.diag(blank_non_estimable(design.names, reasons, fit.beta, fit.var)[1]))
    if reasons:
        notes["non_estimable"] = reasons
    table = model_table(design.names, beta, se, alpha, "hazard_ratio")
    conc = float("nan")
    if a.start is None and a.weight is None:
        strata = np.zeros(a.stop.size) if a.strata is None else a.strata
        conc = _concordance(a.stop, a.event, design.X @ fit.beta, strata)
    else:
        notes["concordance"] = "not computed with entry= or weights="
    if robust:
        notes["naive_std_err"] = dict(zip(design.names, naive, strict=True))
    w = a.weight
    return CoxResult(
        table=table,
        alpha=alpha,
        method=f"Cox proportional hazards ({ties} ties)",
        n=int(round(float(w.sum()))) if counted and w is not None else int(a.stop.size),
        notes=notes,
        loglik=fit.loglik,
        loglik_null=fit.loglik_null,
        concordance=conc,
        n_event=(int(round(float(w[a.event].sum()))) if counted and w is not None
                 else int(a.event.sum())),
        vcov=pd.DataFrame(var, index=design.names, columns=design.names),
        model_data=(data, fit, design.terms, ties),
    )


def cause_specific_cox(
    cohort: pd.DataFrame, *, cause: str | Sequence[str], event: str = "outcome", **kwargs: Any
) -> CoxResult:
    """Cause-specific Cox model: ``cause`` is the event, every other outcome is censored.

    Same options as :func:`cox`. The hazard ratios describe the rate of reaching
    ``cause`` among cases still open; to compare probabilities of each end use
    :func:`trajectory.estimators.finegray.fine_gray`.

    References
    ----------
    .. [1] Prentice RL, Kalbfleisch JD, Peterson AV, Flournoy N, Farewell VT, Breslow NE
       (1978). The analysis of failure times in the presence of competing risks. Biometrics
       34(4):541-554.
    .. [2] Cox DR (1972). Regression models and life-tables. J R Stat Soc B 34(2):187-220.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [5, 8, 3, 9, 12, 4, 7, 10],
    ...                    "outcome": ["court", "alternative", "court", "censored",
    ...                                "court", "alternative", "court", "censored"],
    ...                    "zone": ["a", "a", "b", "b", "a", "b", "b", "a"]})
    >>> r = cause_specific_cox(df, cause="court", covariates=["zone"])
    >>> r.n_event
    4
    """
    return cox(cohort, event=event, cause=cause, **kwargs)
