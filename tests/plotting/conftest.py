"""Plot tests draw with the Agg backend and close every figure after each test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def km_by_hand(time, event, group="all") -> pd.DataFrame:
    """Kaplan-Meier at every distinct time, by plain loops (independent of the package)."""
    time = np.asarray(time, float)
    event = np.asarray(event, int)
    rows = []
    surv = 1.0
    for t in sorted(set(time)):
        n = int((time >= t).sum())
        d = int(((time == t) & (event == 1)).sum())
        c = int(((time == t) & (event == 0)).sum())
        surv *= 1 - d / n
        rows.append({"group": group, "time": t, "estimate": surv, "lower": surv * 0.8,
                     "upper": min(1.0, surv * 1.2), "n_risk": n, "n_event": d, "n_censor": c})
    return pd.DataFrame(rows)
