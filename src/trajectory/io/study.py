"""Ingest a whole study: read every source, link the records of a case, validate.

:func:`read_study` turns the extract files named by a :class:`StudyConfig` into an
:class:`IngestResult`: the :class:`~trajectory.schema.EventLog` of accepted rows, the
quarantine table of every rejected row (with a reason) and a
:class:`~trajectory.io.quality.QualityReport`. For every file,
``accepted + quarantined == read`` (blank lines are not records and are counted apart).

Linking rule (documented in ``docs/ingest.md``):

* ``case_id`` is the pseudonym of the PV number when the record has one; a record
  with only a parquet (notice) number takes the PV of that notice, as given by any
  record holding both numbers (the parquet extract); failing that, the pseudonym of
  the notice number itself (a *parquet-only* case); failing both, the pseudonym of
  ``case_number``.
* Wide sources and sources with case ``columns`` (police, parquet) are *case
  records*: each accepted one makes or completes a case. A parquet record whose PV is
  in no police record is **kept** as a case (reported in the linking table).
* Other sources (long event files: court, victim services) only add events: a row
  whose case has no accepted case record is **quarantined** as ``unknown_case``
  (e.g. a court row with an unknown notice number).

Cross-row reason codes: ``duplicate_row`` (exact copy of an earlier row),
``duplicate_case`` (second record of one case in one case-record file),
``duplicate_event`` (same case, event, date and detail twice in one event file),
``impossible_sequence`` (summons E45/E46 before the complaint E11; judgment E51
before the summons), ``unknown_case``; plus ``malformed_record`` (wrong number of
fields, e.g. a truncated last line). The steps are in :mod:`trajectory.io.linking`;
:func:`read_study` runs them in order: read and map each source, duplicate rows, case
keys, duplicate cases, sequences, unknown cases, duplicate events, then assemble.

The ingest streams: each file is read, mapped and pseudonymised chunk by chunk and
staged in DuckDB (:mod:`trajectory.io.staging`); the cross-row checks and the final
tables are SQL there (:mod:`trajectory.io.linking`, :mod:`trajectory.io.assemble`).
:func:`stage_study` leaves the tables in the staging database, so that
:func:`trajectory.store.ingest_study` writes them to the store without holding the
event log in memory; :func:`read_study` loads them as an EventLog.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import SourceConfig, StudyConfig
from ..errors import PrivacyError
from ..pseudonymise import PseudonymKey, load_key
from ..schema import EventLog, coerce
from .assemble import build_tables, display_path, file_rows, quarantine_frame
from .linking import (
    check_sequences,
    early_and_spelling_counts,
    link_cases,
    link_counts,
    quarantine_duplicate_cases,
    quarantine_duplicate_events,
    quarantine_duplicate_rows,
    quarantine_unknown_cases,
)
from .parallel import MapOptions, default_workers, load_sources, map_file
from .quality import QualityReport, build_report
from .redact import redact, redact_series
from .staging import MEMORY_LIMIT, ReadSummary, Staging
from .synthetic import check_generated

__all__ = ["IngestResult", "StagedStudy", "read_study", "stage_study", "open_staging",
           "validate_study", "check_fingerprint", "display_path", "QUARANTINE_COLUMNS",
           "MIN_DATE"]

#: Earliest plausible event date (override with ``read_study(..., min_date=...)``).
MIN_DATE = dt.date(1990, 1, 1)
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source", "file", "row", "column", "value", "reason", "detail",
)


@dataclass(frozen=True, repr=False)
class IngestResult:
    """What :func:`read_study` returns.

    Attributes
    ----------
    log : EventLog
        Accepted cases and events (pseudonymous ``case_id``).
    quarantine : pandas.DataFrame
        One row a rejected source record: :data:`QUARANTINE_COLUMNS`. Identifier
        values appear only as pseudonyms.
    report : QualityReport
        Counts per file and reason, examples, unmapped codes, failed links.
    identifiers : pandas.DataFrame
        ``case_id, identifier, pseudonym``: every pseudonymised identifier of the
        accepted records (links a person's cases; never raw values).
    """

    log: EventLog
    quarantine: pd.DataFrame
    report: QualityReport
    identifiers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        return (f"IngestResult({self.log!r}, {len(self.quarantine):,} quarantined rows, "
                f"{len(self.report.unmapped):,} unmapped codes)")


def _load(cfg: SourceConfig, options: MapOptions, stage: Staging) -> None:
    """Read, map and stage one file, chunk by chunk (the chunks are not kept)."""
    staged = stage.add_source(cfg, ReadSummary.empty())
    for item in map_file(cfg, options):
        if isinstance(item, ReadSummary):
            staged.reader = item
        else:
            stage.append_tables(staged, item)


def open_staging(path: str | Path = ":memory:", *, temp_directory: Path,
                 memory_limit: str = MEMORY_LIMIT) -> Staging:
    """A staging database for one ingest (in memory, or a scratch file for large studies).

    Parameters
    ----------
    path : str or pathlib.Path
        ``":memory:"`` or a scratch DuckDB file (removed by the caller afterwards).
    memory_limit : str
        Memory DuckDB may use before it spills to ``temp_directory``.
    temp_directory : pathlib.Path
        Where DuckDB spills (the records staged are case-level data: a scratch folder of
        the working folder or of the system's temporary folder, never the current one).
    """
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{str(temp_directory).replace(chr(39), chr(39) * 2)}'")
    return Staging(con)


@dataclass(frozen=True)
class StagedStudy:
    """An ingest whose ``_cases``, ``_events`` and ``_identifiers`` are in ``stage``.

    Everything but the event log, which :meth:`log` loads (or a store copies).
    """

    stage: Staging
    quarantine: pd.DataFrame
    report: QualityReport
    extraction_date: dt.date
    synthetic: bool
    metadata: dict[str, Any]

    def log(self) -> EventLog:
        """The staged EventLog as pandas frames with the contract's dtypes."""
        con = self.stage.con
        return EventLog(
            cases=coerce(con.execute("SELECT * FROM _cases").df(), "cases"),
            events=coerce(con.execute("SELECT * FROM _events").df(), "events"),
            extraction_date=pd.Timestamp(self.extraction_date),
            synthetic=self.synthetic, metadata=dict(self.metadata))

    def identifiers(self) -> pd.DataFrame:
        """``case_id, identifier, pseudonym`` of the accepted records."""
        frame = self.stage.con.execute("SELECT * FROM _identifiers").df()
        return frame.astype("string").reset_index(drop=True)


def stage_study(
    config: StudyConfig,
    stage: Staging,
    *,
    key: PseudonymKey | None = None,
    min_date: dt.date = MIN_DATE,
    environ: Mapping[str, str] | None = None,
    expected_fingerprint: str | None = None,
    workers: int | None = None,
) -> StagedStudy:
    """Run the whole ingest into ``stage`` (see :func:`read_study` for the parameters).

    The key is found and checked (demo key only for generated extracts, fingerprint)
    before any file is read. ``workers``: processes that read and map the files
    (:func:`trajectory.io.parallel.load_sources`); 0 reads them in this process; by
    default 2 for studies of several files and at least
    :data:`~trajectory.io.parallel.PARALLEL_BYTES` (and 2 cores), else 0. The staged
    tables are the same either way.
    """
    key = key if key is not None else load_key(config.privacy, synthetic=config.synthetic,
                                               environ=environ)
    if key.is_demo:  # the public key: only for extracts the package generated
        check_generated(config)
    check_fingerprint(key, expected_fingerprint)
    options = MapOptions(key, min_date, config.extraction_date, config.ingest.normalise_pv)
    workers = default_workers(config.sources) if workers is None else workers
    if workers > 0:
        load_sources(stage, config.sources, options, workers=workers)
    else:
        for cfg in config.sources:
            _load(cfg, options, stage)
    quarantine_duplicate_rows(stage)
    several = link_cases(stage)
    quarantine_duplicate_cases(stage)
    early = check_sequences(stage, config)
    failed_links = quarantine_unknown_cases(stage)
    quarantine_duplicate_events(stage)
    links = (failed_links + link_counts(stage, several)
             + early_and_spelling_counts(stage, early, config))
    conflicts = build_tables(stage, config.extraction_date)
    k = config.privacy.threshold
    folder = config.study_folder
    unmapped = _total_unmapped(stage)
    quarantine = _redact_quarantine(quarantine_frame(stage, folder, QUARANTINE_COLUMNS),
                                    unmapped, k)
    report = build_report(
        files=file_rows(stage, folder),
        quarantine=quarantine,
        unmapped=_redact_unmapped(unmapped, k),
        links=pd.DataFrame(links, columns=["source", "link", "outcome", "count"]),
        conflicts=conflicts,
        n_cases=stage.count("SELECT count(*) FROM _cases"),
        n_events=stage.count("SELECT count(*) FROM _events_unsorted"),
        remarks=[note for s in stage.sources for note in s.reader.notes],
    )
    metadata = {"study": config.name, "sources": [s.name for s in stage.sources],
                "pseudonym_key": key.source, "key_fingerprint": key.fingerprint}
    return StagedStudy(stage, quarantine, report, config.extraction_date, config.synthetic,
                       metadata)


def read_study(
    config: StudyConfig,
    *,
    key: PseudonymKey | None = None,
    min_date: dt.date = MIN_DATE,
    environ: Mapping[str, str] | None = None,
    expected_fingerprint: str | None = None,
    workers: int | None = None,
) -> IngestResult:
    r"""Read, map, pseudonymise, link and validate every source of a study.

    Parameters
    ----------
    config : StudyConfig
        The study (``trajectory.load_config``).
    key : PseudonymKey, optional
        Pseudonymisation key; by default found with
        :func:`trajectory.privacy.load_key` from ``config.privacy``.
    min_date : datetime.date
        Earliest plausible event date (default 1990-01-01); the latest is the
        study's ``extraction_date``.
    environ : Mapping, optional
        Environment used to find the key (default ``os.environ``).
    expected_fingerprint : str, optional
        Key fingerprint of the study's earlier extracts (from its store): a different
        key is refused before anything is read (:func:`check_fingerprint`).
    workers : int, optional
        Processes that read and map the files (0: this process); by default 2 for large
        studies (see :func:`stage_study`). The result is the same either way.

    Returns
    -------
    IngestResult

    Raises
    ------
    IngestError
        A file cannot be read at all (missing, empty, unparseable, a configured
        column missing). Row-level problems never raise: the rows are quarantined.
    PrivacyError
        Real data (``synthetic = false``) and no key; a key whose fingerprint is not
        ``expected_fingerprint``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from trajectory.config import from_dict
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "police.csv").write_text(
    ...     "PV;DATE_PLAINTE;ZONE\nA1;05/01/2024;5339\nA2;31/02/2024;5339\n")
    >>> cfg = from_dict({"study": {"name": "t", "extraction_date": "2024-12-31",
    ...                            "synthetic": True},
    ...     "sources": [{"name": "police", "kind": "police", "path": "police.csv",
    ...                  "identifiers": {"pv_number": "PV"}, "columns": {"zone": "ZONE"},
    ...                  "events": {"E11": "DATE_PLAINTE"}}]}, base=folder)
    >>> result = read_study(cfg, environ={"TRAJECTORY_KEY": "0123456789abcdef" * 2})
    >>> result.log.n_cases, result.quarantine[["row", "column", "reason"]].values.tolist()
    (1, [[3, 'DATE_PLAINTE', 'bad_date']])
    """
    with tempfile.TemporaryDirectory(prefix="trajectory-ingest-") as spill:
        stage = open_staging(temp_directory=Path(spill))
        try:
            staged = stage_study(config, stage, key=key, min_date=min_date, environ=environ,
                                 expected_fingerprint=expected_fingerprint, workers=workers)
            return IngestResult(log=staged.log(), quarantine=staged.quarantine,
                                report=staged.report, identifiers=staged.identifiers())
        finally:
            stage.con.close()


def check_fingerprint(key: PseudonymKey, expected: str | None) -> None:
    """Refuse a key other than the one of the study's earlier extracts.

    Parameters
    ----------
    key : PseudonymKey
        The key found for this ingest.
    expected : str or None
        The key fingerprint stored with the earlier extracts
        (:meth:`trajectory.store.StudyStore.key_fingerprint`); None: nothing to compare.

    Raises
    ------
    PrivacyError
        The fingerprints differ: the pseudonyms would not link to the earlier ones.

    Examples
    --------
    >>> from trajectory.pseudonymise import PseudonymKey
    >>> key = PseudonymKey(b"0123456789abcdef0123456789abcdef", source="test")
    >>> check_fingerprint(key, key.fingerprint)
    >>> check_fingerprint(key, None)
    """
    if expected is None or expected == key.fingerprint:
        return
    raise PrivacyError(
        f"the pseudonymisation key ({key.source}) is not the key of the extracts already in "
        "the study store (their key fingerprints differ), so the new pseudonyms would not "
        "link to the stored ones. Use the key of the earlier extracts; to start the study "
        "over with a new key, remove the store or pass allow_key_change=True to "
        "trajectory.store.ingest_study")


def validate_study(config: StudyConfig, **kwargs: object) -> QualityReport:
    """Validate every source of a study and return its :class:`QualityReport`.

    Runs the whole ingest (:func:`read_study`, same keyword options) without storing
    anything. Used by ``trajectory validate --config study.toml``.

    Raises
    ------
    IngestError
        Only on fatal problems (a file missing, empty or unreadable; a configured
        column missing), naming the file and what to do.
    """
    with tempfile.TemporaryDirectory(prefix="trajectory-ingest-") as spill:
        stage = open_staging(temp_directory=Path(spill))
        try:
            return stage_study(config, stage, **kwargs).report  # type: ignore[arg-type]
        finally:
            stage.con.close()


#: What the ``value`` of a quarantined row holds, by reason (see :mod:`.redact`).
_VALUE_KIND = {"bad_date": "date", "date_out_of_range": "date", "missing_date": "date",
               "impossible_sequence": "date", "unknown_code": "code", "missing_value": "code",
               "duplicate_case": "pseudonym", "unknown_case": "pseudonym"}


def _total_unmapped(stage: Staging) -> pd.DataFrame:
    """Unmapped values with their count in the whole file (chunks added up)."""
    parts = [p for s in stage.sources for p in s.unmapped]
    if not parts:
        return pd.DataFrame({"source": [], "column": [], "extract_column": [], "value": [],
                             "count": pd.Series([], dtype="int64")})
    frame = pd.concat(parts, ignore_index=True)
    keys = ["source", "column", "extract_column", "value"]
    return frame.groupby(keys, sort=False)["count"].sum().reset_index()


def _redact_quarantine(frame: pd.DataFrame, unmapped: pd.DataFrame, k: int) -> pd.DataFrame:
    """Quarantine values: dates and frequent codes in clear, anything else as a shape."""
    if frame.empty:
        return frame
    counts = pd.Series(0, index=frame.index, dtype="int64")
    if not unmapped.empty:
        per_value = unmapped.groupby(["source", "extract_column", "value"])["count"].sum()
        keys = pd.MultiIndex.from_arrays([frame["source"].astype(object),
                                          frame["column"].astype(object),
                                          frame["value"].astype(object)])
        counts = pd.Series(per_value.reindex(keys).fillna(0).to_numpy(dtype="int64"),
                           index=frame.index)
    kinds = frame["reason"].astype(object).map(_VALUE_KIND).fillna("text")
    value = frame["value"].astype(object).where(frame["value"].notna(), None)
    out = frame.copy()
    out["value"] = redact_series(value, kinds, counts, k).astype("string")
    return out


def _redact_unmapped(unmapped: pd.DataFrame, k: int) -> pd.DataFrame:
    if unmapped.empty:
        return unmapped
    out = unmapped.copy()
    out["value"] = pd.Series([redact(v, kind="code", count=int(c), k=k)
                              for v, c in zip(out["value"], out["count"], strict=True)],
                             index=out.index, dtype=object)
    return out
