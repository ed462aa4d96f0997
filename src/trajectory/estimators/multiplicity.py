"""False discovery control over a tree of hypotheses (TreeBH).

A study's comparisons form a tree: comparison dimension (police zone, parquet
division, ...) -> stage and metric -> subgroup (all cases, each offence group) ->
the group compared. Testing all leaves with one Benjamini-Hochberg step either drowns
a bottleneck confined to one offence group among hundreds of tests, or, if subgroups
are searched without control, raises false flags. :func:`tree_bh` implements the
TreeBH procedure of Bogomolov, Peterson, Benjamini and Sabatti (2021), which
generalises the selective inference over families of Benjamini and Bogomolov (2014)
to any depth:

1. every node gets the Simes p-value of the leaves below it;
2. the top family (the children of the root) is tested by Benjamini-Hochberg at
   level ``q``;
3. the children of each selected node form a family tested by Benjamini-Hochberg at
   ``q`` times the product, over the node's ancestry, of (number selected / size) of
   each family the path went through;
4. a leaf is discovered when it and all its ancestors are selected.

It controls the false discovery rate at each level of the tree (under independence
or positive dependence of the p-values: Simes and BH) and, under the global null,
the probability of any discovery at ``q``.

References
----------
.. [1] Bogomolov M, Peterson CB, Benjamini Y, Sabatti C (2021). Hypotheses on a tree:
   new error rates and testing strategies. Biometrika 108(3):575-590.
.. [2] Benjamini Y, Bogomolov M (2014). Selective inference on multiple families of
   hypotheses. J R Stat Soc B 76(1):297-318.
.. [3] Simes RJ (1986). An improved Bonferroni procedure for multiple tests of
   significance. Biometrika 73(3):751-754.
.. [4] Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. J R Stat
   Soc B 57(1):289-300.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"dim": ["zone"] * 3 + ["division"] * 2,
...                   "leaf": ["a", "b", "c", "FR", "NL"],
...                   "p": [1e-6, 0.4, 0.7, 0.3, 0.8]})
>>> tree_bh(t, levels=["dim", "leaf"], q=0.05)["selected"].tolist()
[True, False, False, False, False]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

__all__ = ["simes", "tree_bh"]


def simes(p: Sequence[float] | np.ndarray) -> float:
    """Simes' combination of p-values: ``min_i m p_(i) / i`` (NaN ignored; 1 if none).

    References
    ----------
    .. [1] Simes RJ (1986). An improved Bonferroni procedure for multiple tests of
       significance. Biometrika 73(3):751-754.

    Examples
    --------
    >>> simes([0.01, 0.04, 0.2])
    0.03
    """
    arr = np.sort(np.asarray(p, dtype=float)[~np.isnan(np.asarray(p, dtype=float))])
    if arr.size == 0:
        return 1.0
    m = arr.size
    return float(min(1.0, np.min(arr * m / np.arange(1, m + 1))))


def _bh_adjusted(p: np.ndarray) -> np.ndarray:
    return multipletests(p, method="fdr_bh")[1] if p.size else p


def tree_bh(
    table: pd.DataFrame, *, levels: Sequence[str], p: str = "p", q: float = 0.05
) -> pd.DataFrame:
    """TreeBH over the leaves of ``table``, one row a leaf hypothesis.

    Parameters
    ----------
    table : DataFrame
        One row a leaf; ``levels`` columns give its path from the top of the tree
        (the last level names the leaf within its family). Rows whose ``p`` is NaN are
        not tested (never selected) and do not count in any family.
    levels : sequence of str
        Columns from the top level down to the leaf.
    p : str
        Column of the leaf p-values.
    q : float
        Target false discovery rate at every level.

    Returns
    -------
    DataFrame
        ``table``'s index with ``selected`` (bool) and ``q_tree``: the largest, along the
        leaf's path, of each node's Benjamini-Hochberg adjusted p-value within its
        family divided by that family's level factor; ``selected`` iff ``q_tree <= q``.
        ``node_p`` holds the Simes p-value of the leaf's top-level node.

    References
    ----------
    .. [1] Bogomolov M, Peterson CB, Benjamini Y, Sabatti C (2021). Hypotheses on a tree:
       new error rates and testing strategies. Biometrika 108(3):575-590.
    .. [2] Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical
       and powerful approach to multiple testing. J R Stat Soc B 57(1):289-300.
    .. [3] Simes RJ (1986). An improved Bonferroni procedure for multiple tests of
       significance. Biometrika 73(3):751-754.
    """
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q}")
    levels = list(levels)
    out = pd.DataFrame({"selected": False, "q_tree": np.nan, "node_p": np.nan},
                       index=table.index)
    tested = table.loc[table[p].notna(), levels + [p]].copy()
    if tested.empty:
        return out
    for c in levels:
        tested[c] = tested[c].astype(str)
    # a node is a path prefix; its p-value is the Simes combination of its leaves
    path_cols = [f"_path{k}" for k in range(len(levels))]
    prefix = tested[levels[0]]
    tested[path_cols[0]] = prefix
    for k in range(1, len(levels)):
        prefix = prefix + "\x1f" + tested[levels[k]]
        tested[path_cols[k]] = prefix
    node_p: list[pd.Series] = []
    for k in range(len(levels)):
        if k == len(levels) - 1:
            node_p.append(tested.groupby(path_cols[k], sort=False)[p].min())
        else:
            node_p.append(tested.groupby(path_cols[k], sort=False)[p].agg(simes))
    # walk down: families are the children of a selected node
    factor: dict[str, float] = {"": 1.0}
    worst: dict[str, float] = {"": 0.0}
    for k in range(len(levels)):
        parent = (pd.Series("", index=tested.index) if k == 0 else tested[path_cols[k - 1]])
        nodes = pd.DataFrame({"parent": parent, "node": tested[path_cols[k]]}).drop_duplicates(
            "node")
        nodes = nodes.loc[nodes["parent"].isin(list(factor))]
        next_factor: dict[str, float] = {}
        for par_key, fam in nodes.groupby("parent", sort=False):
            par = str(par_key)
            pv = node_p[k].reindex(fam["node"]).to_numpy(float)
            adj = _bh_adjusted(pv) / factor[par]
            path_worst = np.maximum(adj, worst[par])
            for node, w in zip(fam["node"].astype(str), path_worst, strict=True):
                worst[node] = float(min(w, 1.0) if np.isfinite(w) else 1.0)
            chosen = fam["node"].to_numpy()[adj <= q]
            share = len(chosen) / len(fam)
            for node in chosen:
                next_factor[str(node)] = factor[par] * share
        factor = next_factor
        if not factor:
            break
    leaf = tested[path_cols[-1]]
    out.loc[tested.index, "q_tree"] = [worst.get(x, np.nan) for x in leaf]
    unreached = ~leaf.isin(list(worst))
    if unreached.any():  # below a node that was not selected: the ancestor's value
        for k in range(len(levels) - 2, -1, -1):
            anc = tested.loc[unreached, path_cols[k]]
            vals = anc.map(worst)
            fill = vals.notna() & out.loc[anc.index, "q_tree"].isna()
            out.loc[anc.index[fill.to_numpy()], "q_tree"] = vals[fill].to_numpy()
    out.loc[tested.index, "selected"] = leaf.isin(list(factor)).to_numpy() if len(
        levels) else False
    out.loc[tested.index, "node_p"] = tested[path_cols[0]].map(node_p[0]).to_numpy()
    out["selected"] = out["selected"].astype(bool)
    return out
