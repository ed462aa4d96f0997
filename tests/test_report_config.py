"""The study config drives the study: edit the TOML, and the published report changes.

``[groupings]``, ``[flags]`` and ``[cohort]`` are read by the lenses, ``flags``,
``build_cohort`` and ``attrition_table`` through the notebooks (``config=ctx.config``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from trajectory.report import run_study_report
from trajectory.synth import make_study, write_extracts

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.xdist_group("report"),
]


def _edit(toml: Path, extra: str, name: str) -> Path:
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[groupings\].*?(?=^\[)", "", text)
    edited = toml.parent / name
    edited.write_text(text + "\n" + extra, encoding="utf-8")
    return edited


def test_editing_the_toml_changes_the_report(tmp_path: Path) -> None:
    study = make_study(3000, seed=5, scenario="brussels")
    toml = write_extracts(study, tmp_path / "data", malformed=False)
    base = _edit(toml, '[groupings]\nby = ["offence_group", "zone", "division"]\n', "base.toml")
    narrow = _edit(toml, '[groupings]\nby = ["offence_group", "division"]\n\n[flags]\n'
                         'subgroups = []\nhazard_ratio = 4.0\n', "narrow.toml")
    notebooks = ("06-bottleneck-summary",)
    run_study_report(base, out=tmp_path / "base", notebooks=notebooks)
    run_study_report(narrow, out=tmp_path / "narrow", notebooks=notebooks)
    a = pd.read_csv(tmp_path / "base" / "tables" / "flags.csv")
    b = pd.read_csv(tmp_path / "narrow" / "tables" / "flags.csv")
    assert "zone" in set(a["by"]) and "zone" not in set(b["by"])
    assert set(a["subgroup"]) > {"all"} and set(b["subgroup"]) == {"all"}
    hazard = b.loc[b["metric"] == "cause_specific_hazard_ratio"]
    assert not hazard["flagged"].astype(bool).any()
