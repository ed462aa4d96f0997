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
