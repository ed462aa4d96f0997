"""Release-level disclosure audit: every published table read at once, as an intruder would.

Each table passes :func:`~trajectory.privacy.disclose` on its own, but a reader holds
the whole release. This module collects the linear relations the package knows its
tables obey, bounds every hidden count by integer programming over all of them
(:func:`scipy.optimize.milp`), and extends suppression until no hidden count is
narrowed below the protection interval and no count in ``1 .. k-1`` follows from
shown numbers.

Relations collected (each family is adopted only if every instance whose cells are
all shown holds, as an intruder would check):

* ``all row``: the rows of a group column (within each ``by``) add up to its ``all`` row;
* ``rest``: ``n_group + n_rest`` is the same for every group compared with the rest;
* ``repeat``: a count repeated on the rows of one group (quantile levels) is one count;
* ``complement``: a part never exceeds its group size (``n_event <= n``), and a shown
  difference ``n - n_event`` is itself a count;
* ``horizon``: a cumulative count never falls with time, and the difference between
  two horizons is itself a count;
* ``share``: a share ``s`` beside counts ``x`` and ``n`` with ``s = x / n`` on the
  shown rows pins ``x`` to ``[(s - e) n, (s + e) n]`` (``e``: half the last printed
  digit); a shown share times a count the shown one may stand for (within half the
  rounding base; the flags' group sizes are always rounded, to ``k`` without a base)
  that gives an integer is a count;
* ``funnel``: reached - lost - open at one stage = reached at the next;
* ``identity``: across tables, the identities the result classes declare
  (:mod:`~trajectory.privacy.identities`): parts in one table that add up to a count (or
  a sum of counts) of another, group by group; a shown difference of a ``>=`` identity
  is itself a count.

A hidden count is *protected* when the interval an intruder can compute for it is at
least ``protection`` wide (default ``k``), as the protection levels of tau-Argus and
sdcTable (Hundepool et al. 2012, ch. 4); a *derived* count is a shown difference or
product in ``1 .. k-1``.

Examples
--------
>>> import pandas as pd
>>> flags = pd.DataFrame({"group": ["all", "a", "b", "c"],
...                       "n": [40.0, 12.0, 25.0, float("nan")]})
>>> audit_release({"t": flags}, k=5).table[["table", "column", "problem"]]
  table column problem
0     t      n   exact
>>> audit_release({"t": flags.assign(n=[40.0, float("nan"), 25.0, float("nan")])}, k=5).passed
True
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._milp import BIG as _BIG
from ._milp import Relation, cached_bounds
from ._milp import components as components_of
from ._reading import (
    _ROUNDED_TO_K,
    _ROW_KEYS,
    _SIZE_NAMES,
    _half_unit,
    _is_curve,
    _keys,
    _shares,
    count_columns,
    floored_columns,
)
from .identities import Identity, identities_from, linked_tables, touches

__all__ = ["Relation", "ReleaseAudit", "audit_release", "release_relations", "count_columns"]

Cell = tuple[str, int, str]  # (table, row position, column)

@dataclass(frozen=True)
class ReleaseAudit:
    """What an intruder holding every published table can learn.

    ``table``: one row a problem: ``table``, ``row``, ``column``, ``problem``
    (``exact``: a hidden count recovered; ``narrow``: its interval is narrower than
    ``protection``; ``derived``: a count in ``1 .. k-1`` follows from shown numbers),
    ``relation`` (the families that gave it away) and ``width`` (of the interval; for
    ``derived`` always 0). It never holds a hidden or derived value.
    """

    table: pd.DataFrame
    k: int
    protection: float
    n_hidden: int
    n_relations: int
    relation_kinds: Mapping[str, int] = field(default_factory=dict)
    #: the relations attacked (what :func:`release_relations` gives for the same call)
    relations: tuple[Relation, ...] = field(default=(), repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """True when no hidden count is narrowed and no small count is derived."""
        return self.table.empty

    def counts(self) -> dict[str, int]:
        """Number of problems of each kind (``exact``, ``narrow``, ``derived``)."""
        return {p: int((self.table["problem"] == p).sum()) for p in ("exact", "narrow", "derived")}

    def message(self) -> str:
        """One sentence naming the tables and cells (never their values)."""
        if self.passed:
            return "the release passes the audit"
        parts = [f"{r.table} row {r.row} column {r.column} ({r.problem}, {r.relation})"
                 for r in self.table.head(8).itertuples()]
        more = len(self.table) - 8
        return ("an intruder holding every published table can recover or narrow counts: "
                + "; ".join(parts) + (f"; and {more} more" if more > 0 else ""))


class _Collector:
    """Relation families of one release; cells of shown counts are constants."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], rounding: float | None,
                 only: set[str] | None = None, k: int = 5,
                 identities: Iterable[Identity] = (),
                 sources: Mapping[str, str] | None = None) -> None:
        self.frames = frames
        self.identities = list(identities)
        self.sources = dict(sources or {})
        self.prefer: set[str] | None = None  # the tables a derived count is blamed on
        self.rounding = rounding
        self.k = k
        self.only = only
        self.relations: list[Relation] = []
        self.derived: list[tuple[Cell, str, float]] = []
        self._aux = itertools.count()
        self._columns: dict[tuple[str, str], np.ndarray] = {}  # read once, not per cell
        # a test's events floored to the curves' grid: L > 0 stands for L .. L + k - 1
        # (a shown 0 is 0: counts 1 .. k-1 are hidden before the floor)
        self._floored = {name: set(floored_columns(f)) for name, f in frames.items()}

    def floored(self, cell: Any) -> bool:
        return isinstance(cell, tuple) and len(cell) == 3 and cell[2] in self._floored.get(
            cell[0], ()) and self.value(cell) > 0

    def value(self, cell: Cell) -> float:
        table, row, column = cell
        values = self._columns.get((table, column))
        if values is None:
            values = self._columns[(table, column)] = self.frames[table][column].to_numpy()
        return float(values[row])

    def shown(self, cell: Cell) -> bool:
        return not np.isnan(self.value(cell))

    def add_family(self, instances: list[Relation], *, evidence: bool = False) -> bool:
        """Adopt a family if every instance with only shown cells holds.

        With ``evidence``, at least one such instance must exist (shares: a decimal
        is read as a ratio of two counts only where the shown rows say so).
        """
        tol = (self.rounding or 0) / 2
        full = [r for r in instances if all(isinstance(c, tuple) and self.shown(c)
                                            for c, _ in r.terms)]
        for r in full:
            low = high = 0.0
            for c, a in r.terms:  # the true values a shown cell may stand for
                v = self.value(c)
                ends = (a * v, a * (v + self.k - 1)) if self.floored(c) else \
                    (a * (v - tol), a * (v + tol))
                low, high = low + min(ends), high + max(ends)
            if high < r.lower - 1e-6 or low > r.upper + 1e-6:
                return False
        if instances and (full or not evidence):
            # a family no shown instance confirms is a guess: used unless it contradicts
            # the others (see audit_release)
            self.relations.extend(
                r if full else dataclasses.replace(r, verified=False) for r in instances
                if r not in full or self.rounding or any(self.floored(c) for c, _ in r.terms))
            return True
        return False

    def collect(self) -> None:
        for name, frame in self.frames.items():
            # every family holds within one table: a focused audit reads only its tables
            if _is_curve(frame) or frame.empty or (self.only is not None and name not in self.only):
                continue
            counts = count_columns(frame)
            if not counts:
                continue
            keys = _keys(frame, counts)
            self._all_rows(name, frame, counts, keys)
            self._rest(name, frame, keys)
            self._repeats(name, frame, counts, keys)
            self._complements(name, frame, counts)
            self._horizons(name, frame, counts, keys)
            self._share_relations(name, frame, counts)
            self._funnel(name, frame)
        for identity in self.identities:
            self._identity(identity)

    # ---- families

    def _all_rows(self, name: str, frame: pd.DataFrame, counts: list[str],
                  keys: list[str]) -> None:
        for g in keys:
            if g in ("by", "subgroup", "reference_group") or g in _ROW_KEYS:
                continue
            is_all = frame[g].astype(str) == "all"
            if not is_all.any() or is_all.all():
                continue
            if g == "group" and "by" in frame.columns:
                blocks = [(b, frame["by"].astype(str) == b) for b in
                          pd.unique(frame["by"].astype(str)) if b != "all"]
            else:
                blocks = [("", pd.Series(True, index=frame.index))]
            others = [c for c in keys if c not in (g, "by")]
            label = frame[others].astype(str).agg("|".join, axis=1) if others else \
                pd.Series("", index=frame.index)
            pos = np.arange(len(frame))
            # one family a breakdown (a 'by' value): its groups partition the 'all' row
            # (groups with a missing label do not); any count column shown in full is
            # the evidence, for every count column of the breakdown
            for _b, in_block in blocks:
                family = []
                for column in counts:
                    for lab in pd.unique(label):
                        same = (label == lab).to_numpy()
                        total = pos[same & is_all.to_numpy()]
                        parts = pos[same & in_block.to_numpy() & ~is_all.to_numpy()]
                        if len(total) != 1 or len(parts) < 1:
                            continue
                        terms = tuple([((name, int(i), column), 1.0) for i in parts]
                                      + [((name, int(total[0]), column), -1.0)])
                        family.append(Relation(terms, 0.0, 0.0, "all row", name))
                self.add_family(family)

    def _rest(self, name: str, frame: pd.DataFrame, keys: list[str]) -> None:
        if not {"n_group", "n_rest", "reference_group", "group"} <= set(frame.columns):
            return
        rest = (frame["reference_group"].astype(str) == "rest").to_numpy()
        others = [c for c in keys if c not in ("group",)]
        label = frame[others].astype(str).agg("|".join, axis=1)
        family = []
        for lab in pd.unique(label[rest]):
            rows = np.flatnonzero(rest & (label == lab).to_numpy())
            if len(rows) < 2:
                continue
            aux = f"{name}:rest:{next(self._aux)}"
            for i in rows:
                family.append(Relation((((name, int(i), "n_group"), 1.0),
                                        ((name, int(i), "n_rest"), 1.0), (aux, -1.0)),
                                       0.0, 0.0, "rest", name))
        # validate: the sums must agree on the shown rows of each comparison
        by_aux: dict[str, list[float]] = {}
        for r in family:
            cells = [c for c, _ in r.terms if isinstance(c, tuple)]
            if all(self.shown(c) for c in cells):
                by_aux.setdefault(r.terms[2][0], []).append(sum(self.value(c) for c in cells))
        tol = (self.rounding or 0) + 1e-6
        if all(max(v) - min(v) <= tol for v in by_aux.values()):
            self.relations.extend(family)

    def _repeats(self, name: str, frame: pd.DataFrame, counts: list[str],
                 keys: list[str]) -> None:
        level = next((c for c in ("q", "quantile") if c in frame.columns), None)
        if level is None:
            return
        others = [c for c in keys if c != level]
        label = frame[others].astype(str).agg("|".join, axis=1) if others else \
            pd.Series("", index=frame.index)
        for column in counts:
            family = []
            for lab in pd.unique(label):
                rows = np.flatnonzero((label == lab).to_numpy())
                for a, b in zip(rows[:-1], rows[1:], strict=True):
                    family.append(Relation((((name, int(a), column), 1.0),
                                            ((name, int(b), column), -1.0)), 0.0, 0.0,
                                           "repeat", name))
            self.add_family(family)

    def _complements(self, name: str, frame: pd.DataFrame, counts: list[str]) -> None:
        size = next((c for c in _SIZE_NAMES if c in counts), None)
        if size is None:
            return
        for column in counts:
            if column == size or column == "n_rest":
                continue
            family = [Relation((((name, i, size), 1.0), ((name, i, column), -1.0)), 0.0, _BIG,
                               "complement", name) for i in range(len(frame))]
            if not self.add_family(family):
                continue
            for i in range(len(frame)):
                s, c = (name, i, size), (name, i, column)
                if self.shown(s) and self.shown(c):
                    self.derived.append(((name, i, column), "complement",
                                         self.value(s) - self.value(c)))

    def _horizons(self, name: str, frame: pd.DataFrame, counts: list[str],
                  keys: list[str]) -> None:
        time = next((c for c in ("time", "horizon", "days") if c in frame.columns), None)
        if time is None:
            return
        others = [c for c in keys if c != time]
        label = frame[others].astype(str).agg("|".join, axis=1) if others else \
            pd.Series("", index=frame.index)
        t = frame[time].to_numpy(dtype=float)
        for column in counts:
            family, pairs = [], []
            for lab in pd.unique(label):
                rows = np.flatnonzero((label == lab).to_numpy())
                rows = rows[np.argsort(t[rows], kind="stable")]
                for a, b in zip(rows[:-1], rows[1:], strict=True):
                    if t[b] > t[a]:
                        family.append(Relation((((name, int(b), column), 1.0),
                                                ((name, int(a), column), -1.0)), 0.0, _BIG,
                                               "horizon", name))
                        pairs.append((int(a), int(b)))
            if not self.add_family(family):
                continue
            for a, b in pairs:
                ca, cb = (name, a, column), (name, b, column)
                if self.shown(ca) and self.shown(cb):
                    self.derived.append((cb, "horizon", self.value(cb) - self.value(ca)))

    def _share_relations(self, name: str, frame: pd.DataFrame, counts: list[str]) -> None:
        shares = _shares(frame, counts)
        for s in shares:
            for denominator in counts:
                # a shown share times a shown count that gives an integer is a count
                for i in range(len(frame)):
                    sc, nc = (name, i, s), (name, i, denominator)
                    if not (self.shown(sc) and self.shown(nc)):
                        continue
                    share, shown = self.value(sc), self.value(nc)
                    if not 0 <= share <= 1:
                        continue
                    half = (self.rounding or (self.k if denominator in _ROUNDED_TO_K else 0)) / 2
                    fits = [(n, round(share * n)) for n in range(
                        max(1, math.ceil(shown - half)), math.floor(shown + half) + 1)
                        if abs(share * n - round(share * n)) <= n * _half_unit(share) + 1e-9]
                    for part in ([x for _, x in fits], [n - x for n, x in fits]):
                        # one true size fits: the part is known; several: known if all small
                        if len(part) == 1 or (part and all(0 < v < self.k for v in part)):
                            self.derived.append((sc, f"share x {denominator}", max(part)))
                for numerator in counts:
                    if numerator == denominator:
                        continue
                    family = []
                    for i in range(len(frame)):
                        sc = (name, i, s)
                        if not self.shown(sc):
                            continue
                        share = self.value(sc)
                        if not 0 <= share <= 1:
                            continue
                        e = _half_unit(share)
                        x, d = (name, i, numerator), (name, i, denominator)
                        family.append(Relation(((x, 1.0), (d, -(share + e))), -_BIG, 0.0,
                                               "share", name))
                        family.append(Relation(((x, 1.0), (d, -(share - e))), 0.0, _BIG,
                                               "share", name))
                    self.add_family(family, evidence=True)

    def _funnel(self, name: str, frame: pd.DataFrame) -> None:
        need = {"n_reached", "n_lost", "n_open", "order"}
        if not need <= set(frame.columns):
            return
        others = [c for c in ("group", "measure") if c in frame.columns]
        label = frame[others].astype(str).agg("|".join, axis=1)
        order = frame["order"].to_numpy(dtype=float)
        family = []
        for lab in pd.unique(label):
            rows = np.flatnonzero((label == lab).to_numpy())
            rows = rows[np.argsort(order[rows], kind="stable")]
            for a, b in zip(rows[:-1], rows[1:], strict=True):
                if order[b] != order[a] + 1:
                    continue
                family.append(Relation((((name, int(a), "n_reached"), 1.0),
                                        ((name, int(a), "n_lost"), -1.0),
                                        ((name, int(a), "n_open"), -1.0),
                                        ((name, int(b), "n_reached"), -1.0)), 0.0, 0.0,
                                       "funnel", name))
        self.add_family(family)


    def _identity(self, identity: Identity) -> None:
        """Parts in one table adding up to (``=``) or bounding (``>=``) a count of another."""
        family = []
        usable = {n: f for n, f in self.frames.items() if self.only is None or n in self.only}
        for parts, wholes in identity.instances(usable, self.sources):
            table = wholes[0][0]
            terms = tuple([(c, 1.0) for c in parts] + [(c, -1.0) for c in wholes])
            upper = 0.0 if identity.relation == "=" else _BIG
            family.append(Relation(terms, 0.0, upper, "identity", table))
        if not self.add_family(family) or identity.relation == "=":
            return
        for r in family:  # a shown difference of a bound is a count (decided after 730 days)
            cells = [c for c, _ in r.terms]
            if all(self.shown(c) and not self.floored(c) for c in cells):
                # blamed on the smallest part, unless only the whole is in the audited tables
                parts = sorted((c for c, a in r.terms if a > 0), key=self.value)
                cell = next((c for c in parts if self.prefer is None or c[0] in self.prefer),
                            cells[-1])
                self.derived.append((cell, "identity",
                                     sum(a * self.value(c) for c, a in r.terms)))


