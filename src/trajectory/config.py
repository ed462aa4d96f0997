"""Study configuration: a TOML file mapped onto a frozen, validated :class:`StudyConfig`.

A study is a config file plus data. The config says where the extracts are and how
their columns and code values map onto the data contract (``docs/schema.md``), how
the cohort is defined, which outcomes compete, which groupings matter, the
disclosure threshold and where the pseudonymisation key comes from. See
``study.example.toml`` (shipped with the package) for every key, commented.

An invalid config fails with a :class:`~trajectory.errors.ConfigError` that names
the key, the bad value and the allowed values.

This module loads the file and validates its sections; the section dataclasses are
declared in :mod:`trajectory.config_sections`, the value checks and the ``[[sources]]``
tables in :mod:`trajectory.config_parse`, the ``[indicators]`` and ``[[interventions]]``
sections in :mod:`trajectory.config_monitoring`. Import every public name from here.

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

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .config_monitoring import indicators_config, intervention_config
from .config_parse import check_keys, choice, date_value, section_table, source_configs
from .config_sections import (
    DECIMALS,
    DELIMITERS,
    EARLY_EVENTS,
    ENCODINGS,
    FORMATS,
    IDENTIFIERS,
    SOURCE_KINDS,
    CohortConfig,
    FlagRules,
    IngestConfig,
    LongEvents,
    PrivacyConfig,
    SourceConfig,
    StudyConfig,
)
from .engine.settings import engine_config
from .errors import ConfigError
from .schema import CASE_COLUMNS, LANGUAGES, default_endpoints, vocabulary

__all__ = [
    "StudyConfig",
    "SourceConfig",
    "LongEvents",
    "CohortConfig",
    "FlagRules",
    "PrivacyConfig",
    "IngestConfig",
    "load_config",
    "from_dict",
    "example_config_path",
    "IDENTIFIERS",
    "SOURCE_KINDS",
    "FORMATS",
    "DELIMITERS",
    "ENCODINGS",
    "DECIMALS",
    "EARLY_EVENTS",
]

_TOP_KEYS = (
    "study", "cohort", "endpoints", "groupings", "flags", "privacy", "ingest", "sources",
    "report", "indicators", "interventions", "engine",
)
_INGEST_KEYS = ("max_quarantine_share", "normalise_pv", "early_events")
_STUDY_KEYS = ("name", "title", "extraction_date", "synthetic", "seed", "language", "store")
_COHORT_KEYS = ("origin", "entry_window", "follow_up_days", "covariates")
_PRIVACY_KEYS = ("threshold", "rounding", "key_env", "key_file")
_FLAGS_KEYS = (
    "fdr", "min_n", "delay_ratio", "delay_days", "share_points", "hazard_ratio",
    "code_distance", "subgroups", "outcomes",
)
_REPORT_KEYS = ("out_dir", "notebooks")


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


def _flags(raw: Mapping[str, Any], endpoints: Mapping[str, tuple[str, ...]]) -> FlagRules:
    """The ``[flags]`` table: FDR, practical minimum effects, subgroups, outcomes."""
    check_keys("flags", raw, _FLAGS_KEYS)
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


def _ingest(raw: Mapping[str, Any]) -> IngestConfig:
    check_keys("ingest", raw, _INGEST_KEYS)
    share = raw.get("max_quarantine_share", 0.05)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ConfigError(
            f"[ingest] max_quarantine_share = {share!r}: a share between 0 and 1 (0.05 = 5%)"
        )
    normalise = raw.get("normalise_pv", True)
    if not isinstance(normalise, bool):
        raise ConfigError(f"[ingest] normalise_pv = {normalise!r}: must be true or false")
    early = choice("ingest", "early_events", raw.get("early_events", "quarantine"),
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


def _study(raw: Any, base: Path | None) -> dict[str, Any]:
    """[study]: name, title, extraction date, synthetic, seed, language and store."""
    if raw is None:
        raise ConfigError("[study] section missing: it needs at least name and extraction_date")
    study = section_table("study", raw)
    check_keys("study", study, _STUDY_KEYS)
    for key in ("name", "extraction_date"):
        if key not in study:
            raise ConfigError(f"[study] missing required key {key!r}")
    language = choice("study", "language", study.get("language", "en"), LANGUAGES)
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
        "extraction_date": date_value("study", "extraction_date", study["extraction_date"]),
        "synthetic": synthetic,
        "seed": seed,
        "language": language,
        "store": store_path,
    }


def _cohort(cohort_raw: Mapping[str, Any], event_codes: tuple[str, ...]) -> CohortConfig:
    """[cohort]: origin event, entry window, follow-up and covariates."""
    check_keys("cohort", cohort_raw, _COHORT_KEYS)
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
            date_value("cohort", "entry_window[0]", window[0]),
            date_value("cohort", "entry_window[1]", window[1]),
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
    section_table("endpoints", endpoints_raw)
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
    groupings = section_table("groupings", raw)
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
    check_keys("privacy", privacy_raw, _PRIVACY_KEYS)
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
    check_keys("report", report_raw, _REPORT_KEYS)
    report_dir = report_raw.get("out_dir")
    report_path = None
    if report_dir is not None:
        report_path = Path(str(report_dir)).expanduser()
        if base is not None and not report_path.is_absolute():
            report_path = base / report_path
    notebooks = report_raw.get("notebooks")
    return report_path, tuple(notebooks) if notebooks is not None else None


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
    check_keys("top level", data, _TOP_KEYS)
    study = _study(data.get("study"), base)
    event_codes = tuple(vocabulary("events")["code"])
    cohort = _cohort(section_table("cohort", data.get("cohort", {})), event_codes)
    endpoints = _endpoints(data.get("endpoints"), event_codes)
    by = _groupings(data.get("groupings", {"by": ["offence_group", "zone", "division"]}))
    flag_rules = _flags(section_table("flags", data.get("flags", {})), endpoints)
    privacy = _privacy(section_table("privacy", data.get("privacy", {})))
    ingest = _ingest(section_table("ingest", data.get("ingest", {})))
    report_path, notebooks = _report(section_table("report", data.get("report", {})), base)
    sources = source_configs(data.get("sources", []), base)

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
