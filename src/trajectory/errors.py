"""The project's exceptions: one module, one hierarchy.

Every message says what was wrong, where (file, row, column when known) and how
to fix it.
"""

from __future__ import annotations

__all__ = [
    "TrajectoryError",
    "ConfigError",
    "SchemaError",
    "IngestError",
    "PrivacyError",
    "EstimationError",
]


class TrajectoryError(Exception):
    """Base class of every error raised by trajectory."""


class ConfigError(TrajectoryError, ValueError):
    """A study configuration is invalid (names the key, the value and what is allowed)."""


class SchemaError(TrajectoryError, ValueError):
    """A table does not follow the data contract (names the table and column)."""


class IngestError(TrajectoryError):
    """An extract cannot be read at all (fatal): names the file and what to do.

    Row-level problems are never raised: such rows are quarantined with a reason.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = []
        if file is not None:
            where.append(f"file {file!s}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)
        self.file = file
        self.row = row
        self.column = column


class PrivacyError(TrajectoryError):
    """A privacy rule would be broken (missing key, disclosure below threshold...)."""


class EstimationError(TrajectoryError, ValueError):
    """An estimator received data it cannot use (names the column and the problem)."""
