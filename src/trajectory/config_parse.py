"""Validation of TOML values for the study configuration, and the ``[[sources]]`` tables.

Every check raises :class:`~trajectory.errors.ConfigError` naming the section, the key,
the bad value (never a value that may be a secret) and what is allowed.
:func:`trajectory.config.from_dict` uses them for every section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config_sections import (
    DECIMALS,
    DELIMITERS,
    ENCODINGS,
    FORMATS,
    IDENTIFIERS,
    SOURCE_KINDS,
    LongEvents,
    SourceConfig,
)
from .errors import ConfigError
from .schema import CASE_COLUMNS, vocabulary

__all__ = ["check_keys", "choice", "date_value", "section_table", "source_configs"]

_SOURCE_KEYS = (
    "name", "kind", "path", "format", "delimiter", "encoding", "decimal", "date_format",
    "sheet", "identifiers", "columns", "events", "event_details", "long", "values",
    "allow_outside",
)
_LONG_KEYS = ("event", "date", "code")


def section_table(section: str, value: Any) -> Mapping[str, Any]:
    """The value of a section, which must be a TOML table (never echoed: it may be a secret)."""
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"[{section}] must be a table (a [{section}] section holding `key = value` lines), "
            f"not a single {type(value).__name__}; see study.example.toml"
        )
    return value


def check_keys(section: str, given: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse a section that is not a table or holds a key not in ``allowed``."""
    section_table(section, given)
    for key in given:
        if key not in allowed:
            raise ConfigError(
                f"[{section}] unknown key {key!r}; allowed keys: {', '.join(allowed)}"
            )


