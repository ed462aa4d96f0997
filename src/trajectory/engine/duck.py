"""DuckDB, the embedded engine: a connection set up from ``[engine]``.

``memory_limit`` caps DuckDB's buffer memory; operators that outgrow it (hash
aggregates, sorts, joins) spill to ``temp_directory``, so a study larger than memory
runs within the budget. ``preserve_insertion_order = false`` lets large aggregations and
Parquet writes stream instead of buffering row order.

Examples
--------
>>> from trajectory.engine.settings import EngineConfig
>>> con = connect(EngineConfig(memory_limit="1GB", threads=1))
>>> con.execute("SELECT current_setting('threads')").fetchone()[0]
1
>>> con.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .settings import EngineConfig

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["connect", "settings_sql"]


def settings_sql(config: EngineConfig | None) -> list[str]:
    """The ``SET`` statements for ``config`` (empty for the defaults)."""
    if config is None:
        return []
    out = []
    if config.memory_limit:
        out.append(f"SET memory_limit = '{config.memory_limit}'")
    if config.temp_directory is not None:
        temp = str(config.temp_directory).replace("'", "''")
        out.append(f"SET temp_directory = '{temp}'")
    if config.threads:
        out.append(f"SET threads = {int(config.threads)}")
    out.append("SET preserve_insertion_order = false")
    return out


def connect(config: EngineConfig | None = None, database: str | Path = ":memory:",
            **kwargs: Any) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with ``config``'s memory limit, spill folder and threads."""
    import duckdb

    if config is not None and config.temp_directory is not None:
        Path(config.temp_directory).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), **kwargs)
    for stmt in settings_sql(config):
        con.execute(stmt)
    return con