def release_relations(frames: Mapping[str, pd.DataFrame], *, rounding: float | None = None,
                      focus: Iterable[str] | None = None,
                      sources: Mapping[str, str] | None = None,
                      identities: Iterable[Identity | Mapping[str, Any]] = (),
                      ) -> list[Relation]:
    """Every linear relation the package knows its published tables obey (see module doc).

    With ``focus``, the relations of those tables and of the tables the ``identities``
    link to them (``sources``: table name to source, as the report's manifest records).
    """
    declared = identities_from(identities)
    only = None if focus is None else linked_tables(focus, declared, sources or {})
    collector = _Collector(_as_frames(frames), rounding, only, identities=declared,
                           sources=sources)
    collector.collect()
    return collector.relations


def _as_frames(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {}
    for name, frame in frames.items():
        f = frame.reset_index(drop=True)
        for c in count_columns(f) + _shares(f, count_columns(f)):
            f[c] = pd.to_numeric(f[c], errors="coerce").astype(float)
        out[name] = f
    return out


# ----------------------------------------------------------------- the intruder


def audit_release(frames: Mapping[str, pd.DataFrame], *, k: int = 5,
                  protection: float | None = None, rounding: float | None = None,
                  focus: Iterable[str] | None = None,
                  sources: Mapping[str, str] | None = None,
                  identities: Iterable[Identity | Mapping[str, Any]] = (),
                  cache: dict[Any, Any] | None = None) -> ReleaseAudit:
    """Attack a release with every relation the package knows; list what gives way.

    Parameters
    ----------
    frames : mapping of str to DataFrame
        The published tables, by name (as in ``tables/<name>.csv``). Hidden counts are
        NaN.
    k : int
        Threshold: no count in ``1 .. k-1`` may be derivable.
    protection : float, optional
        Minimum width of the interval of every hidden count (default ``k``).
    rounding : float, optional
        Base to which shown counts were rounded (they then bound the true count
        within half a base).
    focus : iterable of str, optional
        Only audit hidden counts linked to these tables (the rest is assumed audited).
    sources : mapping of str to str, optional
        The source of each table (which result, which of its tables), as the report's
        manifest records it: what the ``identities`` name.
    identities : iterable of Identity or mapping
        Identities across tables declared by the result classes
        (:mod:`~trajectory.privacy.identities`).
    cache : dict, optional
        Bounds of components already solved, by component and the values it reads
        (:func:`~trajectory.privacy.release.protect_release` audits the same release
        round after round, with a few more cells hidden each time). Filled in place.

    Returns
    -------
    ReleaseAudit
    """
    protection = float(k if protection is None else protection)
    focus_set = set(focus) if focus is not None else None
    declared = identities_from(identities)
    read = None if focus_set is None else linked_tables(focus_set, declared, sources or {})
    frames = _as_frames(frames if read is None else
                        {name: f for name, f in frames.items() if name in read})
    collector = _Collector(frames, rounding, read, k=k, identities=declared, sources=sources)
    collector.prefer = focus_set
    collector.collect()
    relations = collector.relations
    problems = []
    for cell, kind, amount in collector.derived:
        if 0 < amount < k and (focus_set is None or cell[0] in focus_set):
            problems.append({"table": cell[0], "row": cell[1], "column": cell[2],
                             "problem": "derived", "relation": kind, "width": 0.0})

    def term_key(c: Any) -> Any:
        if isinstance(c, tuple) and collector.floored(c) and collector.shown(c):
            return ("floor", c)  # L .. L + k - 1
        if isinstance(c, tuple) and collector.shown(c):
            return ("shown", c) if rounding else None
        return c

    rel2 = []
    for r in relations:
        terms = []
        for c, a in r.terms:
            key = term_key(c)
            terms.append((key if key is not None else c, a))
        rel2.append(Relation(tuple(terms), r.lower, r.upper, r.kind, r.table, r.verified))

    def value(c: Any) -> float:
        return collector.value(c[1] if isinstance(c, tuple) and c[0] in ("shown", "floor")
                               else c)

    n_hidden = 0
    components = [[rel2[i] for i in c] for c in components_of(rel2)]
    while components:
        rels = components.pop()
        unknown = {c for r in rels for c, _ in r.terms
                   if not (isinstance(c, tuple) and len(c) == 3 and collector.shown(c))}
        hidden = [c for c in unknown if isinstance(c, tuple) and len(c) == 3]
        floors = [c for c in unknown if isinstance(c, tuple) and c[0] == "floor"]
        if not hidden and not floors:
            continue
        if focus_set is not None and not touches(rels, focus_set):
            continue
        n_hidden += len(hidden)
        found = cached_bounds(rels, unknown, value, rounding, sorted(hidden + floors, key=str),
                              cache, step=k)
        if all(np.isnan(b).all() for b in found.values()) and not all(
                r.verified for r in rels):
            # infeasible: an unconfirmed family does not hold; attack without it
            n_hidden -= len(hidden)
            kept = [r for r in rels if r.verified]
            components += [[kept[i] for i in c] for c in components_of(kept)]
            continue
        kinds = ", ".join(sorted({r.kind for r in rels}))
        for cell, (low, high) in found.items():
            if np.isnan(low) or np.isnan(high):
                continue
            width = high - low
            if cell[0] == "floor":  # a floored count pinned to one of its k values
                cell, width = cell[1], (width if width < 0.5 else protection)
            if width < 0.5:
                problem = "exact"
            elif width < protection:
                problem = "narrow"
            else:
                continue
            problems.append({"table": cell[0], "row": cell[1], "column": cell[2],
                             "problem": problem, "relation": kinds, "width": float(width)})
    table = pd.DataFrame(problems, columns=["table", "row", "column", "problem", "relation",
                                            "width"])
    table = table.drop_duplicates(["table", "row", "column", "problem"]).reset_index(drop=True)
    families: dict[str, int] = {}
    for r in relations:
        families[r.kind] = families.get(r.kind, 0) + 1
    return ReleaseAudit(table=table, k=k, protection=protection, n_hidden=n_hidden,
                        n_relations=len(relations), relation_kinds=families,
                        relations=tuple(relations))
