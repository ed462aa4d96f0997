"""disclose(): threshold, complementary suppression, rounding, curves, withheld rows.

The recovery attack: for every suppressed cell of random tables, an intruder solves
the margin equations by linear programming (min and max of the cell subject to the
shown cells, the margins assumed known, non-negativity); the cell must not be
pinned to a point.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from trajectory.errors import PrivacyError, SchemaError
from trajectory.estimators.nonparametric import cumulative_incidence, kaplan_meier
from trajectory.privacy import (
    disclose,
    disclosure_audit,
    margin_sums,
    rounded_to_base,
    suppression_pattern,
)
from trajectory.results import MODEL_COLUMNS, TidyResult

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------- the intruder


def line_equations(shape: tuple[int, ...]) -> list[tuple[list[tuple[int, ...]], tuple[int, ...]]]:
    """Every line of an extended array: (interior positions, margin position)."""
    eqs = []
    for axis, n in enumerate(shape):
        others = [range(m) for a, m in enumerate(shape) if a != axis]
        for rest in itertools.product(*others):
            def at(i: int, rest: tuple[int, ...] = rest, axis: int = axis) -> tuple[int, ...]:
                pos = list(rest)
                pos.insert(axis, i)
                return tuple(pos)
            eqs.append(([at(i) for i in range(n - 1)], at(n - 1)))
    return eqs


def recovery_intervals(truth: np.ndarray, shown: np.ndarray, in_table: np.ndarray, k: int
                       ) -> dict[tuple[int, ...], tuple[float, float]]:
    """LP attack: feasible [min, max] of every hidden entry of the table.

    The intruder knows every shown entry and every margin the table does not show,
    unless that margin is itself small (0 < total < k): the assumption disclose()
    protects against.
    """
    hidden = in_table & np.isnan(shown)
    implicit_small = ~in_table & (truth > 0) & (truth < k)
    unknown = [tuple(p) for p in np.argwhere(hidden | implicit_small)]
    col = {p: j for j, p in enumerate(unknown)}
    known = np.where(in_table, shown, truth)
    a_eq, b_eq = [], []
    for cells, margin in line_equations(truth.shape):
        row = np.zeros(len(unknown))
        rhs = 0.0
        for p, sign in [(c, 1.0) for c in cells] + [(margin, -1.0)]:
            if p in col:
                row[col[p]] += sign
            else:
                rhs -= sign * known[p]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    out = {}
    for p in unknown:
        if not in_table[p]:
            continue
        c = np.zeros(len(unknown))
        c[col[p]] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status in (0, 3), (lo.message, hi.message)
        out[p] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)  # 3: unbounded above
    return out


def assert_not_recoverable(truth: np.ndarray, shown: np.ndarray, in_table: np.ndarray,
                           k: int) -> None:
    for p, (lo, hi) in recovery_intervals(truth, shown, in_table, k).items():
        assert lo - 1e-7 <= truth[p] <= hi + 1e-7, (p, lo, hi, truth[p])
        if truth[p] > 0:
            assert hi - lo > 1e-6, f"cell {p} = {truth[p]} recovered exactly (k={k})"


def assert_refusal_justified(truth: np.ndarray, in_table: np.ndarray, k: int) -> None:
    """disclose() may refuse a table only if, with every cell hidden, the totals
    alone still pin a non-zero cell that was in the table."""
    hidden = np.where(in_table, np.nan, truth)
    spans = recovery_intervals(truth, hidden, in_table, k)
    assert any(hi - lo < 1e-6 and truth[p] > 0 for p, (lo, hi) in spans.items())


# ------------------------------------------------------------- strategies


@st.composite
def count_arrays(draw: st.DrawFn, ndim: int, largest: int | None = None) -> np.ndarray:
    top = largest or (5 if ndim < 3 else 3)
    shape = tuple(draw(st.lists(st.integers(2, top), min_size=ndim, max_size=ndim)))
    size = int(np.prod(shape))
    small = st.integers(0, 6)
    big = st.integers(0, 60)
    values = draw(st.lists(st.one_of(small, big), min_size=size, max_size=size))
    return np.array(values, dtype=float).reshape(shape)


def wide_frame(interior: np.ndarray, totals: bool) -> pd.DataFrame:
    ext = margin_sums(interior)
    df = pd.DataFrame(ext, index=[f"r{i}" for i in range(ext.shape[0] - 1)] + ["Total"],
                      columns=[f"c{j}" for j in range(ext.shape[1] - 1)] + ["Total"])
    return df if totals else df.iloc[:-1, :-1]


def long_frame(interior: np.ndarray) -> pd.DataFrame:
    dims = [f"d{a}" for a in range(interior.ndim)]
    rows = [dict(zip(dims, (f"v{i}" for i in idx), strict=True), n=interior[idx])
            for idx in itertools.product(*(range(s) for s in interior.shape))]
    return pd.DataFrame(rows)


def ext_from_wide(df: pd.DataFrame, shape: tuple[int, int], totals: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    shown = np.full(shape, np.nan)
    in_table = np.zeros(shape, dtype=bool)
    view = df.to_numpy(dtype=float)
    rows, cols = view.shape
    shown[:rows, :cols] = view
    in_table[:rows, :cols] = True
    return shown, in_table


# ------------------------------------------------------------- hand-computed cases


def test_one_way_table_with_total_hides_the_next_smallest_cell() -> None:
    table = pd.DataFrame({"zone": ["Z1", "Z2", "Z3", "Total"], "n": [3, 10, 12, 25]})
    out = disclose(table, k=5)
    assert out["n"].isna().tolist() == [True, True, False, False]
    assert out["n"].iloc[3] == 25 and out["n"].iloc[2] == 12
    assert out["suppressed"].tolist() == [True, True, False, False]
    audit = disclosure_audit(out)
    assert audit["reason"].tolist() == ["primary", "secondary"]
    assert audit["where"].tolist() == ["zone='Z1'", "zone='Z2'"]
    assert table["n"].tolist() == [3, 10, 12, 25]  # input not mutated


def test_two_way_table_protects_rows_and_columns() -> None:
    # Hand-worked: 2 is primary; its row's next-smallest (5) and its column's
    # next-smallest (7) are hidden, then 9 closes the cycle 2-5 / 7-9.
    wide = pd.DataFrame({"a": [2, 7, 40], "b": [5, 9, 30], "c": [20, 25, 35]},
                        index=["x", "y", "z"])
    out = disclose(wide, k=5)
    expected = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 0]], dtype=bool)
    assert (out.isna().to_numpy() == expected).all()
    assert out.loc["z"].tolist() == [40, 30, 35]


def test_zero_is_safe_by_default_and_can_be_made_sensitive() -> None:
    table = pd.DataFrame({"sex": ["F", "M", "X"], "n": [0, 12, 20]})
    assert disclose(table, k=5)["n"].tolist() == [0, 12, 20]
    strict = disclose(table, k=5, zeros_safe=False)
    assert strict["n"].isna().tolist() == [True, True, False]


def test_derived_rate_is_hidden_with_its_count() -> None:
    table = pd.DataFrame({"zone": ["Z1", "Z2", "Z3"], "n": [3, 40, 50],
                          "rate": [0.03, 0.4, 0.5]})
    out = disclose(table, k=5, derived={"rate": "n"})
    assert out["rate"].isna().tolist() == [True, True, False]
    assert "derived from suppressed n" in disclosure_audit(out)["reason"].tolist()


def test_undeclared_decimals_and_bad_input_are_refused() -> None:
    with pytest.raises(PrivacyError, match="derived="):
        disclose(pd.DataFrame({"zone": ["a", "b"], "n": [5, 6], "pct": [0.4, 0.6]}),
                 dims=None, counts="n")
    with pytest.raises(PrivacyError, match="counts="):
        disclose(pd.DataFrame({"zone": ["a", "b"], "pct": [0.4, 0.6]}))
    with pytest.raises(SchemaError, match="repeat"):
        disclose(pd.DataFrame({"zone": ["a", "a"], "n": [5, 6]}))
    with pytest.raises(PrivacyError, match="Series"):
        disclose(pd.Series([1, 2]))


def test_rounding_rounds_totals_independently() -> None:
    interior = np.array([[12.0, 8, 31], [6, 22, 14]])
    wide = wide_frame(interior, totals=True)
    out = disclose(wide, k=5, rounding=5)
    assert out.loc["Total", "Total"] == 95  # 93 rounded, not the sum of rounded cells
    assert out.loc["r0"].tolist() == [10, 10, 30, 50]  # 51 -> 50 although cells add to 50
    assert out.loc["r1", "c0"] == 5  # 6 -> 5: never below k
    assert ((out.to_numpy() % 5) == 0).all()


def test_long_table_with_total_rows_and_an_integer_dimension() -> None:
    interior = np.array([[2.0, 11, 30], [9, 14, 26]])
    ext = margin_sums(interior)
    years, zones = [2022, 2023, "Total"], ["Z1", "Z2", "Z3", "Total"]
    table = pd.DataFrame([{"year": y, "zone": z, "n": ext[i, j]}
                          for i, y in enumerate(years) for j, z in enumerate(zones)])
    out = disclose(table, k=5, rounding=5)
    hidden = out.loc[out["suppressed"], ["year", "zone"]].values.tolist()
    assert hidden == [[2022, "Z1"], [2022, "Z2"], [2023, "Z1"], [2023, "Z2"]]
    totals = out.set_index(["year", "zone"])["n"]
    assert totals[("Total", "Total")] == 90  # 92 rounded; independent of the cells
    assert totals[(2022, "Total")] == 45  # 43 rounded
    assert totals[("Total", "Z1")] == 10  # 11 rounded: shown, the cells under it hidden


# ------------------------------------------------------------- property tests


@SETTINGS
@given(interior=count_arrays(2), totals=st.booleans(), k=st.sampled_from([3, 5, 10]))
def test_two_way_suppressions_cannot_be_recovered(interior: np.ndarray, totals: bool,
                                                   k: int) -> None:
    ext = margin_sums(interior)
    try:
        out = disclose(wide_frame(interior, totals), k=k)
    except PrivacyError:
        _, in_table = ext_from_wide(wide_frame(interior, totals), ext.shape, totals)
        assert_refusal_justified(ext, in_table, k)
        return
    shown, in_table = ext_from_wide(out, ext.shape, totals)
    assert_not_recoverable(ext, shown, in_table, k)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interior=count_arrays(2, largest=9), totals=st.booleans(),
       k=st.sampled_from([3, 5, 10]))
def test_larger_two_way_suppressions_cannot_be_recovered_reduced(interior: np.ndarray,
                                                                 totals: bool, k: int) -> None:
    """Fast version (15 tables up to 9 x 9) of the 400-table property test below."""
    test_two_way_suppressions_cannot_be_recovered.hypothesis.inner_test(interior, totals, k)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interior=count_arrays(2, largest=9), totals=st.booleans(),
       k=st.sampled_from([3, 5, 10]))
def test_larger_two_way_suppressions_cannot_be_recovered_slow(interior: np.ndarray,
                                                              totals: bool, k: int) -> None:
    test_two_way_suppressions_cannot_be_recovered.hypothesis.inner_test(interior, totals, k)


@SETTINGS
@given(interior=st.one_of(count_arrays(1), count_arrays(3)), k=st.sampled_from([3, 5]))
def test_one_and_three_way_suppressions_cannot_be_recovered(interior: np.ndarray,
                                                            k: int) -> None:
    ext = margin_sums(interior)
    shown = np.full(ext.shape, np.nan)
    in_table = np.zeros(ext.shape, dtype=bool)
    try:
        out = disclose(long_frame(interior), k=k)
    except PrivacyError:
        in_table[tuple(slice(0, n) for n in interior.shape)] = True
        assert_refusal_justified(ext, in_table, k)
        return
    idx = tuple(out[f"d{a}"].str[1:].astype(int).to_numpy() for a in range(interior.ndim))
    shown[idx] = out["n"].to_numpy()
    in_table[idx] = True
    assert_not_recoverable(ext, shown, in_table, k)


@SETTINGS
@given(interior=count_arrays(2), totals=st.booleans(), k=st.sampled_from([3, 5, 7, 10]),
       rounding=st.sampled_from([None, 3, 5, 10]), zeros_safe=st.booleans())
def test_no_shown_count_below_k_and_idempotent(interior: np.ndarray, totals: bool, k: int,
                                               rounding: int | None, zeros_safe: bool) -> None:
    wide = wide_frame(interior, totals)
    try:
        once = disclose(wide, k=k, rounding=rounding, zeros_safe=zeros_safe)
    except PrivacyError:  # the margins alone give a small cell away: refused by name
        assert ((interior > 0) & (interior < k)).any() or not zeros_safe
        return
    shown = once.to_numpy()
    visible = shown[~np.isnan(shown)]
    assert not ((visible > 0) & (visible < k)).any()
    if not zeros_safe:
        assert (visible >= k).all()
    twice = disclose(once, k=k, rounding=rounding, zeros_safe=zeros_safe)
    pd.testing.assert_frame_equal(once, twice)
    if rounding:  # shown totals are the rounded true totals
        assert (visible % rounding == 0).all()
        if totals and not np.isnan(shown[-1, -1]):
            expected = rounded_to_base(np.array([interior.sum()]), base=rounding, k=k)[0]
            assert shown[-1, -1] == expected


@SETTINGS
@given(interior=count_arrays(2), rounding=st.sampled_from([None, 5]))
def test_long_table_idempotent_and_flags_match_nan(interior: np.ndarray,
                                                   rounding: int | None) -> None:
    try:
        once = disclose(long_frame(interior), k=5, rounding=rounding)
    except PrivacyError:  # the margins alone give a small cell away: refused by name
        assert ((interior > 0) & (interior < 5)).any()
        return
    assert (once["suppressed"] == once["n"].isna()).all()
    twice = disclose(once, k=5, rounding=rounding)
    pd.testing.assert_frame_equal(once, twice)


def test_engine_reports_reasons_and_keeps_shape() -> None:
    ext = margin_sums(np.array([[1.0, 30, 30], [30, 30, 30]]))
    in_table = np.zeros(ext.shape, dtype=bool)
    in_table[:2, :3] = True
    pattern = suppression_pattern(ext, in_table, k=5)
    assert pattern.suppressed.shape == ext.shape
    assert pattern.reason[0, 0] == "primary"
    assert set(pattern.reason[pattern.suppressed & in_table]) == {"primary", "secondary"}
    assert pattern.suppressed[:2, :3].sum() == 4


# ------------------------------------------------------------- model and flag tables


def test_flag_rows_below_k_are_withheld_with_a_complement() -> None:
    flags = pd.DataFrame({"zone": ["Z1", "Z2", "Z3", "Z4"], "n": [3, 50, 20, 70],
                          "share_dismissed": [0.67, 0.5, 0.45, 0.6],
                          "flagged": [True, False, False, True]})
    out = disclose(flags)
    assert out["withheld"].tolist() == [True, False, True, False]
    assert out.loc[[0, 2], ["n", "share_dismissed"]].isna().all().all()
    assert out["flagged"].isna().tolist() == [True, False, True, False]
    assert out.loc[1, "share_dismissed"] == 0.5
    assert any("withheld" in n for n in out.attrs["disclosure"]["notes"])


def test_model_table_with_counts_and_model_result() -> None:
    table = pd.DataFrame({"term": ["hate", "ifg", "sexual"], "estimate": [0.2, -0.1, 0.3],
                          "std_err": [0.1, 0.1, 0.2], "lower": [0.0, -0.3, -0.1],
                          "upper": [0.4, 0.1, 0.7], "p": [0.04, 0.3, 0.1], "n": [4, 80, 60]})
    result = TidyResult(table=table, method="demo", n=144)
    safe = disclose(result)
    assert isinstance(safe, TidyResult)
    assert safe.table["withheld"].tolist() == [True, False, True]
    assert safe.table.loc[0, list(MODEL_COLUMNS[1:])].isna().all()
    assert "disclosure" in safe.notes
    rounded = disclose(result, rounding=5)
    assert rounded.table["n"].tolist()[1] == 80 and rounded.n == 145
    tiny = TidyResult(table=table.drop(columns="n"), n=3)
    assert disclose(tiny).table["estimate"].isna().all()
    big = TidyResult(table=table.drop(columns="n"), n=300)
    pd.testing.assert_frame_equal(disclose(big).table, big.table)


# ------------------------------------------------------------- curves


def km_data(seed: int, n: int = 120, groups: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"time": rng.integers(1, 60, n), "outcome": rng.random(n) < 0.6,
                         "g": rng.integers(0, groups, n)})


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_k_one_reproduces_the_kaplan_meier_curve(conf_type: str) -> None:
    """With k=1 nothing is held back: the recomputed curve equals the estimator's."""
    km = kaplan_meier(km_data(1), by="g", conf_type=conf_type)
    safe = disclose(km, k=1)
    events = km.table[km.table["n_event"] > 0].reset_index(drop=True)
    for col in ["time", "estimate", "lower", "upper", "std_err", "n_risk", "n_event"]:
        np.testing.assert_allclose(safe.table[col], events[col], rtol=1e-10, err_msg=col)


