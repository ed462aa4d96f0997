"""The project's packaging stays consistent: one source of dependencies, a thin environment.yml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_is_a_thin_wrapper_of_pyproject() -> None:
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    deps = [line.strip()[2:].strip() for line in text.splitlines() if line.strip().startswith("- ")]
    # Exactly python, pip and the project itself with its extras: pyproject is the one source.
    assert deps[0].startswith("python") and deps[1] == "pip"
    pip_lines = [d for d in deps if d.startswith("-e ")]
    assert pip_lines == ["-e .[dev,notebooks]"]
    extras = set(_pyproject()["project"]["optional-dependencies"])
    named = set(re.search(r"\[(.*)\]", pip_lines[0]).group(1).split(","))  # type: ignore[union-attr]
    assert named <= extras
    floor = _pyproject()["project"]["requires-python"].removeprefix(">=")
    assert f"python>={floor}" in deps[0]
    assert [d for d in deps if d != "pip:"] == [deps[0], "pip", pip_lines[0]], (
        f"environment.yml lists packages of its own: {deps}"
    )


def test_required_dependencies_are_declared() -> None:
    declared = {
        re.split(r"[<>=\[ ;]", d)[0].lower() for d in _pyproject()["project"]["dependencies"]
    }
    required = {
        "lifelines", "statsmodels", "pandas", "numpy", "scipy", "seaborn", "matplotlib",
        "duckdb", "pyarrow", "papermill", "nbformat", "nbconvert", "ipykernel", "openpyxl",
    }
    assert required <= declared


def test_ci_runs_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
