"""Secondary suppression of the gate against a simple tau-Argus-like hypercube method.

Usage::

    python benchmarks/disclosure_hypercube.py                # demo study + sparse studies
    python benchmarks/disclosure_hypercube.py --random 100   # + random 2-D tables

For the count tables of a generated study (sanctioning details: offence group x
decision code; crosswalk: police x parquet code; cases by outcome) and the one-row-a-
group tables with an ``all`` row (lost flags, victims informed), it counts the cells
each method hides beyond the primary ones:

* **gate**: :func:`trajectory.privacy.disclose` then the release audit
  (:func:`trajectory.privacy.release.release_gate`), as a report publishes;
* **hypercube**: a simplified GHMITER (the hypercube method of tau-Argus, Repsilber
  1994; Hundepool et al. 2012, sec. 4.4.4): for each primary cell, in turn, the
  rectangle (2-D: the cell, one cell of its row, one of its column and the opposite
  corner, margins included; 1-D: the cell and one other cell of its line) whose new
  corners are all non-zero and hold the fewest cases is suppressed. Like tau-Argus it
  protects primary cells only and does not re-check the pattern afterwards.

Both sides see the same tables with their margins known to the intruder. The
hypercube pattern is then attacked by the release audit's ILP (:func:`audit_release`)
to show what it leaves exposed.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pandas as pd

import trajectory as tj
from trajectory.privacy import disclose, margin_sums
from trajectory.privacy.audit import audit_release, count_columns
from trajectory.privacy.release import release_gate

K = 5


def hypercube_2d(interior: np.ndarray, k: int = K) -> np.ndarray:
    """Suppressed cells (extended array, margins last) by the simplified hypercube method."""
    ext = margin_sums(interior.astype(float))
    rows, cols = ext.shape
    sup = (ext > 0) & (ext < k)
    primaries = sorted(zip(*np.nonzero(sup), strict=True), key=lambda ij: ext[ij])
    for i, j in primaries:
        best, best_cost = None, None
        for m, n in itertools.product(range(rows), range(cols)):
            if m == i or n == j:
                continue
            corners = [(i, n), (m, j), (m, n)]
            new = [c for c in corners if not sup[c]]
            if any(ext[c] == 0 for c in new):
                continue  # a zero cannot move down: no protection
            cost = (len(new), sum(ext[c] for c in new))
            if best_cost is None or cost < best_cost:
                best, best_cost = corners, cost
        if best is not None:
            for c in best:
                sup[c] = True
    return sup


def hypercube_1d(values: np.ndarray, k: int = K) -> np.ndarray:
    """1-D table with its total last: each primary cell gets one partner in its line."""
    ext = np.append(values.astype(float), values.sum())
    sup = (ext > 0) & (ext < k)
    for i in sorted(np.flatnonzero(sup), key=lambda i: ext[i]):
        if sup.sum() >= 2:
            continue
        partners = [j for j in range(len(ext)) if j != i and ext[j] > 0 and not sup[j]]
        if partners:
            sup[min(partners, key=lambda j: ext[j])] = True
    return sup


def _gate(table: pd.DataFrame, name: str, **options: object) -> pd.DataFrame:
    safe = disclose(table, k=K, **options)
    return release_gate(safe, name, None, k=K)


def _count_hidden(frame: pd.DataFrame) -> int:
    return int(frame[count_columns(frame)].isna().sum().sum())


def study_tables(n: int, seed: int) -> list[dict[str, object]]:
    study = tj.synth.make_study(n, seed=seed)
    log = study.log
    san = tj.sanctioning(log)
    nom = tj.nomenclature(log)
    cohort = tj.build_cohort(log)
    rows = []
    two_way = {
        "sanctioning_details": (san.details, "offence_group", "code"),
        "nomenclature_crosswalk": (nom.table, "police_code", "parquet_code"),
    }
    for name, (frame, a, b) in two_way.items():
        wide = frame.pivot_table(index=a, columns=b, values="n", aggfunc="sum", fill_value=0)
        interior = wide.to_numpy(dtype=float)
        primary = int(((interior > 0) & (interior < K)).sum())
        try:
            gate_hidden = _count_hidden(_gate(frame[[a, b, "n"]], name, counts="n", dims=[a, b]))
        except tj.errors.PrivacyError:
            gate_hidden = -1  # refused: the table is withheld
        cube = hypercube_2d(interior)
        rows.append({"study": f"{n}/{seed}", "table": name, "cells": interior.size,
                     "primary": primary,
                     "gate": gate_hidden - primary if gate_hidden >= 0 else "withheld",
                     "hypercube": int(cube[:-1, :-1].sum()) - primary,
                     "hypercube_margins": int(cube[-1, :].sum() + cube[:, -1].sum())})
    outcomes = cohort.table.groupby("outcome", observed=True).size().rename("n").reset_index()
    primary = int(((outcomes["n"] > 0) & (outcomes["n"] < K)).sum())
    gate = _gate(outcomes, "quickstart_outcomes", counts="n")
    cube = hypercube_1d(outcomes["n"].to_numpy())
    rows.append({"study": f"{n}/{seed}", "table": "quickstart_outcomes", "cells": len(outcomes),
                 "primary": primary, "gate": _count_hidden(gate) - primary,
                 "hypercube": int(cube[:-1].sum()) - primary,
                 "hypercube_margins": int(cube[-1])})
    one_way = {"nomenclature_flags_lost": (nom.flags_lost, "n_flagged", ["flag"]),
               "sanctioning_informed": (san.informed, "n", [])}
    for name, (frame, size, keys) in one_way.items():
        primary = int(((frame[size] > 0) & (frame[size] < K)).sum())
        gate = _gate(frame, name, withhold_by=size)
        hidden = int(gate[size].isna().sum())
        cube_hidden = 0
        for _, block in frame.groupby([*keys, "by"], sort=False):
            if (block["by"] == "all").all():
                continue
            cube_hidden += int(hypercube_1d(block[size].to_numpy())[:-1].sum())
        rows.append({"study": f"{n}/{seed}", "table": name, "cells": len(frame),
                     "primary": primary, "gate": hidden - primary,
                     "hypercube": cube_hidden - primary, "hypercube_margins": 0})
    return rows


def _exposed(long: pd.DataFrame, hidden: np.ndarray, interior: np.ndarray) -> int:
    """Hidden cells the release audit's ILP narrows below k, margins known to the intruder."""
    if not hidden.any():
        return 0
    shown = long.assign(n=np.where(hidden, np.nan, long["n"]))
    margins = [{"r": i, "c": "all", "n": interior[i].sum()} for i in range(interior.shape[0])]
    margins += [{"r": "all", "c": j, "n": interior[:, j].sum()} for j in range(interior.shape[1])]
    full = pd.concat([shown, pd.DataFrame(margins)]).astype({"r": str, "c": str})
    # the cells of a row add up to its 'all' column, those of a column to its 'all' row
    audit = audit_release({"t": full}, k=K)
    return int(audit.table["problem"].isin(["exact", "narrow"]).sum())


