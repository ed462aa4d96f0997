"""Helpers shared by the one-vs-rest modules (private).

Validation of row arrays (numeric, binary, labels coded in sorted order), the normal
quantile of a level ``alpha`` and the index of a result by group; used by
:mod:`~trajectory.estimators.grouped_table`, ``grouped_hazards``, ``grouped_quantiles``
and ``grouped_risk``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import EstimationError


def float_array(values: Any, role: str, n: int | None) -> np.ndarray:
    """``values`` as a finite float vector of length ``n`` (any length when None).

    Examples
    --------
    >>> float_array([1, 2.5], "time", None)
    array([1. , 2.5])
    """
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise EstimationError(f"{role} must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise EstimationError(f"{role} must be one-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise EstimationError(
            f"{role} has {arr.shape[0]} values but time has {n}; pass arrays of one length"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise EstimationError(
            f"{role} has missing or infinite values (first rows: {rows}); "
            "drop or impute them first"
        )
    return arr


def binary_array(values: Any, role: str, n: int | None) -> np.ndarray:
    """``values`` as a float vector of 0 and 1 (bool or 0/1 input).

    Examples
    --------
    >>> binary_array([True, False], "event", 2)
    array([1., 0.])
    """
    arr = float_array(values, role, n)
    if not np.isin(arr, (0.0, 1.0)).all():
        row = int(np.flatnonzero(~np.isin(arr, (0.0, 1.0)))[0])
        raise EstimationError(f"{role} must be bool or 0/1; row {row} has {arr[row]!r}")
    return arr


def label_codes(values: Any, role: str, n: int) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Codes 0..k-1 of the labels, in sorted label order (by ``str`` if not comparable).

    Examples
    --------
    >>> codes, labels = label_codes(["b", "a", "b"], "group", 3)
    >>> codes.tolist(), labels
    ([1, 0, 1], ('a', 'b'))
    """
    arr = pd.Series(np.asarray(values, dtype=object) if not isinstance(values, pd.Series)
                    else values.to_numpy(dtype=object), dtype=object)
    if arr.shape[0] != n:
        raise EstimationError(
            f"{role} has {arr.shape[0]} values but time has {n}; pass arrays of one length"
        )
    codes, uniques = pd.factorize(arr, sort=False)
    if (codes < 0).any():
        rows = np.flatnonzero(codes < 0)[:5].tolist()
        raise EstimationError(
            f"{role} has missing labels (first rows: {rows}); recode them, e.g. as 'missing'"
        )
    labels = list(uniques)
    try:
        order = sorted(range(len(labels)), key=lambda k: labels[k])
    except TypeError:
        order = sorted(range(len(labels)), key=lambda k: str(labels[k]))
    rank = np.empty(len(labels), dtype=np.intp)
    rank[np.array(order, dtype=np.intp)] = np.arange(len(labels))
    return rank[codes], tuple(labels[k] for k in order)


def z_value(alpha: float) -> float:
    """Normal quantile ``z`` of a two-sided ``1 - alpha`` interval.

    Examples
    --------
    >>> round(z_value(0.05), 4)
    1.96
    """
    if not 0.0 < alpha < 1.0:
        raise EstimationError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(norm.ppf(1.0 - alpha / 2.0))


def group_index(groups: tuple[Any, ...]) -> pd.Index:
    """The index ``group`` of a result with one row a group (tuples kept whole)."""
    return pd.Index(list(groups), name="group", tupleize_cols=False)
