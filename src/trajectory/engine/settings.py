"""The ``[engine]`` section of a study config: where count tables are built.

``kind`` is ``"duckdb"`` (embedded, the default) or ``"spark"`` (PySpark; ``master``
names the cluster, ``local[2]`` by default). ``memory_limit`` caps DuckDB's memory
(``"4GB"``); past it DuckDB spills to ``temp_directory``. ``threads`` caps worker
threads (DuckDB threads, or Spark cores with ``local[n]``).

Examples
--------
>>> engine_config({"kind": "duckdb", "memory_limit": "4GB"})  # doctest: +NORMALIZE_WHITESPACE
EngineConfig(kind='duckdb', master='local[2]', memory_limit='4GB', temp_directory=None,
             threads=None)
>>> engine_config({"kind": "hadoop"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
trajectory.errors.ConfigError: [engine] kind = 'hadoop': allowed values are 'duckdb', 'spark'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["ENGINE_KINDS", "EngineConfig", "engine_config"]

ENGINE_KINDS: tuple[str, ...] = ("duckdb", "spark")
_KEYS = ("kind", "master", "memory_limit", "temp_directory", "threads")
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class EngineConfig:
    """Where the cohort's count tables are computed (see module docstring)."""

    kind: str = "duckdb"
    master: str = "local[2]"
    memory_limit: str | None = None
    temp_directory: Path | None = None
    threads: int | None = None


def engine_config(
    raw: Mapping[str, Any] | None, base: Path | None = None, *, kind: str | None = None
) -> EngineConfig:
    """Validate the ``[engine]`` table (relative ``temp_directory`` against ``base``).

    ``kind`` overrides the table's ``kind`` (``trajectory report --engine``, which sets
    the ``TRAJECTORY_ENGINE`` environment variable read by ``load_config``).
    """
    raw = dict(raw or {}) if isinstance(raw, Mapping) or raw is None else raw
    if kind is not None and isinstance(raw, dict):
        raw["kind"] = kind
    if not isinstance(raw, Mapping):
        raise ConfigError("[engine] must be a table ([engine] with `key = value` lines)")
    unknown = [k for k in raw if k not in _KEYS]
    if unknown:
        raise ConfigError(f"[engine] unknown key {unknown[0]!r}; allowed keys: {', '.join(_KEYS)}")
    kind = raw.get("kind", "duckdb")
    if kind not in ENGINE_KINDS:
        shown = ", ".join(repr(k) for k in ENGINE_KINDS)
        raise ConfigError(f"[engine] kind = {kind!r}: allowed values are {shown}")
    master = raw.get("master", "local[2]")
    if not isinstance(master, str) or not master:
        raise ConfigError(f"[engine] master = {master!r}: expected a Spark master URL "
                          "such as 'local[2]' or 'spark://host:7077'")
    memory = raw.get("memory_limit")
    if memory is not None and (not isinstance(memory, str) or not _MEMORY.match(memory)):
        raise ConfigError(f"[engine] memory_limit = {memory!r}: expected a size such as '4GB'")
    temp = raw.get("temp_directory")
    temp_path = None
    if temp is not None:
        temp_path = Path(str(temp)).expanduser()
        if base is not None and not temp_path.is_absolute():
            temp_path = base / temp_path
    threads = raw.get("threads")
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool)
                                or threads < 1):
        raise ConfigError(f"[engine] threads = {threads!r}: expected a positive integer")
    return EngineConfig(kind, master, memory, temp_path, threads)
