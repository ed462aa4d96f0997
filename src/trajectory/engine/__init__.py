"""Count tables from one definition on pandas, DuckDB and Spark (see ``docs/scale.md``).

- :func:`count_table`: cases -> :class:`~trajectory.estimators.CountTable` on the engine
  of the study's ``[engine]`` section (:class:`EngineConfig`), or of ``engine=``;
- :func:`connect`: a DuckDB connection with the memory limit and spill folder;
- :func:`spark_session` and :func:`java_problem`: Spark local or on a cluster;
- :func:`count_sql` / :func:`to_dialect`: the one SQL definition, and its Spark form.

Imports are lazy: loading this package loads neither DuckDB nor PySpark.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .settings import ENGINE_KINDS, EngineConfig, engine_config

__all__ = [
    "ENGINE_KINDS",
    "EngineConfig",
    "connect",
    "count_sql",
    "count_table",
    "engine_config",
    "java_problem",
    "parquet_glob",
    "spark_session",
    "to_dialect",
]

_LAZY = {
    "connect": ("duck", "connect"),
    "count_sql": ("sql", "count_sql"),
    "to_dialect": ("sql", "to_dialect"),
    "count_table": ("counts", "count_table"),
    "parquet_glob": ("counts", "parquet_glob"),
    "java_problem": ("spark", "java_problem"),
    "spark_session": ("spark", "session"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
