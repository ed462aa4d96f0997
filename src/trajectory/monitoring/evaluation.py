"""Did an intervention improve the trajectory? Difference-in-differences on incidences.

Estimand (the main row): the average effect on the treated cohorts of the change in
the **cumulative incidence of the outcome at the horizon** (a difference of
probabilities: collapsible and readable), estimated by difference-in-differences
against the never-treated units. Each (unit, entry period) cell's incidence comes
from the Aalen-Johansen estimator, so open cases are censored, never counted as
failures; only cells whose cases could all be followed to the horizon are used.

For a group ``g`` of units starting in period ``g`` and a period ``t >= g``::

    ATT(g, t) = [Y_g(t) - mean_pre Y_g] - [Y_C(t) - mean_pre Y_C]

where ``Y`` is the case-weighted mean incidence of the group's units (``C``: the
never-treated units) and ``mean_pre`` averages the periods before ``g``. The overall
effect averages ``ATT(g, t)`` with the treated cases as weights (Callaway and
Sant'Anna's group-time idea on this estimand; units starting at different dates are
never used as controls of each other). The event study uses the period before the
start as reference, and its pre-periods give the pre-trend test (Wald, chi-square).

Inference. The estimate is linear in the cells given their case counts. ``cells``
propagates each cell's infinitesimal-jackknife variance (the cells are independent
samples of cases): ``Var = sum_c a_c^2 SE_c^2``, ``a_c`` the estimate's coefficient on
cell ``c``; normal reference. ``cluster`` (the main row) is a stratified cluster
bootstrap by unit (:func:`_cluster_bootstrap`): in the never-treated units and in each
treated group of two or more units, ``n - 1`` units are drawn with replacement and
their cells kept (the spread between units already carries their sampling noise, so
none is added); a single treated unit cannot be resampled and its cells are redrawn
from their sampling distribution. The strata's variances add; the interval is
``ATT +- t SE`` with Satterthwaite's degrees of freedom, not a percentile interval.
With one treated unit the variance is conditional on it: a shock proper to that unit
cannot be told from the effect. See ``docs/monitoring.md`` for the coverage measured.

Secondary: the hazard-ratio version (Cox, cause-specific hazard of the outcome,
follow-up cut at the horizon, stratified by unit, period dummies, term ``exposed`` =
treated x after the start). Without untreated units: an interrupted time series
(segmented weighted regression of the treated units' incidence on the period).

Cases open at the start: the main analysis assigns exposure by entry date (the
complaint; with ``exposure = "stage"``, the date the case entered the stage the change
acts on, which then is time zero and dates the cohorts). The sensitivity row drops the
pre-start cohorts whose follow-up to the horizon crosses the start (their cases were
open when the change came).

Examples
--------
>>> from trajectory.synth import make_study
>>> from trajectory.config_monitoring import intervention_config
>>> log, _ = make_study(12_000, seed=4, scenario="intervention")
>>> iv = intervention_config(0, {"name": "reception_protocol", "by": "zone",
...                              "units": ["5340"], "start": "2023-01-01"})
>>> res = evaluate(log, iv, outcome="transmitted_30d", n_boot=50)
>>> main = res.table.set_index("term").loc["ATT"]
>>> bool(main["lower"] > 0)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from ..cohort import DEFAULT_STAGES
from ..config_monitoring import DEFAULT_INDICATORS, InterventionConfig, intervention_config
from ..errors import ConfigError, EstimationError
from ..estimators import cox
from ..results import TidyResult
from ..schema import EventLog, vocabulary
from .cohorts import _FREQ, cohort_cells, incidence_cells

__all__ = ["EvaluationResult", "evaluate"]


@dataclass(frozen=True, repr=False)
class EvaluationResult(TidyResult):
    """The effect of an intervention.

    ``table`` has ``term, estimate, std_err, lower, upper, p, estimand, inference, n``.

    Rows: ``ATT`` (main: difference in cumulative incidence at the horizon),
    ``ATT, cases open at the start excluded`` (sensitivity), ``hazard ratio`` (Cox;
    model named in ``estimand``), ``pre-trend`` (chi-square statistic in
    ``estimate``), or ``ITS level change`` without untreated units.
    """

    event_study: pd.DataFrame = field(default_factory=pd.DataFrame)
    group_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    intervention: str = ""
    outcome: str = ""
    horizon: int = 0
    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n"}

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The event-study figure (:func:`trajectory.plotting.monitoring.plot_event_study`)."""
        from ..plotting.monitoring import plot_event_study

        return plot_event_study(self, ax=ax, **kwargs)

    def sentence(self) -> str:
        """The main estimate in words (English)."""
        row = self.table.set_index("term").loc[self.table["term"].iloc[0]]
        pts = 100 * row["estimate"]
        return (f"{self.intervention}: {self.outcome} changed by {pts:+.1f} percentage points "
                f"({100 * (1 - self.alpha):g}% CI {100 * row['lower']:+.1f} to "
                f"{100 * row['upper']:+.1f}) in the treated units, against untreated units")


