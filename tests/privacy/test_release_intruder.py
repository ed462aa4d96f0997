"""The intruder of issue #20, rebuilt from the published files of generated reports.

A reader holds ``index.html``, ``tables/*.csv`` and the executed notebooks. From those
files only, an intruder (written here apart from :mod:`trajectory.privacy.audit`, which
is run too) bounds every hidden count by integer programming over the margins the
tables show, and looks for counts in ``1 .. k-1`` among shown numbers, their
complements, horizon differences and shares times counts. The fast test runs the
lenses of a sparse 300-case report; the slow one every notebook at the demo sizes.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from trajectory.attrition import AttritionResult
from trajectory.bottlenecks.nomenclature import NomenclatureResult
from trajectory.bottlenecks.reception import ReceptionResult
from trajectory.bottlenecks.sanctioning import SanctioningResult
from trajectory.estimators.comparison import LogrankResult
from trajectory.monitoring.charts import CusumResult
from trajectory.monitoring.funnels import FunnelResult
from trajectory.privacy.audit import audit_release, count_columns
from trajectory.privacy.release import _notebook_outputs, displayed_numbers, ungated_displays
from trajectory.report import notebook_paths, run_demo

K = 5

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.xdist_group("report"),
]


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in sorted((folder / "tables").glob("*.csv"))}


def _all_row_attack(frame: pd.DataFrame, column: str) -> list[tuple[int, float]]:
    """Width of every hidden ``column`` cell under 'groups of each by add up to all'."""
    if not {"group", column} <= set(frame.columns) or not (frame["group"] == "all").any():
        return []
    keys = [c for c in frame.columns if c not in ("by", "group") and frame[c].dtype == object
            and c not in ("sentence", "test", "adjusted_for", "direction", "severity")]
    keys += [c for c in ("q", "time", "order") if c in frame.columns]
    values = frame[column].to_numpy(dtype=float)
    hidden = np.flatnonzero(np.isnan(values))
    if hidden.size == 0:
        return []
    index = {int(h): j for j, h in enumerate(hidden)}
    rows, lo = [], []
    by = frame["by"] if "by" in frame.columns else pd.Series("", index=frame.index)
    framed = frame.assign(_by=by)
    confirmed = set()  # breakdowns whose groups add up wherever every cell is shown
    for b in set(by) - {"all"}:
        sums = []
        for _, block in framed.groupby([*keys] or (lambda _: 0), dropna=False):
            total, parts = block[block["group"] == "all"], block[block["_by"] == b]
            for c in count_columns(frame):
                cells = [*total[c], *parts[c]]
                if len(total) == 1 and len(parts) and not np.isnan(cells).any():
                    sums.append(abs(parts[c].sum() - total[c].iloc[0]) < 1e-9)
        if sums and all(sums):
            confirmed.add(b)
    for _, block in framed.groupby([*keys] or (lambda _: 0), dropna=False):
        total = block[block["group"] == "all"]
        if len(total) != 1:
            continue
        for b, parts in block[block["group"] != "all"].groupby("_by"):
            if b not in confirmed:
                continue
            coef = np.zeros(hidden.size)
            const = 0.0
            for position, sign in [(int(total.index[0]), -1.0),
                                   *[(int(i), 1.0) for i in parts.index]]:
                if position in index:
                    coef[index[position]] += sign
                else:
                    const += sign * values[position]
            if coef.any():
                rows.append(coef)
                lo.append(-const)
    if not rows:
        return []
    a = np.vstack(rows)
    widths = []
    for h, j in index.items():
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(hidden.size)
            c[j] = sign
            res = milp(c, constraints=LinearConstraint(a, lo, lo),
                       integrality=np.ones(hidden.size), bounds=Bounds(0, 1e6))
            ends.append(np.nan if res.x is None else res.x[j])
        if not np.isnan(ends).any() and a[:, j].any():
            widths.append((h, ends[1] - ends[0]))
    return widths


def _derived_small_counts(frame: pd.DataFrame) -> list[str]:
    """Complements n - part and horizon differences in 1 .. k-1 among shown counts."""
    problems = []
    counts = count_columns(frame)
    size = next((c for c in ("n", "n_base", "n_flagged", "n_group") if c in counts), None)
    for column in counts:
        if size is None or column in (size, "n_rest"):
            continue
        gap = frame[size] - frame[column]
        if ((gap > 0) & (gap < K)).any():
            problems.append(f"{column} complement")
    if "time" in frame.columns and "n_event" in counts and "n_censor" not in frame.columns:
        keys = [c for c in ("group", "outcome", "state") if c in frame.columns]
        for _, series in frame.sort_values("time").groupby(keys):
            step = series["n_event"].diff().dropna()
            if ((step > 0) & (step < K)).any():
                problems.append("horizon difference")
    return problems


def _rows(frame: pd.DataFrame, column: str, values: tuple[str, ...]) -> pd.Series:
    return frame[column].astype(str).isin(values)


def _sizes_recovered_from_shares(flags: pd.DataFrame) -> int:
    """Rows where one true size near the shown one, and not the shown one, fits a share.

    A share on the grid of the shown size fits that size; a full-precision share fits
    only the true size, which then undoes the rounding (or gives a part in 1 .. k-1).
    """
    recovered = 0
    for share, size in ((flags["value"], flags["n_group"]), (flags["reference"], flags["n_rest"])):
        for s, n in zip(share.to_numpy(float), size.to_numpy(float), strict=True):
            if np.isnan(s) or np.isnan(n) or not 0 < s < 1:
                continue
            half = 0.5 * 10.0 ** (np.floor(np.log10(abs(s))) - 5)  # six printed digits
            fits = [m for m in range(max(1, int(n - K // 2)), int(n + K // 2) + 1)
                    if abs(s * m - round(s * m)) <= m * half + 1e-9]
            recovered += len(fits) == 1 and (fits[0] != n or 0 < round(s * fits[0]) < K)
    return recovered


def _cross_table_attack(frames: dict[str, pd.DataFrame]) -> tuple[list[float], list[float]]:
    """Issue #20 class 3, from the published files only: details against other tables.

    The alternative measures and court decisions of ``sanctioning_details`` add up to
    the quickstart's outcome counts; its summons (E45, E46) to the judgment delay's
    ``n``, group by group; and they are at least the 730-day events of the outcomes
    table. Returns the width of every hidden details count the attack reaches, and
    every shown difference of a bound.
    """
    details = frames.get("sanctioning_details")
    if details is None or "n" not in details.columns:
        return [], []
    values = details["n"].to_numpy(dtype=float)
    hidden = np.flatnonzero(np.isnan(values))
    index = {int(h): j for j, h in enumerate(hidden)}
    rows, lo, hi, gaps = [], [], [], []

    def constrain(mask: pd.Series, whole: float, equal: bool) -> None:
        if np.isnan(whole) or not mask.any():
            return
        coef = np.zeros(hidden.size)
        shown = 0.0
        for i in np.flatnonzero(mask.to_numpy()):
            if int(i) in index:
                coef[index[int(i)]] = 1.0
            else:
                shown += values[i]
        if not coef.any():
            if not equal:
                gaps.append(shown - whole)
            return
        rows.append(coef)
        lo.append(whole - shown)
        hi.append(whole - shown if equal else 1e6)

    alternative, court = ("E42", "E43", "E44"), ("E45", "E46", "E47")
    outcomes = frames.get("quickstart_outcomes")
    if outcomes is not None:
        for name, codes in (("alternative", alternative), ("court", court)):
            total = outcomes.loc[outcomes["outcome"] == name, "n"].to_numpy(dtype=float)
            if total.size == 1:
                constrain(_rows(details, "code", codes), float(total[0]), True)
    delay = frames.get("sanctioning_judgment_delay")
    horizon = frames.get("sanctioning_outcomes")
    for group in pd.unique(details["offence_group"].astype(str)):
        in_group = details["offence_group"].astype(str) == group
        if delay is not None and "n" in delay.columns:
            whole = delay.loc[(delay["offence_group"].astype(str) == group)
                              & (delay["q"] == 0.5), "n"].to_numpy(dtype=float)
            if whole.size == 1:
                constrain(in_group & _rows(details, "code", ("E45", "E46")), whole[0], True)
        if horizon is not None and "n_event" in horizon.columns:
            for name, codes in (("alternative", alternative), ("court", court)):
                whole = horizon.loc[(horizon["group"].astype(str) == group)
                                    & (horizon["outcome"] == name) & (horizon["time"] == 730),
                                    "n_event"].to_numpy(dtype=float)
                if whole.size == 1:
                    constrain(in_group & _rows(details, "code", codes), whole[0], False)
    widths = []
    if rows:
        constraint = LinearConstraint(np.vstack(rows), lo, hi)
        for j in range(hidden.size):
            if not np.vstack(rows)[:, j].any():
                continue
            ends = []
            for sign in (1.0, -1.0):
                c = np.zeros(hidden.size)
                c[j] = sign
                res = milp(c, constraints=constraint, integrality=np.ones(hidden.size),
                           bounds=Bounds(0, 1e6))
                ends.append(np.nan if res.x is None else res.x[j])
            if not np.isnan(ends).any():
                widths.append(float(ends[1] - ends[0]))
    return widths, gaps


#: a filter of the crosswalk: the rows whose parquet code is not the police code
OFF_DIAGONAL = "parquet code differs"

#: the same population counted in two tables (issue #20 class 3, the other lenses):
#: (parts table, column, filter, per) adding up to (whole table, column, filter, per)
SAME_POPULATION = (
    (("reception_support", "n", {"metric": "referral_rate"}, "group"),
     ("reception_delays", "n", {"stage": "reporting", "q": 0.5}, "group")),
    (("quickstart_cases", "n", {}, None),
     ("reception_delays", "n", {"stage": "reporting", "q": 0.5, "by": "all"}, None)),
    (("quickstart_outcomes", "n", {}, None),
     ("reception_delays", "n", {"stage": "reporting", "q": 0.5, "by": "all"}, None)),
    (("nomenclature_crosswalk", "n", {}, "police_code"),
     ("nomenclature_requalification", "n", {}, "police_code")),
    (("nomenclature_agreement", "n", {}, "group"), ("sanctioning_outcomes", "n", {}, "group")),
    (("quickstart_cases", "n", {}, None),
     ("attrition", "n_base", {"group": "all", "stage": "complaint", "measure": "cumulative_aj"},
      None)),
    (("quickstart_cases", "n", {}, "offence_group"), ("logrank_by_offence", "n", {}, "group")),
    (("reception_delays", "n", {"stage": "reporting", "q": 0.5}, "group"),
     ("funnel_transmitted_30d", "n", {}, "group")),
    (("nomenclature_crosswalk", "n", {OFF_DIAGONAL: True}, "police_code"),
     ("nomenclature_requalification", "n_differs", {}, "police_code")),
    (("reception_delays", "n", {"stage": "reporting", "q": 0.5}, "group"),
     ("cusum_transmission", "n", {}, "group")),
)

#: what each demo table is, as the result classes' identities name it
SOURCES = {"quickstart_cases": "cohort.cases", "quickstart_outcomes": "cohort.outcomes",
           "reception_delays": "reception.table", "reception_support": "reception.support",
           "nomenclature_crosswalk": "nomenclature.table",
           "nomenclature_agreement": "nomenclature.agreement",
           "nomenclature_requalification": "nomenclature.requalification",
           "sanctioning_outcomes": "sanctioning.table",
           "sanctioning_details": "sanctioning.details",
           "sanctioning_judgment_delay": "sanctioning.judgment_delay",
           "attrition": "attrition.table", "logrank_by_offence": "comparison.logrank",
           "funnel_transmitted_30d": "monitoring.funnel",
           "cusum_transmission": "monitoring.cusum"}


def _side(frames: dict[str, pd.DataFrame], spec: tuple) -> dict[str, list[tuple[str, int]]]:
    """Rows of one side of an equality, by group (one key without ``per``)."""
    name, column, where, per = spec
    frame = frames.get(name)
    if frame is None or column not in frame.columns or (per and per not in frame.columns):
        return {}
    keep = pd.Series(True, index=frame.index)
    for c, v in where.items():
        if c == OFF_DIAGONAL:
            keep &= frame["parquet_code"].astype(str) != frame["police_code"].astype(str)
            continue
        if c not in frame.columns:
            return {}
        keep &= frame[c].astype(str) == str(v) if isinstance(v, str) else frame[c] == v
    out: dict[str, list[tuple[str, int]]] = {}
    for i in np.flatnonzero(keep.to_numpy()):
        out.setdefault(str(frame[per].iloc[i]) if per else "", []).append((name, int(i)))
    return out


def _same_population_attack(frames: dict[str, pd.DataFrame]) -> tuple[list[float], list[float]]:
    """Bound the hidden counts the equalities of :data:`SAME_POPULATION` reach.

    Returns the width of every hidden count reached, and the gap of every equality
    whose cells are all shown (0 where the equality holds).
    """
    equalities = []
    for parts_spec, whole_spec in SAME_POPULATION:
        parts, wholes = _side(frames, parts_spec), _side(frames, whole_spec)
        for group, rows in wholes.items():
            if group in parts:
                equalities.append(([(*c, parts_spec[1]) for c in parts[group]],
                                   (*rows[0], whole_spec[1])))
    value = {}
    for cells, whole in equalities:
        for t, i, c in [*cells, whole]:
            value[(t, i, c)] = float(pd.to_numeric(frames[t][c], errors="coerce").iloc[i])
    hidden = sorted(c for c, v in value.items() if np.isnan(v))
    index = {c: j for j, c in enumerate(hidden)}
    rows, rhs, gaps = [], [], []
    for cells, whole in equalities:
        coef, const = np.zeros(len(hidden)), 0.0
        for cell, sign in [*[(c, 1.0) for c in cells], (whole, -1.0)]:
            if cell in index:
                coef[index[cell]] += sign
            else:
                const += sign * value[cell]
        if coef.any():
            rows.append(coef)
            rhs.append(-const)
        else:
            gaps.append(const)
    widths = []
    if rows:
        a = np.vstack(rows)
        for j in range(len(hidden)):
            if not a[:, j].any():
                continue
            ends = []
            for sign in (1.0, -1.0):
                c = np.zeros(len(hidden))
                c[j] = sign
                res = milp(c, constraints=LinearConstraint(a, rhs, rhs),
                           integrality=np.ones(len(hidden)), bounds=Bounds(0, 1e6))
                ends.append(np.nan if res.x is None else res.x[j])
            if not np.isnan(ends).any():
                widths.append(float(ends[1] - ends[0]))
    return widths, gaps


def _html_table_numbers(html: str) -> list[float]:
    numbers = []
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        numbers += displayed_numbers(table)
    return numbers


def _check(folder: Path) -> None:
    frames = _tables(folder)
    assert len(frames) >= 10
    # the package's own audit over every relation it knows
    audit = audit_release(frames, k=K)
    assert audit.counts() == {"exact": 0, "narrow": 0, "derived": 0}, audit.message()
    # ... and with the identities across tables the result classes declare
    declared = [*ReceptionResult.identities, *NomenclatureResult.identities,
                *SanctioningResult.identities, *AttritionResult.identities,
                *LogrankResult.identities, *FunnelResult.identities,
                *CusumResult.identities]
    audit = audit_release(frames, k=K, sources=SOURCES, identities=declared)
    assert audit.counts() == {"exact": 0, "narrow": 0, "derived": 0}, audit.message()
    # an intruder written apart: all rows, complements, horizons, small shown counts
    attacked = 0
    for name, frame in frames.items():
        for column in count_columns(frame):
            shown = frame[column].dropna()
            assert not ((shown > 0) & (shown < K)).any(), f"{name}:{column}"
            for _, width in _all_row_attack(frame, column):
                attacked += 1
                assert width >= K, f"{name}:{column} narrowed to {width}"
        assert _derived_small_counts(frame) == [], name
    # across tables (class 3): the details against the outcome, delay and horizon tables
    widths, gaps = _cross_table_attack(frames)
    assert all(w >= K for w in widths), f"sanctioning_details narrowed to {min(widths)}"
    assert not any(0 < g < K for g in gaps), "a details total minus a horizon count is small"
    # the same population in two lenses: reception, nomenclature, attrition, the cohort
    widths, gaps = _same_population_attack(frames)
    assert all(w >= K for w in widths), f"a count shared by two lenses narrowed to {min(widths)}"
    assert all(abs(g) < 1e-9 for g in gaps), "a declared identity does not hold on the report"
    # flags: no share beside a rounded group size gives one true size back
    if "flags" in frames:
        assert _sizes_recovered_from_shares(frames["flags"]) == 0
    # the runner refused any notebook display that skipped publish (check_release, run
    # inside run_demo); here every number of the page's tables must be a published one
    executed = sorted((folder / "notebooks").glob("*.ipynb"))
    assert executed and all(nbformat.read(str(p), as_version=4).cells for p in executed)
    assert _notebook_outputs(executed)
    html = (folder / "index.html").read_text(encoding="utf-8")
    page = [("index.html", f"<table>{t}</table>") for t in
            re.findall(r"<table.*?</table>", html, flags=re.S)]
    assert page and ungated_displays(page, folder / "tables") == []
    assert len(_html_table_numbers(html)) > 100


def test_the_same_population_attack_finds_a_count_hidden_in_one_lens_only() -> None:
    delays = pd.DataFrame({"stage": ["reporting"] * 2, "by": ["zone"] * 2, "group": ["z1", "z2"],
                           "q": [0.5, 0.5], "n": [12.0, 40.0]})
    support = pd.DataFrame({"by": ["zone"] * 2, "group": ["z1", "z2"],
                            "metric": ["referral_rate"] * 2, "n": [np.nan, 40.0]})
    widths, gaps = _same_population_attack({"reception_delays": delays,
                                            "reception_support": support})
    assert widths == [0.0] and gaps == [0.0]  # z1 read back from the delay table
    assert audit_release({"reception_delays": delays, "reception_support": support}, k=K,
                         sources=SOURCES, identities=ReceptionResult.identities
                         ).counts()["exact"] == 1


#: the lenses' notebooks (the monitoring notebooks run in the slow version)
LENSES = tuple(p.stem for p in notebook_paths() if p.stem[:2] <= "06")


def test_a_sparse_report_resists_the_intruder(tmp_path: Path) -> None:
    run_demo(out=tmp_path, n_cases=300, seed=7, notebooks=LENSES)
    _check(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("n_cases", "seed"), [(20_000, 1), (4_000, 7), (1_000, 11)])
def test_demo_reports_resist_the_intruder(tmp_path: Path, n_cases: int, seed: int) -> None:
    run_demo(out=tmp_path, n_cases=n_cases, seed=seed)
    _check(tmp_path)
