"""Command line: ``trajectory demo | synth | validate | report`` (thin wrappers).

Every command prints what it did; errors print one line saying what was wrong and
how to fix it, and exit with status 2 (fatal input problem) or 1 (anything else).
``validate`` exits with status 3 when the share of quarantined records is above
``[ingest] max_quarantine_share`` (default 5%).

Examples
--------
>>> main(["synth"])  # the error goes to standard error; the exit status is returned
1
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import TrajectoryError

__all__ = ["main"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from .report import run_demo

    out = run_demo(out=Path(args.out), n_cases=args.n, seed=args.seed, progress=True,
                   lang=args.lang)
    print(f"report written: {out}")
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from . import synth

    if args.sample:
        path = synth.write_sample()
        print(f"sample study written: {path}")
        return 0
    if args.out is None:
        raise TrajectoryError("trajectory synth: give --out DIR (or --sample for data/sample/)")
    study = synth.make_study(args.n, seed=args.seed, scenario=args.scenario)
    path = synth.write_extracts(study, Path(args.out), malformed=not args.clean)
    print(f"{args.n:,} synthetic cases (scenario {args.scenario!r}, seed {args.seed}) written; "
          f"config: {path}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .config import load_config

    config = load_config(args.config)
    from .io import validate_study

    report = validate_study(config)
    print(report.summary())
    limit = config.ingest.max_quarantine_share
    share = report.n_quarantined / report.n_read if report.n_read else 0.0
    if share > limit:
        print(f"trajectory validate: {share:.1%} of the records read were quarantined, above "
              f"[ingest] max_quarantine_share = {limit:.1%}; fix the extracts or the mapping "
              "(see the reasons above), or raise the limit in the study config",
              file=sys.stderr)
        return 3
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import run_study_report

    if args.engine:  # overrides [engine] kind here and in the notebooks' kernels
        os.environ["TRAJECTORY_ENGINE"] = args.engine

    out = run_study_report(args.config, out=Path(args.out) if args.out else None, progress=True,
                           lang=args.lang, allow_key_change=args.allow_key_change)
    print(f"report written: {out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trajectory",
        description="Time-to-event study of case trajectories, from complaint to summons.",
    )
    parser.add_argument("--version", action="version", version=f"trajectory {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="synthetic study -> DuckDB -> full report")
    demo.add_argument("--out", default="reports/demo", help="report folder (default reports/demo)")
    demo.add_argument("--n", type=int, default=20_000, help="number of synthetic cases")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--lang", choices=("en", "fr", "nl"),
                      help="language of the report (default en)")
    demo.set_defaults(func=_cmd_demo)

    syn = sub.add_parser("synth", help="write a synthetic study as source extracts + config")
    syn.add_argument("--n", type=int, default=100_000, help="number of cases")
    syn.add_argument("--seed", type=int, default=1)
    syn.add_argument("--scenario", default="brussels",
                     help="brussels (all planted bottlenecks), null, slow_zone, lost_hate_flag, "
                          "opportunity_division, requalification_delay, confined_slow_zone, "
                          "confined_hate_division, confined_ifg_division, null_uneven, "
                          "null_mix")
    syn.add_argument("--out", help="output folder")
    syn.add_argument("--clean", action="store_true", help="no planted malformed rows")
    syn.add_argument("--sample", action="store_true",
                     help="regenerate the shipped sample in data/sample/")
    syn.set_defaults(func=_cmd_synth)

    val = sub.add_parser("validate", help="read and validate the extracts of a study")
    val.add_argument("--config", required=True, help="study TOML file")
    val.set_defaults(func=_cmd_validate)

    rep = sub.add_parser("report", help="build the reproducible study report")
    rep.add_argument("--config", required=True, help="study TOML file")
    rep.add_argument("--out", help="report folder (default: [report] out_dir of the config)")
    rep.add_argument("--engine", choices=("duckdb", "spark"),
                     help="where count tables are built (default: [engine] kind of the config)")
    rep.add_argument("--lang", choices=("en", "fr", "nl"),
                     help="language of every label and sentence (default: language of the config)")
    rep.add_argument("--allow-key-change", action="store_true",
                     help="replace a study store made with another pseudonymisation key (its "
                          "pseudonyms will not link to the new ones); without it such a store "
                          "stops the report")
    rep.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except TrajectoryError as exc:
        from .errors import ConfigError, IngestError, PrivacyError

        print(f"trajectory {args.command}: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, (ConfigError, IngestError, PrivacyError)) else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
