"""Study configuration: a TOML file mapped onto a frozen, validated :class:`StudyConfig`.

A study is a config file plus data. The config says where the extracts are and how
their columns and code values map onto the data contract (``docs/schema.md``), how
the cohort is defined, which outcomes compete, which groupings matter, the
disclosure threshold and where the pseudonymisation key comes from. See
``study.example.toml`` (shipped with the package) for every key, commented.

An invalid config fails with a :class:`~trajectory.errors.ConfigError` that names
the key, the bad value and the allowed values.

Examples
--------
>>> cfg = load_config(example_config_path())
>>> cfg.name, cfg.privacy.threshold, cfg.cohort.origin
('example', 5, 'E11')
>>> [s.name for s in cfg.sources]
['police', 'parquet', 'court', 'victim_services']
>>> from_dict({"study": {"name": "x", "extraction_date": "2024-12-31"},
...            "privacy": {"threshold": 1}})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
trajectory.errors.ConfigError: [privacy] threshold = 1: must be an integer >= 2 ...
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .config_monitoring import (
    IndicatorsConfig,
    InterventionConfig,
    indicators_config,
    intervention_config,
)
from .engine.settings import EngineConfig, engine_config
from .errors import ConfigError
from .schema import CASE_COLUMNS, LANGUAGES, default_endpoints, vocabulary

__all__ = [
    "StudyConfig",
    "SourceConfig",
    "LongEvents",
    "CohortConfig",
    "PrivacyConfig",
    "IngestConfig",
    "load_config",
    "from_dict",
    "example_config_path",
    "IDENTIFIERS",
    "SOURCE_KINDS",
    "FORMATS",
]

#: Direct identifiers an extract may carry; each becomes a keyed pseudonym at ingest.
IDENTIFIERS: tuple[str, ...] = ("case_number", "pv_number", "parquet_number", "person_id")
SOURCE_KINDS: tuple[str, ...] = ("police", "parquet", "court", "victim_services")
FORMATS: tuple[str, ...] = ("csv", "parquet", "excel")
DELIMITERS: tuple[str, ...] = ("auto", ";", ",", "\t", "|")
ENCODINGS: tuple[str, ...] = ("auto", "utf-8", "utf-8-sig", "cp1252")
DECIMALS: tuple[str, ...] = (".", ",")

_TOP_KEYS = (
    "study", "cohort", "endpoints", "groupings", "flags", "privacy", "ingest", "sources",
    "report", "indicators", "interventions", "engine",
)
_INGEST_KEYS = ("max_quarantine_share", "normalise_pv", "early_events")
EARLY_EVENTS: tuple[str, ...] = ("quarantine", "warn")
_STUDY_KEYS = ("name", "title", "extraction_date", "synthetic", "seed", "language", "store")
_COHORT_KEYS = ("origin", "entry_window", "follow_up_days", "covariates")
_PRIVACY_KEYS = ("threshold", "rounding", "key_env", "key_file")
_FLAGS_KEYS = (
    "fdr", "min_n", "delay_ratio", "delay_days", "share_points", "hazard_ratio",
    "code_distance", "subgroups", "outcomes",
)
_REPORT_KEYS = ("out_dir", "notebooks")
_SOURCE_KEYS = (
    "name", "kind", "path", "format", "delimiter", "encoding", "decimal", "date_format",
    "sheet", "identifiers", "columns", "events", "event_details", "long", "values",
    "allow_outside",
)
_LONG_KEYS = ("event", "date", "code")


@dataclass(frozen=True)
class LongEvents:
    """Columns of a long event file: one row an event (event label, date, detail code)."""

    event: str
    date: str
    code: str | None = None


@dataclass(frozen=True)
class SourceConfig:
    """One extract file and how it maps onto the contract.

    Attributes
    ----------
    name : str
        Short name used in quality reports and the ``source`` column.
    kind : str
        One of :data:`SOURCE_KINDS`.
    path : pathlib.Path
        Absolute path (relative paths in TOML are resolved against the config file).
    format, delimiter, encoding, decimal, date_format, sheet
        How to read the file; ``"auto"`` detects delimiter, encoding and date format.
    identifiers : Mapping[str, str]
        Contract identifier (:data:`IDENTIFIERS`) -> extract column. At least one.
    columns : Mapping[str, str]
        Contract case column (:data:`trajectory.schema.CASE_COLUMNS`) -> extract column.
    events : Mapping[str, str]
        Event code (``E11``...) -> extract column holding its date (wide layout).
    event_details : Mapping[str, str]
        Event code -> extract column holding its detail code (motive, verdict...).
    long : LongEvents or None
        Long layout: columns holding the event label, its date and detail code.
    values : Mapping[str, Mapping[str, str]]
        Contract column (or ``"event"``) -> {extract value: contract value}.
    allow_outside : bool
        True to read a file outside the config file's folder (refused otherwise).
    """

    name: str
    kind: str
    path: Path
    format: str = "csv"
    delimiter: str = "auto"
    encoding: str = "auto"
    decimal: str = "."
    date_format: str = "auto"
    sheet: str | int | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)
    events: Mapping[str, str] = field(default_factory=dict)
    event_details: Mapping[str, str] = field(default_factory=dict)
    long: LongEvents | None = None
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    allow_outside: bool = False


@dataclass(frozen=True)
class CohortConfig:
    """Cohort definition: origin event, entry window on the origin date, follow-up."""

    origin: str = "E11"
    entry_window: tuple[dt.date, dt.date] | None = None
    follow_up_days: int | None = None
    covariates: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FlagRules:
    """False discovery rate, practical minimum effects and the search's subgroups.

    Attributes
    ----------
    fdr : float
        Target false discovery rate of TreeBH, at every level of the tree.
    min_n : int
        Smallest group (and rest) compared.
    delay_ratio, delay_days : float
        A delay is flagged when it is at least ``delay_ratio`` times **and**
        ``delay_days`` days longer than the rest's (both on the pooled quantiles).
    share_points : float
        A share is flagged when it is at least this many percentage points worse.
    hazard_ratio : float
        A hazard is flagged when it is at least this ratio in the harmful direction
        (``1 / hazard_ratio`` for outcomes whose lower hazard is the harm, and for
        decisions after a requalification).
    code_distance : float
        Excess total variation distance of the divisions' parquet codes.
    subgroups : tuple of str
        Case columns whose levels are searched one by one, besides the pooled study.
    outcomes : mapping
        Outcome -> harmful direction of its cause-specific hazard.
    case_rounding : int
        Base to which sentences round their numbers of cases.
    """

    fdr: float = 0.05
    min_n: int = 20
    delay_ratio: float = 1.25
    delay_days: float = 5.0
    share_points: float = 5.0
    hazard_ratio: float = 1.25
    code_distance: float = 0.10
    subgroups: tuple[str, ...] = ("offence_group",)
    outcomes: Mapping[str, str] = field(default_factory=lambda: {
        "dismissal_opportunity": "greater", "dismissal_technical": "greater",
        "court": "less"})
    case_rounding: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.fdr < 1:
            raise ConfigError(f"flags: fdr must be in (0, 1), got {self.fdr}")
        for name in ("delay_ratio", "hazard_ratio"):
            if getattr(self, name) < 1:
                raise ConfigError(f"flags: {name} must be >= 1, got {getattr(self, name)}")
        for name in ("delay_days", "share_points", "code_distance"):
            if getattr(self, name) < 0:
                raise ConfigError(f"flags: {name} must be >= 0, got {getattr(self, name)}")
        bad = {k: v for k, v in self.outcomes.items() if v not in ("greater", "less")}
        if bad:
            raise ConfigError(f"flags: outcomes directions must be 'greater' or 'less': {bad}")

@dataclass(frozen=True)
class PrivacyConfig:
    """Disclosure threshold, rounding base and where the pseudonymisation key comes from.

    The key itself is never stored in the config: only the name of the environment
    variable and/or the path of a key file kept outside the repository.
    """

    threshold: int = 5
    rounding: int | None = None
    key_env: str = "TRAJECTORY_KEY"
    key_file: Path | None = None


@dataclass(frozen=True)
class IngestConfig:
    """Ingest rules: quarantine share that fails ``validate``, PV spelling, early events.

    Attributes
    ----------
    max_quarantine_share : float
        ``trajectory validate`` exits with status 3 when more than this share of the
        records read is quarantined (default 0.05).
    normalise_pv : bool
        Before pseudonymising, PV numbers are upper-cased and their spaces and dots
        removed (``br. 12`` and ``BR12`` are one PV). Default true.
    early_events : {"quarantine", "warn"}
        Dismissal, parquet registration or transmission dated before the complaint:
        quarantine the row (default) or keep it and count it in the report.
    """

    max_quarantine_share: float = 0.05
    normalise_pv: bool = True
    early_events: str = "quarantine"


@dataclass(frozen=True)
class StudyConfig:
    """A validated study configuration (see module docstring and ``study.example.toml``)."""

    name: str
    extraction_date: dt.date
    title: str = ""
    synthetic: bool = False
    seed: int | None = None
    language: str = "en"
    store: Path | None = None
    sources: tuple[SourceConfig, ...] = ()
    cohort: CohortConfig = field(default_factory=CohortConfig)
    endpoints: Mapping[str, tuple[str, ...]] = field(default_factory=default_endpoints)
    groupings: tuple[str, ...] = ("offence_group", "zone", "division")
    flags: FlagRules = field(default_factory=lambda: FlagRules())
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    report_dir: Path | None = None
    notebooks: tuple[str, ...] | None = None
    path: Path | None = None
    indicators: IndicatorsConfig = field(default_factory=IndicatorsConfig)
    interventions: tuple[InterventionConfig, ...] = ()
    engine: EngineConfig = field(default_factory=EngineConfig)
    folder: Path | None = None

    @property
    def study_folder(self) -> Path:
        """The folder of the study: relative paths and published paths start from it.

        The config file's folder (or the ``base`` given to :func:`from_dict`), else the
        current folder.
        """
        if self.folder is not None:
            return self.folder
        return self.path.parent if self.path is not None else Path.cwd()

    def source(self, name: str) -> SourceConfig:
        """Return the source called ``name``."""
        for src in self.sources:
            if src.name == name:
                return src
        raise ConfigError(
            f"no source named {name!r}; sources: {[s.name for s in self.sources]}"
        )


def example_config_path() -> Path:
    """Path of the shipped ``study.example.toml``."""
    return Path(str(resources.files("trajectory").joinpath("study.example.toml")))


def load_config(path: str | Path) -> StudyConfig:
    """Load and validate a study configuration from a TOML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    StudyConfig

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, or any key or value is invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} not found; pass the path of a study TOML file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}: line {line}, column {column}: not UTF-8 (byte 0x{raw[exc.start]:02X}); a "
            "study config must be saved as UTF-8 (in Notepad: Save As > Encoding: UTF-8)"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = str(exc)[str(exc).find("(at "):] if "(at " in str(exc) else ""
        raise ConfigError(
            f"{path}: not valid TOML {where}; check quotes, brackets and `key = value` "
            "syntax on that line"
        ) from None
    try:
        return from_dict(data, base=path.resolve().parent, path=path.resolve())
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _table(section: str, value: Any) -> Mapping[str, Any]:
    """The value of a section, which must be a TOML table (never echoed: it may be a secret)."""
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"[{section}] must be a table (a [{section}] section holding `key = value` lines), "
            f"not a single {type(value).__name__}; see study.example.toml"
        )
    return value


