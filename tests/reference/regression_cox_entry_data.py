"""Write data/cox_entry_strata.csv: integer-day cases with delayed entry, strata, clusters.

Run from the repository root: ``.venv/bin/python tests/reference/regression_cox_entry_data.py``
(numpy default_rng(29)). Five zones (hazard doubled in "south"), three offence strata,
integer days (heavy ties), half the cases entering late, clusters of three cases.
Read by regression_cox_entry.R. On these data a solver that halves steps on a
log-likelihood drop of 1e-12 stopped 6e-8 short of R's Efron maximum.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(29)
n = 600
zone = rng.choice(["north", "south", "east", "west", "centre"], n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
stratum = rng.choice(["hate", "ifv", "sexual"], n)
rate = np.where(zone == "south", 0.08, 0.04) * np.where(stratum == "ifv", 1.5, 1.0)
t = np.ceil(rng.exponential(1 / rate))
c = rng.integers(5, 60, n)
frame = pd.DataFrame({"time": np.minimum(t, c).astype(int), "status": (t <= c).astype(int),
                      "zone": zone, "s": stratum})
frame["entry"] = (np.floor(frame["time"] * rng.uniform(0, 0.9, n)) - 1).astype(int)
frame.loc[rng.uniform(size=n) < 0.5, "entry"] = 0
frame["cl"] = np.arange(n) // 3
out = Path("tests/reference/data/cox_entry_strata.csv")
with out.open("w") as fh:
    fh.write("# tool: numpy default_rng(29); tests/reference/regression_cox_entry_data.py\n")
    fh.write("# synthetic cases: entry < time, integer days, zone, stratum s, cluster cl\n")
    frame.to_csv(fh, index=False)
