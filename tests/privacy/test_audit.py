"""The release-level audit: an intruder who reads every published table at once."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from trajectory.errors import PrivacyError
from trajectory.privacy import disclose
from trajectory.privacy.audit import audit_release, release_relations
from trajectory.privacy.release import (
    check_release,
    protect_release,
    release_gate,
    ungated_displays,
)

K = 5


def _problems(frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    return audit_release(frames, k=K).counts()


def test_all_row_minus_groups_recovers_a_withheld_group_and_the_gate_closes_it() -> None:
    # the row-mode gate withholds group d (3 cases); 'all' minus the others gives it back
    truth = pd.DataFrame({"by": ["all"] + ["offence"] * 4, "group": ["all", "a", "b", "c", "d"],
                          "n": [616, 20, 85, 508, 3], "n_lost": [60, 5, 10, 45, 0]})
    shown = disclose(truth, k=K, withhold_by="n")
    audit = audit_release({"flags_lost": shown}, k=K)
    assert audit.counts()["exact"] >= 1
    assert "all row" in set(audit.table["relation"].str.split(", ").sum())
    assert "flags_lost" in audit.message() and "616" not in audit.message()
    safe = protect_release({"flags_lost": shown}, "flags_lost", k=K)["flags_lost"]
    assert _problems({"flags_lost": safe}) == {"exact": 0, "narrow": 0, "derived": 0}
    # a second group is hidden, the 'all' row and the large groups stay
    assert safe["n"].isna().sum() == 2 and safe.loc[0, "n"] == 616


def test_share_times_denominator_gives_a_count_and_the_share_is_blanked() -> None:
    table = pd.DataFrame({"group": ["x", "y"], "value": [0.105263, 0.5], "n_group": [38, 40]})
    assert _problems({"flags": table})["derived"] == 1  # 0.105263 x 38 = 4
    safe = protect_release({"flags": table}, "flags", k=K)["flags"]
    assert np.isnan(safe.loc[0, "value"]) and safe.loc[1, "value"] == 0.5
    assert safe["n_group"].tolist() == [38, 40]


def test_share_times_a_rounded_group_size_still_gives_a_count() -> None:
    # the gate shows flags' n_group rounded to k (38 -> 40); 0.105263 x 40 is no integer,
    # but an intruder tries the sizes 40 may stand for: only 38 fits, and 4 follows
    table = pd.DataFrame({"group": ["x", "y"], "value": [0.105263, 0.5], "n_group": [40, 40]})
    assert _problems({"flags": table})["derived"] == 1
    safe = protect_release({"flags": table}, "flags", k=K)["flags"]
    assert np.isnan(safe.loc[0, "value"]) and safe.loc[1, "value"] == 0.5
    # a count the gate does not round is read as exact: no size but 40 fits
    assert _problems({"t": table.rename(columns={"n_group": "n"})})["derived"] == 0
    # with a rounding base every shown count stands for half a base either side
    assert audit_release({"t": table.rename(columns={"n_group": "n"})}, k=K,
                         rounding=5).counts()["derived"] == 1


def test_rate_beside_a_blanked_count_pins_it() -> None:
    # the count is blanked but the rate is shown: rate x n recovers it (0.0204 x 49 = 1)
    table = pd.DataFrame({"code": [101, 102, 103], "n": [49, 60, 80],
                          "n_requalified": [np.nan, 12.0, 20.0],
                          "rate": [0.0204082, 0.2, 0.25]})
    audit = audit_release({"requal": table}, k=K)
    assert audit.counts()["exact"] == 1 or audit.counts()["derived"] >= 1
    safe = protect_release({"requal": table}, "requal", k=K)["requal"]
    assert np.isnan(safe.loc[0, "rate"])
    assert _problems({"requal": safe}) == {"exact": 0, "narrow": 0, "derived": 0}


def test_complements_and_horizon_differences_are_counts() -> None:
    delays = pd.DataFrame({"group": ["z1", "z2"], "n": [40, 50], "n_event": [39, 30]})
    assert _problems({"delays": delays})["derived"] == 1  # one case never registered
    outcomes = pd.DataFrame({"group": ["g"] * 3, "outcome": ["court"] * 3,
                             "time": [182, 365, 730], "n": [90] * 3,
                             "n_event": [10, 20, 21]})
    audit = audit_release({"outcomes": outcomes}, k=K)
    assert "horizon" in audit.table["relation"].tolist()
    for name, frame in (("delays", delays), ("outcomes", outcomes)):
        safe = protect_release({name: frame}, name, k=K)
        assert _problems(safe) == {"exact": 0, "narrow": 0, "derived": 0}


def test_funnel_identity_recovers_a_blanked_open_count() -> None:
    funnel = pd.DataFrame({"group": ["all"] * 3, "measure": ["cumulative"] * 3,
                           "stage": ["complaint", "pv", "parquet"], "order": [0, 1, 2],
                           "n_reached": [100, 80, 70], "n_lost": [17, 10, 0],
                           "n_open": [np.nan, 0, 0]})
    funnel.loc[1, "n_open"] = 0
    assert any(r.kind == "funnel" for r in release_relations({"attrition": funnel}))
    assert _problems({"attrition": funnel})["exact"] == 1  # 100 - 17 - x = 80
    safe = protect_release({"attrition": funnel}, "attrition", k=K)
    assert _problems(safe) == {"exact": 0, "narrow": 0, "derived": 0}


def test_a_table_that_cannot_be_protected_is_refused_by_name() -> None:
    # the only other cell is the 'all' row itself: nothing left to hide but the total
    table = pd.DataFrame({"group": ["all", "a", "b"], "n": [10, 8, np.nan]})
    safe = protect_release({"t": table}, "t", k=K)["t"]
    assert _problems({"t": safe}) == {"exact": 0, "narrow": 0, "derived": 0}
    with pytest.raises(PrivacyError, match="release audit did not pass"):
        protect_release({"t": table}, "t", k=K, max_rounds=0)


def _intruder_bounds(shown: pd.DataFrame, parts: int) -> list[tuple[int, float, float]]:
    """An intruder written apart from the audit: groups add up to the 'all' row."""
    hidden = np.flatnonzero(shown["n"].isna().to_numpy())
    if hidden.size == 0:
        return []
    index = {int(h): j for j, h in enumerate(hidden)}
    values = shown["n"].to_numpy(dtype=float)
    a = np.zeros((1, hidden.size))
    b = 0.0
    for i in range(parts + 1):
        coef = -1.0 if i == 0 else 1.0
        if i in index:
            a[0, index[i]] += coef
        else:
            b -= coef * values[i]
    out = []
    for h, j in index.items():
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(hidden.size)
            c[j] = sign
            res = milp(c, constraints=LinearConstraint(a, b, b), integrality=np.ones(hidden.size),
                       bounds=Bounds(0, 1e6))
            ends.append(res.x[j])
        out.append((h, ends[0], ends[1]))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.integers(1, 4), st.integers(5, 60)), min_size=2, max_size=7))
def test_after_the_gate_no_intruder_narrows_a_group_below_k(sizes: list[int]) -> None:
    table = pd.DataFrame({"group": ["all", *[f"g{i}" for i in range(len(sizes))]],
                          "n": [sum(sizes), *sizes]})
    try:
        shown = disclose(table, k=K, withhold_by="n")
        safe = protect_release({"t": shown}, "t", k=K)["t"]
    except PrivacyError:
        return  # refused by name: nothing published
    shown_n = safe["n"].dropna()
    assert not ((shown_n > 0) & (shown_n < K)).any()
    for _, low, high in _intruder_bounds(safe, len(sizes)):
        assert high - low >= K


def test_cached_bounds_give_the_same_audit_and_follow_changed_values() -> None:
    table = pd.DataFrame({"by": ["all", "z", "z", "z", "z"], "group": ["all", "a", "b", "c", "d"],
                          "n": [60.0, 20.0, np.nan, np.nan, 36.0]})
    cache: dict = {}
    fresh = audit_release({"t": table}, k=K)
    first = audit_release({"t": table}, k=K, cache=cache)
    assert len(cache) == 1 and first.table.equals(fresh.table)
    assert first.counts()["narrow"] == 2  # b + c = 4: each within 0 .. 4
    again = audit_release({"t": table}, k=K, cache=cache)
    assert len(cache) == 1 and again.table.equals(first.table)
    # a shown value the programme reads is part of the key: 20 -> 10 widens b and c
    wider = audit_release({"t": table.assign(n=[60.0, 10.0, np.nan, np.nan, 36.0])}, k=K,
                          cache=cache)
    assert len(cache) == 2 and wider.passed
    assert first.relations and list(first.relations) == release_relations({"t": table})


@pytest.mark.parametrize("rows", [3, 6])
def test_two_way_margins_with_all_rows_pass_after_the_gate(rows: int) -> None:
    rng = np.random.default_rng(rows)
    records = []
    for flag, by in itertools.product(["hate", "ifg"], ["offence", "zone"]):
        counts = rng.choice([1, 2, 3, 8, 20, 45], size=rows)
        records += [{"flag": flag, "by": by, "group": f"{by}{i}", "n": int(c)}
                    for i, c in enumerate(counts)]
        records.append({"flag": flag, "by": "all", "group": "all", "n": int(counts.sum())})
    table = pd.DataFrame(records)
    # both 'by' breakdowns of a flag share one 'all' row: keep a single one per flag
    table = table.drop_duplicates(["flag", "by", "group"]).reset_index(drop=True)
    shown = disclose(table, k=K, withhold_by="n")
    safe = protect_release({"t": shown}, "t", k=K)
    assert audit_release(safe, k=K).passed


def test_release_gate_keeps_types_and_registers_what_it_returns(tmp_path) -> None:
    tables = tmp_path / "tables"
    table = pd.DataFrame({"group": ["all", "a", "b", "c"],
                          "n": pd.array([40, 12, 25, pd.NA], dtype="Int64")})
    gated = release_gate(table, "t", tables, k=K)
    assert str(gated["n"].dtype) == "Int64" and gated["n"].isna().sum() == 2
    gated.to_csv(tables / "t.csv", index=False)
    outputs = [("nb cell 1", gated._repr_html_()), ("nb cell 2", "<td>3</td>")]
    assert ungated_displays(outputs, tables) == ["nb cell 2"]


def test_check_release_refuses_a_failed_audit_or_an_ungated_number(tmp_path) -> None:
    import nbformat

    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame({"group": ["all", "a", "b"], "n": [40, 37, np.nan]}).to_csv(
        tables / "t.csv", index=False)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/plain": "cases: 40"}, execution_count=1)]))
    path = tmp_path / "00-x.ipynb"
    nbformat.write(nb, str(path))
    with pytest.raises(PrivacyError, match="t row 2 column n"):
        check_release([path], tables, k=K)
    pd.DataFrame({"group": ["all", "a", "b"], "n": [40, np.nan, np.nan]}).to_csv(
        tables / "t.csv", index=False)
    check_release([path], tables, k=K)
    nb.cells[0].outputs[0]["data"]["text/plain"] = "cases: 41"
    nbformat.write(nb, str(path))
    with pytest.raises(PrivacyError, match="00-x.ipynb cell 0"):
        check_release([path], tables, k=K)


def _two_way_widths(interior: np.ndarray, hidden: np.ndarray) -> list[float]:
    """An intruder who knows every row and column total bounds each hidden cell."""
    cells = list(zip(*np.nonzero(hidden), strict=True))
    if not cells:
        return []
    index = {c: j for j, c in enumerate(cells)}
    rows, rhs = [], []
    for axis in (0, 1):
        for line in range(interior.shape[axis]):
            coef = np.zeros(len(cells))
            known = 0.0
            for other in range(interior.shape[1 - axis]):
                cell = (line, other) if axis == 0 else (other, line)
                if cell in index:
                    coef[index[cell]] = 1.0
                else:
                    known += interior[cell]
            if coef.any():
                rows.append(coef)
                rhs.append(interior.sum(axis=1 - axis)[line] - known)
    a = np.vstack(rows)
    widths = []
    for j in range(len(cells)):
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(cells))
            c[j] = sign
            res = milp(c, constraints=LinearConstraint(a, rhs, rhs),
                       integrality=np.ones(len(cells)), bounds=Bounds(0, 1e6))
            ends.append(res.x[j])
        widths.append(ends[1] - ends[0])
    return widths


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_two_way_tables_keep_the_protection_interval_against_known_margins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(3, 6, size=2))
    interior = np.where(rng.random(shape) < 0.3, rng.integers(1, K, size=shape),
                        rng.integers(K, 40, size=shape)).astype(float)
    long = pd.DataFrame([{"r": i, "c": j, "n": interior[i, j]}
                         for i in range(shape[0]) for j in range(shape[1])])
    try:
        out = disclose(long, k=K, counts="n", dims=["r", "c"])
    except PrivacyError:
        return
    hidden = out["n"].isna().to_numpy().reshape(shape)
    assert hidden[(interior > 0) & (interior < K)].all()
    narrow = sum(width < K for width in _two_way_widths(interior, hidden))
    # only where the margins themselves give cells away, and then said in the audit
    assert narrow <= out.attrs["disclosure"].get("unprotected", 0)