def test_hand_computed_rounded_curve() -> None:
    # 20 cases: events at 1, 3, ..., 19, censorings at 2, 4, ..., 20. With k = 4:
    # cumulative events reach 4 at t=7 and 8 at t=15 (at risk then: 6 >= 4).
    cases = pd.DataFrame({"time": range(1, 21), "outcome": [1, 0] * 10})
    safe = disclose(kaplan_meier(cases), k=4)
    t = safe.table
    assert t["time"].tolist() == [7, 15]
    assert t["n_event"].tolist() == [4, 4]
    # censorings before 7: 3 -> 0; before 15: 7 -> 4; in all: 10 -> 8
    assert t["n_censor"].tolist() == [4, 4]
    assert t["n_risk"].tolist() == [20, 12]  # 20 - 0 - 0; 20 - 4 events - 4 censored
    np.testing.assert_allclose(t["estimate"], [16 / 20, 16 / 20 * 8 / 12])
    assert safe.n == 20


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.sampled_from([3, 5, 10]))
def test_curves_show_no_small_counts(seed: int, k: int) -> None:
    data = km_data(seed, n=80, groups=3)
    for result in (kaplan_meier(data, by="g"), cumulative_incidence(
            data.assign(outcome=np.where(data["outcome"], "a", "censored")), by="g")):
        safe = disclose(result, k=k)
        t = safe.table
        for col in ("n_risk", "n_event", "n_censor"):
            v = t[col].to_numpy()
            assert not ((v > 0) & (v < k)).any(), col
            assert (v % k == 0).all(), col
        assert (t["n_event"] > 0).all()
        for _, curve in t.groupby(["group", *(["state"] if "state" in t else [])]):
            est = curve["estimate"].to_numpy()
            assert (np.diff(est) <= 1e-12).all() or (np.diff(est) >= -1e-12).all()
        again = disclose(safe, k=k)
        pd.testing.assert_frame_equal(again.table, t, check_exact=False, rtol=1e-9)


