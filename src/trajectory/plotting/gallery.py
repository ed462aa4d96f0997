"""Render every figure of :mod:`trajectory.plotting` as PNG, on synthetic data.

``python -m trajectory.plotting.gallery reports/figures`` writes one PNG a figure (and
a few in Dutch and French). The data are a synthetic study of
:func:`trajectory.synth.make_study` (fixed seed), as a cohort from parquet registration;
the curves are computed by counts in this module (Kaplan-Meier with
Greenwood log intervals, Aalen-Johansen cumulative incidence with bootstrap intervals).
Cells with fewer than 5 cases are
suppressed as the disclosure gate would, to show how suppression is drawn.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     written = write_gallery(tmp, only=["funnel"])
...     [p.name for p in written]
['funnel.png']
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from scipy import stats

from .alluvial import plot_alluvial
from .curves import plot_curves
from .delays import plot_delays
from .export import save_figure
from .forest import plot_forest
from .funnel import plot_funnel
from .heatmap import plot_crosswalk
from .stacked import plot_stacked_incidence, plot_state_occupation

__all__ = ["write_gallery", "synthetic_cohort", "GALLERY"]

MIN_COUNT = 5
_SEED = 20261128
_OUTCOMES = ("dismissal_technical", "dismissal_opportunity", "alternative", "court",
             "administrative")
#: the offence groups drawn in the gallery (of the synthetic study's seven)
_GROUPS = ("partner_violence", "sexual_violence", "hate", "discrimination")
_N_CASES = 5000
_FAR = "2099-12-31"  # an extraction date after every trajectory has ended: no censoring


def synthetic_cohort(seed: int = _SEED, *, n_cases: int = _N_CASES) -> pd.DataFrame:
    """A synthetic cohort: one row a case registered at the parquet.

    Drawn by :func:`trajectory.synth.make_study` (the project's one generator) and
    shaped by :func:`trajectory.cohort.build_cohort` with the parquet registration (E30)
    as time zero; only the offence groups of :data:`_GROUPS` are kept. Columns:
    ``group`` (offence group), ``outcome`` (outcome group or ``censored``), ``time``
    (days from registration to decision or to the extraction date),
    ``full_outcome``/``full_time`` (the same study extracted after every trajectory has
    ended: no censoring), ``police_code``, ``parquet_code``, ``hate_lost`` (hate flag
    lost at the parquet), ``zone``, ``police_days`` (days from complaint to parquet
    registration).

    Examples
    --------
    >>> c = synthetic_cohort(n_cases=1000)
    >>> sorted(c["group"].unique())[:2], bool((c["time"] <= c["full_time"]).all())
    (['discrimination', 'hate'], True)
    """
    from ..cohort import build_cohort
    from ..synth import make_study

    def registered(extraction_date: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
        kwargs = {} if extraction_date is None else {"extraction_date": extraction_date}
        log = make_study(n_cases, seed=seed, **kwargs).log
        cohort = build_cohort(log, origin="E30", origin_fallback=()).table
        police = build_cohort(log, origin="E11", endpoints={"registered": ("E30",)}).table
        return cohort.set_index("case_id"), police.set_index("case_id")

    seen, police = registered(None)
    full, _ = registered(_FAR)
    seen = seen[seen["offence_group"].isin(_GROUPS)]
    out = pd.DataFrame({
        "group": seen["offence_group"].astype(str),
        "outcome": seen["outcome"].astype(str),
        "time": seen["time"].astype(float),
        "full_outcome": full["outcome"].astype(str).reindex(seen.index),
        "full_time": full["time"].astype(float).reindex(seen.index),
        "police_code": seen["police_code"].astype(str),
        "parquet_code": seen["parquet_code"].astype(str),
        "hate_lost": (seen["hate_police"].fillna(False)
                      & ~seen["hate_parquet"].fillna(False)).astype(bool),
        "zone": seen["zone"].astype(str),
        "police_days": police["time"].astype(float).reindex(seen.index),
    })
    return out.reset_index(drop=True)


def _suppress(table: pd.DataFrame, columns: Iterable[str], *, below: str) -> pd.DataFrame:
    """Mimic the disclosure gate: NaN the cells of rows where ``below`` < MIN_COUNT."""
    hidden = table[below] < MIN_COUNT
    out = table.copy()
    for c in columns:
        out[c] = out[c].astype(float).mask(hidden)
    out["suppressed"] = hidden
    return out


def km_table(cohort: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier curve table of time to any decision, by offence group, suppressed."""
    from ..estimators import kaplan_meier

    table = kaplan_meier(cohort, by="group", event="outcome", alpha=alpha).table
    table = table[["group", "time", "estimate", "lower", "upper", "n_risk", "n_event",
                   "n_censor"]]
    return _suppress(table, ["estimate", "lower", "upper", "n_risk", "n_event", "n_censor"],
                     below="n_risk")


def cif_table(cohort: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Cumulative incidence (Aalen-Johansen, with its variance) of each outcome by group.

    Read on a 15-day grid up to each group's last time.
    """
    from ..estimators import cumulative_incidence

    grid = np.arange(0.0, float(cohort["time"].max()) + 1, 15.0)
    result = cumulative_incidence(cohort, by="group", event="outcome", alpha=alpha)
    table = result.at(grid.tolist()).rename(columns={"state": "outcome"})
    last = cohort.groupby("group")["time"].max()
    table = table[table["outcome"].isin(_OUTCOMES)
                  & (table["time"] <= table["group"].map(last))]
    table = table[["group", "outcome", "time", "estimate", "lower", "upper", "n_risk"]]
    return _suppress(table.reset_index(drop=True), ["estimate", "lower", "upper", "n_risk"],
                     below="n_risk")


def occupation_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """State occupation of the uncensored cohort (police, parquet, decisions) by day."""
    grid = np.arange(0.0, 1096.0, 7.0)
    rows = []
    for g, sub in cohort.groupby("group", sort=False):
        at_parquet = sub["police_days"].to_numpy(float)
        outcome = sub["full_outcome"].to_numpy()
        # cases never decided stay at the parquet
        decided = np.where(outcome == "censored", np.inf,
                           at_parquet + sub["full_time"].to_numpy(float))
        in_police = (grid[:, None] < at_parquet[None, :]).mean(axis=1)
        in_parquet = ((grid[:, None] >= at_parquet) & (grid[:, None] < decided)).mean(axis=1)
        rows.append(pd.DataFrame({"group": g, "state": "police", "time": grid,
                                  "estimate": in_police}))
        rows.append(pd.DataFrame({"group": g, "state": "parquet", "time": grid,
                                  "estimate": in_parquet}))
        for k in _OUTCOMES:
            share = ((grid[:, None] >= decided) & (outcome == k)).mean(axis=1)
            rows.append(pd.DataFrame({"group": g, "state": k, "time": grid, "estimate": share}))
    return pd.concat(rows, ignore_index=True)


def funnel_table(cohort: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Attrition of the partner-violence cases from complaint to judgment (synthetic)."""
    from ..estimators.proportions import wilson_interval

    rng = np.random.default_rng(_SEED + 2)
    n_parquet = int((cohort["group"] == "partner_violence").sum())
    stages = ["E11", "E12", "E23", "E30", "decision", "E45", "E51"]
    n = [int(n_parquet / 0.80 / 0.95 / 0.99)]
    for share in (0.99, 0.95, 0.80):
        n.append(int(rng.binomial(n[-1], share)))
    n[-1] = n_parquet
    sub = cohort[cohort["group"] == "partner_violence"]
    n.append(int((sub["outcome"] != "censored").sum()))
    n.append(int((sub["outcome"] == "court").sum()))
    n.append(int(rng.binomial(n[-1], 0.35)))
    table = pd.DataFrame({"stage": stages, "n": n})
    prev = table["n"].shift(1)
    table["conditional"] = table["n"] / prev
    table["cumulative"] = table["n"] / table["n"].iloc[0]
    lower, upper = wilson_interval(table["n"].iloc[1:], prev.iloc[1:], alpha=alpha)
    table["lower"] = np.concatenate([[np.nan], lower])  # Wilson interval of each
    table["upper"] = np.concatenate([[np.nan], upper])  # conditional rate
    return table


def flows_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """Flows offence group -> parquet coding (kept / requalified) -> outcome."""
    coded = np.where(cohort["police_code"] == cohort["parquet_code"], "code kept",
                     "requalified")
    first = (cohort.assign(target=coded).groupby(["group", "target"], sort=False).size()
             .rename("count").reset_index().rename(columns={"group": "source"}).assign(step=0))
    second = (cohort.assign(source=coded).groupby(["source", "outcome"], sort=False).size()
              .rename("count").reset_index().rename(columns={"outcome": "target"})
              .assign(step=1))
    flows = pd.concat([first, second], ignore_index=True)
    hidden = flows["count"] < MIN_COUNT
    return flows.assign(count=flows["count"].astype(float).mask(hidden), suppressed=hidden)


def crosswalk_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """Police code x parquet code counts, small cells suppressed."""
    counts = (cohort.groupby(["police_code", "parquet_code"]).size().rename("n").reset_index())
    hidden = counts["n"] < MIN_COUNT
    return counts.assign(n=counts["n"].astype(float).mask(hidden), suppressed=hidden)


def cox_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """Cause-specific Cox models of court and technical dismissal (the package's solver)."""
    from ..estimators import cause_specific_cox

    data = (cohort[cohort["group"] != "discrimination"]  # too few court decisions to model
            .rename(columns={"group": "offence_group"})
            .assign(requalified=lambda d: (d["police_code"] != d["parquet_code"]).astype(float)))
    formula = "C(offence_group, Treatment('partner_violence')) + zone + requalified"
    frames = [cause_specific_cox(data, cause=outcome, event="outcome", formula=formula)
              .table.assign(outcome=outcome)
              for outcome in ("court", "dismissal_technical")]
    table = pd.concat(frames, ignore_index=True)
    table["term"] = table["term"].str.replace(
        "C(offence_group, Treatment('partner_violence'))", "offence_group", regex=False)
    return table[["outcome", "term", "estimate", "std_err", "lower", "upper", "p",
                  "hazard_ratio", "hr_lower", "hr_upper"]]


def flag_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """Difference in the share reaching court within a year (uncensored), flagged - not."""
    court = (cohort["full_outcome"] == "court") & (cohort["full_time"] <= 365)
    rows = []
    for term, flag, base in (
        ("hate flag lost", cohort["hate_lost"], cohort["group"] == "hate"),
        ("requalified", cohort["police_code"] != cohort["parquet_code"], cohort["group"] != ""),
    ):
        a, b = court[base & flag], court[base & ~flag]
        diff = a.mean() - b.mean()
        se = np.sqrt(a.mean() * (1 - a.mean()) / len(a) + b.mean() * (1 - b.mean()) / len(b))
        rows.append({"term": term, "estimate": diff, "std_err": se, "lower": diff - 1.96 * se,
                     "upper": diff + 1.96 * se, "p": 2 * stats.norm.sf(abs(diff / se))})
    return pd.DataFrame(rows)


def _figures(cohort: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    km = functools.cache(lambda: km_table(cohort))  # tables computed once, when first used
    cif = functools.cache(lambda: cif_table(cohort))
    k = MIN_COUNT
    return {
        "curves_km": lambda: plot_curves(km(), title="Time to a parquet decision", min_count=k),
        "curves_km_nl": lambda: plot_curves(km(), lang="nl", title="Tijd tot een beslissing",
                                            min_count=k),
        "curves_cif": lambda: plot_curves(cif()[cif()["group"] == "partner_violence"],
                                          title="Partner violence: outcomes", min_count=k),
        "stacked_incidence": lambda: plot_stacked_incidence(cif(), min_count=k),
        "stacked_incidence_fr": lambda: plot_stacked_incidence(
            cif(), group="partner_violence", lang="fr", min_count=k),
        "state_occupation": lambda: plot_state_occupation(occupation_table(cohort)),
        "funnel": lambda: plot_funnel(funnel_table(cohort), title="Partner violence"),
        "alluvial": lambda: plot_alluvial(flows_table(cohort), min_count=k,
                                          column_labels=["Offence", "Coding", "Outcome"]),
        "crosswalk": lambda: plot_crosswalk(crosswalk_table(cohort), min_count=k),
        "forest_cox": lambda: plot_forest(cox_table(cohort)),
        "forest_flags": lambda: plot_forest(flag_table(cohort), title="Court within a year"),
        "delays": lambda: plot_delays(km(), title="Time to a parquet decision"),
    }


#: Names of the gallery figures (file stems).
GALLERY: tuple[str, ...] = (
    "curves_km", "curves_km_nl", "curves_cif", "stacked_incidence", "stacked_incidence_fr",
    "state_occupation", "funnel", "alluvial", "crosswalk", "forest_cox", "forest_flags",
    "delays",
)


def write_gallery(out_dir: str | Path, *, only: Iterable[str] | None = None,
                  dpi: int = 120) -> list[Path]:
    """Render every gallery figure as ``<out_dir>/<name>.png`` and ``.svg``, with alt texts.

    The files are written by :func:`~trajectory.plotting.save_figure` (the alt text is in
    their metadata); the PNG paths are returned.

    Parameters
    ----------
    out_dir : path
        Created if missing.
    only : iterable of str, optional
        Names from :data:`GALLERY` to render (default all).
    dpi : int
        Resolution of the PNG files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = list(only) if only is not None else list(GALLERY)
    unknown = sorted(set(names) - set(GALLERY))
    if unknown:
        from ..errors import ConfigError

        raise ConfigError(f"write_gallery: unknown figure(s) {unknown}; known: {list(GALLERY)}")
    figures = _figures(synthetic_cohort())
    written = []
    for name in names:
        drawn = figures[name]()
        fig = drawn if isinstance(drawn, matplotlib.figure.Figure) else drawn.figure
        written.append(save_figure(fig, out / name, dpi=dpi).png)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m trajectory.plotting.gallery OUT_DIR``."""
    args = sys.argv[1:] if argv is None else argv
    out_dir = args[0] if args else "reports/figures"
    matplotlib.use("Agg")  # this command only writes files; importing the module sets nothing
    for path in write_gallery(out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
