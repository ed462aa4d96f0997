"""Identities between published tables: counts of one table that add up to a count of another.

Each table of a release passes the gate on its own, but a reader holds all of them: the
court decisions of one table may add up, group by group, to the size of a delay table;
the alternative measures of a details table may add up to the outcome count of the
cohort. A result class declares such identities in a class attribute ``identities``
(plain mappings, so that the classes above the gate need not import it), naming each
table by its *source*: which result and which of its tables, e.g.
``"sanctioning.details"``. The report records the source of every published table and
the identities of every published result in its manifest; the release audit
(:func:`~trajectory.privacy.audit.audit_release`) reads them as :class:`Identity` and
adds one linear relation a group to the one integer programme over the whole release.

An identity is written ``sum(parts) = whole`` (``relation="="``) or
``sum(parts) >= whole`` (``relation=">="``: the whole is a part of the parts, e.g. the
events by a horizon). Each side names a ``source``, a count ``column``, a row filter
``where`` (column to the values it keeps), ``exclude`` (column to the values it drops),
``differ`` (pairs of columns whose values must differ on a kept row: the off-diagonal
cells of a crosswalk, whose sum is the number of cases recoded) and ``per``, the column
naming the group the identity holds within (``None``: the whole table at once). The
whole of a group is its first kept row (a count repeated on the quantile rows of a
group is one count), or with ``every`` the sum of its kept rows: a sum of cells of one
table equal to a sum of cells of another (the events of a test by group add up to the
cohort's decided cases).

References
----------
Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte Nordholt, E.,
Spicer, K. and de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Wiley, ch. 4
(linked tables: a cell shared by several tables is protected in all of them at once).

Examples
--------
>>> import pandas as pd
>>> details = pd.DataFrame({"offence_group": ["a", "a", "b"], "code": ["E45", "E46", "E45"],
...                         "n": [7.0, float("nan"), 9.0]})
>>> delay = pd.DataFrame({"offence_group": ["a", "b"], "n": [10.0, 9.0]})
>>> same = Identity.from_mapping({
...     "parts": {"source": "s.details", "column": "n", "where": {"code": ["E45", "E46"]},
...               "per": "offence_group"},
...     "whole": {"source": "s.delay", "column": "n", "per": "offence_group"}})
>>> frames = {"details": details, "delay": delay}
>>> sources = {"details": "s.details", "delay": "s.delay"}
>>> [(len(parts), wholes) for parts, wholes in same.instances(frames, sources)]
[(2, [('delay', 0, 'n')]), (1, [('delay', 1, 'n')])]

A selection of cells: the crosswalk rows whose parquet code is not the police code add
up to the number of cases of the police code that were recoded.

>>> crosswalk = pd.DataFrame({"police_code": ["37", "37", "40"],
...                           "parquet_code": ["37", "40", "40"], "n": [30.0, 6.0, 9.0]})
>>> recoded = pd.DataFrame({"police_code": ["37", "40"], "n_differs": [6.0, 0.0]})
>>> off_diagonal = Identity.from_mapping({
...     "parts": {"source": "c.table", "column": "n", "per": "police_code",
...               "differ": [["parquet_code", "police_code"]]},
...     "whole": {"source": "c.recoded", "column": "n_differs", "per": "police_code"}})
>>> off_diagonal.instances({"cw": crosswalk, "rq": recoded}, {"cw": "c.table", "rq": "c.recoded"})
[([('cw', 1, 'n')], [('rq', 0, 'n_differs')])]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PrivacyError

__all__ = ["Cells", "Identity", "identities_from", "linked_tables", "touches"]

Cell = tuple[str, int, str]  # (table, row position, column)


@dataclass(frozen=True)
class Cells:
    """One side of an identity: the ``column`` of the rows of a ``source`` kept by ``where``.

    ``exclude`` drops the rows holding one of its values; ``differ`` keeps only the rows
    where each pair of columns holds two different values (a crosswalk's off-diagonal
    cells); ``every`` makes a whole the sum of its group's kept rows, not the first.
    """

    source: str
    column: str
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    per: str | None = None
    differ: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, tuple[str, ...]], ...] = ()
    every: bool = False

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> Cells:
        """Read a side (``source``, ``column``, ``where``, ``exclude``, ``differ``, ``per``...)."""
        try:
            where, exclude = (tuple((str(c), tuple(str(v) for v in values))
                                    for c, values in dict(spec.get(key) or {}).items())
                              for key in ("where", "exclude"))
            differ = tuple(_pair(pair) for pair in spec.get("differ") or ())
            return cls(str(spec["source"]), str(spec["column"]), where,
                       None if spec.get("per") is None else str(spec["per"]), differ,
                       exclude, bool(spec.get("every", False)))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise PrivacyError(f"an identity side needs 'source' and 'column' (and 'differ' "
                               f"pairs of column names) ({exc!r}); got keys "
                               f"{sorted(dict(spec))}") from None

    def to_mapping(self) -> dict[str, Any]:
        """The declaration this side was read from (JSON-ready)."""
        out: dict[str, Any] = {"source": self.source, "column": self.column,
                               "where": {c: list(v) for c, v in self.where}, "per": self.per}
        if self.exclude:
            out["exclude"] = {c: list(v) for c, v in self.exclude}
        if self.differ:
            out["differ"] = [list(pair) for pair in self.differ]
        if self.every:
            out["every"] = True
        return out

    def rows(self, frame: pd.DataFrame) -> dict[str, list[int]] | None:
        """Row positions kept, by group (one key ``""`` without ``per``); None if unusable."""
        if self.column not in frame.columns or (self.per and self.per not in frame.columns):
            return None
        keep = np.ones(len(frame), dtype=bool)
        for column, values in self.where:
            if column not in frame.columns:
                return None
            keep &= _matches(frame[column], values)
        for column, values in self.exclude:
            if column in frame.columns:
                keep &= ~_matches(frame[column], values)
        for first, second in self.differ:
            if first not in frame.columns or second not in frame.columns:
                return None
            keep &= _differs(frame[first], frame[second])
        groups = (frame[self.per].astype(str).to_numpy() if self.per
                  else np.full(len(frame), "", dtype=object))
        out: dict[str, list[int]] = {}
        for position in np.flatnonzero(keep):
            out.setdefault(str(groups[position]), []).append(int(position))
        return out


def _pair(pair: Any) -> tuple[str, str]:
    """Two column names (a ``differ`` entry)."""
    if isinstance(pair, str) or len(pair) != 2:
        raise TypeError(f"'differ' holds pairs of column names, got {pair!r}")
    return str(pair[0]), str(pair[1])


def _differs(first: pd.Series, second: pd.Series) -> np.ndarray:
    """Rows where two columns differ, as text or, where both are numbers, as numbers."""
    out = first.astype(str).to_numpy() != second.astype(str).to_numpy()
    a = pd.to_numeric(first, errors="coerce").to_numpy(float)
    b = pd.to_numeric(second, errors="coerce").to_numpy(float)
    both = ~np.isnan(a) & ~np.isnan(b)
    out[both] = a[both] != b[both]
    return np.asarray(out, dtype=bool)


def _matches(values: pd.Series, wanted: tuple[str, ...]) -> np.ndarray:
    """Which values are among ``wanted`` (as text, or as numbers: ``730`` is ``730.0``)."""
    hit = values.astype(str).isin(wanted).to_numpy()
    numbers = pd.to_numeric(pd.Series(wanted), errors="coerce").dropna().to_numpy(float)
    if numbers.size:
        as_number = pd.to_numeric(values, errors="coerce").to_numpy(float)
        hit |= np.isin(as_number, numbers)
    return hit


@dataclass(frozen=True)
class Identity:
    """``sum(parts) = whole`` (or ``>=``) within each group, across two published tables.

    The whole is one count (the first kept row of its group), or the sum of its group's
    kept rows when its side says ``every``.
    """

    parts: Cells
    whole: Cells
    relation: str = "="

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> Identity:
        """Read an identity from its declaration (``parts``, ``whole``, ``relation``)."""
        relation = str(spec.get("relation", "="))
        if relation not in ("=", ">="):
            raise PrivacyError(f"identity relation must be '=' or '>=', got {relation!r}")
        if "parts" not in spec or "whole" not in spec:
            raise PrivacyError(f"an identity needs 'parts' and 'whole'; got {sorted(spec)}")
        return cls(Cells.from_mapping(spec["parts"]), Cells.from_mapping(spec["whole"]),
                   relation)

    def to_mapping(self) -> dict[str, Any]:
        """The declaration this identity was read from (JSON-ready)."""
        return {"parts": self.parts.to_mapping(), "whole": self.whole.to_mapping(),
                "relation": self.relation}

    def tables(self, sources: Mapping[str, str]) -> tuple[list[str], list[str]]:
        """Names of the published tables of each side."""
        return ([t for t, s in sources.items() if s == self.parts.source],
                [t for t, s in sources.items() if s == self.whole.source])

    def instances(self, frames: Mapping[str, pd.DataFrame], sources: Mapping[str, str],
                  ) -> list[tuple[list[Cell], list[Cell]]]:
        """One ``(parts, wholes)`` pair of cell lists a group found in both tables.

        ``wholes`` is one cell, or every kept row of the group when the whole side says
        ``every``.

        A group with a whole but no part row is left out: a details table lists only
        the codes that occur, and an ``all`` row has no parts.
        """
        out = []
        part_tables, whole_tables = self.tables(sources)
        for p_name in part_tables:
            for w_name in whole_tables:
                if p_name == w_name or p_name not in frames or w_name not in frames:
                    continue
                parts = self.parts.rows(frames[p_name])
                wholes = self.whole.rows(frames[w_name])
                if not parts or not wholes:
                    continue
                for group, rows in wholes.items():
                    if group in parts:
                        kept = rows if self.whole.every else rows[:1]
                        out.append(([(p_name, i, self.parts.column) for i in parts[group]],
                                    [(w_name, i, self.whole.column) for i in kept]))
        return out


def identities_from(declared: Iterable[Identity | Mapping[str, Any]]) -> list[Identity]:
    """Identities from declarations (mappings, as result classes and manifests hold them)."""
    out: list[Identity] = []
    for spec in declared:
        identity = spec if isinstance(spec, Identity) else Identity.from_mapping(spec)
        if identity not in out:
            out.append(identity)
    return out


def linked_tables(tables: Iterable[str], identities: Iterable[Identity],
                  sources: Mapping[str, str]) -> set[str]:
    """``tables`` and every published table an identity links to one of them."""
    out = set(tables)
    sides = [identity.tables(sources) for identity in identities]
    grown = True
    while grown:  # a chain of identities links its tables too
        before = len(out)
        for part_tables, whole_tables in sides:
            linked = set(part_tables) | set(whole_tables)
            if linked & out and part_tables and whole_tables:
                out |= linked
        grown = len(out) > before
    return out


def touches(relations: Iterable[Any], tables: set[str]) -> bool:
    """True if a cell of ``tables``, hidden or shown, is in one of the relations.

    ``relations`` hold ``terms`` (cell or helper unknown, coefficient), as
    :class:`~trajectory.privacy.audit.Relation` does; a shown cell may be wrapped as
    ``("shown", cell)``.

    A focused audit attacks what the focused tables give away: their hidden counts, and
    the hidden counts of other tables their shown counts pin down (a count an earlier
    table hid, repeated by the new one).

    Examples
    --------
    >>> from trajectory.privacy.audit import Relation
    >>> same = Relation(((("old", 0, "n"), 1.0), (("new", 0, "n"), -1.0)), 0.0, 0.0,
    ...                 "identity", "new")
    >>> touches([same], {"new"}), touches([same], {"other"})
    (True, False)
    """
    for r in relations:
        for c, _ in r.terms:
            wrapped = isinstance(c, tuple) and len(c) == 2 and c[0] in ("shown", "floor")
            cell = c[1] if wrapped else c
            if isinstance(cell, tuple) and len(cell) == 3 and cell[0] in tables:
                return True
    return False
