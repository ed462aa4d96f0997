"""Documentation stays true to the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from trajectory.schema import CASE_COLUMNS, EVENT_COLUMNS, VOCABULARIES, vocabulary

ROOT = Path(__file__).resolve().parents[1]


def test_schema_doc_lists_every_column_and_vocabulary() -> None:
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    for column in [*CASE_COLUMNS, *EVENT_COLUMNS]:
        assert f"`{column}`" in text, column
    for name in VOCABULARIES:
        assert f"`{name}`" in text, name


@pytest.mark.parametrize("name", ["events", "decisions", "motives", "outcome_groups"])
def test_schema_doc_lists_every_code(name: str) -> None:
    text = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    for code in vocabulary(name)["code"]:
        assert code in text, f"{name}: {code} missing from docs/schema.md"


def test_readme_shows_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text


def test_readme_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import matplotlib

    matplotlib.use("Agg")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = re.search(r"## A quick tour of the API\n\n```python\n(.*?)```", text, re.S)
    assert tour is not None
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(tour.group(1), "README.md", "exec"), namespace)
    q = namespace["found"].table["q"]  # type: ignore[attr-defined]
    assert q.dropna().between(0, 1).all() and q.notna().any()
    import matplotlib.pyplot as plt

    plt.close("all")
