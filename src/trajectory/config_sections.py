"""The sections of a study configuration: frozen dataclasses and their vocabularies.

:func:`trajectory.config.load_config` builds them from a TOML file and validates every
value (:mod:`trajectory.config_parse` holds the value checks and the ``[[sources]]``
tables); this module only declares them. Import them from :mod:`trajectory.config`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config_monitoring import IndicatorsConfig, InterventionConfig
from .engine.settings import EngineConfig
from .errors import ConfigError
from .schema import default_endpoints

__all__ = [
    "StudyConfig", "SourceConfig", "LongEvents", "CohortConfig", "FlagRules", "PrivacyConfig",
    "IngestConfig", "IDENTIFIERS", "SOURCE_KINDS", "FORMATS", "DELIMITERS", "ENCODINGS",
    "DECIMALS", "EARLY_EVENTS",
]

#: Direct identifiers an extract may carry; each becomes a keyed pseudonym at ingest.
IDENTIFIERS: tuple[str, ...] = ("case_number", "pv_number", "parquet_number", "person_id")
SOURCE_KINDS: tuple[str, ...] = ("police", "parquet", "court", "victim_services")
FORMATS: tuple[str, ...] = ("csv", "parquet", "excel")
DELIMITERS: tuple[str, ...] = ("auto", ";", ",", "\t", "|")
ENCODINGS: tuple[str, ...] = ("auto", "utf-8", "utf-8-sig", "cp1252")
DECIMALS: tuple[str, ...] = (".", ",")
EARLY_EVENTS: tuple[str, ...] = ("quarantine", "warn")


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
