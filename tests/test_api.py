"""The curated public API: every exported name resolves, and importing has no side effects."""

from __future__ import annotations

import subprocess
import sys

import trajectory as tj


def test_every_public_name_resolves() -> None:
    for name in tj.__all__:
        assert getattr(tj, name) is not None, name


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