@dataclass(frozen=True)
class _Design:
    units: list[str]
    periods: list[pd.Period]
    Y: np.ndarray  # (units, periods), NaN where no usable cell
    SE: np.ndarray
    N: np.ndarray  # cases per cell (0 where no usable cell)
    groups: dict[int, list[int]]  # start period index -> treated unit indices
    controls: list[int]
    pre: dict[int, list[int]]  # start period index -> pre period indices used


def _unit_mean(Y: np.ndarray, N: np.ndarray, m: np.ndarray, units: list[int], p: int) -> float:
    return float(_series(Y, N, m, units)[p])


def _series(Y: np.ndarray, N: np.ndarray, m: np.ndarray, units: list[int]) -> np.ndarray:
    """Case-weighted mean incidence of ``units`` in every period (NaN where none)."""
    w = m[units, None] * N[units]
    tot = w.sum(axis=0)
    num = np.where(w > 0, w * np.nan_to_num(Y[units]), 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, num / tot, np.nan)


def _estimates(d: _Design, Y: np.ndarray, m: np.ndarray) -> tuple[float, dict, dict]:
    """Overall ATT, ATT(g, t) and event-study effects for unit multiplicities ``m``."""
    gt: dict[tuple[int, int], tuple[float, float]] = {}
    es: dict[int, list[tuple[float, float]]] = {}
    co = _series(Y, d.N, m, d.controls)
    for g, treated in d.groups.items():
        pre = d.pre[g]
        if not pre:
            continue
        tr = _series(Y, d.N, m, treated)
        weight = (m[treated, None] * d.N[treated]).sum(axis=0)
        tr_pre, co_pre = np.nanmean(tr[pre]), np.nanmean(co[pre])
        diff = (tr - tr_pre) - (co - co_pre)
        ref = g - 1
        for t in np.flatnonzero(weight > 0):
            if t >= g:
                gt[(g, int(t))] = (float(diff[t]), float(weight[t]))
            if ref in pre and t != ref:
                r = (tr[t] - tr[ref]) - (co[t] - co[ref])
                es.setdefault(int(t) - g, []).append((float(r), float(weight[t])))
    vals = [(v, w) for v, w in gt.values() if np.isfinite(v)]
    att = (sum(v * w for v, w in vals) / sum(w for _, w in vals)) if vals else np.nan
    es_out = {e: sum(v * w for v, w in items) / sum(w for _, w in items)
              for e, items in es.items() if all(np.isfinite(v) for v, _ in items)}
    return att, gt, es_out


class _Linear:
    """The statistics of :func:`_estimates` as linear functions of the cells.

    Every statistic is linear in the cells (given the case counts): its value and its
    coefficient on each cell come from one pass of unit perturbations.
    """

    def __init__(self, d: _Design) -> None:
        m = np.ones(len(d.units))
        self.d = d
        self.value = _estimates(d, d.Y, m)
        Y0 = np.nan_to_num(d.Y)
        self.base = _estimates(d, Y0, m)
        self.moved = []
        for u, p in zip(*np.nonzero(d.N > 0), strict=True):
            Y1 = Y0.copy()
            Y1[u, p] += 1.0
            self.moved.append(((u, p), _estimates(d, Y1, m)))

    def stat(self, which: Any) -> tuple[float, float]:
        """Value and standard error (cells independent) of ``which(estimates)``."""
        base = which(self.base)
        var = sum((which(out) - base) ** 2 * self.d.SE[u, p] ** 2
                  for (u, p), out in self.moved)
        return float(which(self.value)), float(np.sqrt(var))

    def coef(self, which: Any) -> np.ndarray:
        """Coefficient of ``which(estimates)`` on each cell, as a flat vector."""
        c = np.zeros_like(self.d.SE)
        base = which(self.base)
        for (u, p), out in self.moved:
            c[u, p] = which(out) - base
        return c.ravel()


