"""Piecewise-exponential (Poisson) rate models on aggregated counts.

With categorical covariates a cohort collapses to a few *covariate patterns*: the
model only needs, per pattern and time interval, the number of events and the
person-time. :func:`aggregate_counts` computes the first collapse (pattern x entry x
time x status -> count) in pandas or in DuckDB (a DataFrame, a DuckDB relation, or a
Parquet path that never has to fit in memory); :func:`poisson_rates` fits

    log E[events] = log(person-time) + log lambda_k (interval k) + x beta

as a statsmodels Poisson GLM. With ``cuts="events"`` (an interval ending at every event
time) a case counts in an interval's person-time when it is at risk at the interval's
end (the Cox risk set: ``entry < t_k <= time``), so ``beta`` and its standard errors are
exactly those of a Breslow Cox model (Whitehead 1980); ``solver="profile"`` gets them
from the Cox partial likelihood on the aggregated counts (the package's one Cox solver,
:mod:`trajectory.estimators._cox_engine`) without building the
``patterns x intervals`` GLM, which is how 10 million cases fit in seconds.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..errors import EstimationError
from ..results import TidyResult, model_summary
from . import _cox_engine as ce
from ._formula import column, design_matrix, event_indicator
from ._poisson_duckdb import aggregate_duckdb, duckdb_pattern_rows
from .count_table import CountTable, needs_case_rows
from .regression import blank_non_estimable, model_table, non_estimable

__all__ = ["PoissonResult", "aggregate_counts", "poisson_rates"]


def _names(covariates: Sequence[str]) -> list[str]:
    return [covariates] if isinstance(covariates, str) else list(covariates)


def aggregate_counts(
    source: Any,
    *,
    covariates: Sequence[str],
    time: str = "time",
    event: str = "outcome",
    cause: str | Sequence[str] | None = None,
    entry: str | None = None,
    engine: str = "pandas",
    sort: bool = True,
) -> pd.DataFrame:
    """Collapse cases to ``covariates x [entry] x time x status`` with a case ``count``.

    Parameters
    ----------
    source : pandas.DataFrame, duckdb relation, or str / Path
        The cohort; with ``engine="duckdb"`` also a DuckDB relation or a Parquet path.
    covariates : list of str
        Pattern columns (categorical, or discrete numeric).
    time, event, cause, entry : str
        As in :func:`trajectory.estimators.regression.cox`; ``status`` is 1 when
        ``event`` is in ``cause`` (or true when ``cause`` is None).
    engine : {"pandas", "duckdb"}
        Where the group-by runs. Both return the same rows in the same order. Text
        columns come back as categoricals with sorted categories (reference level:
        first in sorted order); a
        DataFrame's categorical columns keep their categories (reference: first
        category), as in :func:`~trajectory.estimators.regression.cox`. From Parquet or a
        relation, choose reference levels with ``formula`` (``C(x, Treatment('NL'))``).
    sort : bool
        Sort the rows by all keys (needed only for a reproducible row order).

    Returns
    -------
    pandas.DataFrame
        Columns ``*covariates, [entry], time, status, count``, sorted by all keys.

    References
    ----------
    .. [1] Holford TR (1980). The analysis of rates and of survivorship using log-linear
       models. Biometrics 36(2):299-305.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [3, 3, 5, 5], "zone": ["a", "a", "a", "b"],
    ...                    "outcome": ["court", "court", "censored", "court"]})
    >>> aggregate_counts(df, covariates=["zone"], cause="court")
      zone  time  status  count
    0    a     3       1      2
    1    a     5       0      1
    2    b     5       1      1
    """
    covs = _names(covariates)
    keys = covs + ([entry] if entry else []) + [time]
    causes = None if cause is None else ([cause] if isinstance(cause, str) else list(cause))
    if engine == "pandas":
        if not isinstance(source, pd.DataFrame):
            raise EstimationError("engine='pandas' needs a DataFrame; use engine='duckdb' "
                                  "for a DuckDB relation or a Parquet path")
        frame = pd.DataFrame({k: column(source, k, "aggregation") for k in keys})
        frame["status"] = event_indicator(source, event, causes).astype(np.int64)
        sizes = frame.groupby(keys + ["status"], observed=True, sort=True).size()
        out: pd.DataFrame = sizes.rename("count").reset_index()
    elif engine == "duckdb":
        out = aggregate_duckdb(source, keys, event, causes)
    else:
        raise EstimationError(f"engine={engine!r} is unknown; use 'pandas' or 'duckdb'")
    for c in covs:  # same dtypes from both engines; a DataFrame's categories keep their order
        src = source[c] if isinstance(source, pd.DataFrame) else None
        if src is not None and isinstance(src.dtype, pd.CategoricalDtype):
            out[c] = pd.Categorical(out[c], categories=src.cat.categories,
                                    ordered=src.cat.ordered)
        elif isinstance(out[c].dtype, pd.CategoricalDtype):  # from DuckDB: sort categories
            out[c] = out[c].cat.reorder_categories(sorted(out[c].cat.categories))
        elif not pd.api.types.is_numeric_dtype(out[c]):  # text: sorted categories
            out[c] = out[c].astype(str).astype("category")
    out["count"] = out["count"].astype(np.int64)
    out["status"] = out["status"].astype(np.int64)
    if not sort:
        return out
    return out.sort_values(keys + ["status"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True, repr=False)
class PoissonResult(TidyResult):
    """A piecewise-exponential rate model.

    Attributes
    ----------
    table : pandas.DataFrame
        Covariate effects: ``term, estimate, std_err, lower, upper, p, rate_ratio,
        rr_lower, rr_upper`` (``estimate`` = log rate ratio).
    baseline : pandas.DataFrame
        One row an interval: ``start, stop, events, person_time, rate`` (rate at
        covariates zero, per ``time_unit``).
    n_event : int
        Number of events.
    person_time : float
        Total person-time (under the interval convention used).
    """

    baseline: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_event: int = 0
    person_time: float = 0.0
    vcov: pd.DataFrame = field(default_factory=pd.DataFrame)

    figure: ClassVar[Mapping[str, Any]] = {"kind": "forest", "scale": "ratio",
                                           "quantity": "rate_ratio"}

    def summary(self) -> pd.DataFrame:
        """Rate ratios with CI and p, with ``n`` and events (R ``summary(glm)``, exp'd).

        Columns ``term, rate_ratio, lower, upper, p, n, n_event``.
        """
        return model_summary(self, ratio="rate_ratio", lower="rr_lower", upper="rr_upper")


def _interval_table(
    agg: pd.DataFrame, X: np.ndarray, time: str, entry: str | None, cuts: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows (pattern-row, interval) with events and person-time; returns cut edges too."""
    t = agg[time].to_numpy(float)
    e = np.zeros(t.size) if entry is None else agg[entry].to_numpy(float)
    st = agg["status"].to_numpy()
    cnt = agg["count"].to_numpy(float)
    if isinstance(cuts, str) and cuts == "events":
        edges = np.concatenate([[min(0.0, e.min())], np.unique(t[st == 1])])
        at_end = True
    else:
        edges = np.unique(np.concatenate([[min(0.0, e.min())], np.asarray(cuts, float),
                                          [t.max()]]))
        at_end = False
    k = edges.size - 1
    lo, hi = edges[:-1], edges[1:]
    if at_end:  # Cox risk set at the interval's end: entry < hi <= time
        exposed = (e[:, None] < hi[None, :]) & (t[:, None] >= hi[None, :])
        pt = exposed * (hi - lo)[None, :] * cnt[:, None]
    else:  # true person-time within the interval
        pt = np.clip(np.minimum(t[:, None], hi) - np.maximum(e[:, None], lo), 0, None)
        pt = pt * cnt[:, None]
    interval = np.clip(np.searchsorted(hi, t, side="left"), 0, k - 1)
    ev = np.zeros((t.size, k))
    ev[np.arange(t.size), interval] = st * cnt
    # collapse identical covariate rows x interval
    _, pattern = np.unique(X, axis=0, return_inverse=True)
    pattern = pattern.ravel()
    n_pat = pattern.max() + 1
    D = np.zeros((n_pat, k))
    PT = np.zeros((n_pat, k))
    np.add.at(D, pattern, ev)
    np.add.at(PT, pattern, pt)
    first = np.unique(pattern, return_index=True)[1]
    return D, PT, X[first], lo, hi


def poisson_rates(
    cohort: Any,
    *,
    formula: str | None = None,
    covariates: Sequence[str] | None = None,
    time: str = "time",
    event: str = "outcome",
    cause: str | Sequence[str] | None = None,
    entry: str | None = None,
    cuts: str | Sequence[float] = "events",
    engine: str = "pandas",
    solver: str = "auto",
    alpha: float = 0.05,
) -> PoissonResult:
    """Piecewise-exponential Poisson model of event rates.

    Parameters
    ----------
    cohort : pandas.DataFrame, duckdb relation, Parquet path, or CountTable
        One row a case (see :func:`aggregate_counts` for the accepted sources), or a
        :class:`~trajectory.estimators.CountTable` keyed by the covariates (same
        estimates; ``engine`` is then unused).
    formula, covariates : str or list of str
        Model terms; ``covariates`` lists the pattern columns (``formula`` may only use
        columns named in ``covariates`` when both are given; with ``formula`` alone the
        pattern columns are the formula's variables).
    time, event, cause, entry : str
        As in :func:`trajectory.estimators.regression.cox`.
    cuts : "events" or sequence of float
        Interval edges. ``"events"``: an interval ends at each event time, with the Cox
        risk-set convention for person-time (estimates equal Breslow Cox). A sequence:
        true person-time split at those times.
    engine : {"pandas", "duckdb"}
        Where the aggregation runs.
    solver : {"auto", "glm", "profile"}
        ``"glm"``: statsmodels Poisson GLM with an interval factor and log person-time
        offset. ``"profile"`` (``cuts="events"`` only): the same estimates from the
        Breslow partial likelihood on the aggregated counts. ``"auto"`` uses the GLM
        when the pattern x interval table has under 200,000 rows.
    alpha : float
        Confidence level ``1 - alpha``.

    Returns
    -------
    PoissonResult
        A term with no finite estimate (a level without events, or events separated
        by a covariate, where the likelihood rises towards a limit as the coefficient
        runs off) has NaN in every column of its row and of ``vcov``, and
        ``notes["non_estimable"]`` gives the reason, as in
        :func:`~trajectory.estimators.regression.cox`.

    References
    ----------
    .. [1] Holford TR (1980). The analysis of rates and of survivorship using log-linear
       models. Biometrics 36(2):299-305.
    .. [2] Laird N, Olivier D (1981). Covariance analysis of censored survival data using
       log-linear analysis techniques. J Am Stat Assoc 76(374):231-240.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> zone = rng.choice(["a", "b"], 500)
    >>> t = rng.exponential(np.where(zone == "b", 20.0, 40.0))
    >>> df = pd.DataFrame({"time": np.minimum(t, 60), "zone": zone,
    ...                    "outcome": np.where(t < 60, "court", "censored")})
    >>> fit = poisson_rates(df, covariates=["zone"], cause="court", cuts=[0, 20, 40])
    >>> fit.table[["term", "rate_ratio"]].round(1).to_dict("records")  # true ratio 2
    [{'term': 'zone[T.b]', 'rate_ratio': 1.9}]
    >>> fit.baseline[["start", "stop"]].to_numpy().tolist()
    [[0.0, 20.0], [20.0, 40.0], [40.0, 60.0]]
    """
    if covariates is None:
        if formula is None:
            raise EstimationError("give formula= or covariates=")
        import formulaic

        covariates = sorted(
            v for v in formulaic.Formula(formula.split("~", 1)[-1]).required_variables
        )
    covs = _names(covariates)
    if solver not in ("auto", "glm", "profile"):
        raise EstimationError(f"solver={solver!r} is unknown; use 'auto', 'glm' or 'profile'")
    is_events = isinstance(cuts, str)
    if is_events and cuts != "events":
        raise EstimationError(f"cuts={cuts!r}: use 'events' or a list of cut times")
    use_profile = solver == "profile" or (solver == "auto" and is_events)
    if use_profile and not is_events:
        raise EstimationError("solver='profile' needs cuts='events'")
    rows: Any
    if isinstance(cohort, CountTable):  # counted by the engine: sum its counts
        rows = _count_table_rows(cohort, covs, time, cause, entry)
        if use_profile:
            pat, patterns = _profile_inputs(rows, covs)
        entry = "entry" if cohort.has_entry else None
    elif use_profile and engine == "pandas":  # no group-by needed: counts are built directly
        rows = _case_rows(cohort, covs, time, event, cause, entry)
        pat, patterns = _profile_inputs(rows, covs)
    elif use_profile and engine == "duckdb":  # DuckDB groups by one integer pattern key
        rows, pat, patterns = duckdb_pattern_rows(cohort, covs, time, event, cause, entry)
    else:
        rows = aggregate_counts(cohort, covariates=covs, time=time, event=event, cause=cause,
                                entry=entry, engine=engine, sort=not use_profile)
    n_event = int(np.dot(rows["status"], rows["count"]))
    if n_event == 0:
        raise EstimationError("there are no events to model")
    with threadpool_limits(1):
        if use_profile:
            design, beta, var, base, infinite, has_event = _profile(
                rows, pat, patterns, formula, covs, time, entry)
            method = "piecewise-exponential Poisson (cuts at events; profile = Breslow Cox)"
        else:
            design = design_matrix(rows, formula, None if formula else covs)
            beta, var, base, infinite = _glm(rows, design.X, time, entry, cuts)
            has_event = (np.asarray(rows["status"]) == 1) & (np.asarray(rows["count"]) > 0)
            method = "piecewise-exponential Poisson GLM, log person-time offset"
    reasons = non_estimable(design, has_event, infinite, model="R glm(poisson) returns a "
                            "large negative estimate with a huge standard error")
    beta, var = blank_non_estimable(design.names, reasons, beta, var)
    table = model_table(design.names, beta, np.sqrt(np.diag(var)), alpha, "rate_ratio")
    notes: dict[str, Any] = {"formula": design.formula, "engine": engine,
                             "cuts": "events" if is_events else list(cuts),
                             "aggregated_rows": len(rows["count"])}
    if reasons:
        notes["non_estimable"] = reasons
    return PoissonResult(
        table=table,
        alpha=alpha,
        method=method,
        n=int(np.sum(rows["count"])),
        notes=notes,
        baseline=base,
        n_event=n_event,
        person_time=float(base["person_time"].sum()),
        vcov=pd.DataFrame(var, index=design.names, columns=design.names),
    )


def _count_table_rows(
    ct: CountTable, covs: list[str], time: str, cause: Any, entry: str | None
) -> pd.DataFrame:
    """``covariates x [entry] x time x status -> count`` from a count table's ``n``."""
    if ct.weighted:
        needs_case_rows(ct, "poisson_rates", "a weighted count table is not a count of cases")
    missing = [c for c in covs if c not in ct.keys]
    if missing:
        needs_case_rows(ct, "poisson_rates", f"covariates {missing} are not keys of the table")
    if time != "time" or (entry is not None and entry != "entry"):
        raise EstimationError("a count table's columns are 'time' and 'entry'; leave time= "
                              "and entry= at their defaults")
    table = ct.table
    if cause is None:
        cause = sorted(set(map(str, table["outcome"])) - {ct.censored})
    keys = covs + (["entry"] if ct.has_entry else []) + ["time"]
    frame = table[keys].assign(status=event_indicator(table, "outcome", cause).astype(np.int64),
                               count=table["n"].to_numpy())
    summed = frame.groupby(keys + ["status"], observed=True, sort=True)["count"].sum()
    out = summed.reset_index()
    for c in covs:
        if not pd.api.types.is_numeric_dtype(out[c]) and not isinstance(
            out[c].dtype, pd.CategoricalDtype
        ):
            out[c] = out[c].astype(str).astype("category")
    out["count"] = np.rint(out["count"]).astype(np.int64)
    return out


def _case_rows(
    cohort: Any, covs: list[str], time: str, event: str, cause: Any, entry: str | None
) -> dict[str, Any]:
    """The needed columns of a DataFrame cohort (no copies), ``status`` and ``count`` = 1."""
    if not isinstance(cohort, pd.DataFrame):
        raise EstimationError("engine='pandas' needs a DataFrame; use engine='duckdb' for a "
                              "DuckDB relation or a Parquet path")
    keys = list(dict.fromkeys(covs + ([entry] if entry else []) + [time]))
    out: dict[str, Any] = {k: column(cohort, k, "model") for k in keys}
    out["status"] = event_indicator(cohort, event, cause).astype(np.int64)
    out["count"] = np.ones(len(cohort), dtype=np.int64)
    return out


def _pattern_codes(rows: Any, covs: list[str]) -> np.ndarray:
    """Dense pattern index (0..P-1) of each row from its covariate values, in O(n)."""
    code = np.zeros(len(rows["count"]), dtype=np.int64)
    size = 1
    for c in covs:
        s = pd.Series(rows[c]) if not isinstance(rows[c], pd.Series) else rows[c]
        if isinstance(s.dtype, pd.CategoricalDtype):  # codes are already there
            k = s.cat.codes.to_numpy(np.int64)
            n_lev = max(len(s.cat.categories), 1)
        else:
            k, uniq = pd.factorize(s, sort=True)
            n_lev = max(len(uniq), 1)
        if size * n_lev > 2**40:  # compact before the radix overflows
            code = np.unique(code, return_inverse=True)[1].ravel()
            size = int(code.max()) + 1
        code = code * n_lev + k
        size *= n_lev
    if size <= 50_000_000:
        used = np.bincount(code, minlength=size) > 0
        return (np.cumsum(used) - 1)[code]
    return np.unique(code, return_inverse=True)[1].ravel()


def _positions(sorted_times: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``searchsorted(sorted_times, x, 'right')``, by lookup table for integer times."""
    if x.size > 100_000 and sorted_times.size:
        lo, hi = float(x.min()), float(x.max())
        if hi - lo < 50_000_000 and np.array_equal(x, np.floor(x)):
            grid = np.arange(lo, hi + 1)
            table = np.searchsorted(sorted_times, grid, side="right")
            return table[(x - lo).astype(np.int64)]
    return np.searchsorted(sorted_times, x, side="right")


def _profile_inputs(rows: Any, covs: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Pattern code of each row, and one row per pattern (input codings kept)."""
    pat = _pattern_codes(rows, covs)
    n_pat = int(pat.max()) + 1
    rep = np.empty(n_pat, dtype=np.int64)
    rep[pat] = np.arange(pat.size)
    patterns = pd.DataFrame({c: pd.Series(rows[c]).iloc[rep].to_numpy() for c in covs})
    for c in covs:  # keep categorical codings (reference levels) of the input
        if isinstance(getattr(rows[c], "dtype", None), pd.CategoricalDtype):
            patterns[c] = pd.Categorical(patterns[c], dtype=rows[c].dtype)
    return pat, patterns


def _profile(
    rows: Any,
    pat: np.ndarray,
    patterns: pd.DataFrame,
    formula: str | None,
    covs: list[str],
    time: str,
    entry: str | None,
) -> tuple[Any, np.ndarray, np.ndarray, pd.DataFrame, np.ndarray, np.ndarray]:
    """Breslow/Poisson-profile fit on the pattern x event-time tables of events and at-risk.

    Returns the design, estimates, variance, baseline, the solver's runaway flags
    (:func:`~trajectory.estimators._cox_engine.runaway`) and which patterns have events.
    """
    n_pat = len(patterns)
    design = design_matrix(patterns, formula, None if formula else covs)
    t = np.asarray(rows[time], dtype=float)
    st = np.asarray(rows["status"]).astype(bool)
    cnt = np.asarray(rows["count"], dtype=float)
    ev_t = np.unique(t[st])
    m = ev_t.size
    if n_pat * (m + 1) > 60_000_000:
        raise EstimationError(
            f"{n_pat:,} covariate patterns x {m:,} event times is too large for the profile "
            "solver; coarsen continuous covariates or use cox(..., ties='breslow')"
        )
    hi = _positions(ev_t, t)
    e = None if entry is None else np.asarray(rows[entry], dtype=float)
    lo = np.zeros(t.size, np.int64) if e is None else _positions(ev_t, e)
    size = n_pat * (m + 1)
    base_idx = pat * (m + 1)
    at = np.bincount(base_idx + lo, cnt, size) - np.bincount(base_idx + hi, cnt, size)
    N = np.cumsum(at.reshape(n_pat, m + 1), axis=1)[:, :m]
    D = np.bincount(pat[st] * m + hi[st] - 1, cnt[st], n_pat * m).reshape(n_pat, m)
    # the package's one Cox solver on the pattern x event-time count table (Breslow)
    with threadpool_limits(1):
        data = ce.counts_data(design.X, N, D)
        fit = ce.fit_cox(data, ties="breslow")
        hazard = ce.pattern_baseline_hazard(data, fit)  # dj / sum_p N_pj exp(x_p beta)
    beta, var = fit.beta, fit.var
    start0 = min(0.0, 0.0 if e is None else float(e.min()))
    lo_t = np.concatenate([[start0], ev_t[:-1]])
    width = ev_t - lo_t
    dj = D.sum(axis=0)
    base = pd.DataFrame({"start": lo_t, "stop": ev_t, "events": dj,
                         "person_time": N.sum(axis=0) * width, "rate": hazard / width})
    return design, beta, var, base, fit.infinite, D.sum(axis=1) > 0


def _glm(
    agg: Any, X: np.ndarray, time: str, entry: str | None, cuts: Any
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, np.ndarray]:
    """Poisson GLM on the pattern x interval table: ``beta``, ``var``, baseline, runaway flags.

    A coefficient that IRLS is still moving by R's rule (:func:`~trajectory.estimators.
    _cox_engine.runaway`: the next Newton step, ``I^-1 U``, exceeds ``1e-9`` and
    ``3e-5 |beta|``) has no finite estimate: a level without events runs off by about one
    unit an iteration while the deviance converges. statsmodels' "perfect separation or
    prediction" warning, which a saturated table always raises, is kept only when no
    term is reported.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    D, PT, Xp, lo, hi = _interval_table(agg, X, time, entry, cuts)
    k = lo.size
    empty = D.sum(axis=0) == 0
    if empty.any():
        raise EstimationError(
            f"interval(s) {[(lo[i], hi[i]) for i in np.flatnonzero(empty)]} have no events; "
            "merge them with a neighbour (fewer cuts)"
        )
    pat, iv = np.nonzero(PT > 0)
    exog = np.hstack([np.eye(k)[iv], Xp[pat]])
    model = sm.GLM(D[pat, iv], exog, family=sm.families.Poisson(), offset=np.log(PT[pat, iv]))
    # a saturated table (residual df 0) makes statsmodels' WLS scale divide by zero (the
    # Poisson scale is fixed at 1, so it is never used)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always", PerfectSeparationWarning)
        res = model.fit(method="IRLS", tol=1e-12, maxiter=200)
        params, cov = np.asarray(res.params), np.asarray(res.cov_params())
        infinite = ce.runaway(params, cov, np.asarray(model.score(params)))[k:]
    for caught in w:
        if not (issubclass(caught.category, PerfectSeparationWarning)
                and (exog.shape[0] <= exog.shape[1] or infinite.any())):
            warnings.warn_explicit(caught.message, caught.category, caught.filename,
                                   caught.lineno)
    p = X.shape[1]
    base = pd.DataFrame({"start": lo, "stop": hi, "events": D.sum(axis=0),
                         "person_time": PT.sum(axis=0), "rate": np.exp(params[:k])})
    return params[k:], cov[k:, k:][:p, :p], base, infinite[:p]
