"""The comparison tree of the lenses: dimension -> stage/metric -> subgroup -> group.

Each lens asks one question per stage (is this delay longer? this share lower? this
outcome's hazard higher?). :func:`compare` answers it for every comparison dimension
(police zone, parquet division, config groupings), pooled over the study (within
strata, e.g. offence group) and within each subgroup (each offence group, and each
level of any config-named subgroup column), with the one-vs-rest engine of
:mod:`trajectory.estimators.grouped`: one counts table per dimension, the rest of a
group being the stratum total minus the group. The rows it returns are the leaves of
the tree that :func:`trajectory.bottlenecks.flags` tests with TreeBH.

Rules shared by every lens:

* **Unknown is not a group.** Cases whose dimension value is missing or unknown (a
  case that never reached the parquet has no division) are left out of that
  dimension's comparisons: never a group, never in the rest.
* **Two levels, one contrast.** When a dimension has two levels in the compared
  population, the two one-vs-rest rows are the same test; one row is kept, naming
  the level on the harmful side and the other level as ``reference_group``.
* **Size.** A group or its complement with fewer than ``min_n`` cases in the compared
  population is not compared.

Examples
--------
>>> spec = Design(compare=("zone",), subgroups=("offence_group",), strata=("offence_group",))
>>> spec.compare, spec.min_n
(('zone',), 20)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cohort.days import CaseDays

__all__ = ["Design", "ALL", "TEST_COLUMNS", "compare"]

ALL = "all"  #: subgroup label of the pooled comparison

#: Columns of a lens's ``tests`` table: the leaves of the comparison tree.
TEST_COLUMNS: tuple[str, ...] = (
    "lens", "stage", "events", "by", "subgroup", "group", "reference_group", "metric",
    "value", "reference", "effect", "effect_lower", "effect_upper", "p", "n_group",
    "n_rest", "test", "adjusted_for",
)


@dataclass(frozen=True)
class Design:
    """What a lens compares: dimensions, subgroup columns, strata, smallest group."""

    compare: tuple[str, ...] = ("zone", "division")
    subgroups: tuple[str, ...] = ("offence_group",)
    strata: tuple[str, ...] = ("offence_group",)
    min_n: int = 20
    alpha: float = 0.05


def _combined_codes(days: CaseDays, columns: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """One integer per case (of ``rows``) for the combination of ``columns``' values."""
    out = np.zeros(rows.size, dtype=np.int64)
    for c in columns:
        codes, names = days.column_codes(c)
        out = out * len(names) + codes[rows]
    return pd.factorize(out)[0].astype(np.int64)


#: A statistic: (rows of the compared population, their group labels, their strata,
#: the subgroup mask per stratum label) -> DataFrame by group with columns ``effect,
#: effect_lower, effect_upper, p, value, reference, n_group, n_rest``.
Statistic = Callable[[np.ndarray, np.ndarray, np.ndarray], pd.DataFrame]


def _orient(res: pd.DataFrame, levels: np.ndarray, harmful: str, neutral: float
            ) -> pd.DataFrame:
    """Two levels: keep the row whose effect points to harm (the other is its mirror)."""
    if len(res) == 1:
        other = [str(v) for v in levels if str(v) != str(res.index[0])]
        return res.assign(reference_group=other[0] if other else "rest")
    eff = res["effect"].to_numpy(float)
    sign = 1.0 if harmful == "greater" else -1.0
    score = np.where(np.isfinite(eff), sign * (eff - neutral), -np.inf)
    keep = int(np.argmax(score))
    other = res.index[1 - keep]
    return res.iloc[[keep]].assign(reference_group=str(other))


def compare(
    days: CaseDays,
    rows: np.ndarray,
    statistic: Statistic,
    design: Design,
    *,
    harmful: str,
    neutral: float,
    dimensions: Sequence[str] | None = None,
    subgroups: bool = True,
) -> list[dict]:
    """Run ``statistic`` for every dimension, pooled and within every subgroup.

    Parameters
    ----------
    days : CaseDays
        The study's per-case days and columns.
    rows : ndarray of int
        The cases of the compared population (positions in ``days.case_ids``).
    statistic : callable
        ``statistic(positions, groups, strata) -> DataFrame`` indexed by group, where
        ``positions`` index ``rows``; columns ``effect, effect_lower, effect_upper, p,
        value, reference, n_group, n_rest``.
    design : Design
        Dimensions, subgroup columns, strata and ``min_n``.
    harmful : {"greater", "less"}
        Direction of harm of the effect (orients two-level contrasts).
    neutral : float
        The effect of no difference (1 for ratios, 0 for differences).
    dimensions : sequence of str, optional
        Override ``design.compare`` (e.g. no division for a stage before the parquet).
    subgroups : bool
        Also compare within each subgroup level.

    Returns
    -------
    list of dict
        One dict per compared group with ``by, subgroup, group, reference_group``, the
        statistic's columns and ``adjusted_for`` (the strata left within the subgroup:
        within one offence group, offence group is no longer an adjustment).
    """
    out: list[dict] = []
    dims = list(design.compare if dimensions is None else dimensions)
    present = set(days._cases.columns)
    strata = _combined_codes(days, [c for c in design.strata if c in present], rows)
    sub_codes = ({c: days.column_codes(c) for c in design.subgroups if c in present}
                 if subgroups else {})
    for dim in dims:
        if dim not in present:
            continue
        all_codes, names = days.column_codes(dim)
        value = all_codes[rows]
        known = names[value] != "missing"
        used = [c for c in design.strata if c in present]
        populations = [(ALL, known, "+".join(used))]
        for col, (sc, snames) in sub_codes.items():
            if col == dim:
                continue
            sv = sc[rows]
            here = np.unique(sv[known])
            here = here[snames[here] != "missing"]
            if len(here) < 2:  # one level: the subgroup is the pooled comparison
                continue
            for code in here:
                level = str(snames[code])
                populations.append((f"{col}={level}" if col != "offence_group" else level,
                                    known & (sv == code),
                                    "+".join(c for c in used if c != col)))
        for label, mask, adjusted in populations:
            pos = np.flatnonzero(mask)
            if pos.size < 2 * design.min_n:
                continue
            g = value[pos]
            counts = np.bincount(g, minlength=len(names))
            levels = np.flatnonzero(counts)
            sizes = counts[levels]
            ok = (sizes >= design.min_n) & (pos.size - sizes >= design.min_n)
            if len(levels) < 2 or not ok.any():
                continue
            res = statistic(pos, g, strata[pos])
            res = res.loc[res.index.isin(levels[ok])]
            if not len(res):
                continue
            res.index = names[res.index.to_numpy(dtype=np.int64)]
            if len(levels) == 2:
                res = _orient(res, names[levels], harmful, neutral)
            else:
                res = res.assign(reference_group="rest")
            for grp, rec in res.iterrows():
                out.append({"by": dim, "subgroup": label, "group": str(grp), **rec.to_dict(),
                            "adjusted_for": adjusted})
    return out
