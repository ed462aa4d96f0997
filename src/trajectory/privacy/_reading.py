"""Reading published tables for the release audit: counts, keys, shares, floored events.

Which columns of a published table are counts, which name its rows, which hold shares
of counts, and which hold counts the gate floored to the curves' grid (a test's events
by group, :func:`~trajectory.privacy.curves.floor_test_events`): the audit reads a
floored count ``L`` as an unknown ``L .. L + k - 1``.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"group": ["a"], "n": [40], "observed": [10.0], "expected": [15.0]})
>>> count_columns(t), floored_columns(t)
(['n'], ['observed'])
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .curves import TEST_EVENTS

__all__ = ["count_columns", "floored_columns"]

_SIZE_NAMES = ("n", "n_cases", "n_base", "n_flagged", "n_group")
_ROW_KEYS = ("q", "quantile", "time", "horizon", "day", "days", "month", "months", "order")
_NOT_KEYS = ("sentence", "test", "adjusted_for", "direction", "severity", "method",
             "note", "withheld", "suppressed", "flagged")
_NOT_SHARES = ("p", "q", "lower", "upper", "std_err", "threshold", "statistic", "df")
_CURVE = {"time", "estimate", "n_risk", "n_event", "n_censor"}
#: group sizes the gate always rounds (to ``k`` without a rounding base): flags
_ROUNDED_TO_K = ("n_group", "n_rest")




def count_columns(frame: pd.DataFrame) -> list[str]:
    """The count columns of a published table: ``n``, ``n_*``, ``count``... holding integers."""
    out = []
    for c in frame.columns:
        if not isinstance(c, str) or not (c in ("n", "count", "cases", "n_cases", "freq")
                                          or c.startswith("n_")):
            continue
        v = frame[c]
        if pd.api.types.is_bool_dtype(v) or not pd.api.types.is_numeric_dtype(v):
            continue
        shown = v.dropna().to_numpy(dtype=float)
        if np.all(np.abs(shown - np.round(shown)) < 1e-9):
            out.append(c)
    return out


def _is_curve(frame: pd.DataFrame) -> bool:
    return _CURVE <= set(frame.columns)


def _keys(frame: pd.DataFrame, counts: list[str]) -> list[str]:
    keys = []
    for c in frame.columns:
        if c in counts or c in _NOT_KEYS or not isinstance(c, str):
            continue
        v = frame[c]
        if c in _ROW_KEYS or v.dtype == object or isinstance(v.dtype, pd.CategoricalDtype) \
                or pd.api.types.is_string_dtype(v) or (pd.api.types.is_integer_dtype(v)
                                                       and not pd.api.types.is_bool_dtype(v)):
            keys.append(c)
    return keys


def _shares(frame: pd.DataFrame, counts: list[str]) -> list[str]:
    out = []
    for c in frame.columns:
        if c in counts or c in _NOT_SHARES or c in _ROW_KEYS or not isinstance(c, str):
            continue
        if c.endswith(("_lower", "_upper", "_p")) or c.startswith("effect"):
            continue
        v = frame[c]
        if not pd.api.types.is_float_dtype(v) or pd.api.types.is_bool_dtype(v):
            continue
        shown = v.dropna()
        if len(shown) and shown.between(0, 1).any():
            out.append(c)
    return out


def _half_unit(value: float, digits: int = 6) -> float:
    """Half of the last printed digit of ``value`` shown to ``digits`` significant places."""
    if value == 0 or not np.isfinite(value):
        return 0.5 * 10.0 ** (-digits)
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - digits + 1)


def floored_columns(frame: pd.DataFrame) -> list[str]:
    """Counts the gate floored to a multiple of ``k``: a test's events beside ``expected``."""
    if not set(TEST_EVENTS) <= set(frame.columns):
        return []
    values = frame[TEST_EVENTS[0]]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return []
    shown = values.dropna().to_numpy(dtype=float)
    return [TEST_EVENTS[0]] if np.all(np.abs(shown - np.round(shown)) < 1e-9) else []
