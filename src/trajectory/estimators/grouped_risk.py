"""Mantel-Haenszel risk difference of each group against the rest, over strata.

For a binary outcome per case (not a time to event): Sato's variance, a Wald
interval and test of the same estimand, and the Cochran-Mantel-Haenszel score test.
Importable from :mod:`trajectory.estimators` and :mod:`trajectory.estimators.grouped`.

Examples
--------
>>> import numpy as np
>>> from trajectory.estimators import risk_difference_vs_rest
>>> y = np.array([1, 1, 0, 0, 1, 0, 0, 0])
>>> g = np.repeat(["a", "b"], 4)
>>> risk_difference_vs_rest(y, g)["difference"].tolist()
[0.25, -0.25]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from ..errors import EstimationError
from ._vs_rest import binary_array, group_index, label_codes, z_value

__all__ = ["risk_difference_vs_rest"]


def risk_difference_vs_rest(
    success: Any, group: Any, *, strata: Any = None, alpha: float = 0.05
) -> pd.DataFrame:
    """Mantel-Haenszel risk difference of each group against the rest, over strata.

    In stratum ``k`` the group has ``x1`` successes out of ``n1``, the rest ``x0``
    out of ``n0`` (``N = n1 + n0``). With weights ``W = n1 n0 / N`` the estimate is
    ``RD = sum W (x1/n1 - x0/n0) / sum W`` and Sato's variance is
    ``(RD sum P + sum Q) / (sum W)^2`` with
    ``P = (n1^2 x0 - n0^2 x1 + n1 n0 (n0 - n1) / 2) / N^2`` and
    ``Q = (x1 (n0 - x0) + x0 (n1 - x1)) / (2 N)``; it is consistent both with many
    small strata and with few large ones. The interval and the Wald ``p`` use that
    same variance. Strata where the group or the rest is empty are skipped.

    Parameters
    ----------
    success : array_like of bool or 0/1, shape (n,)
    group : array_like of hashable, shape (n,)
    strata : array_like of hashable, shape (n,), optional
    alpha : float

    Returns
    -------
    pandas.DataFrame
        Indexed by group (sorted): ``difference``, ``lower``, ``upper``, ``p`` (Wald,
        Sato variance), ``p_cmh`` (Cochran-Mantel-Haenszel chi-square without
        continuity correction, R ``mantelhaen.test(correct=FALSE)``: the score test of
        no difference in any stratum, better calibrated than the Wald test when a
        share is near 0 or 1 in a small group), ``value`` and ``reference`` (crude
        shares of success in the group and in the rest), ``n_group``, ``n_rest``,
        ``x_group``, ``x_rest``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.r_[np.ones(30), np.zeros(70), np.ones(10), np.zeros(90)]
    >>> g = np.repeat(["a", "b"], 100)
    >>> risk_difference_vs_rest(y, g)[["difference", "value", "reference"]].round(3).reset_index()
      group  difference  value  reference
    0     a         0.2    0.3        0.1
    1     b        -0.2    0.1        0.3

    References
    ----------
    .. [1] Greenland S., Robins J. M. (1985). Estimation of a common effect parameter
       from sparse follow-up data. *Biometrics* 41, 55-68.
    .. [2] Sato T. (1989). On the variance estimator for the Mantel-Haenszel risk
       difference. *Biometrics* 45, 1323-1324.
    """
    z = z_value(alpha)
    y = binary_array(success, "success", None)
    n = y.shape[0]
    if n == 0:
        raise EstimationError("success is empty; nothing to compare")
    g_codes, g_labels = label_codes(group, "group", n)
    if strata is None:
        s_codes, n_s = np.zeros(n, dtype=np.intp), 1
    else:
        s_codes, s_labels = label_codes(strata, "strata", n)
        n_s = len(s_labels)
    n_g = len(g_labels)
    cell = s_codes.astype(np.int64) * n_g + g_codes
    n1 = np.bincount(cell, minlength=n_s * n_g).reshape(n_s, n_g).astype(float)
    x1 = np.bincount(cell, weights=y, minlength=n_s * n_g).reshape(n_s, n_g)
    n0 = n1.sum(axis=1, keepdims=True) - n1
    x0 = x1.sum(axis=1, keepdims=True) - x1
    big = n1 + n0
    ok = (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(ok, n1 * n0 / big, 0.0)
        diff_k = np.where(ok, x1 / n1 - x0 / n0, 0.0)
        sw = w.sum(axis=0)
        rd = (w * diff_k).sum(axis=0) / sw
        p_k = np.where(ok, (n1**2 * x0 - n0**2 * x1 + n1 * n0 * (n0 - n1) / 2) / big**2, 0.0)
        q_k = np.where(ok, (x1 * (n0 - x0) + x0 * (n1 - x1)) / (2 * big), 0.0)
        var = (rd * p_k.sum(axis=0) + q_k.sum(axis=0)) / sw**2
        se = np.sqrt(np.maximum(var, 0.0))
        pval = np.where(se > 0, 2.0 * norm.sf(np.abs(rd) / se), np.nan)
        m1 = x1 + x0  # Cochran-Mantel-Haenszel: the score test of "no difference"
        expected = np.where(ok, n1 * m1 / big, 0.0)
        v_k = np.where(ok & (big > 1), n1 * n0 * m1 * (big - m1) / (big**2 * (big - 1)), 0.0)
        v = v_k.sum(axis=0)
        cmh = np.where(v > 0, (np.where(ok, x1, 0.0).sum(axis=0) - expected.sum(axis=0)) ** 2
                       / np.where(v > 0, v, 1.0), np.nan)
        p_cmh = np.where(v > 0, chi2.sf(cmh, 1), np.nan)
        ng, xg = n1.sum(axis=0), x1.sum(axis=0)
        nr, xr = n - ng, y.sum() - xg
        value, reference = xg / ng, np.where(nr > 0, xr / nr, np.nan)
    return pd.DataFrame(
        {"difference": rd, "lower": rd - z * se, "upper": rd + z * se, "p": pval,
         "p_cmh": p_cmh, "value": value, "reference": reference,
         "n_group": ng.astype(np.int64), "n_rest": nr.astype(np.int64),
         "x_group": xg, "x_rest": xr},
        index=group_index(g_labels),
    )