def choice(section: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    """``value`` as a string when it is one of ``allowed``; else an error listing them."""
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ConfigError(f"[{section}] {key} = {value!r}: allowed values are {shown}")
    return str(value)


def date_value(section: str, key: str, value: Any) -> dt.date:
    """A TOML date, or a ``YYYY-MM-DD`` string, as a day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"[{section}] {key} = {value!r}: expected a date as YYYY-MM-DD"
        ) from None


def _str_map(section: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"[{section}] {key} must be a table of names to strings, got {value!r}")
    out = {}
    for k, v in value.items():
        if not isinstance(v, (str, int)):
            raise ConfigError(f"[{section}.{key}] {k} = {v!r}: expected a string")
        out[str(k)] = str(v)
    return out


def _source(i: int, raw: Mapping[str, Any], base: Path | None) -> SourceConfig:
    section = f"sources #{i + 1}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{section}] must be a table ([[sources]]), not a single "
                          f"{type(raw).__name__}")
    check_keys(section, raw, _SOURCE_KEYS)
    for key in ("name", "kind", "path"):
        if key not in raw:
            raise ConfigError(f"[{section}] missing required key {key!r}")
    name = str(raw["name"])
    section = f"sources.{name}"
    kind = choice(section, "kind", raw["kind"], SOURCE_KINDS)
    fmt = choice(section, "format", raw.get("format", _guess_format(str(raw["path"]))), FORMATS)
    path, allow_outside = _source_path(section, raw, base)
    identifiers, columns = _source_columns(section, raw)
    events, details = _source_events(section, raw)
    long = _source_long(section, raw)
    values_raw = raw.get("values", {})
    if not isinstance(values_raw, Mapping):
        raise ConfigError(f"[{section}.values] must be a table of contract column -> value map")
    values = {
        str(col): _str_map(f"{section}.values", str(col), mapping)
        for col, mapping in values_raw.items()
    }
    sheet = _sheet(section, raw.get("sheet"), fmt)
    date_format = _date_format(section, raw.get("date_format", "auto"))
    return SourceConfig(
        name=name,
        kind=kind,
        path=path,
        format=fmt,
        delimiter=choice(section, "delimiter", raw.get("delimiter", "auto"), DELIMITERS),
        encoding=choice(section, "encoding", raw.get("encoding", "auto"), ENCODINGS),
        decimal=choice(section, "decimal", raw.get("decimal", "."), DECIMALS),
        date_format=date_format,
        sheet=sheet,
        identifiers=identifiers,
        columns=columns,
        events=events,
        event_details=details,
        long=long,
        values=values,
        allow_outside=allow_outside,
    )


def _source_path(section: str, raw: Mapping[str, Any], base: Path | None) -> tuple[Path, bool]:
    """``path`` (relative to the study folder) and ``allow_outside`` of a source."""
    path = Path(str(raw["path"])).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    allow_outside = raw.get("allow_outside", False)
    if not isinstance(allow_outside, bool):
        raise ConfigError(f"[{section}] allow_outside must be true or false")
    if base is not None and not allow_outside and not path.resolve().is_relative_to(
            base.resolve()):
        raise ConfigError(
            f"[{section}] path resolves outside the study folder (the folder of the config "
            "file), so it is not read; move the extract into the study folder, or set "
            "allow_outside = true in this [[sources]] table if that is intended"
        )
    return path, allow_outside


def _source_columns(
    section: str, raw: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """A source's ``identifiers`` (at least one) and ``columns`` (contract columns)."""
    identifiers = _str_map(section, "identifiers", raw.get("identifiers", {}))
    for ident in identifiers:
        choice(f"{section}.identifiers", "key", ident, IDENTIFIERS)
    if not identifiers:
        raise ConfigError(
            f"[{section}] identifiers: at least one of {', '.join(IDENTIFIERS)} must map to "
            "a column, so that records of one case can be linked"
        )
    columns = _str_map(section, "columns", raw.get("columns", {}))
    for col in columns:
        if col not in CASE_COLUMNS or col in ("case_id", "source", "extraction_date"):
            allowed = [c for c in CASE_COLUMNS if c not in ("case_id", "source", "extraction_date")]
            raise ConfigError(
                f"[{section}.columns] unknown contract column {col!r}; "
                f"allowed: {', '.join(allowed)}"
            )
    return identifiers, columns


def _source_events(
    section: str, raw: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """A source's ``events`` and ``event_details`` maps, keyed by event codes."""
    event_codes = set(vocabulary("events")["code"])
    events = _str_map(section, "events", raw.get("events", {}))
    details = _str_map(section, "event_details", raw.get("event_details", {}))
    for key, mapping in (("events", events), ("event_details", details)):
        for code in mapping:
            if code not in event_codes:
                raise ConfigError(
                    f"[{section}.{key}] {code!r} is not an event code; allowed: E00..E63 as in "
                    "the events vocabulary (trajectory.schema.vocabulary('events'))"
                )
    return events, details


def _source_long(section: str, raw: Mapping[str, Any]) -> LongEvents | None:
    """A source's ``[long]`` table (events as rows), or None."""
    if "long" not in raw:
        return None
    lraw = raw["long"]
    if not isinstance(lraw, Mapping):
        raise ConfigError(f"[{section}.long] must be a table with keys event, date, code")
    check_keys(f"{section}.long", lraw, _LONG_KEYS)
    for key in ("event", "date"):
        if key not in lraw:
            raise ConfigError(f"[{section}.long] missing required key {key!r}")
    return LongEvents(str(lraw["event"]), str(lraw["date"]), lraw.get("code"))


def _sheet(section: str, value: Any, fmt: str) -> str | int | None:
    """A sheet name or 0-based index, for Excel sources only."""
    if value is None:
        return None
    if fmt != "excel":
        raise ConfigError(f"[{section}] sheet applies to format = 'excel' only; remove it")
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, int) and value < 0) or (isinstance(value, str) and not value):
        raise ConfigError(
            f"[{section}] sheet = {value!r}: give the sheet's name (a string, as on the tab "
            "in Excel) or its 0-based position (0, 1, ...)"
        )
    return value


def _date_format(section: str, value: Any) -> str:
    """``"auto"`` or a strftime pattern that round-trips a day (day, month and year)."""
    if value == "auto":
        return "auto"
    probe = dt.date(2024, 11, 23)
    try:
        ok = isinstance(value, str) and dt.datetime.strptime(
            probe.strftime(value), value).date() == probe
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(
            f"[{section}] date_format = {value!r}: use 'auto' or a pattern with a day, a "
            "month and a year, such as '%d/%m/%Y' or '%Y-%m-%d'"
        )
    return str(value)


def _guess_format(path: str) -> str:
    lower = path.lower()
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    if lower.endswith((".xlsx", ".xlsm")):
        return "excel"
    return "csv"


def source_configs(sources_raw: Any, base: Path | None) -> tuple[SourceConfig, ...]:
    """[[sources]]: one extract file each, names unique."""
    if not isinstance(sources_raw, list):
        raise ConfigError("sources must be an array of tables ([[sources]])")
    sources = tuple(_source(i, raw, base) for i, raw in enumerate(sources_raw))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"[[sources]] names must be unique, got {names}")
    return sources