def _design(cells: pd.DataFrame, iv: InterventionConfig, period: str, horizon: int,
            extraction: pd.Timestamp, exclude_open: bool) -> tuple[_Design, list[str]]:
    notes: list[str] = []
    periods = sorted(pd.PeriodIndex(cells["period"].unique(), freq=_FREQ[period]))
    index = {str(p): i for i, p in enumerate(periods)}
    units = sorted(cells["group"].unique())
    missing = [u for u in iv.units if u not in units]
    if missing:
        raise EstimationError(f"intervention {iv.name!r}: units {missing} have no cases "
                              f"(column {iv.by!r}; values: {units})")
    U, P = len(units), len(periods)
    Y, SE, N = np.full((U, P), np.nan), np.zeros((U, P)), np.zeros((U, P))
    for group, label, est, se, n in zip(cells["group"], cells["period"], cells["estimate"],
                                        cells["std_err"], cells["n"], strict=True):
        u, p = units.index(group), index[str(label)]
        mature = periods[p].end_time.normalize() + pd.Timedelta(days=horizon) <= extraction
        if mature and np.isfinite(float(est)):
            Y[u, p], SE[u, p], N[u, p] = float(est), float(se), float(n)
    groups: dict[int, list[int]] = {}
    pre: dict[int, list[int]] = {}
    for unit, start in iv.starts.items():
        ts = pd.Timestamp(start)
        holder = pd.Period(ts, freq=_FREQ[period])
        g = holder.ordinal - periods[0].ordinal
        if ts != holder.start_time:  # the period holding the start mixes both: dropped
            u = units.index(unit)
            if 0 <= g < P:
                N[u, g], Y[u, g] = 0.0, np.nan
            g += 1
            notes.append(f"unit {unit}: start {start} is inside period {holder}, dropped")
        groups.setdefault(g, []).append(units.index(unit))
    for g in groups:
        start = min(iv.starts[units[u]] for u in groups[g])
        keep = []
        for s in range(max(g, 0)):
            if s >= P:
                break
            crosses = periods[s].end_time.normalize() + pd.Timedelta(days=horizon) > \
                pd.Timestamp(start)
            if exclude_open and crosses:
                continue
            keep.append(s)
        pre[g] = keep
    controls = [i for i, u in enumerate(units) if u not in iv.starts]
    return _Design(units, periods, Y, SE, N, groups, controls, pre), notes


def _stage_origin(iv: InterventionConfig) -> str | None:
    """Return the event that starts the stage when exposure follows the stage.

    ``iv.stage`` is a stage name of the default stage table or an event code; its
    start event becomes time zero and dates the cohorts.
    """
    if iv.exposure != "stage" or not iv.stage:
        return None
    named = {s.name: s for s in DEFAULT_STAGES}
    if iv.stage in named:
        first = named[iv.stage].start[0]
        return "decision" if first.startswith("decision") else first
    if iv.stage in vocabulary("events")["code"].tolist():
        return iv.stage
    raise ConfigError(f"intervention {iv.name!r}: stage = {iv.stage!r} is neither a stage "
                      f"({', '.join(named)}) nor an event code")


def _ci(est: float, se: float, alpha: float, df: float = np.inf) -> tuple[float, float, float]:
    """Interval and two-sided p-value on a normal (``df`` infinite) or t reference."""
    ref = stats.norm if not np.isfinite(df) else stats.t(df)
    z = ref.ppf(1 - alpha / 2)
    p = 2 * ref.sf(abs(est / se)) if se > 0 else np.nan
    return est - z * se, est + z * se, p


@dataclass(frozen=True)
class _Bootstrap:
    """Cluster-bootstrap variance of the main estimate, stratum by stratum."""

    std_err: float
    df: float  # Satterthwaite degrees of freedom of the variance (inf: none resampled)
    variances: tuple[float, ...]  # one per stratum: treated groups, then controls
    resampled: tuple[int, ...]  # units per stratum when resampled, 0 when redrawn


