"""The curated public API: every exported name resolves, and importing has no side effects."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import types

import trajectory as tj


def test_every_public_name_resolves_to_its_defining_module() -> None:
    """Each export is the very object its module defines, and is documented."""
    assert set(tj.__all__) == {*tj._EXPORTS, "plotting", "__version__"}
    for name, module in tj._EXPORTS.items():
        defined = getattr(importlib.import_module(f"trajectory.{module}"), name)
        value = getattr(tj, name)
        assert value is defined, name
        assert callable(value), name
        assert (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert isinstance(tj.plotting, types.ModuleType)
    assert tj.plotting.__name__ == "trajectory.plotting"
    assert re.fullmatch(r"\d+\.\d+\.\d+", tj.__version__)


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert tj.__version__ == version("trajectory")


def test_import_is_light_and_side_effect_free() -> None:
    code = (
        "import sys, trajectory; "
        "heavy = [m for m in ('lifelines', 'matplotlib', 'statsmodels', 'duckdb') "
        "if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing trajectory loaded {out.stdout.strip()}"
    assert out.stderr == ""


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        tj.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")
