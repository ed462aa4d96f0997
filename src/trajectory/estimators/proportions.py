"""Confidence intervals for proportions (Wilson score), shared by every lens.

References
----------
.. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical
   inference. J Am Stat Assoc 22(158):209-212.
.. [2] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
   comparison of seven methods. Stat Med 17(8):857-872.

Examples
--------
>>> wilson_interval([3], [10], alpha=0.05)[0].round(3)
array([0.108])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from statsmodels.stats.proportion import proportion_confint

__all__ = ["wilson_interval"]


def wilson_interval(count: Any, nobs: Any, *, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``count / nobs`` (NaN where ``nobs`` is 0).

    statsmodels ``proportion_confint(method="wilson")`` on the cells with trials.

    References
    ----------
    .. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical
       inference. J Am Stat Assoc 22(158):209-212.
    .. [2] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
       comparison of seven methods. Stat Med 17(8):857-872.
    """
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    ok = nobs > 0
    lower = np.full(count.shape, np.nan)
    upper = np.full(count.shape, np.nan)
    if ok.any():
        lo, hi = proportion_confint(count[ok], nobs[ok], alpha=alpha, method="wilson")
        lower[ok] = lo
        upper[ok] = hi
    return lower, upper
