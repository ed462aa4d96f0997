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
``where`` (column to the values it keeps) and ``per``, the column naming the group the
identity holds within (``None``: the whole table at once).

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
>>> [(len(parts), whole) for parts, whole in same.instances(frames, sources)]
[(2, ('delay', 0, 'n')), (1, ('delay', 1, 'n'))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PrivacyError

__all__ = ["Cells", "Identity", "identities_from", "linked_tables"]

Cell = tuple[str, int, str]  # (table, row position, column)


@dataclass(frozen=True)
class Cells:
    """One side of an identity: the ``column`` of the rows of a ``source`` kept by ``where``."""

    source: str
    column: str
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    per: str | None = None

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> Cells:
        """Read a side from its declaration (``source``, ``column``, ``where``, ``per``)."""
        try:
            where = tuple((str(c), tuple(str(v) for v in values))
                          for c, values in dict(spec.get("where") or {}).items())
            return cls(str(spec["source"]), str(spec["column"]), where,
                       None if spec.get("per") is None else str(spec["per"]))
        except (KeyError, TypeError, AttributeError) as exc:
            raise PrivacyError(f"an identity side needs 'source' and 'column' ({exc!r}); "
                               f"got keys {sorted(dict(spec))}") from None

    def to_mapping(self) -> dict[str, Any]:
        """The declaration this side was read from (JSON-ready)."""
        return {"source": self.source, "column": self.column,
                "where": {c: list(v) for c, v in self.where}, "per": self.per}

    def rows(self, frame: pd.DataFrame) -> dict[str, list[int]] | None:
        """Row positions kept, by group (one key ``""`` without ``per``); None if unusable."""
        if self.column not in frame.columns or (self.per and self.per not in frame.columns):
            return None
        keep = np.ones(len(frame), dtype=bool)
        for column, values in self.where:
            if column not in frame.columns:
                return None
            keep &= _matches(frame[column], values)
        groups = (frame[self.per].astype(str).to_numpy() if self.per
                  else np.full(len(frame), "", dtype=object))
        out: dict[str, list[int]] = {}
        for position in np.flatnonzero(keep):
            out.setdefault(str(groups[position]), []).append(int(position))
        return out


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
    """``sum(parts) = whole`` (or ``>=``) within each group, across two published tables."""

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
                  ) -> list[tuple[list[Cell], Cell]]:
        """One ``(parts, whole)`` pair of cells a group found in both tables.

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
                        out.append(([(p_name, i, self.parts.column) for i in parts[group]],
                                    (w_name, rows[0], self.whole.column)))
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
