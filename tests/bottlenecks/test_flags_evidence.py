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
  The raw p-values of every comparison of the null seeds must be calibrated (shares
  below 0.05 and 0.01 near their nominal values).
* **SLOW (``-m slow``)**: 20 seeds x 20,000 cases per scenario (110,000 for
  ``confined_hate_division``, so that its subgroup has >= 1,000 cases); detection rate
  >= 0.90 of every planted effect of ``brussels``, each single-bottleneck scenario and
  each confined scenario. Null worlds (``null``, ``null_uneven``, ``null_mix``) and the
  permutation nulls over 40 seeds: the share of runs with any flag must be compatible
  with the nominal 0.05 (one-sided exact binomial test at 0.05). A rate of exactly
  ``fdr`` is what TreeBH promises under a global null, so "at most 0.05 in a finite
  sample" is tested as "not significantly above 0.05": a bare ``rate <= 0.05`` on 20
  seeds fails in one repetition of four for a procedure that is exactly calibrated. The pooled
  p-values of 30 null seeds must be uniform in the tail (shares below 0.05, 0.01 and
  0.001).

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
NULL_SEEDS = tuple(range(40))
MIN_DETECTION, MAX_ANY_FLAG = 0.90, 0.05


def _not_above(flagged: list[bool], level: float = MAX_ANY_FLAG) -> float:
    """One-sided exact binomial p-value of "the false-flag rate is above ``level``"."""
    from scipy.stats import binomtest

    return float(binomtest(int(np.sum(flagged)), len(flagged), level,
                           alternative="greater").pvalue)


def _tail_shares(p: pd.Series) -> dict[float, float]:
    p = p.dropna()
    assert len(p) > 500, "too few comparisons to judge calibration"
    return {a: float((p < a).mean()) for a in (0.05, 0.01, 0.001)}


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
        shares = _tail_shares(table["p"])
        # per-run shares over 60 null seeds ranged 0.029-0.078 (p < 0.05) and
        # 0.003-0.020 (p < 0.01); anti-conservative tests push them up
        assert 0.02 <= shares[0.05] <= 0.09 and shares[0.01] <= 0.025, shares
    else:
        found = detected(table, planted)
        assert all(found.values()), (
            f"{scenario}: missed {[k for k, v in found.items() if not v]}\n"
            f"{_flagged_rows(table)}")


# ------------------------------------------------------------------------- SLOW
#: The guarantee is stated for subgroups of >= 1,000 cases: hate cases in the NL division
#: are about 190 at 20,000 cases (detection of the opportunity hazard 0.70) and about
#: 1,030 at 110,000.
SLOW_N = {"confined_hate_division": 110_000}


def _detection_rates(scenario: str) -> pd.Series:
    found = []
    for seed in SLOW_SEEDS:
        log, truth = make_study(SLOW_N.get(scenario, N), seed=seed, scenario=scenario)
        found.append(detected(_flag_table(log), truth.planted))
    return pd.DataFrame(found).mean()


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ("brussels", *SINGLE, *CONFINED))
def test_slow_detection_rate_of_every_planted_effect(scenario: str) -> None:
    rates = _detection_rates(scenario)
    print(f"{scenario}: detection rates {rates.round(2).to_dict()}")
    assert (rates >= MIN_DETECTION).all(), rates


def _permuted_flags(base: str, column: str, *, scored_by: str | None) -> list[bool]:
    """For each seed, whether its study, ``column`` permuted within offence groups, has a
    flag (any flag, or only flags with ``by == scored_by``)."""
    flagged = []
    for seed in NULL_SEEDS:
        log = make_study(N, seed=seed, scenario=base).log
        perm = permute_labels(log, column=column, within="offence_group", seed=seed)
        flagged.append(not is_clean(_flag_table(perm), by=scored_by))
    return flagged


@pytest.mark.slow
@pytest.mark.parametrize("scenario", NULLS)
def test_slow_null_worlds_rarely_flag(scenario: str) -> None:
    any_flag = [not is_clean(_flag_table(make_study(N, seed=seed, scenario=scenario).log))
                for seed in NULL_SEEDS]
    p = _not_above(any_flag)
    print(f"{scenario}: share of runs with a (false) flag {np.mean(any_flag):.3f} (p = {p:.3f})")
    assert p >= 0.05, f"{scenario}: {np.mean(any_flag):.3f} of runs flagged, above 0.05"


@pytest.mark.slow
def test_slow_null_p_values_are_calibrated() -> None:
    """The raw p-values of every comparison, pooled over 30 null seeds, are uniform in
    the tail: 30 x ~1,300 comparisons gave 0.0503, 0.0098 and 0.0013."""
    p = pd.concat([_flag_table(make_study(N, seed=seed, scenario="null").log)["p"]
                   for seed in range(100, 130)])
    shares = _tail_shares(p)
    print(f"null p-values: shares below 0.05/0.01/0.001 = {shares}")
    assert abs(shares[0.05] - 0.05) <= 0.01, shares
    assert 0.006 <= shares[0.01] <= 0.014, shares
    assert shares[0.001] <= 0.0025, shares


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
    flagged = _permuted_flags("null_uneven", column, scored_by=None)
    print(f"permuted {column} (null_uneven): share of runs flagged {np.mean(flagged):.3f}")
    assert _not_above(flagged) >= 0.05, np.mean(flagged)


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
    flagged = _permuted_flags("brussels", column, scored_by=column)
    print(f"permuted {column} (brussels): share of runs with a {column} flag "
          f"{np.mean(flagged):.3f}")
    assert _not_above(flagged) >= 0.05, np.mean(flagged)
