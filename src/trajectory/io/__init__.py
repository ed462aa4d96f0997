"""Read study extracts, map them onto the data contract, validate and quarantine.

The entry points are :func:`read_study` (config -> :class:`IngestResult`: EventLog,
quarantine table and :class:`QualityReport`) and :func:`validate_study` (config ->
:class:`QualityReport`, used by ``trajectory validate``). See ``docs/ingest.md``.

Modules: :mod:`.readers` (CSV/Excel/Parquet as string chunks with row numbers), with
:mod:`.csvfile` (encoding, physical lines), :mod:`.csvscan` (where each CSV record
starts and ends) and :mod:`.excel` (merged ranges, formulas without a value);
:mod:`.parsing` (dates, codes, booleans), :mod:`.mapping` (one chunk onto the
contract, row-level checks), :mod:`.staging` (mapped chunks appended to DuckDB),
:mod:`.linking` (the cross-row checks, SQL), :mod:`.assemble` (cases, events and
identifiers, SQL), :mod:`.study` (the steps in order, the result), :mod:`.quality`
(the report), :mod:`.redact` (what a rejected cell may show), :mod:`.synthetic` (the
generator's marker).
"""

from .quality import REASONS, QualityReport
from .readers import SourceReader
from .study import MIN_DATE, QUARANTINE_COLUMNS, IngestResult, read_study, validate_study

__all__ = [
    "read_study",
    "validate_study",
    "IngestResult",
    "QualityReport",
    "SourceReader",
    "REASONS",
    "QUARANTINE_COLUMNS",
    "MIN_DATE",
]
