"""Spark, for studies beyond one machine: a session from ``[engine]`` and Java checks.

PySpark is an optional dependency (``pip install pyspark``, in the ``dev`` extra) and
needs a Java runtime (17 or 21): on Debian/Ubuntu ``apt-get install
default-jre-headless``. :func:`java_problem` says why Spark cannot start, or returns
None; tests skip with that reason.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any

from ..errors import ConfigError
from .settings import EngineConfig

__all__ = ["java_problem", "jvm_memory", "session"]

INSTALL_JAVA = "install a Java runtime: apt-get install default-jre-headless (Java 17 or 21)"


def java_problem() -> str | None:
    """Why Spark cannot run here (no pyspark, no Java), or None when it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install -e '.[dev]' (or pip install pyspark)"
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        return f"no Java runtime found (JAVA_HOME unset and no java on PATH); {INSTALL_JAVA}"
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"java -version failed ({type(exc).__name__}); {INSTALL_JAVA}"
    return None


def jvm_memory(size: str) -> str:
    """A size such as ``"4GB"`` or ``"1.5 GiB"`` as a JVM heap size in megabytes (``"4096m"``).

    Examples
    --------
    >>> jvm_memory("4GB"), jvm_memory("1.5 GiB"), jvm_memory("512MB")
    ('4096m', '1536m', '512m')
    """
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT])i?B\s*$", size, re.IGNORECASE)
    if not match:
        raise ConfigError(f"[engine] memory_limit = {size!r}: expected a size such as '4GB'")
    power = "KMGT".index(match.group(2).upper()) - 1
    return f"{max(1, round(float(match.group(1)) * 1024**power))}m"


def session(config: EngineConfig | None = None, app_name: str = "trajectory") -> Any:
    """A SparkSession on ``config.master`` (``local[2]`` by default).

    Shuffles use few partitions (``local[n]``: ``2 n``): count tables are small, and
    Spark's default of 200 shuffle partitions only adds task overhead to them. The SQL
    warehouse and Derby's home are a temporary folder (removed at exit), never the
    current directory.
    """
    problem = java_problem()
    if problem:
        raise ConfigError(f"[engine] kind = 'spark' cannot start: {problem}")
    from pyspark.sql import SparkSession

    config = config or EngineConfig(kind="spark")
    builder = SparkSession.builder.master(config.master).appName(app_name)
    cores = config.threads or 2
    builder = (builder.config("spark.sql.shuffle.partitions", str(2 * cores))
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.session.timeZone", "UTC"))
    scratch = tempfile.mkdtemp(prefix="trajectory-spark-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    builder = (builder.config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}"))
    if config.memory_limit:
        builder = builder.config("spark.driver.memory", jvm_memory(config.memory_limit))
    return builder.getOrCreate()