def _cluster_bootstrap(d: _Design, n_boot: int, seed: int) -> _Bootstrap:
    """Stratified cluster bootstrap of the overall ATT, with its degrees of freedom.

    The strata are the treated groups (one a start period) and the never-treated
    units. They are independent samples and the estimate is (to first order) a sum of
    one term a stratum, so its variance is the sum of the strata's variances, each
    estimated by ``n_boot`` replicates in which only that stratum moves:

    * a stratum of ``n_h >= 2`` units: ``n_h - 1`` units drawn with replacement and
      their cells kept as observed (Rao and Wu's rescaled bootstrap with
      ``m_h = n_h - 1``; for a case-weighted mean the rescaling factor cancels). A
      unit's cells vary between replicates only through the units drawn: the
      within-unit sampling variance is carried by the spread between units and is
      not added again (adding it counts it twice; Davison and Hinkley 1997, 3.8).
      Drawing ``n_h - 1`` rather than ``n_h`` removes the ``(n_h - 1) / n_h``
      downward bias of the naive bootstrap of a mean over few clusters;
    * a stratum of one unit (a single treated zone) cannot be resampled: its cells
      are redrawn from their sampling distribution (``Y + SE * normal``, ``SE`` the
      Aalen-Johansen infinitesimal-jackknife standard error). The variance is then
      conditional on that unit: a shock proper to it cannot be told from the effect
      (Conley and Taber 2011).

    A variance estimated from ``n_h`` clusters has about ``n_h - 1`` degrees of
    freedom; the strata are combined by Satterthwaite's formula
    ``df = v^2 / sum_h v_h^2 / (n_h - 1)`` over the resampled strata (the redrawn ones
    have a variance known from thousands of cases). The interval is then
    ``ATT +- t_{df, 1 - alpha/2} SE`` rather than a percentile interval, which
    under-covers with few clusters (Cameron, Gelbach and Miller 2008).

    References
    ----------
    Rao, J. N. K. and Wu, C. F. J. (1988). Resampling inference with complex survey
    data. JASA 83, 231-241.
    Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their Application,
    section 3.8. Cambridge University Press.
    Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance
    components. Biometrics Bulletin 2, 110-114.
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based
    improvements for inference with clustered errors. Rev. Econ. Stat. 90, 414-427.
    Conley, T. G. and Taber, C. R. (2011). Inference with "difference in differences"
    with a small number of policy changes. Rev. Econ. Stat. 93, 113-125.
    """
    rng = np.random.default_rng(seed)
    Y0 = np.where(d.N > 0, d.Y, 0.0)
    ones = np.ones(len(d.units))
    strata = [*d.groups.values(), d.controls]
    variances, sizes = [], []
    for units in strata:
        reps = np.full(n_boot, np.nan)
        for b in range(n_boot):
            m, Yb = ones, Y0
            if len(units) >= 2:
                m = ones.copy()
                m[units] = 0.0
                np.add.at(m, rng.choice(units, len(units) - 1), 1.0)
            else:
                Yb = Y0.copy()
                Yb[units] += d.SE[units] * rng.standard_normal((len(units), Y0.shape[1]))
            reps[b] = _estimates(d, Yb, m)[0]
        variances.append(float(np.nanvar(reps, ddof=1)))
        sizes.append(len(units) if len(units) >= 2 else 0)
    total = float(sum(variances))
    denom = sum(v * v / (n - 1) for v, n in zip(variances, sizes, strict=True) if n >= 2)
    df = total * total / denom if denom > 0 else np.inf
    return _Bootstrap(float(np.sqrt(total)), float(df), tuple(variances), tuple(sizes))


