"""`make lab` shows figures: its kernels get no forced backend, so matplotlib draws inline.

The Makefile keeps ``MPLBACKEND=Agg`` for headless runs (tests, demo, report) only. This
test reads the environment that ``make lab`` gives JupyterLab (``make lab-env``, the same
``LAB_ENV`` prefix), even when the caller exported ``MPLBACKEND=Agg``, starts a kernel in
it and runs the quickstart notebook on a small synthetic study: a figure must come out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _lab_environment() -> dict[str, str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    caller = {**os.environ, "MPLBACKEND": "Agg"}  # what `make test` exports
    done = subprocess.run([make, "-s", "--no-print-directory", "lab-env"], cwd=ROOT, env=caller,
                          capture_output=True, text=True, check=True, timeout=60)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_make_lab_sets_no_backend_and_a_kernel_shows_a_figure(tmp_path: Path) -> None:
    env = _lab_environment()
    assert "MPLBACKEND" not in env, "make lab must not force a matplotlib backend on kernels"
    executed = tmp_path / "quickstart.ipynb"
    subprocess.run(
        [sys.executable, "-m", "papermill", str(ROOT / "notebooks" / "00-quickstart.ipynb"),
         str(executed), "-p", "n_cases", "300", "-k", "python3", "--cwd", str(tmp_path),
         "--no-progress-bar", "--log-level", "ERROR"],
        env=env, check=True, capture_output=True, timeout=600,
    )
    nb = nbformat.read(str(executed), as_version=4)
    images = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "display_data" and "image/png" in o.get("data", {})]
    assert images, "no figure was displayed by the kernel"
