"""``python -m trajectory.synth``: write a synthetic study, or regenerate data/sample/.

Examples (shell)::

    python -m trajectory.synth --sample
    python -m trajectory.synth --n-cases 10000 --seed 7 --scenario null --out /tmp/study
"""

from __future__ import annotations

import argparse
import sys

from .extracts import write_extracts
from .sample import write_sample
from .scenarios import SCENARIOS
from .study import make_study


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m trajectory.synth",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--sample", action="store_true",
                        help="regenerate data/sample/ (5,000 cases, brussels, seed 1)")
    parser.add_argument("--out", help="output folder (default data/sample with --sample)")
    parser.add_argument("--n-cases", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="brussels", choices=sorted(SCENARIOS))
    parser.add_argument("--clean", action="store_true", help="write no malformed rows")
    args = parser.parse_args(argv)
    if args.sample:
        toml = write_sample(args.out)
    else:
        if not args.out:
            parser.error("--out is required unless --sample is given")
        study = make_study(args.n_cases, seed=args.seed, scenario=args.scenario)
        toml = write_extracts(study, args.out, malformed=not args.clean)
    print(toml)
    return 0


if __name__ == "__main__":
    sys.exit(main())
