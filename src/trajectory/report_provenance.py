"""Provenance of a report: what a reader needs to reproduce it, and nothing private.

:func:`provenance` records the study config (paths reduced to file names), the SHA-256
of every input file, the version of every package, Python, the git commit, the seed,
the step timings and the lock file (:func:`lock_status`: its hash and how many installed
packages match its pins). Never the pseudonymisation key, never a machine path.

Examples
--------
>>> status = lock_status()
>>> sorted(status)[:3]
['lock_differences', 'lock_file', 'lock_match']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .config import StudyConfig

__all__ = ["provenance", "lock_status", "LOCK_FILE"]

#: Packages whose versions go into provenance.json.
_PROVENANCE_PACKAGES = (
    "trajectory", "numpy", "pandas", "scipy", "lifelines", "statsmodels", "duckdb", "pyarrow",
    "matplotlib", "seaborn", "papermill", "nbconvert",
)


#: The lock file that pins every package (``make lock``), hashed into provenance.
LOCK_FILE = "requirements.lock"


def _project_root() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
            return parent
    return None


def _package_file(name: str) -> Path | None:
    """A top-level project file shipped in the wheel (lock file), else the checkout's."""
    from importlib import resources

    shipped = Path(str(resources.files("trajectory").joinpath("templates", name)))
    if shipped.is_file():
        return shipped
    root = _project_root()
    return root / name if root is not None and (root / name).is_file() else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_commit() -> str | None:
    root = _project_root()
    if root is None:
        return None
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _jsonable(value: Any) -> Any:
    """A config as JSON; a path becomes its file name (no machine path is published)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return value.name
    if isinstance(value, dt.date):
        return str(value)
    return value


def lock_status() -> dict[str, Any]:
    """The lock file's SHA-256 and how many installed packages differ from its pins."""
    path = _package_file(LOCK_FILE)
    if path is None:
        return {"lock_file": None, "lock_sha256": None, "lock_match": None}
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.split(";")[0].strip()
    differ = []
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            differ.append(f"{name} {installed or 'missing'} (lock {version})")
    return {
        "lock_file": path.name,
        "lock_sha256": _sha256(path),
        "lock_match": f"{len(pins) - len(differ)}/{len(pins)}",
        "lock_differences": differ,
    }


def provenance(config: StudyConfig, *, seed: int, timings: dict[str, float]) -> dict[str, Any]:
    """What a reader needs to reproduce a report (never the pseudonymisation key).

    Returns config, input file names and SHA-256 hashes, package versions, Python, git
    commit, seed, step timings and the lock file's hash (:func:`lock_status`). Paths are
    reduced to file names: the record goes into the report folder.
    """
    versions: dict[str, str | None] = {}
    for package in _PROVENANCE_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    inputs = {
        src.name: {
            "file": src.path.name,
            "sha256": _sha256(src.path) if src.path.is_file() else None,
        }
        for src in config.sources
    }
    return {
        "trajectory_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": _jsonable(config),
        "inputs": inputs,
        "packages": versions,
        "python": platform.python_version(),
        "git_commit": _git_commit(),
        "seed": seed,
        "timings_s": timings,
        **lock_status(),
    }
