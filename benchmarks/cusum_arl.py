"""CUSUM in control and out of control over repeated synthetic studies.

In control (scenario ``null``): first false alarm per unit and the time to it (or to the
end of the chart), pooled into alarms per unit-year of monitoring with an exact Poisson
interval, against the nominal rate 365.25 / target_arl and against the rate the
threshold's own simulation predicts (``1 - arl0_censored_share``: the simulated share of
in-control paths alarming in the window, compared with the observed share of units).
Out of control: transmission in zone 5340 made ``factor`` times slower for complaints
from 2023-01-01; detection delay = alarm date minus 2023-01-01 for zone 5340 (alarms
before it are false alarms).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/cusum_arl.py 60 5000
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

from trajectory.monitoring import cusum
from trajectory.synth import Effect, Scenario, make_study

START = pd.Timestamp("2023-01-01")


def in_control(n_studies: int, *, first_seed: int = 5000, n_cases: int = 20_000,
               target_arl: int = 1826, n_sim: int = 60) -> dict[str, float]:
    """False alarms of the null scenario: rate per unit-year and share of units alarming."""
    alarms, unit_years, units, predicted = 0, 0.0, 0, 0.0
    for k in range(n_studies):
        log, _ = make_study(n_cases, seed=first_seed + k, scenario="null")
        res = cusum(log, "transmitted_30d", target_arl=target_arl, n_sim=n_sim, seed=k)
        start = pd.Timestamp(res.notes["monitoring_start"])
        end = pd.Timestamp(res.path["date"].max())  # the chart's last day
        for row in res.table.itertuples():
            units += 1
            predicted += 1.0 - row.arl0_censored_share
            if row.alarm_date is not None:
                alarms += 1
                unit_years += ((pd.Timestamp(row.alarm_date) - start).days + 1) / 365.25
            else:
                unit_years += ((end - start).days + 1) / 365.25
    lo, hi = stats.chi2.ppf([0.025, 0.975], [2 * alarms, 2 * alarms + 2]) / 2
    share = stats.binomtest(alarms, units).proportion_ci(0.95, method="exact")
    return {
        "studies": n_studies, "units": units, "unit_years_monitored": unit_years,
        "false_alarms": alarms,
        "false_alarms_per_unit_year": alarms / unit_years,
        "rate_ci_low": lo / unit_years, "rate_ci_high": hi / unit_years,
        "nominal_per_unit_year": 365.25 / target_arl,
        "in_control_mean_run_length_years": unit_years / max(alarms, 1),
        "share_of_units_alarming": alarms / units,
        "share_ci_low": float(share.low), "share_ci_high": float(share.high),
        "share_predicted_by_threshold_simulation": predicted / units,
    }


def out_of_control(n_studies: int, *, factor: float = 2.0, first_seed: int = 7000,
                   n_cases: int = 20_000, target_arl: int = 1826,
                   n_sim: int = 60) -> dict[str, float]:
    """Detection of a planted slowdown in zone 5340 from 2023-01-01."""
    worse = Scenario("worse", effects=(Effect("transmission_delay", "zone", "5340", factor,
                                              start=str(START.date())),))
    delays, missed, early = [], 0, 0
    for k in range(n_studies):
        log, _ = make_study(n_cases, seed=first_seed + k, scenario=worse)
        res = cusum(log, "transmitted_30d", target_arl=target_arl, n_sim=n_sim, seed=k)
        row = res.table.set_index("group").loc["5340"]
        if row["alarm_date"] is None:
            missed += 1
        elif pd.Timestamp(row["alarm_date"]) < START:
            early += 1
        else:
            delays.append((pd.Timestamp(row["alarm_date"]) - START).days)
    q = np.quantile(delays, [0.25, 0.5, 0.75]) if delays else [np.nan] * 3
    return {"factor": factor, "studies": n_studies, "detected": len(delays), "missed": missed,
            "alarm_before_change": early, "median_delay_days": float(q[1]),
            "q25_delay_days": float(q[0]), "q75_delay_days": float(q[2])}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    parts = [in_control(n, first_seed=first)]
    parts += [out_of_control(n, factor=f, first_seed=first + 2000) for f in (2.0, 1.5)]
    for part in parts:
        for key, value in part.items():
            print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
        print()
