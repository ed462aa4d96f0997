"""The shipped sample study (``data/sample/``) and the one command that regenerates it.

``python -m trajectory.synth --sample`` (or :func:`write_sample`) writes
``data/sample/``: 5,000 cases, scenario ``"brussels"``, seed 1, with the planted
malformed rows. The same call always writes byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

from .extracts import write_extracts
from .study import make_study

__all__ = ["write_sample", "SAMPLE_N_CASES", "SAMPLE_SEED", "SAMPLE_SCENARIO", "default_sample_dir"]

SAMPLE_N_CASES = 5_000
SAMPLE_SEED = 1
SAMPLE_SCENARIO = "brussels"


def default_sample_dir() -> Path:
    """``data/sample`` of the source checkout (the folder holding ``pyproject.toml``).

    Falls back to ``./data/sample`` when the package is not run from a checkout.
    """
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent / "data" / "sample"
    return Path.cwd() / "data" / "sample"


def write_sample(out_dir: str | Path | None = None, *, n_cases: int = SAMPLE_N_CASES,
                 seed: int = SAMPLE_SEED, scenario: str = SAMPLE_SCENARIO) -> Path:
    """Regenerate the shipped sample study; return the path of its ``study.toml``.

    Parameters
    ----------
    out_dir : str or pathlib.Path, optional
        Target folder (default :func:`default_sample_dir`).
    n_cases, seed, scenario
        The sample's settings (defaults: 5,000 cases, seed 1, ``"brussels"``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     toml = write_sample(tmp, n_cases=200)
    ...     sorted(p.name for p in pathlib.Path(tmp).iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['.trajectory-synthetic.json', 'court.csv', 'parquet.csv', 'police.csv', 'study.toml',
     'victim_services.csv']
    """
    study = make_study(n_cases, seed=seed, scenario=scenario)
    target = Path(out_dir) if out_dir is not None else default_sample_dir()
    return write_extracts(study, target, malformed=True, name="sample")
