"""The R reference fixtures: CSVs written by the scripts in ``tests/reference/``."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@functools.cache
def _read_cached(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name, comment="#")


def read_reference(name: str) -> pd.DataFrame:
    """A reference CSV (``#`` lines are the header naming tool, version and call); a copy."""
    return _read_cached(name).copy()


def lung() -> pd.DataFrame:
    """R's ``survival::lung`` with ``dead`` = 1 for a death (``status == 2``)."""
    data = read_reference("data/lung.csv")
    data["dead"] = (data["status"] == 2).astype(int)
    return data