def test_small_group_curve_is_withheld_with_a_note() -> None:
    data = pd.concat([km_data(3, n=60).assign(g=0),
                      pd.DataFrame({"time": [5, 9, 12], "outcome": [True, True, False],
                                    "g": [1, 1, 1]})])
    safe = disclose(kaplan_meier(data, by="g"), k=5)
    assert set(safe.table["group"]) == {0}
    audit = disclosure_audit(safe)
    assert audit["where"].tolist() == ["group=1"]
    assert "withheld" in audit["reason"].iloc[0]
    assert safe.quantiles([0.5])["group"].tolist() == [0]


def test_cumulative_incidence_estimates_are_rounded_at_kept_steps() -> None:
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"time": rng.integers(1, 40, 200),
                         "outcome": rng.choice(["court", "dismissal", "censored"], 200)})
    cif = cumulative_incidence(data)
    safe = disclose(cif, k=5, decimals=3)
    t = safe.table
    assert set(t["state"]) == {"court", "dismissal"}
    assert np.allclose(t["estimate"], t["estimate"].round(3))
    merged = t.merge(cif.table, on=["group", "state", "time"], suffixes=("", "_true"))
    # on the grid k / N (N = 200 cases): an estimate times N gives no hidden count
    grid = 5 / 200
    np.testing.assert_allclose(merged["estimate"], merged["estimate_true"], atol=grid / 2 + 5e-4)
    steps = merged["estimate"].to_numpy() / grid
    np.testing.assert_allclose(steps, np.round(steps), atol=0.05)
