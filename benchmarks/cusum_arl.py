"""CUSUM in control and out of control over repeated synthetic studies.

In control (scenario ``null``): alarms per unit-year of monitoring, against the
nominal rate 365 / target_arl. Out of control: transmission in zone 5340 made
``factor`` times slower for complaints from 2023-01-01; detection delay = alarm date
minus 2023-01-01 for zone 5340 (alarms before it are false alarms).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/cusum_arl.py 20
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from trajectory.monitoring import cusum
from trajectory.synth import Effect, Scenario, make_study

START = pd.Timestamp("2023-01-01")


def run(n_studies: int, *, factor: float = 2.0, n_cases: int = 20_000,
        target_arl: int = 1826) -> dict[str, float]:
    worse = Scenario("worse", effects=(Effect("transmission_delay", "zone", "5340", factor,
                                              start=str(START.date())),))
    false, unit_years, delays, missed, early = 0, 0.0, [], 0, 0
    for k in range(n_studies):
        log, _ = make_study(n_cases, seed=5000 + k, scenario="null")
        res = cusum(log, "transmitted_30d", target_arl=target_arl, n_sim=60, seed=k)
        start = pd.Timestamp(res.notes["monitoring_start"])
        end = pd.Timestamp("2024-12-31")  # last complaints: nothing to monitor after
        for row in res.table.itertuples():
            if row.alarm_date is not None:
                false += 1
                unit_years += (pd.Timestamp(row.alarm_date) - start).days / 365.25
            else:
                unit_years += (end - start).days / 365.25
        log, _ = make_study(n_cases, seed=7000 + k, scenario=worse)
        res = cusum(log, "transmitted_30d", target_arl=target_arl, n_sim=60, seed=k)
        row = res.table.set_index("group").loc["5340"]
        if row["alarm_date"] is None:
            missed += 1
        elif pd.Timestamp(row["alarm_date"]) < START:
            early += 1
        else:
            delays.append((pd.Timestamp(row["alarm_date"]) - START).days)
    return {
        "studies": n_studies,
        "false_alarms_per_unit_year": false / unit_years,
        "nominal_per_unit_year": 365.25 / target_arl,
        "unit_years_monitored": unit_years,
        "detected": len(delays), "missed": missed, "alarm_before_change": early,
        "median_delay_days": float(np.median(delays)) if delays else float("nan"),
        "q25_delay_days": float(np.quantile(delays, 0.25)) if delays else float("nan"),
        "q75_delay_days": float(np.quantile(delays, 0.75)) if delays else float("nan"),
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for key, value in run(n).items():
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
