"""Agreement between two codings, and the Monte Carlo chi-square test of a 2 x k table.

References
----------
.. [1] Cohen J (1960). A coefficient of agreement for nominal scales. Educ Psychol Meas
   20(1):37-46.
.. [2] Hope ACA (1968). A simplified Monte Carlo significance test procedure. J R Stat
   Soc B 30(3):582-598 (the Monte Carlo p-value of R ``chisq.test(simulate.p.value=TRUE)``).
.. [3] Patefield WM (1981). Algorithm AS 159: an efficient method of generating random
   R x C tables with given row and column totals. Appl Stat 30(1):91-97.

Examples
--------
>>> round(chi_square_monte_carlo(np.array([[30, 10], [10, 30]])), 4)
0.0001
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

__all__ = ["kappa_table", "chi_square_monte_carlo"]


def kappa_table(a: pd.Series, b: pd.Series, *, alpha: float = 0.05) -> dict:
    """Cohen's kappa of two codings of the same cases (statsmodels, asymptotic SE).

    References
    ----------
    .. [1] Cohen J (1960). A coefficient of agreement for nominal scales. Educ Psychol Meas
       20(1):37-46.
    .. [2] Fleiss JL, Cohen J, Everitt BS (1969). Large sample standard errors of kappa and
       weighted kappa. Psychol Bull 72(5):323-327.

    Examples
    --------
    >>> a = pd.Series(["x"] * 25 + ["y"] * 25)
    >>> b = pd.Series(["x"] * 20 + ["y"] * 5 + ["x"] * 10 + ["y"] * 15)
    >>> round(kappa_table(a, b)["kappa"], 3)
    0.4
    """
    from scipy.stats import norm

    levels = sorted(set(a) | set(b), key=str)
    cross = pd.crosstab(pd.Categorical(a, levels), pd.Categorical(b, levels), dropna=False)
    tab = cross.reindex(index=levels, columns=levels, fill_value=0).to_numpy(float)
    n = float(tab.sum())
    if n == 0:
        return {"n": 0, "agreement": np.nan, "kappa": np.nan, "std_err": np.nan,
                "lower": np.nan, "upper": np.nan}
    with np.errstate(divide="ignore", invalid="ignore"):  # one category only: kappa undefined
        res = cohens_kappa(tab)
    z = norm.ppf(1 - alpha / 2)
    k, se = float(res.kappa), float(res.std_kappa)
    return {"n": int(n), "agreement": float(np.trace(tab) / n), "kappa": k, "std_err": se,
            "lower": k - z * se, "upper": k + z * se}


def chi_square_monte_carlo(table: np.ndarray, *, replicates: int = 9999,
                           seed: int = 0, chance_distance: bool = False) -> Any:
    """Pearson chi-square test of a 2 x k table with a Monte Carlo p-value.

    As R ``chisq.test(table, simulate.p.value = TRUE, B = replicates)``: tables with the
    observed margins are drawn (multivariate hypergeometric) and
    ``p = (1 + #{simulated >= observed}) / (replicates + 1)``. Valid in small and sparse
    tables, where the asymptotic chi-square is anti-conservative. Deterministic (``seed``).
    With ``chance_distance``, also return the mean total variation distance between the
    two rows' profiles over the simulated tables: the distance expected by chance alone.

    References
    ----------
    .. [1] Hope ACA (1968). A simplified Monte Carlo significance test procedure. J R Stat
       Soc B 30(3):582-598.
    .. [2] Patefield WM (1981). Algorithm AS 159: an efficient method of generating random R
       x C tables with given row and column totals. Appl Stat 30(1):91-97.

    Examples
    --------
    >>> round(chi_square_monte_carlo(np.array([[30, 10], [10, 30]])), 4)
    0.0001
    >>> chi_square_monte_carlo(np.array([[10, 10], [10, 10]])) > 0.5
    True
    """
    tab = np.asarray(table, dtype=np.int64)
    tab = tab[:, tab.sum(axis=0) > 0]
    cols = tab.sum(axis=0)
    rows = tab.sum(axis=1)
    expected = np.outer(rows, cols) / tab.sum()

    def stat(first_row: np.ndarray) -> np.ndarray:
        second = cols - first_row
        return (((first_row - expected[0]) ** 2 / expected[0]).sum(axis=-1)
                + ((second - expected[1]) ** 2 / expected[1]).sum(axis=-1))

    observed = float(stat(tab[0]))
    rng = np.random.default_rng(seed)
    sims = rng.multivariate_hypergeometric(cols, int(rows[0]), size=replicates)
    p = float((1 + (stat(sims) >= observed - 1e-9).sum()) / (replicates + 1))
    if not chance_distance:
        return p
    tvd = 0.5 * np.abs(sims / rows[0] - (cols - sims) / rows[1]).sum(axis=-1)
    return p, float(tvd.mean())


