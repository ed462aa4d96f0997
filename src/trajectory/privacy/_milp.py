"""Integer programming for the release audit: relations, their components, cell bounds.

:mod:`trajectory.privacy.audit` collects the linear relations a release obeys; this
module holds their form (:class:`Relation`) and the intruder's arithmetic: the
relations split into connected components, and the smallest and largest value of each
hidden count over the integer points of its component (:func:`scipy.optimize.milp`,
HiGHS).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

__all__ = ["BIG", "Relation", "bounds", "cached_bounds", "components"]

#: an upper bound standing for "no bound" on a count
BIG = 1e7


@dataclass(frozen=True)
class Relation:
    """``lower <= sum(coef * cell) <= upper`` over published cells and helper unknowns.

    ``terms`` pairs a cell ``(table, row, column)`` (or a helper name, a str) with its
    coefficient; ``kind`` names the family (``all row``, ``share``...).
    """

    terms: tuple[tuple[Any, float], ...]
    lower: float
    upper: float
    kind: str
    table: str
    verified: bool = True


def components(relations: list[Relation]) -> list[list[int]]:
    """Indices of relations grouped by the unknowns they share (union-find)."""
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, r in enumerate(relations):
        find(("rel", i))
        for c, _ in r.terms:
            parent[find(c)] = find(("rel", i))
    groups: dict[Any, list[int]] = {}
    for i in range(len(relations)):
        groups.setdefault(find(("rel", i)), []).append(i)
    return list(groups.values())


def bounds(relations: list[Relation], unknown: set[Any], value: Any, rounding: float | None,
           targets: Iterable[Any], step: float = 1) -> dict[Any, tuple[float, float]]:
    """Smallest and largest value of each target over the integer points of the relations.

    A shown count rounded to ``rounding`` is ``("shown", cell)``: within half a base of
    its value; a count floored to ``step`` is ``("floor", cell)``: ``value .. value +
    step - 1``.
    """
    variables = sorted(unknown, key=str)
    index = {v: j for j, v in enumerate(variables)}
    rows, cols, data, lo, hi = [], [], [], [], []
    for r_i, r in enumerate(relations):
        const = 0.0
        for c, a in r.terms:
            if c in index:
                rows.append(r_i)
                cols.append(index[c])
                data.append(a)
            else:
                const += a * value(c)
        lo.append(r.lower - const)
        hi.append(r.upper - const)
    n = len(variables)
    lower = np.zeros(n)
    upper = np.full(n, BIG)
    integrality = np.ones(n)
    if rounding:  # shown counts rounded to a base: the true count is within half a base
        for v, j in index.items():
            if isinstance(v, tuple) and v[0] == "shown":
                shown = value(v[1])
                lower[j] = max(0.0, shown - rounding / 2)
                upper[j] = shown + rounding / 2
    for v, j in index.items():  # floored to the curves' grid: L .. L + step - 1
        if isinstance(v, tuple) and v[0] == "floor":
            lower[j] = value(v[1])
            upper[j] = lower[j] + step - 1
    a = csr_array((data, (rows, cols)), shape=(len(relations), n))
    constraint = LinearConstraint(a, np.array(lo), np.array(hi))
    out = {}
    for t in targets:
        j = index[t]
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(n)
            c[j] = sign
            res = milp(c, constraints=constraint, integrality=integrality,
                       bounds=Bounds(lower, upper), options={"time_limit": 10})
            if res.x is None:
                ends.append(np.nan)
            else:
                ends.append(float(res.x[j]))
        out[t] = (ends[0], ends[1])
    return out


def cached_bounds(rels: list[Relation], unknown: set[Any], value: Any, rounding: float | None,
                  hidden: list[Any], cache: dict[Any, Any] | None, step: float = 1,
                  ) -> dict[Any, tuple[float, float]]:
    """:func:`bounds`, reused when the same programme recurs.

    The key holds everything the programme reads: its relations, which cells are
    unknown, and the value of every shown cell (or rounded shown count) it uses.
    """
    if cache is None:
        return bounds(rels, unknown, value, rounding, hidden, step)
    constants = tuple(sorted(((c, value(c)) for r in rels for c, _ in r.terms
                              if c not in unknown or (isinstance(c, tuple)
                                                      and c[0] in ("shown", "floor"))),
                             key=str))
    key = (tuple(rels), tuple(sorted(unknown, key=str)), constants, rounding, step,
           tuple(hidden))
    if key not in cache:
        cache[key] = bounds(rels, unknown, value, rounding, hidden, step)
    return dict(cache[key])
