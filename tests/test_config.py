"""StudyConfig: the example loads; wrong keys and values fail with a message naming them."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from trajectory.config import example_config_path, from_dict, load_config
from trajectory.errors import ConfigError


def _example() -> dict[str, Any]:
    return tomllib.loads(example_config_path().read_text(encoding="utf-8"))


def test_example_config_loads() -> None:
    cfg = load_config(example_config_path())
    assert cfg.name == "example"
    assert cfg.extraction_date == dt.date(2025, 6, 30)
    assert cfg.cohort.entry_window == (dt.date(2021, 1, 1), dt.date(2024, 12, 31))
    assert cfg.endpoints["court"] == ("E45", "E46", "E47")
    police = cfg.source("police")
    assert police.delimiter == ";" and police.encoding == "cp1252" and police.decimal == ","
    assert police.path.is_absolute() and police.path.name == "police.csv"
    assert cfg.source("court").long is not None
    assert cfg.source("court").values["event"]["JUDGMENT"] == "E51"


def test_config_is_frozen() -> None:
    cfg = load_config(example_config_path())
    with pytest.raises(AttributeError):
        cfg.name = "other"  # type: ignore[misc]


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[keys[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("study.langauge", "en", r"\[study\] unknown key 'langauge'; allowed keys: name, title"),
        ("study.language", "de", r"\[study\] language = 'de': allowed values are 'en', 'nl', 'fr'"),
        ("study.extraction_date", "30/06/2025", r"extraction_date = '30/06/2025': expected a date"),
        ("privacy.threshold", 1, r"\[privacy\] threshold = 1: must be an integer >= 2"),
        ("cohort.origin", "E99", r"\[cohort\] origin = 'E99': must be an event code"),
        ("cohort.entry_window", ["2024-01-01", "2023-01-01"], "start is after end"),
        ("cohort.follow_up_days", -3, r"follow_up_days = -3: must be a positive integer"),
        ("endpoints.court", ["E45", "E40"], "'E40' is in both"),
        ("groupings.by", ["offence_group", "colour"], "'colour': not a case column"),
        ("sources.0.delimiter", ":", r"\[sources.police\] delimiter = ':': allowed values"),
        ("sources.0.kind", "hospital", r"kind = 'hospital': allowed values are 'police'"),
        ("sources.0.events", {"E11": "X", "E77": "Y"}, r"'E77' is not an event code"),
        ("sources.0.columns", {"zoen": "ZONE"}, r"unknown contract column 'zoen'"),
        ("sources.0.identifiers", {}, "at least one of case_number, pv_number"),
        ("sources.1.name", "police", r"names must be unique"),
    ],
)
def test_wrong_key_or_value_is_named(path: str, value: Any, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        from_dict(_set(_example(), path, value))


def test_missing_sections_and_files() -> None:
    with pytest.raises(ConfigError, match=r"\[study\] section missing"):
        from_dict({})
    with pytest.raises(ConfigError, match="not found"):
        load_config(Path("/nonexistent/study.toml"))


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "study.toml"
    bad.write_text("[study\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"study.toml: not valid TOML"):
        load_config(bad)


def test_defaults_when_sections_are_omitted() -> None:
    cfg = from_dict({"study": {"name": "x", "extraction_date": dt.date(2024, 12, 31)}})
    assert cfg.privacy.threshold == 5
    assert cfg.cohort.origin == "E11"
    assert set(cfg.endpoints) == {
        "court", "alternative", "dismissal_technical", "dismissal_opportunity", "administrative"
    }
    assert cfg.sources == ()
