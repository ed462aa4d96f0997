"""The message catalogue: every heading, label and sentence of the report and flags (EN, FR, NL).

The catalogue is package data (``templates/messages.toml``): one TOML table a message,
with an ``en``, ``fr`` and ``nl`` string each. Sentences take ``{named}`` fields.

Examples
--------
>>> message("heading.summary", "fr")
'Résumé'
>>> message("day_n", "nl", n=365)
'Dag 365'
>>> message_or("column.no_such_column", "en", "fallback")
'fallback'
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from .errors import ConfigError

__all__ = ["message", "message_or", "catalogue", "LANGUAGES"]

LANGUAGES = ("en", "fr", "nl")


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, dict[str, str]]) -> None:
    if set(table) & set(LANGUAGES) and all(isinstance(v, str) for v in table.values()):
        out[prefix] = {k: str(v) for k, v in table.items()}
        return
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(f"{prefix}.{key}" if prefix else key, value, out)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message: ``{"heading.summary": {"en": ..., "fr": ..., "nl": ...}, ...}``."""
    text = resources.files("trajectory").joinpath("templates/messages.toml").read_text("utf-8")
    out: dict[str, dict[str, str]] = {}
    _flatten("", tomllib.loads(text), out)
    return out


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ConfigError(f"report language {lang!r} is not one of {', '.join(LANGUAGES)}; "
                          "pass --lang en, fr or nl (or set language in the study config)")


def message(key: str, lang: str = "en", **fields: Any) -> str:
    """The message ``key`` in ``lang``, with ``fields`` filled in.

    A key missing from the catalogue raises ``KeyError`` naming it (a test checks that
    every key has its three languages).
    """
    _check(lang)
    entry = catalogue()[key]
    text = entry.get(lang) or entry["en"]
    if text == "=en":  # the same in every language (e.g. the references)
        text = entry["en"]
    return text.format(**fields) if fields else text


def message_or(key: str, lang: str, default: str, **fields: Any) -> str:
    """The message ``key`` in ``lang``, or ``default`` when the catalogue lacks it."""
    if key not in catalogue():
        return default
    return message(key, lang, **fields)