def random_tables(count: int, seed: int = 0) -> pd.DataFrame:
    """Random 2-D tables (3-8 x 3-8, mixed small and large counts): secondaries and ILP."""
    rng = np.random.default_rng(seed)
    out = []
    for t in range(count):
        shape = tuple(rng.integers(3, 9, size=2))
        interior = np.where(rng.random(shape) < 0.3, rng.integers(1, K, size=shape),
                            rng.integers(K, 60, size=shape)).astype(float)
        primary = int(((interior > 0) & (interior < K)).sum())
        long = pd.DataFrame([{"r": i, "c": j, "n": interior[i, j]}
                             for i in range(shape[0]) for j in range(shape[1])])
        try:
            gate = _gate(long, f"t{t}", counts="n", dims=["r", "c"])
        except tj.errors.PrivacyError:
            continue
        cube = hypercube_2d(interior)
        out.append({"cells": interior.size, "primary": primary,
                    "gate": _count_hidden(gate) - primary,
                    "hypercube": int(cube[:-1, :-1].sum()) - primary,
                    "gate_exposed": _exposed(long, gate["n"].isna().to_numpy(), interior),
                    "hypercube_exposed": _exposed(long, cube[:-1, :-1].ravel(), interior)})
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--random", type=int, default=0, help="random 2-D tables to add")
    args = parser.parse_args()
    rows = []
    for n, seed in ((20_000, 1), (4_000, 7), (300, 7)):
        rows += study_tables(n, seed)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    both = table[table["gate"] != "withheld"]
    print("\nsecondary cells (interior) on the tables both publish: gate",
          int(both["gate"].astype(int).sum()), "hypercube", int(both["hypercube"].sum()))
    if args.random:
        rand = random_tables(args.random)
        print(f"\n{len(rand)} random 2-D tables: primary {int(rand['primary'].sum())}, "
              f"secondary gate {int(rand['gate'].sum())}, "
              f"hypercube {int(rand['hypercube'].sum())}; "
              f"hidden cells narrowed below k by the ILP: gate {int(rand['gate_exposed'].sum())}, "
              f"hypercube {int(rand['hypercube_exposed'].sum())}")


if __name__ == "__main__":
    main()
