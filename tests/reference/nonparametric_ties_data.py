"""Write data/np_ties.csv: a synthetic heavy-ties dataset for nonparametric.R.

Run from the repository root: ``.venv/bin/python tests/reference/nonparametric_ties_data.py``
(numpy default_rng(20261128)). Integer times 1..12 (many ties), two competing outcomes,
delayed entry for a third of the cases, integer and non-integer weights, two groups.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261128)
n = 400
time = rng.integers(1, 13, n)
outcome = rng.choice(["censored", "court", "dismissal"], size=n, p=[0.3, 0.3, 0.4])
late = rng.random(n) < 0.35
entry = np.where(late, np.floor(rng.random(n) * time), 0).astype(int)
# some entries tied with exit times of others, none equal to own exit
frame = pd.DataFrame(
    {
        "id": np.arange(1, n + 1),
        "time": time,
        "entry": entry,
        "outcome": outcome,
        "status": (outcome != "censored").astype(int),
        "group": rng.choice(["x", "y"], size=n),
        "wi": rng.integers(1, 4, n),
        "wf": np.round(rng.uniform(0.2, 3.0, n), 3),
    }
)
out = Path(__file__).parent / "data" / "np_ties.csv"
with out.open("w") as fh:
    fh.write("# tool: python numpy default_rng(20261128); ")
    fh.write("tests/reference/nonparametric_ties_data.py\n")
    frame.to_csv(fh, index=False)
