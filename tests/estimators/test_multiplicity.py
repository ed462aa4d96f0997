"""TreeBH and Simes, against hand computation and against Benjamini-Hochberg."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from trajectory.estimators.multiplicity import simes, tree_bh


def test_simes_by_hand():
    assert simes([0.001, 0.02, 0.6]) == pytest.approx(0.003)  # min(3*.001/1, 3*.02/2, .6)
    assert simes([0.04, 0.5]) == pytest.approx(0.08)
    assert simes([np.nan]) == 1.0


def test_tree_bh_by_hand():
    """Two levels, q = 0.05, computed by hand (Bogomolov et al. 2021, Definition of TreeBH).

    Top family: Simes p of A = 0.003, B = 0.08, C = 0.9. BH at 0.05 with m = 3 rejects A
    only (0.08 > 2 * 0.05 / 3), so A's children are tested at 0.05 * 1/3 = 0.0167: BH
    rejects 0.001 (<= 0.0167 / 3) but not 0.02 (> 2 * 0.0167 / 3).
    """
    t = pd.DataFrame({"top": ["A", "A", "A", "B", "B", "C"],
                      "leaf": ["a1", "a2", "a3", "b1", "b2", "c1"],
                      "p": [0.001, 0.02, 0.6, 0.04, 0.5, 0.9]})
    res = tree_bh(t, levels=["top", "leaf"], q=0.05)
    assert res["selected"].tolist() == [True, False, False, False, False, False]
    # q_tree: BH-adjusted value / family factor, the largest along the path
    assert res["q_tree"].tolist() == pytest.approx([0.009, 0.09, 1.0, 0.12, 0.12, 0.9])
    assert res["node_p"].tolist() == pytest.approx([0.003] * 3 + [0.08] * 2 + [0.9])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e-8, 1.0), min_size=1, max_size=40), st.sampled_from([0.05, 0.1]))
def test_one_family_is_benjamini_hochberg(p, q):
    """With a single top node the tree is one BH family (Simes <= q iff BH rejects)."""
    t = pd.DataFrame({"top": "only", "leaf": range(len(p)), "p": p})
    res = tree_bh(t, levels=["top", "leaf"], q=q)
    bh = multipletests(np.asarray(p), alpha=q, method="fdr_bh")[0]
    assert res["selected"].tolist() == bh.tolist()


def test_global_null_rejects_anything_at_rate_q():
    """Uniform p-values on a 3-level tree: P(any discovery) is about q (here 0.05)."""
    rng = np.random.default_rng(7)
    shape = pd.DataFrame({"a": np.repeat(list("wxyz"), 60),
                          "b": np.tile(np.repeat(["s1", "s2", "s3"], 20), 4),
                          "c": np.tile(np.arange(20), 12)})
    hits = [tree_bh(shape.assign(p=rng.random(len(shape))), levels=["a", "b", "c"],
                    q=0.05)["selected"].any() for _ in range(300)]
    rate = float(np.mean(hits))
    assert rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 300)  # within 3 SE above q
