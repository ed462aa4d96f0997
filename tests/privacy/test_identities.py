"""Identities across published tables, and what the gate does with derived values.

Issue #20, classes 2 and 3: a reader holds every table of a release, so the counts of
one table that add up to a count of another are one relation of the intruder's
integer programme; flags' shares beside rounded group sizes; a model's sizes.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from trajectory.bottlenecks.flags import FLAG_COLUMNS, Flags
from trajectory.bottlenecks.sanctioning import SanctioningResult
from trajectory.errors import PrivacyError
from trajectory.estimators.finegray import FineGrayResult
from trajectory.privacy import disclose
from trajectory.privacy.audit import audit_release
from trajectory.privacy.identities import Identity, linked_tables
from trajectory.privacy.release import MANIFEST, protect_release, release_gate, release_links
from trajectory.report import published_quality

K = 5
IDS = SanctioningResult.identities
SOURCES = {"outcomes": "cohort.outcomes", "details": "sanctioning.details",
           "delay": "sanctioning.judgment_delay", "horizons": "sanctioning.table"}


def _details(hidden: dict[int, float] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({
        "offence_group": ["a", "a", "a", "a", "b", "b", "b", "b"],
        "code": ["E42", "E43", "E45", "E46", "E42", "E44", "E45", "E47"],
        "n": [20.0, 12.0, 15.0, 9.0, 30.0, 6.0, 11.0, 8.0]})
    for row, value in (hidden or {}).items():
        frame.loc[row, "n"] = value
    return frame


def _release(details: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {
        "outcomes": pd.DataFrame({"outcome": ["court", "alternative"], "n": [43.0, 68.0]}),
        "details": details,
        "delay": pd.DataFrame({"offence_group": ["all", "a", "a", "b"], "q": [0.5, 0.25, 0.5, 0.5],
                               "n": [35.0, 24.0, 24.0, 11.0]}),
    }


def test_the_declared_identities_hold_on_generated_data() -> None:
    from trajectory import build_cohort, sanctioning
    from trajectory.synth import make_study

    log = make_study(1500, seed=3).log
    san = sanctioning(log)
    outcomes = build_cohort(log).table.groupby("outcome", observed=True).size().rename(
        "n").reset_index()
    frames = {"outcomes": outcomes.astype({"n": float}), "details": san.details,
              "delay": san.judgment_delay, "horizons": san.table}
    sources = {name: SOURCES[name] for name in frames}
    assert san.details.attrs["source"] == "sanctioning.details"
    for identity in map(Identity.from_mapping, IDS):
        instances = identity.instances(frames, sources)
        assert instances, identity
        for parts, wholes in instances:
            total = sum(float(frames[t][c].iloc[i]) for t, i, c in parts)
            value = sum(float(frames[t][c].iloc[i]) for t, i, c in wholes)
            assert total == value if identity.relation == "=" else total >= value


def test_a_count_hidden_in_one_table_is_recovered_from_another_and_the_gate_closes_it() -> None:
    # alternative measures: 20 + 12 + 30 + (6 hidden) = 68 in the cohort's outcome counts
    frames = _release(_details({5: np.nan}))
    assert audit_release(frames, k=K).passed  # each table alone gives nothing away
    audit = audit_release(frames, k=K, sources=SOURCES, identities=IDS)
    assert audit.counts()["exact"] == 1 and "identity" in audit.relation_kinds
    assert "details row 5" in audit.message() and "6" not in audit.message().split("column")[-1]
    safe = protect_release(frames, "details", k=K, sources=SOURCES, identities=IDS)
    assert safe["details"]["n"].isna().sum() == 2
    assert audit_release(safe, k=K, sources=SOURCES, identities=IDS).passed


def test_summons_add_up_to_the_judgment_delay_group_by_group() -> None:
    # E45 + E46 of group a (15 + 9) is the delay table's n for a (24): hiding one gives it
    frames = _release(_details({3: np.nan}))
    audit = audit_release(frames, k=K, sources=SOURCES, identities=IDS, focus=["details"])
    assert audit.counts()["exact"] == 1
    # an identity that shown cells contradict is not one: not adopted
    wrong = _release(_details({3: np.nan}))
    wrong["delay"].loc[3, "n"] = 12.0  # group b: E45 = 11 shown, the delay says 12
    kinds = audit_release(wrong, k=K, sources=SOURCES, identities=IDS[:1]).relation_kinds
    assert "identity" not in kinds


def test_a_horizon_count_below_the_details_total_gives_a_small_difference() -> None:
    frames = _release(_details())
    frames["horizons"] = pd.DataFrame({"group": ["a", "b"], "outcome": ["alternative"] * 2,
                                       "time": [730, 730], "n_event": [30.0, 36.0]})
    audit = audit_release(frames, k=K, sources=SOURCES, identities=IDS)
    derived = audit.table.loc[audit.table["problem"] == "derived"]
    assert len(derived) == 1 and derived["table"].iloc[0] == "details"  # 20 + 12 - 30 = 2
    safe = protect_release(frames, "details", k=K, sources=SOURCES, identities=IDS)
    assert audit_release(safe, k=K, sources=SOURCES, identities=IDS).passed


def test_linked_tables_follow_chains_of_identities() -> None:
    ids = [Identity.from_mapping(i) for i in IDS]
    assert linked_tables(["outcomes"], ids, SOURCES) == {"outcomes", "details", "delay",
                                                         "horizons"}
    assert linked_tables(["outcomes"], ids, {"outcomes": "cohort.outcomes"}) == {"outcomes"}
    with pytest.raises(PrivacyError, match="relation"):
        Identity.from_mapping({**IDS[0], "relation": "<"})


def test_the_gate_reads_sources_and_identities_from_the_manifest(tmp_path) -> None:
    frames = _release(_details())
    for name in ("outcomes", "delay"):
        frames[name].to_csv(tmp_path / f"{name}.csv", index=False)
    entries = [{"name": "outcomes", "kind": "table", "source": "cohort.outcomes"},
               {"name": "delay", "kind": "table", "source": "sanctioning.judgment_delay",
                "identities": list(IDS)}]
    (tmp_path / MANIFEST).write_text("".join(json.dumps(e) + "\n" for e in entries))
    sources, identities = release_links(tmp_path)
    assert sources == {"outcomes": "cohort.outcomes", "delay": "sanctioning.judgment_delay"}
    assert len(identities) == len(IDS)
    gated = release_gate(_details({5: np.nan}), "details", tmp_path, k=K,
                         source="sanctioning.details")
    assert gated["n"].isna().sum() == 2
    alone = release_gate(_details({5: np.nan}), "details", tmp_path, k=K)  # no source
    assert alone["n"].isna().sum() == 1


def _flags(n_group: list[int], lost: list[int]) -> Flags:
    rows = []
    for size, part in zip(n_group, lost, strict=True):
        rows.append({**dict.fromkeys(FLAG_COLUMNS, np.nan), "lens": "nomenclature",
                     "stage": "coding", "by": "offence_group", "subgroup": "all",
                     "group": f"g{size}", "reference_group": "rest",
                     "metric": "hate_flag_loss_difference", "value": part / size,
                     "reference": 0.2, "effect": part / size - 0.2,
                     "effect_lower": part / size - 0.25, "effect_upper": part / size - 0.15,
                     "p": 0.01, "q": 0.02, "threshold": 0.05, "direction": "greater",
                     "flagged": False, "severity": "", "sentence": "", "n_group": size,
                     "n_rest": 1000 - size, "test": "", "adjusted_for": ""})
    return Flags(table=pd.DataFrame(rows, columns=list(FLAG_COLUMNS)), n=1000)


def _true_sizes_fitting(share: float, shown: float) -> list[int]:
    half = 0.5 * 10.0 ** (np.floor(np.log10(abs(share))) - 5)
    return [m for m in range(int(shown) - 2, int(shown) + 3)
            if abs(round(float(f"{share:.6g}") * m) - float(f"{share:.6g}") * m) <= m * half]


def test_flags_shares_lie_on_the_grid_of_the_rounded_group_sizes() -> None:
    sizes, parts = [38, 41, 57, 73, 96, 119], [4, 9, 13, 22, 31, 50]
    raw = _flags(sizes, parts).table
    # before: a full-precision share fits one size near the shown one, the true one
    assert all(_true_sizes_fitting(s, 5 * round(n / 5)) == [n]
               for s, n in zip(raw["value"], sizes, strict=True))
    safe = disclose(_flags(sizes, parts), k=K).table
    assert (safe["n_group"] % K == 0).all()
    for share, shown, true in zip(safe["value"], safe["n_group"], sizes, strict=True):
        assert abs(share * shown / K - round(share * shown / K)) < 1e-9  # multiple of k/N
        assert true not in _true_sizes_fitting(share, shown) or true == shown
    assert audit_release({"flags": safe}, k=K).counts()["derived"] == 0


def test_a_distance_between_two_profiles_keeps_both_sizes_rounded() -> None:
    # 7/82 of one division's cases against the other's profile: 0.0853659 x 82 = 7
    f = _flags([82, 60], [7, 9])
    table = f.table.assign(metric="division_code_distance", value=[7 / 82, 9 / 60],
                           reference=[0.02, 0.03], n_rest=[27, 41])
    assert _true_sizes_fitting(7 / 82, 80) == [82]
    safe = disclose(f.replace(table=table), k=K).table
    for share, shown in zip(safe["value"], safe["n_group"], strict=True):
        assert share == 0 or shown in _true_sizes_fitting(share, shown)
    assert np.allclose(safe["effect"], safe["value"] - safe["reference"])


def test_flag_event_counts_are_rounded_and_never_small() -> None:
    f = _flags([40, 60], [4, 9])
    table = f.table.assign(metric="requalification_hazard_ratio", value=[3.0, 93.0],
                           reference=[1391.0, 12.0])
    safe = disclose(f.replace(table=table), k=K).table
    assert np.isnan(safe["value"].iloc[0]) and safe["value"].iloc[1] == 95
    assert safe["reference"].tolist() == [1390.0, 10.0]


def test_a_models_sizes_pass_the_gate() -> None:
    table = pd.DataFrame({"term": ["x"], "estimate": [0.5], "std_err": [0.1], "lower": [0.3],
                          "upper": [0.7], "p": [0.01]})
    few = FineGrayResult(table=table, n=200, n_event=3)
    assert disclose(few, k=K).table["estimate"].isna().all()
    many = disclose(FineGrayResult(table=table, n=16539, n_event=1939), k=K, rounding=10)
    assert (many.n, many.n_event) == (16540, 1940)
    assert disclose(FineGrayResult(table=table, n=16539, n_event=1939), k=K).n == 16539


def test_quality_counts_pass_the_gate() -> None:
    table = pd.DataFrame({"source": ["police", "parquet", "court"], "format": ["csv"] * 3,
                          "read": [20000, 18840, 3], "accepted": [19997, 18835, 3],
                          "quarantined": [3, 5, 0]})
    out = published_quality(SimpleNamespace(table=table), k=K)
    assert out["quarantined"].tolist() == ["<5", "5", "<5"]  # the court source is withheld
    # 20000 - 19997 would give the 3 back: accepted is hidden with it
    assert out["accepted"].tolist() == ["‡", "18835", "<5"]
    assert out["read"].tolist() == ["20000", "18840", "<5"]
