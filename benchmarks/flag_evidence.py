"""Detection and null rates of the bottleneck flags over seeds, for the docs.

Runs ``trajectory.flags`` on ``--seeds`` synthetic studies of ``--n`` cases per
scenario and prints two Markdown tables:

* detection: scenario x planted effect -> share of seeds in which a flagged row has
  the effect's lens, ``by == group_column`` and ``group == group_value``;
* nulls: share of seeds with any flag, in the null worlds and in the permutation
  nulls (``zone`` / ``division`` permuted within offence groups of ``null_uneven``:
  true nulls), plus the share of seeds with a flag along the permuted dimension when
  the base is ``brussels`` (a null along that dimension only).

Same scoring as ``tests/bottlenecks/test_flags_evidence.py``
(:mod:`trajectory.synth.scoring`). The BLAS thread count is printed with the results.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/flag_evidence.py               # 20 seeds x 20,000
    python benchmarks/flag_evidence.py --seeds 3 --scenarios confined_slow_zone null
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

DETECTION = ("brussels", "slow_zone", "lost_hate_flag", "opportunity_division",
             "requalification_delay", "confined_slow_zone", "confined_hate_division",
             "confined_ifg_division")
NULLS = ("null", "null_uneven", "null_mix")
PERMUTATIONS = (("null_uneven", "zone"), ("null_uneven", "division"),
                ("brussels", "zone"), ("brussels", "division"))


def markdown(frame: pd.DataFrame) -> str:
    """A Markdown table (floats with two decimals), without optional dependencies."""
    cells = [[f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
             for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seeds run from here (fresh seeds give independent evidence)")
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--scenarios", nargs="*", default=None,
                    help="restrict to these scenarios (default: all; 'permutation' for the "
                         "permutation nulls)")
    args = ap.parse_args(argv)

    import trajectory
    from trajectory.synth import make_study, permute_labels
    from trajectory.synth.scoring import detected, is_clean

    wanted = set(args.scenarios) if args.scenarios else None
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    timings: list[float] = []

    def flag_table(log):
        t0 = time.perf_counter()
        table = trajectory.flags(log).table
        timings.append(time.perf_counter() - t0)
        return table

    rows = []
    for scenario in DETECTION:
        if wanted is not None and scenario not in wanted:
            continue
        for seed in seeds:
            log, truth = make_study(args.n, seed=seed, scenario=scenario)
            table = flag_table(log)
            for effect, hit in detected(table, truth.planted).items():
                p = truth.planted.set_index("bottleneck").loc[effect]
                rows.append({"scenario": scenario, "effect": effect, "lens": p["lens"],
                             "unit": f"{p['group_column']}={p['group_value']}",
                             "subgroup": p["subgroup"], "seed": seed, "detected": hit})
    nulls: list[dict] = []
    false_kinds: list[dict] = []
    for scenario in NULLS:
        if wanted is not None and scenario not in wanted:
            continue
        for seed in seeds:
            table = flag_table(make_study(args.n, seed=seed, scenario=scenario).log)
            nulls.append({"null": scenario, "scored": "any flag", "seed": seed,
                          "flagged": not is_clean(table)})
            hits = table.loc[table["flagged"].astype(bool)]
            for key in set(zip(hits["lens"], hits["stage"], hits["by"], strict=True)):
                false_kinds.append({"null": scenario, "seed": seed, "lens": key[0],
                                    "stage": key[1], "by": key[2]})
    if wanted is None or "permutation" in wanted:
        for base, column in PERMUTATIONS:
            for seed in seeds:
                log = make_study(args.n, seed=seed, scenario=base).log
                table = flag_table(permute_labels(log, column, "offence_group", seed=seed))
                true_null = base.startswith("null")
                nulls.append({
                    "null": f"{base}, {column} permuted within offence group",
                    "scored": "any flag" if true_null else f"flag by {column}",
                    "seed": seed,
                    "flagged": not is_clean(table, by=None if true_null else column)})

    last = args.first_seed + args.seeds - 1
    print(f"# flag evidence: seeds {args.first_seed}-{last}, {args.seeds} x {args.n:,} cases; "
          f"OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; flags() median "
          f"{np.median(timings) if timings else float('nan'):.1f} s per call")
    if rows:
        det = (pd.DataFrame(rows)
               .groupby(["scenario", "effect", "lens", "unit", "subgroup"], sort=False)
               ["detected"].mean().rename("detection_rate").reset_index())
        print("\n## Detection rate of each planted effect (target >= 0.90)\n")
        print(markdown(det))
    if nulls:
        nul = (pd.DataFrame(nulls).groupby(["null", "scored"], sort=False)["flagged"].mean()
               .rename("share_of_runs_flagged").reset_index())
        print("\n## Null worlds: share of runs with a false flag (target <= 0.05)\n")
        print(markdown(nul))
    if false_kinds:
        kinds = (pd.DataFrame(false_kinds).groupby(["null", "lens", "stage", "by"])["seed"]
                 .nunique().div(args.seeds).rename("share_of_runs").reset_index())
        print("\n## Where the false flags of the null worlds are\n")
        print(markdown(kinds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
