"""The report runs from an installed package: the wheel carries notebooks, template, lock.

The wheel is built from a copy of the repository's sources (so the checkout gets no
``build/`` folder) and installed in a fresh virtual environment under a temporary
folder; commands run from outside the checkout.

* Fast: the wheel holds every numbered notebook of the top-level ``notebooks/`` folder
  (one copy in the repository, copied at build time), the report template, the message
  catalogue and the lock file; installed in a fresh venv (dependencies borrowed from this
  environment through a ``.pth`` file), the package finds its notebooks in its own
  install, not in the checkout.
* Slow (``-m slow``; several minutes: it installs every pinned package from the lock file
  into the fresh venv, which needs the package index): ``trajectory demo`` runs there,
  outside the checkout, and the report passes the reader checks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE",
           "requirements.lock", "src", "notebooks")

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.xdist_group("wheel")]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.is_file():
            shutil.copy2(source, tree / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "-q",
                    "-w", str(out)], check=True, capture_output=True, timeout=900)
    return next(out.glob("trajectory-*.whl"))


def _venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return folder / "bin" / "python"


def test_wheel_carries_notebooks_template_catalogue_and_lock(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert notebooks
    for name in notebooks:
        assert f"trajectory/notebooks/{name}" in names
    for name in ("report.html.j2", "messages.toml", "requirements.lock"):
        assert f"trajectory/templates/{name}" in names
    assert not (ROOT / "src" / "trajectory" / "notebooks").exists(), "one copy, in notebooks/"


def test_installed_wheel_finds_its_own_notebooks_outside_the_checkout(
    wheel: Path, tmp_path: Path,
) -> None:
    python = _venv(tmp_path / "venv")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # dependencies from this environment; trajectory itself only from the wheel
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = ("import json, trajectory; from trajectory.report import notebook_paths; "
            "from trajectory.report_provenance import lock_status; "
            "print(json.dumps([trajectory.__file__, "
            "[str(p) for p in notebook_paths()], lock_status()['lock_file']]))")
    done = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": ""})
    package, notebooks, lock = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(package).is_relative_to(site)
    assert notebooks and all(Path(p).is_relative_to(site) for p in notebooks)
    assert [Path(p).name for p in notebooks] == sorted(
        p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert lock == "requirements.lock"


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_the_demo_outside_the_checkout(
    wheel: Path, tmp_path: Path,
) -> None:
    python = _venv(tmp_path / "venv")
    for args in (["-r", str(ROOT / "requirements.lock")], ["--no-deps", str(wheel)]):
        subprocess.run([str(python), "-m", "pip", "install", "-q", *args], check=True,
                       capture_output=True, timeout=3600)
    out = tmp_path / "demo"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": ""}
    demo = subprocess.run([str(python.parent / "trajectory"), "demo", "--n", "300", "--seed",
                           "7", "--out", str(out)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=3600)
    assert demo.returncode == 0, demo.stderr[-2000:]
    code = ("import json, sys; from trajectory.report_check import check_report; "
            "print(json.dumps(check_report(sys.argv[1])))")
    check = subprocess.run([str(python), "-c", code, str(out)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=True)
    assert json.loads(check.stdout.strip().splitlines()[-1]) == []


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[ ;!~]", requirement.strip())[0].lower().replace("_", "-")


def test_lock_file_pins_every_declared_package_and_make_installs_from_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in ("dev", "notebooks"):
        declared |= {_name(r) for r in project["optional-dependencies"][extra]}
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==", 1)
            pins[_name(name)] = version.strip()
    assert declared <= set(pins), f"not pinned: {sorted(declared - set(pins))}"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in pins.values())
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-r \$\(LOCK\)", makefile)
    assert "LOCK     := requirements.lock" in makefile
