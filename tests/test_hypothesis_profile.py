"""The hypothesis ``ci`` profile: derandomised under ``CI``, and no property test opts out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

TESTS = Path(__file__).resolve().parent


def test_ci_environment_loads_the_derandomised_profile() -> None:
    code = ("import conftest; from hypothesis import settings; d = settings.default; "
            "print(settings._current_profile, d.derandomize, d.database, d.deadline)")
    env = {**os.environ, "CI": "true", "PYTHONPATH": str(TESTS)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, cwd=TESTS)
    assert out.stdout.split() == ["ci", "True", "None", "None"], out.stdout


def test_every_collected_property_test_follows_the_loaded_profile(
        request: pytest.FixtureRequest) -> None:
    """A test's own ``@settings`` may lower ``max_examples``, never re-randomise under CI."""
    default = settings.default
    found, loose = 0, []
    for item in request.session.items:
        own = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_settings", None)
        if own is None:
            continue
        found += 1
        if own.derandomize != default.derandomize or own.database != default.database:
            loose.append(item.nodeid)
    assert not loose, f"property tests that override the profile: {loose}"
    if len(request.session.items) > 500:  # the whole suite was collected
        assert found >= 22, found