def _cox_row(tab: pd.DataFrame, d: _Design, iv: InterventionConfig, state: str,
             horizon: int, alpha: float) -> dict[str, Any]:
    g_of = {d.units[u]: g for g, us in d.groups.items() for u in us}
    pidx = {str(p): i for i, p in enumerate(d.periods)}
    data = tab[tab["period"].astype(str).isin(pidx)].copy()
    pi = data["period"].astype(str).map(pidx).to_numpy()
    ui = data["group"].map({u: i for i, u in enumerate(d.units)}).to_numpy()
    data = data[d.N[ui, pi] > 0]
    pi = data["period"].astype(str).map(pidx).to_numpy()
    start = data["group"].map(g_of).fillna(np.inf).to_numpy()
    data = data.assign(exposed=(pi >= start).astype(float),
                       period_f=data["period"].astype(str),
                       t=np.minimum(data["time"], horizon),
                       event=((data["outcome"] == state) & (data["time"] <= horizon)))
    fit = cox(data, covariates=["exposed", "period_f"], time="t", event="event",
              strata="group", alpha=alpha)
    hit = fit.table[fit.table["term"] == "exposed"]
    row = {k: float(hit[k].to_numpy()[0]) for k in ("estimate", "std_err", "lower", "upper", "p")}
    model = (f"Cox, cause-specific hazard of {state}, follow-up cut at {horizon} days, "
             f"strata {iv.by}, period dummies, term exposed = treated x after start, "
             "Efron ties")
    return {"term": "hazard ratio", "estimate": float(np.exp(row["estimate"])),
            "std_err": float(row["std_err"]), "lower": float(np.exp(row["lower"])),
            "upper": float(np.exp(row["upper"])), "p": float(row["p"]), "estimand": model,
            "inference": "model (Cox information)", "n": int(len(data))}


def _its_row(d: _Design, alpha: float) -> dict[str, Any]:
    """Segmented weighted regression of the treated series (no untreated unit)."""
    rows = []
    m = np.ones(len(d.units))
    for g, treated in d.groups.items():
        for t in range(len(d.periods)):
            y = _unit_mean(d.Y, d.N, m, treated, t)
            w = d.N[treated, t]
            if not np.isfinite(y) or w.sum() <= 0:
                continue
            var = np.sum((w / w.sum()) ** 2 * d.SE[treated, t] ** 2)
            rows.append((t - g, float(t >= g), y, var, w.sum()))
    arr = np.array(rows)
    X = np.column_stack([np.ones(len(arr)), arr[:, 0], arr[:, 1], arr[:, 0] * arr[:, 1]])
    W = 1.0 / np.maximum(arr[:, 3], 1e-12)
    cov = np.linalg.inv(X.T @ (X * W[:, None]))
    beta = cov @ (X.T @ (W * arr[:, 2]))
    se = float(np.sqrt(cov[2, 2]))
    lo, hi, p = _ci(float(beta[2]), se, alpha)
    return {"term": "ITS level change", "estimate": float(beta[2]), "std_err": se, "lower": lo,
            "upper": hi, "p": p, "inference": "cells (known variances)", "n": int(arr[:, 4].sum()),
            "estimand": "interrupted time series: level change at the start in the treated "
                        "units' cumulative incidence (segmented regression, weights 1/variance)"}


def _resolve(intervention: InterventionConfig | Mapping[str, Any] | str,
             config: Any) -> InterventionConfig:
    """The intervention as a config entry, from itself, a mapping of its keys or its name."""
    if isinstance(intervention, str):
        found = [x for x in getattr(config, "interventions", ()) if x.name == intervention]
        if not found:
            raise ConfigError(f"no [[interventions]] named {intervention!r} in the config")
        return found[0]
    if isinstance(intervention, Mapping):
        return intervention_config(0, intervention)
    return intervention


def _main_rows(d: _Design, lin: _Linear, iv: InterventionConfig, *, inference: str,
               n_boot: int, seed: int, alpha: float, estimand: str,
               n_treated: int) -> list[dict[str, Any]]:
    """The rows ``ATT`` (the interval chosen by ``inference``) and the other interval."""
    att, se_cells = lin.stat(lambda r: r[0])
    boot = _cluster_bootstrap(d, n_boot, seed)
    lo_b, hi_b, p_b = _ci(att, boot.std_err, alpha, df=boot.df)
    lo_c, hi_c, p_c = _ci(att, se_cells, alpha)
    by_boot = {"std_err": boot.std_err, "lower": lo_b, "upper": hi_b, "p": p_b,
               "inference": f"cluster bootstrap by {iv.by}, stratified ({n_boot} draws a "
                            "stratum; n-1 units drawn, single units redrawn from their "
                            f"cells), t reference with {boot.df:.1f} df"}
    by_cells = {"std_err": se_cells, "lower": lo_c, "upper": hi_c, "p": p_c,
                "inference": "cells (infinitesimal-jackknife variance of each cell)"}
    common = {"estimate": att, "estimand": estimand, "n": n_treated}
    if inference == "cells":
        return [{"term": "ATT", **common, **by_cells},
                {"term": "ATT, cluster bootstrap", **common, **by_boot}]
    return [{"term": "ATT", **common, **by_boot},
            {"term": "ATT, cells variance", **common, **by_cells}]


