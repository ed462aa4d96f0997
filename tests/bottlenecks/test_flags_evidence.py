"""Evidence that the bottleneck flags find what is there, beyond the generator's own assumptions.

Written against the contract of the rebuilt flags: ``trajectory.flags(log)`` returns
an object whose ``.table`` has (at least) the columns ``lens, stage, by, group,
subgroup, flagged``. Scoring (:mod:`trajectory.synth.scoring`):

* a planted effect (a row of ``truth.planted``) is **detected** in a run when some
  flagged row has the same ``lens``, ``by == group_column`` and
  ``group == group_value``, whatever its subgroup;
* a run of a null world is **clean** when no row is flagged.

Worlds (``trajectory.synth.SCENARIOS``, docs/synthetic.md):

* effects confined to one offence group within one unit (``confined_slow_zone``,
  ``confined_hate_division``, ``confined_ifg_division``): a search that only pools
  over offence groups dilutes them;
* null worlds that break the baseline's assumptions (``null_uneven``: uneven zone
  sizes, offence mix by zone, police-only cases, unmapped police codes;
  ``null_mix``: divisions 92/8, unknown-suspect share by zone, missing divisions);
* generator-free nulls: unit labels permuted within offence groups
  (:func:`trajectory.synth.permute_labels`).

Two tiers:

* **FAST (runs in ``make test``)**: 2 seeds x 20,000 cases of each confined scenario
  and of ``null_uneven``; every planted effect must be detected in every seed and no
  null seed may carry a flag. Studies and their flags are computed once per module
  (one ``flags`` call per study) and share one xdist worker.
* **SLOW (``-m slow``)**: 20 seeds x 20,000 cases per scenario; detection rate >= 0.90
  of every planted effect of ``brussels``, each single-bottleneck scenario and each
  confined scenario; share of runs with any flag <= 0.05 in ``null``, ``null_uneven``,
  ``null_mix`` and the permutation nulls.

``benchmarks/flag_evidence.py`` prints the same rates as tables for the docs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trajectory
from trajectory.synth import make_study, permute_labels
from trajectory.synth.scoring import detected, is_clean

N = 20_000  #: the documented sample size of the detection guarantees
CONTRACT = ("lens", "stage", "by", "group", "subgroup", "flagged")
CONFINED = ("confined_slow_zone", "confined_hate_division", "confined_ifg_division")
SINGLE = ("slow_zone", "lost_hate_flag", "opportunity_division", "requalification_delay")
NULLS = ("null", "null_uneven", "null_mix")
FAST_SEEDS = (1001, 1002)
SLOW_SEEDS = tuple(range(20))
MIN_DETECTION, MAX_ANY_FLAG = 0.90, 0.05


def _flag_table(log) -> pd.DataFrame:
    table = trajectory.flags(log).table
    missing = [c for c in CONTRACT if c not in table.columns]
    assert not missing, f"flags().table lacks the contract column(s) {missing}"
    return table


def _flagged_rows(table: pd.DataFrame) -> str:
    cols = [c for c in ("lens", "stage", "by", "group", "subgroup", "metric", "effect", "q")
            if c in table.columns]
    return table.loc[table["flagged"].astype(bool), cols].to_string()


# ------------------------------------------------------------------------- FAST
FAST_RUNS = [(s, seed) for s in (*CONFINED, "null_uneven") for seed in FAST_SEEDS]


@pytest.fixture(scope="module", params=FAST_RUNS, ids=lambda r: f"{r[0]}-{r[1]}")
def fast_run(request: pytest.FixtureRequest) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """One study (built once) and its flag table: (scenario, truth.planted, flags table)."""
    scenario, seed = request.param
    log, truth = make_study(N, seed=seed, scenario=scenario)
    return scenario, truth.planted, _flag_table(log)


@pytest.mark.xdist_group("flags_evidence")
def test_fast_confined_effects_detected_and_null_clean(fast_run) -> None:
    """FAST tier (make test): every planted effect found in every seed; null seeds clean."""
    scenario, planted, table = fast_run
    if scenario.startswith("null"):
        assert planted.empty
        assert is_clean(table), f"{scenario}: false flag(s)\n{_flagged_rows(table)}"
    else:
        found = detected(table, planted)
        assert all(found.values()), (
            f"{scenario}: missed {[k for k, v in found.items() if not v]}\n"
            f"{_flagged_rows(table)}")


# ------------------------------------------------------------------------- SLOW
def _detection_rates(scenario: str) -> pd.Series:
    found = []
    for seed in SLOW_SEEDS:
        log, truth = make_study(N, seed=seed, scenario=scenario)
        found.append(detected(_flag_table(log), truth.planted))
    return pd.DataFrame(found).mean()


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ("brussels", *SINGLE, *CONFINED))
def test_slow_detection_rate_of_every_planted_effect(scenario: str) -> None:
    rates = _detection_rates(scenario)
    print(f"{scenario}: detection rates {rates.round(2).to_dict()}")
    assert (rates >= MIN_DETECTION).all(), rates


def _permuted_flag_rate(base: str, column: str, *, scored_by: str | None) -> float:
    """Share of seeds whose study, ``column`` permuted within offence groups, has a flag
    (any flag, or only flags with ``by == scored_by``)."""
    flagged = []
    for seed in SLOW_SEEDS:
        log = make_study(N, seed=seed, scenario=base).log
        perm = permute_labels(log, column=column, within="offence_group", seed=seed)
        flagged.append(not is_clean(_flag_table(perm), by=scored_by))
    return float(np.mean(flagged))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", NULLS)
def test_slow_null_worlds_rarely_flag(scenario: str) -> None:
    any_flag = [not is_clean(_flag_table(make_study(N, seed=seed, scenario=scenario).log))
                for seed in SLOW_SEEDS]
    rate = float(np.mean(any_flag))
    print(f"{scenario}: share of runs with a (false) flag {rate:.2f}")
    assert rate <= MAX_ANY_FLAG


@pytest.mark.slow
@pytest.mark.parametrize("column", ["zone", "division"])
def test_slow_permutation_null_rarely_flags(column: str) -> None:
    """Generator-free null: ``column`` permuted within offence groups of ``null_uneven``.

    Why this is a true null for *every* row of the flags: the base world plants no
    effect, and the permutation makes ``column`` independent of every trajectory given
    the offence group. Permuting a study with planted effects (``brussels``) would not
    be: the effects along the other dimensions (division, offence group, police code)
    survive the permutation of zones, so a flag there is a true discovery; only the
    permuted dimension is null (see the next test). The base keeps the uneven zone
    sizes and the offence mix by zone (a permutation within offence groups preserves
    both), so the null is not an easy balanced one.
    """
    rate = _permuted_flag_rate("null_uneven", column, scored_by=None)
    print(f"permuted {column} (null_uneven): share of runs with a (false) flag {rate:.2f}")
    assert rate <= MAX_ANY_FLAG


@pytest.mark.slow
@pytest.mark.parametrize("column", ["zone", "division"])
def test_slow_permutation_of_a_planted_study_is_null_along_that_dimension(column: str) -> None:
    """``column`` permuted within offence groups of ``brussels``: a partial null.

    The planted zone (slow transmission in 5340) or division (opportunity hazard x2 in
    NL) effect is spread over every unit by the permutation, so no unit of ``column``
    differs from the others within an offence group: any flag with ``by == column`` is
    false. Flags along the other dimensions are true (their effects are untouched) and
    are not scored here. This is the test that the false flags do not rise when real
    effects elsewhere make the FDR procedure more liberal.
    """
    rate = _permuted_flag_rate("brussels", column, scored_by=column)
    print(f"permuted {column} (brussels): share of runs with a {column} flag {rate:.2f}")
    assert rate <= MAX_ANY_FLAG
