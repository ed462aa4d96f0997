"""Notebooks stay thin: one parameters cell, `import trajectory as tj`, no def/class, no outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "00-quickstart",
    "01-data-quality",
    "02-reception",
    "03-nomenclature",
    "04-sanctioning-and-support",
    "05-trajectories",
    "06-bottleneck-summary",
    "07-indicators",
    "08-evaluation",
]


def test_the_numbered_notebooks_exist() -> None:
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_thin(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert code[0] is tagged[0], "the parameters cell comes first"
    sources = ["".join(c["source"]) for c in code]
    assert any(re.search(r"^import trajectory as tj$", s, re.M) for s in sources)
    for cell, source in zip(code, sources, strict=True):
        assert not cell.get("outputs"), "outputs must not be committed"
        assert cell.get("execution_count") is None
        assert not re.search(r"^\s*(def|class)\s", source, re.M), "move def/class into the package"
    markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert len(markdown) >= 2, "narrative between the calls"
