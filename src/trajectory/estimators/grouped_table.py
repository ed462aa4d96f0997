"""The count table of the one-vs-rest comparisons: stratum x group x unique time.

:class:`GroupedCounts` holds the numbers at risk, of events and of censorings of each
stratum, group and unique time; :func:`grouped_counts` builds it from case (or
counting-process) rows. Every ``*_vs_rest`` statistic reads this one table; both
names are importable from :mod:`trajectory.estimators` and
:mod:`trajectory.estimators.grouped`.

Conventions are R ``survival``'s: a row with entry ``a`` and exit ``t`` is at risk at
every unique time ``s`` with ``a < s <= t``; at a tied time all events happen
together and those censored then are still at risk.

Examples
--------
>>> import numpy as np
>>> from trajectory.estimators import grouped_counts
>>> c = grouped_counts(np.array([1, 2, 2, 4]), np.array([1, 1, 0, 1]),
...                    np.array(["a", "b", "a", "b"]))
>>> c.times, c.n
(array([1., 2., 4.]), array([[2., 2.]]))
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import EstimationError
from ._counts import unique_times
from ._vs_rest import binary_array, float_array, label_codes

__all__ = ["GroupedCounts", "grouped_counts"]


@dataclass(frozen=True, eq=False)
class GroupedCounts:
    """Counts at unique times by stratum and group: the input of every ``*_vs_rest``.

    Attributes
    ----------
    times : numpy.ndarray, shape (T,)
        Sorted unique exit times (over all strata and groups).
    groups : tuple
        Group labels, sorted; axis 1 of the count arrays.
    strata : tuple
        Stratum labels, sorted; axis 0 of the count arrays.
    n_risk : numpy.ndarray, shape (S, G, T)
        Number at risk at ``times[t]``: rows with ``entry < t <= exit`` (those
        censored at ``t`` are still at risk at ``t``).
    n_event : numpy.ndarray, shape (S, G, T)
        Number of events at ``times[t]``.
    n_censor : numpy.ndarray, shape (S, G, T)
        Number censored at ``times[t]``.

    The "rest" of group ``g`` in stratum ``s`` is the stratum total minus the group,
    e.g. ``counts.total_risk[:, None, :] - counts.n_risk``.

    Examples
    --------
    >>> import numpy as np
    >>> c = grouped_counts(np.array([1.0, 2, 2, 3]), np.array([1, 0, 1, 1]),
    ...                    np.array(["x", "y", "x", "y"]), strata=np.array([0, 0, 1, 1]))
    >>> c.n_risk.shape, c.groups, c.strata
    ((2, 2, 3), ('x', 'y'), (0, 1))
    >>> c.total_risk
    array([[2., 1., 0.],
           [2., 2., 1.]])
    >>> c.collapse().n_event[0]
    array([[1., 1., 0.],
           [0., 0., 1.]])
    """

    times: np.ndarray
    groups: tuple[Any, ...]
    strata: tuple[Any, ...]
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray

    def __post_init__(self) -> None:
        shape = (len(self.strata), len(self.groups), self.times.shape[0])
        for name in ("n_risk", "n_event", "n_censor"):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise EstimationError(
                    f"GroupedCounts.{name} has shape {arr.shape}; expected "
                    f"(strata, groups, times) = {shape}"
                )

    @property
    def total_risk(self) -> np.ndarray:
        """Number at risk in each stratum (all groups), shape (S, T)."""
        return self.n_risk.sum(axis=1)

    @property
    def total_event(self) -> np.ndarray:
        """Events in each stratum (all groups), shape (S, T)."""
        return self.n_event.sum(axis=1)

    @property
    def total_censor(self) -> np.ndarray:
        """Censorings in each stratum (all groups), shape (S, T)."""
        return self.n_censor.sum(axis=1)

    @property
    def n(self) -> np.ndarray:
        """Number of rows (exits: events + censorings) of each stratum and group, (S, G)."""
        return (self.n_event + self.n_censor).sum(axis=2)

    def subset(self, strata: Sequence[Hashable] | np.ndarray) -> GroupedCounts:
        """Keep some strata: a list of labels, or a boolean mask over :attr:`strata`.

        Examples
        --------
        >>> import numpy as np
        >>> c = grouped_counts(np.array([1, 2, 3]), np.array([1, 1, 0]),
        ...                    np.array(["a", "b", "a"]), strata=np.array(["u", "v", "v"]))
        >>> c.subset(["v"]).strata, c.subset(np.array([True, False])).strata
        (('v',), ('u',))
        """
        arr = np.asarray(strata)
        if arr.dtype == bool:
            if arr.shape != (len(self.strata),):
                raise EstimationError(
                    f"a boolean strata mask needs {len(self.strata)} values, got {arr.shape}"
                )
            keep = np.flatnonzero(arr)
        else:
            index = {s: k for k, s in enumerate(self.strata)}
            missing = [s for s in list(strata) if s not in index]
            if missing:
                raise EstimationError(
                    f"strata {missing} are not in the counts; available: {list(self.strata)}"
                )
            keep = np.array([index[s] for s in list(strata)], dtype=np.intp)
        return GroupedCounts(
            self.times, self.groups, tuple(self.strata[k] for k in keep),
            self.n_risk[keep], self.n_event[keep], self.n_censor[keep],
        )

    def collapse(self, label: Hashable = "all") -> GroupedCounts:
        """The counts summed over strata: one stratum ``label`` (the unstratified table)."""
        return GroupedCounts(
            self.times, self.groups, (label,),
            self.n_risk.sum(axis=0, keepdims=True),
            self.n_event.sum(axis=0, keepdims=True),
            self.n_censor.sum(axis=0, keepdims=True),
        )


def grouped_counts(
    time: Any,
    event: Any,
    group: Any,
    *,
    strata: Any = None,
    entry: Any = None,
) -> GroupedCounts:
    """Count table stratum x group x unique time from rows ``(entry, time, event)``.

    Parameters
    ----------
    time : array_like of float, shape (n,)
        Exit time of each row (event or censoring time).
    event : array_like of bool or 0/1, shape (n,)
        1 when the row ends with the event, 0 when censored.
    group : array_like of hashable, shape (n,)
        Group label of each row (sorted into :attr:`GroupedCounts.groups`).
    strata : array_like of hashable, shape (n,), optional
        Stratum label of each row; one stratum ``"all"`` when omitted.
    entry : array_like of float, shape (n,), optional
        Entry time (left truncation, counting-process rows): the row is at risk on
        ``(entry, time]``. With it a case may contribute several rows with different
        groups, as a time-dependent covariate needs (R ``Surv(entry, time, event)``).

    Returns
    -------
    GroupedCounts

    Raises
    ------
    EstimationError
        On missing or infinite values, arrays of different lengths, a non-binary
        ``event``, or ``entry >= time``.

    Examples
    --------
    >>> import numpy as np
    >>> c = grouped_counts(np.array([2, 3, 3, 5]), np.array([True, True, False, True]),
    ...                    np.array(["b", "a", "a", "b"]), entry=np.array([0, 0, 1, 2]))
    >>> c.times
    array([2., 3., 5.])
    >>> c.n_risk[0]
    array([[2., 2., 0.],
           [1., 1., 1.]])

    References
    ----------
    .. [1] Therneau T. M., Grambsch P. M. (2000). *Modeling Survival Data: Extending
       the Cox Model*, ch. 3 (counting-process data). Springer.
    """
    t = float_array(time, "time", None)
    n = t.shape[0]
    if n == 0:
        raise EstimationError("time is empty; nothing to count")
    ev = binary_array(event, "event", n)
    g_codes, g_labels = label_codes(group, "group", n)
    if strata is None:
        s_codes, s_labels = np.zeros(n, dtype=np.intp), ("all",)
    else:
        s_codes, s_labels = label_codes(strata, "strata", n)
    ent = None if entry is None else float_array(entry, "entry", n)
    if ent is not None and (ent >= t).any():
        row = int(np.flatnonzero(ent >= t)[0])
        raise EstimationError(
            f"entry must be < time on every row; row {row} has entry {ent[row]} and "
            f"time {t[row]} (drop rows of zero length, or shift the entry)"
        )
    times, e_idx = unique_times(t)
    n_s, n_g, n_t = len(s_labels), len(g_labels), times.shape[0]
    cell = s_codes.astype(np.int64) * n_g + g_codes
    flat = cell * n_t + e_idx
    size = n_s * n_g * n_t
    n_event = np.bincount(flat, weights=ev, minlength=size).reshape(n_s, n_g, n_t)
    exits = np.bincount(flat, minlength=size).reshape(n_s, n_g, n_t).astype(float)
    if ent is None:
        n_risk = np.cumsum(exits[..., ::-1], axis=2)[..., ::-1]
    else:
        a = np.searchsorted(times, ent, side="right")
        enters = np.bincount(cell * (n_t + 1) + a, minlength=n_s * n_g * (n_t + 1))
        enters = enters.reshape(n_s, n_g, n_t + 1)[..., :n_t].astype(float)
        n_risk = np.cumsum(enters, axis=2) - np.cumsum(exits, axis=2) + exits
    return GroupedCounts(
        times, g_labels, s_labels, np.ascontiguousarray(n_risk), n_event, exits - n_event
    )