def _check_keys(section: str, given: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    _table(section, given)
    for key in given:
        if key not in allowed:
            raise ConfigError(
                f"[{section}] unknown key {key!r}; allowed keys: {', '.join(allowed)}"
            )


def _choice(section: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ConfigError(f"[{section}] {key} = {value!r}: allowed values are {shown}")
    return str(value)


def _date(section: str, key: str, value: Any) -> dt.date:
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


def _flags(raw: Mapping[str, Any], endpoints: Mapping[str, tuple[str, ...]]) -> FlagRules:
    """The ``[flags]`` table: FDR, practical minimum effects, subgroups, outcomes."""
    _check_keys("flags", raw, _FLAGS_KEYS)
    values: dict[str, Any] = {}
    for key in ("fdr", "delay_ratio", "delay_days", "share_points", "hazard_ratio",
                "code_distance"):
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ConfigError(f"[flags] {key} = {v!r}: must be a number")
            values[key] = float(v)
    if "min_n" in raw:
        v = raw["min_n"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 2:
            raise ConfigError(f"[flags] min_n = {v!r}: must be an integer >= 2")
        values["min_n"] = v
    if "subgroups" in raw:
        subs = raw["subgroups"]
        if not isinstance(subs, list) or any(c not in CASE_COLUMNS for c in subs):
            raise ConfigError(
                f"[flags] subgroups = {subs!r}: must be a list of case columns "
                f"({', '.join(CASE_COLUMNS)})"
            )
        values["subgroups"] = tuple(subs)
    if "outcomes" in raw:
        outs = raw["outcomes"]
        if not isinstance(outs, Mapping):
            raise ConfigError("[flags] outcomes must map outcome names to 'greater'/'less'")
        unknown = [k for k in outs if k not in endpoints]
        if unknown:
            raise ConfigError(
                f"[flags] outcomes {unknown} are not endpoints; endpoints: {list(endpoints)}"
            )
        values["outcomes"] = {str(k): str(v) for k, v in outs.items()}
    return FlagRules(**values)


def _source(i: int, raw: Mapping[str, Any], base: Path | None) -> SourceConfig:
    section = f"sources #{i + 1}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{section}] must be a table ([[sources]]), not a single "
                          f"{type(raw).__name__}")
    _check_keys(section, raw, _SOURCE_KEYS)
    for key in ("name", "kind", "path"):
        if key not in raw:
            raise ConfigError(f"[{section}] missing required key {key!r}")
    name = str(raw["name"])
    section = f"sources.{name}"
    kind = _choice(section, "kind", raw["kind"], SOURCE_KINDS)
    fmt = _choice(section, "format", raw.get("format", _guess_format(str(raw["path"]))), FORMATS)
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
        delimiter=_choice(section, "delimiter", raw.get("delimiter", "auto"), DELIMITERS),
        encoding=_choice(section, "encoding", raw.get("encoding", "auto"), ENCODINGS),
        decimal=_choice(section, "decimal", raw.get("decimal", "."), DECIMALS),
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
        _choice(f"{section}.identifiers", "key", ident, IDENTIFIERS)
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
    _check_keys(f"{section}.long", lraw, _LONG_KEYS)
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


def _ingest(raw: Mapping[str, Any]) -> IngestConfig:
    _check_keys("ingest", raw, _INGEST_KEYS)
    share = raw.get("max_quarantine_share", 0.05)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ConfigError(
            f"[ingest] max_quarantine_share = {share!r}: a share between 0 and 1 (0.05 = 5%)"
        )
    normalise = raw.get("normalise_pv", True)
    if not isinstance(normalise, bool):
        raise ConfigError(f"[ingest] normalise_pv = {normalise!r}: must be true or false")
    early = _choice("ingest", "early_events", raw.get("early_events", "quarantine"),
                    EARLY_EVENTS)
    return IngestConfig(max_quarantine_share=float(share), normalise_pv=normalise,
                        early_events=early)


def _key_env(value: Any) -> str:
    """An environment variable name; a value that looks like a key is refused unseen."""
    import re

    text = str(value)
    looks_secret = len(text) >= 24 and sum(c.isdigit() for c in text) >= 6
    if not re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", text) or looks_secret:
        raise ConfigError(
            "[privacy] key_env must be the NAME of an environment variable in capitals, such "
            "as TRAJECTORY_KEY, never the key itself (the value is not shown here). If you "
            "pasted the key there, remove it from the file and treat it as exposed"
        )
    return text


def _guess_format(path: str) -> str:
    lower = path.lower()
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    if lower.endswith((".xlsx", ".xlsm")):
        return "excel"
    return "csv"


def _study(raw: Any, base: Path | None) -> dict[str, Any]:
    """[study]: name, title, extraction date, synthetic, seed, language and store."""
    if raw is None:
        raise ConfigError("[study] section missing: it needs at least name and extraction_date")
    study = _table("study", raw)
    _check_keys("study", study, _STUDY_KEYS)
    for key in ("name", "extraction_date"):
        if key not in study:
            raise ConfigError(f"[study] missing required key {key!r}")
    language = _choice("study", "language", study.get("language", "en"), LANGUAGES)
    seed = study.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ConfigError(f"[study] seed = {seed!r}: must be a non-negative integer")
    synthetic = study.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise ConfigError(f"[study] synthetic = {synthetic!r}: must be true or false")
    store = study.get("store")
    store_path = None
    if store is not None:
        store_path = Path(str(store)).expanduser()
        if base is not None and not store_path.is_absolute():
            store_path = base / store_path
    return {
        "name": str(study["name"]),
        "title": str(study.get("title", "")),
        "extraction_date": _date("study", "extraction_date", study["extraction_date"]),
        "synthetic": synthetic,
        "seed": seed,
        "language": language,
        "store": store_path,
    }


def _cohort(cohort_raw: Mapping[str, Any], event_codes: tuple[str, ...]) -> CohortConfig:
    """[cohort]: origin event, entry window, follow-up and covariates."""
    _check_keys("cohort", cohort_raw, _COHORT_KEYS)
    origin = cohort_raw.get("origin", "E11")
    if origin not in event_codes:
        raise ConfigError(
            f"[cohort] origin = {origin!r}: must be an event code such as 'E11' (complaint) "
            "or 'E30' (parquet registration); see the events vocabulary"
        )
    window = cohort_raw.get("entry_window")
    entry_window = None
    if window is not None:
        if not isinstance(window, list) or len(window) != 2:
            raise ConfigError(
                f"[cohort] entry_window = {window!r}: expected [start, end] dates"
            )
        entry_window = (
            _date("cohort", "entry_window[0]", window[0]),
            _date("cohort", "entry_window[1]", window[1]),
        )
        if entry_window[0] > entry_window[1]:
            raise ConfigError(f"[cohort] entry_window = {window!r}: start is after end")
    follow = cohort_raw.get("follow_up_days")
    if follow is not None and (not isinstance(follow, int) or follow <= 0):
        raise ConfigError(f"[cohort] follow_up_days = {follow!r}: must be a positive integer")
    covs = cohort_raw.get("covariates")
    return CohortConfig(
        origin=origin,
        entry_window=entry_window,
        follow_up_days=follow,
        covariates=tuple(covs) if covs is not None else None,
    )


def _endpoints(endpoints_raw: Any,
               event_codes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """[endpoints]: outcome name -> event codes (default: the schema's endpoints)."""
    if endpoints_raw is None:
        return default_endpoints()
    _table("endpoints", endpoints_raw)
    if not endpoints_raw:
        raise ConfigError("[endpoints] must map outcome names to lists of event codes")
    endpoints: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for name, codes in endpoints_raw.items():
        if name == "censored":
            raise ConfigError("[endpoints] 'censored' is reserved for open cases")
        if not isinstance(codes, list) or not codes:
            raise ConfigError(
                f"[endpoints] {name} = {codes!r}: expected a non-empty list of event codes"
            )
        for code in codes:
            if code not in event_codes:
                raise ConfigError(
                    f"[endpoints] {name} contains {code!r}: not an event code"
                )
            if code in seen:
                raise ConfigError(
                    f"[endpoints] {code!r} is in both {seen[code]!r} and {name!r}; "
                    "competing outcomes must not share events"
                )
            seen[code] = name
        endpoints[str(name)] = tuple(codes)
    return endpoints


def _groupings(raw: Any) -> list[str]:
    """[groupings] by: the case columns results are compared by."""
    groupings = _table("groupings", raw)
    by = groupings.get("by") if isinstance(groupings, Mapping) else None
    if not isinstance(by, list):
        raise ConfigError("[groupings] by must be a list of case columns")
    for col in by:
        if col not in CASE_COLUMNS:
            raise ConfigError(
                f"[groupings] by contains {col!r}: not a case column; allowed: "
                f"{', '.join(CASE_COLUMNS)}"
            )
    return by


def _privacy(privacy_raw: Mapping[str, Any]) -> PrivacyConfig:
    """[privacy]: disclosure threshold, rounding and the pseudonymisation key's location."""
    _check_keys("privacy", privacy_raw, _PRIVACY_KEYS)
    threshold = privacy_raw.get("threshold", 5)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 2:
        raise ConfigError(
            f"[privacy] threshold = {threshold!r}: must be an integer >= 2 "
            "(a threshold of 1 publishes single cases)"
        )
    rounding = privacy_raw.get("rounding")
    if rounding is not None and (not isinstance(rounding, int) or rounding < 1):
        raise ConfigError(f"[privacy] rounding = {rounding!r}: must be a positive integer base")
    key_file = privacy_raw.get("key_file")
    return PrivacyConfig(
        threshold=threshold,
        rounding=rounding,
        key_env=_key_env(privacy_raw.get("key_env", "TRAJECTORY_KEY")),
        key_file=Path(str(key_file)).expanduser() if key_file else None,
    )


def _report(report_raw: Mapping[str, Any], base: Path | None) -> tuple[Path | None,
                                                                       tuple[str, ...] | None]:
    """[report]: output folder and the notebooks to run."""
    _check_keys("report", report_raw, _REPORT_KEYS)
    report_dir = report_raw.get("out_dir")
    report_path = None
    if report_dir is not None:
        report_path = Path(str(report_dir)).expanduser()
        if base is not None and not report_path.is_absolute():
            report_path = base / report_path
    notebooks = report_raw.get("notebooks")
    return report_path, tuple(notebooks) if notebooks is not None else None


def _sources(sources_raw: Any, base: Path | None) -> tuple[SourceConfig, ...]:
    """[[sources]]: one extract file each, names unique."""
    if not isinstance(sources_raw, list):
        raise ConfigError("sources must be an array of tables ([[sources]])")
    sources = tuple(_source(i, raw, base) for i, raw in enumerate(sources_raw))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"[[sources]] names must be unique, got {names}")
    return sources


def from_dict(
    data: Mapping[str, Any], *, base: Path | None = None, path: Path | None = None
) -> StudyConfig:
    """Build a validated :class:`StudyConfig` from a parsed TOML mapping.

    Parameters
    ----------
    data : Mapping
        The parsed TOML document.
    base : pathlib.Path, optional
        Folder against which relative source paths are resolved.
    path : pathlib.Path, optional
        The file the mapping came from (kept for provenance).
    """
    _check_keys("top level", data, _TOP_KEYS)
    study = _study(data.get("study"), base)
    event_codes = tuple(vocabulary("events")["code"])
    cohort = _cohort(_table("cohort", data.get("cohort", {})), event_codes)
    endpoints = _endpoints(data.get("endpoints"), event_codes)
    by = _groupings(data.get("groupings", {"by": ["offence_group", "zone", "division"]}))
    flag_rules = _flags(_table("flags", data.get("flags", {})), endpoints)
    privacy = _privacy(_table("privacy", data.get("privacy", {})))
    ingest = _ingest(_table("ingest", data.get("ingest", {})))
    report_path, notebooks = _report(_table("report", data.get("report", {})), base)
    sources = _sources(data.get("sources", []), base)

    interventions_raw = data.get("interventions", [])
    if not isinstance(interventions_raw, list):
        raise ConfigError("interventions must be an array of tables ([[interventions]])")
    interventions = tuple(intervention_config(i, raw) for i, raw in enumerate(interventions_raw))
    if len({iv.name for iv in interventions}) != len(interventions):
        raise ConfigError("[[interventions]] names must be unique")

    return StudyConfig(
        **study,
        sources=sources,
        cohort=cohort,
        endpoints=endpoints,
        groupings=tuple(by),
        flags=flag_rules,
        privacy=privacy,
        ingest=ingest,
        report_dir=report_path,
        notebooks=notebooks,
        path=path,
        indicators=indicators_config(data.get("indicators")),
        interventions=interventions,
        engine=engine_config(data.get("engine"), base,
                             kind=os.environ.get("TRAJECTORY_ENGINE") or None),
        folder=base.resolve() if base is not None else None,
    )
