"""Repeated synthetic studies with a planted intervention: coverage, bias, false claims.

Used by ``test_evaluate.py`` (fast and slow versions) and runnable as a script to
print the figures quoted in ``docs/monitoring.md`` (world, studies, first seed)::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=tests .venv/bin/python \
        tests/_support/intervention_coverage.py intervention 200 1000

The true effect of each study is the generator's, on the same estimand: the
difference in cumulative incidence of transmission within 30 days for the treated
units' cases with and without the intervention
(:func:`trajectory.synth.true_intervention_effect`), averaged over the treated
(group, period) cells with the weights the estimator uses.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
from scipy import stats

from trajectory.config_monitoring import DEFAULT_INDICATORS, intervention_config
from trajectory.monitoring import evaluate
from trajectory.synth import get_scenario, make_study, true_intervention_effect

OUTCOME = "transmitted_30d"


def declared(scenario: str):
    """The intervention as a study would declare it, from the scenario's planted effects."""
    effects = [e for e in get_scenario(scenario).all_effects if e.start is not None]
    return intervention_config(0, {"name": effects[0].label, "by": effects[0].by,
                                   "units": [e.unit for e in effects],
                                   "start": {e.unit: e.start for e in effects}})


def truth_by_unit(scenario: str) -> dict[str, float]:
    spec = DEFAULT_INDICATORS[OUTCOME]
    iv = declared(scenario)
    tab = true_intervention_effect(scenario, iv.name, origin=spec.origin,
                                   endpoints=spec.endpoints, state=spec.state,
                                   horizon=spec.horizon, seed=12345, n=400_000)
    return dict(zip(tab["unit"], tab["estimate"], strict=True))


def run(scenario: str, n_studies: int, *, n_cases: int = 20_000, first_seed: int = 1000,
        n_boot: int = 99, alpha: float = 0.05) -> pd.DataFrame:
    """One row a simulated study: estimate, truth, the reported interval and the cells one.

    ``se``, ``lower``, ``upper``: the main row ``ATT`` as :func:`evaluate` reports it by
    default (the cluster bootstrap); ``df``: the degrees of freedom of its t reference
    (read from ``inference``); ``*_cells``: the row ``ATT, cells variance``.
    """
    iv = declared(scenario)
    truth_u = truth_by_unit(scenario)
    rows = []
    for k in range(n_studies):
        log, _ = make_study(n_cases, seed=first_seed + k, scenario=scenario)
        res = evaluate(log, iv, outcome=OUTCOME, n_boot=n_boot, seed=k, alpha=alpha,
                       hazard_ratio=False)
        tab = res.table.set_index("term")
        gt = res.group_time
        unit_of = {str(p): u for u in iv.units for p in gt["group"].unique()
                   if str(pd.Period(pd.Timestamp(iv.starts[u]), freq="Q")) == str(p)}
        w = gt["n"].to_numpy(float)
        truth = float(np.sum(w * gt["group"].map(unit_of).map(truth_u).to_numpy(float))
                      / w.sum())
        main, cells = tab.loc["ATT"], tab.loc["ATT, cells variance"]
        rows.append({"seed": first_seed + k, "estimate": main["estimate"], "truth": truth,
                     "se": main["std_err"], "df": _t_df(main["inference"]),
                     "lower": main["lower"], "upper": main["upper"],
                     "se_cells": cells["std_err"], "lower_cells": cells["lower"],
                     "upper_cells": cells["upper"], "inference": main["inference"],
                     "pretrend_p": tab.loc["pre-trend", "p"] if "pre-trend" in tab.index
                     else np.nan})
    return pd.DataFrame(rows)


def _t_df(inference: str) -> float:
    """Degrees of freedom of the t reference named in a row's ``inference``."""
    found = re.search(r"t reference with ([0-9.]+|inf) df", inference)
    if found is None:
        raise ValueError(f"no t reference in {inference!r}")
    return float(found.group(1))


def covered_at(df: pd.DataFrame, level: float) -> pd.Series:
    """Whether the reported interval at another ``level`` holds the truth.

    The main row's interval is ``estimate +- t_{df, (1 + level) / 2} se``: its standard
    error and degrees of freedom do not depend on the level, so this is the interval
    ``evaluate(..., alpha=1 - level)`` reports.
    """
    half = stats.t.ppf((1 + level) / 2, df["df"]) * df["se"]
    return (df["estimate"] - df["truth"]).abs() <= half


def covered(df: pd.DataFrame, suffix: str = "") -> pd.Series:
    """Whether each study's interval (``lower{suffix}``, ``upper{suffix}``) holds the truth."""
    return (df["lower" + suffix] <= df["truth"]) & (df["truth"] <= df["upper" + suffix])


def summarise(df: pd.DataFrame) -> dict[str, float]:
    """Coverage (with its exact 95% binomial interval; and of the reported procedure at
    80%), bias in SE units, share declared effective (interval above 0), for the
    reported interval and the cells one."""
    err = df["estimate"] - df["truth"]
    hits = int(covered(df).sum())
    ci = stats.binomtest(hits, len(df)).proportion_ci(0.95, method="exact")
    return {
        "n": len(df),
        "coverage": hits / len(df),
        "coverage_lower": float(ci.low),
        "coverage_upper": float(ci.high),
        "coverage_cells": float(covered(df, "_cells").mean()),
        "coverage_80": float(covered_at(df, 0.80).mean()),
        "bias": float(err.mean()),
        "bias_over_se": float(err.mean() / df["se"].mean()),
        "mc_se_bias_over_se": float(err.std(ddof=1) / np.sqrt(len(df)) / df["se"].mean()),
        "sd_over_se": float(err.std(ddof=1) / df["se"].mean()),
        "sd_over_se_cells": float(err.std(ddof=1) / df["se_cells"].mean()),
        "declared_effective": float((df["lower"] > 0).mean()),
        "declared_effective_cells": float((df["lower_cells"] > 0).mean()),
        "pretrend_rejected": float((df["pretrend_p"] < 0.05).mean()),
        "truth_mean": float(df["truth"].mean()),
    }


if __name__ == "__main__":
    scenario = sys.argv[1] if len(sys.argv) > 1 else "intervention"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    out = run(scenario, n, first_seed=first)
    print(f"scenario: {scenario}")
    for key, value in summarise(out).items():
        print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    print(f"inference: {out['inference'].iloc[0]}")