def _open_row(d_open: _Design, alpha: float, estimand: str,
              n_treated: int) -> dict[str, Any] | None:
    """Sensitivity row: pre-start cohorts whose follow-up crosses the start left out."""
    if not all(d_open.pre.values()):
        return None
    att, se = _Linear(d_open).stat(lambda r: r[0])
    lo, hi, p = _ci(att, se, alpha)
    return {"term": "ATT, cases open at the start excluded", "estimate": att, "std_err": se,
            "lower": lo, "upper": hi, "p": p, "inference": "cells", "n": n_treated,
            "estimand": estimand + "; pre-start cohorts whose follow-up crosses the start "
                                   "left out"}


def _event_study(d: _Design, lin: _Linear, alpha: float,
                 n_treated: int) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """Effects by period relative to the start, and the pre-trend Wald test row."""
    rows, pre_coefs, pre_est = [], [], []
    for e in sorted(lin.base[2]):
        val, se = lin.stat(lambda r, e=e: r[2].get(e, np.nan))
        lo, hi, _ = _ci(val, se, alpha)
        rows.append((e, val, se, lo, hi))
        if e <= -2 and np.isfinite(val):
            pre_coefs.append(lin.coef(lambda r, e=e: r[2].get(e, np.nan)))
            pre_est.append(val)
    table = pd.DataFrame(rows, columns=_ES_COLUMNS)
    if not pre_est:
        return table, None
    C = np.array(pre_coefs)
    V = C @ np.diag(d.SE.ravel() ** 2) @ C.T
    x = np.array(pre_est)
    chi2 = float(x @ np.linalg.pinv(V) @ x)
    df = int(np.linalg.matrix_rank(V))
    return table, {"term": "pre-trend", "estimate": chi2, "std_err": np.nan, "lower": np.nan,
                   "upper": np.nan, "p": float(stats.chi2.sf(chi2, df)), "inference": "cells",
                   "estimand": f"Wald chi-square ({df} df): event-study effects before the "
                               "start (reference: the period before) all zero",
                   "n": n_treated}


def _group_time(d: _Design, lin: _Linear, alpha: float) -> pd.DataFrame:
    """``ATT(g, t)`` with the cells' standard errors, one row a (group, period)."""
    rows = []
    for (g, t), (_, w) in sorted(lin.base[1].items()):
        val, se = lin.stat(lambda r, key=(g, t): r[1].get(key, (np.nan, 0))[0])
        lo, hi, _ = _ci(val, se, alpha)
        rows.append((str(d.periods[g]) if 0 <= g < len(d.periods) else str(g),
                     str(d.periods[t]), val, se, lo, hi, int(w)))
    return pd.DataFrame(rows, columns=_GT_COLUMNS)


_ES_COLUMNS = ["event_time", "estimate", "std_err", "lower", "upper"]
_GT_COLUMNS = ["group", "period", "estimate", "std_err", "lower", "upper", "n"]
_TABLE_COLUMNS = ["term", "estimate", "std_err", "lower", "upper", "p", "estimand",
                  "inference", "n"]


def evaluate(
    log: EventLog,
    intervention: InterventionConfig | Mapping[str, Any] | str,
    *,
    outcome: str | None = None,
    horizon: int | None = None,
    period: str = "quarter",
    inference: str = "cluster",
    n_boot: int = 499,
    seed: int = 0,
    alpha: float = 0.05,
    hazard_ratio: bool = True,
    config: Any = None,
) -> EvaluationResult:
    """Estimate the effect of an intervention on an indicator at a horizon.

    Parameters
    ----------
    log : EventLog
    intervention : InterventionConfig, mapping or str
        An ``[[interventions]]`` entry, a mapping of its keys, or its name in
        ``config``.
    outcome : str, optional
        An incidence indicator of the catalogue (default: the intervention's).
    horizon : int, optional
        Days (default: the intervention's, else the indicator's).
    period : {"quarter", "month", "year"}
        Entry cohorts.
    inference : {"cluster", "cells"}
        Interval of the main row: the stratified cluster bootstrap by unit with a t
        reference (default; see :func:`_cluster_bootstrap`), or the cells' own
        variance with a normal reference (both are always reported).
    n_boot : int
        Bootstrap replicates per stratum (treated groups, never-treated units).
    seed : int
        Seed of the bootstrap.
    alpha : float
    hazard_ratio : bool
        Also fit the Cox model (slower).
    config : StudyConfig, optional
        Where to find an intervention given by name.

    Returns
    -------
    EvaluationResult
    """
    iv = _resolve(intervention, config)
    if inference not in ("cells", "cluster"):
        raise ConfigError(f"inference = {inference!r}: allowed values are 'cells', 'cluster'")
    name = outcome or iv.outcome
    spec = DEFAULT_INDICATORS.get(name)
    if spec is None or spec.kind != "incidence":
        raise ConfigError(f"outcome = {name!r}: give an incidence indicator of the catalogue")
    h = int(horizon or iv.horizon or spec.horizon or 0)
    spec = replace(spec, horizon=h, origin=_stage_origin(iv) or spec.origin)
    tab = cohort_cells(log, spec, period=period, by=iv.by)
    tab = tab.assign(group=tab["group"].astype(str))
    cells = incidence_cells(tab, spec, float(h), alpha)
    extraction = pd.Timestamp(log.extraction_date)
    d, notes = _design(cells, iv, period, h, extraction, exclude_open=False)
    estimand = (f"difference in cumulative incidence of {spec.state} at {h} days from "
                f"{spec.origin} (ATT on treated cohorts, DiD vs never-treated {iv.by}s)")
    n_treated = int(sum(d.N[u, t] for g, us in d.groups.items() for u in us
                        for t in range(len(d.periods)) if t >= g))
    rows: list[dict[str, Any]] = []
    es_tab, gt_tab = pd.DataFrame(columns=_ES_COLUMNS), pd.DataFrame(columns=_GT_COLUMNS)
    if d.controls:
        lin = _Linear(d)
        rows += _main_rows(d, lin, iv, inference=inference, n_boot=n_boot, seed=seed,
                           alpha=alpha, estimand=estimand, n_treated=n_treated)
        d_open, _ = _design(cells, iv, period, h, extraction, exclude_open=True)
        es_tab, pretrend = _event_study(d, lin, alpha, n_treated)
        gt_tab = _group_time(d, lin, alpha)
        rows += [r for r in (_open_row(d_open, alpha, estimand, n_treated), pretrend) if r]
        if hazard_ratio:
            try:
                rows.append(_cox_row(tab, d, iv, spec.state, h, alpha))
            except Exception as exc:  # the HR is secondary: say why it is missing
                notes.append(f"hazard ratio not estimated: {type(exc).__name__}")
    else:
        rows.append(_its_row(d, alpha))
        notes.append("no untreated unit: interrupted time series only")
    cell_tab = pd.DataFrame({
        "group": np.repeat(d.units, len(d.periods)),
        "period": [str(p) for p in d.periods] * len(d.units),
        "estimate": d.Y.ravel(), "std_err": d.SE.ravel(), "n": d.N.ravel().astype(int)})
    return EvaluationResult(
        table=pd.DataFrame(rows, columns=_TABLE_COLUMNS), alpha=alpha,
        method="difference-in-differences on Aalen-Johansen cumulative incidence at the "
               "horizon, per unit x entry cohort", n=int(d.N.sum()),
        event_study=es_tab, group_time=gt_tab, cells=cell_tab[cell_tab["n"] > 0],
        intervention=iv.name, outcome=name, horizon=h,
        notes={"design": notes, "by": iv.by, "units": list(iv.units),
               "controls": [d.units[i] for i in d.controls], "staggered": iv.staggered,
               "exposure": iv.exposure if iv.stage is None else f"{iv.exposure} ({iv.stage})"},
    )
