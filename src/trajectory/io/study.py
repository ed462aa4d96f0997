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
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import SourceConfig, StudyConfig
from ..errors import IngestError, PrivacyError
from ..privacy.pseudonymise import PseudonymKey, load_key
from ..schema import CASE_COLUMNS, EVENT_COLUMNS, EventLog, coerce, vocabulary
from .linking import (
    Source,
    check_sequences,
    early_and_spelling_counts,
    link_cases,
    link_counts,
    quarantine_duplicate_cases,
    quarantine_duplicate_events,
    quarantine_duplicate_rows,
    quarantine_unknown_cases,
)
from .mapping import check_header, map_chunk
from .quality import QualityReport, build_report
from .readers import Chunk, SourceReader
from .redact import redact, redact_series
from .synthetic import check_generated

__all__ = ["IngestResult", "read_study", "validate_study", "check_fingerprint", "display_path",
           "QUARANTINE_COLUMNS", "MIN_DATE"]

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


def _load(cfg: SourceConfig, key: PseudonymKey, min_date: dt.date, max_date: dt.date,
          normalise_pv: bool = True) -> Source:
    reader = SourceReader(cfg.path, format=cfg.format, delimiter=cfg.delimiter,
                          encoding=cfg.encoding, sheet=cfg.sheet)
    check_header(cfg, reader.columns)
    typed = cfg.format in ("excel", "parquet")
    parts = [map_chunk(chunk, cfg, key=key, min_date=min_date, max_date=max_date, typed=typed,
                       normalise_pv=normalise_pv)
             for chunk in reader.chunks()]
    if not parts:  # a header-only file
        empty = Chunk(pd.DataFrame({c: pd.Series([], dtype=object) for c in reader.columns}),
                      np.array([], dtype=np.int64))
        parts = [map_chunk(empty, cfg, key=key, min_date=min_date, max_date=max_date)]
    return Source(cfg, reader, parts)


def read_study(
    config: StudyConfig,
    *,
    key: PseudonymKey | None = None,
    min_date: dt.date = MIN_DATE,
    environ: Mapping[str, str] | None = None,
    expected_fingerprint: str | None = None,
) -> IngestResult:
    """Read, map, pseudonymise, link and validate every source of a study.

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
    ...     "PV;DATE_PLAINTE;ZONE\\nA1;05/01/2024;5339\\nA2;31/02/2024;5339\\n")
    >>> cfg = from_dict({"study": {"name": "t", "extraction_date": "2024-12-31",
    ...                            "synthetic": True},
    ...     "sources": [{"name": "police", "kind": "police", "path": "police.csv",
    ...                  "identifiers": {"pv_number": "PV"}, "columns": {"zone": "ZONE"},
    ...                  "events": {"E11": "DATE_PLAINTE"}}]}, base=folder)
    >>> result = read_study(cfg, environ={"TRAJECTORY_KEY": "0123456789abcdef" * 2})
    >>> result.log.n_cases, result.quarantine[["row", "column", "reason"]].values.tolist()
    (1, [[3, 'DATE_PLAINTE', 'bad_date']])
    """
    key = key if key is not None else load_key(config.privacy, synthetic=config.synthetic,
                                               environ=environ)
    if key.is_demo:  # the public key: only for extracts the package generated
        check_generated(config)
    check_fingerprint(key, expected_fingerprint)
    sources = [_load(cfg, key, min_date, config.extraction_date, config.ingest.normalise_pv)
               for cfg in config.sources]
    quarantine_duplicate_rows(sources)
    several = link_cases(sources)
    quarantine_duplicate_cases(sources)
    early = check_sequences(sources, config)
    failed_links = quarantine_unknown_cases(sources)
    quarantine_duplicate_events(sources)
    links = (failed_links + link_counts(sources, several)
             + early_and_spelling_counts(sources, early, config))
    return _assemble(sources, config, key, links)


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
    >>> from trajectory.privacy.pseudonymise import PseudonymKey
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


def _assemble(sources: list[Source], config: StudyConfig, key: PseudonymKey,
              links: list[dict[str, object]]) -> IngestResult:
    """The IngestResult: cases, events, redacted quarantine, identifiers and report."""
    cases, conflicts = _build_cases(sources, config)
    events = _build_events(sources)
    k = config.privacy.threshold
    folder = config.study_folder
    unmapped = _total_unmapped(sources)
    quarantine = _redact_quarantine(_build_quarantine(sources, folder), unmapped, k)
    log = EventLog(
        cases=cases,
        events=events,
        extraction_date=pd.Timestamp(config.extraction_date),
        synthetic=config.synthetic,
        metadata={"study": config.name, "sources": [s.cfg.name for s in sources],
                  "pseudonym_key": key.source, "key_fingerprint": key.fingerprint},
    )
    report = build_report(
        files=[_file_row(s, folder) for s in sources],
        quarantine=quarantine,
        unmapped=_redact_unmapped(unmapped, k),
        links=pd.DataFrame(links, columns=["source", "link", "outcome", "count"]),
        conflicts=conflicts,
        n_cases=len(cases),
        n_events=len(events),
        remarks=[note for s in sources for note in s.reader.notes],
    )
    return IngestResult(log=log, quarantine=quarantine, report=report,
                        identifiers=_build_identifiers(sources))


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
    return read_study(config, **kwargs).report  # type: ignore[arg-type]


def _build_cases(sources: list[Source], config: StudyConfig
                 ) -> tuple[pd.DataFrame, dict[str, int]]:
    parts = []
    for order, s in enumerate(sources):
        if not s.case_record:
            continue
        ok = s.ok
        part = s.attrs.loc[ok].copy()
        part.insert(0, "case_id", s.case_id[ok])
        part["_order"] = order
        part["_source"] = s.cfg.name
        parts.append(part)
    contract = [c for c in CASE_COLUMNS if c not in ("source", "extraction_date")]
    if not parts:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in contract})
        frame["_source"] = pd.Series([], dtype=object)
        frame["_order"] = pd.Series([], dtype=np.int64)
    else:
        frame = pd.concat(parts, ignore_index=True).sort_values("_order", kind="stable")
    conflicts: dict[str, int] = {}
    attr_cols = [c for c in frame.columns if c in CASE_COLUMNS and c != "case_id"]
    by_case = frame.groupby("case_id", sort=False)
    for col in attr_cols:
        providers = frame.loc[frame[col].notna(), "_order"].nunique()
        if providers > 1:
            n_distinct = by_case[col].nunique()
            conflicts[col] = int((n_distinct > 1).sum())
    merged = by_case[attr_cols].first() if attr_cols else pd.DataFrame(
        index=pd.Index(frame["case_id"].unique(), name="case_id"))
    # the sources of a case, in config order, from a bit mask per case
    pairs = frame[["case_id", "_order"]].drop_duplicates()
    bits = (pd.Series(np.int64(1) << pairs["_order"].to_numpy(dtype=np.int64),
                      index=pd.Index(pairs["case_id"].to_numpy(), name="case_id"))
            .groupby(level=0, sort=False).sum())
    order_names = {i: s.cfg.name for i, s in enumerate(sources)}
    labels = {b: "+".join(order_names[i] for i in range(len(sources)) if b >> i & 1)
              for b in pd.unique(bits.to_numpy())}
    merged = merged.reindex(bits.index)
    merged["source"] = bits.map(labels).to_numpy()
    merged = merged.reset_index()
    for col in contract:
        if col not in merged:
            merged[col] = None
    codes = vocabulary("charge_codes")["offence_group"].to_dict()
    derived = merged["parquet_code"].map(codes)
    derived = derived.where(derived.notna(), merged["police_code"].map(codes))
    merged["offence_group"] = merged["offence_group"].where(merged["offence_group"].notna(),
                                                            derived)
    merged["extraction_date"] = pd.Timestamp(config.extraction_date)
    out = coerce(merged, "cases")
    out = out.sort_values("case_id", kind="stable").reset_index(drop=True)
    return out, conflicts


def _build_events(sources: list[Source]) -> pd.DataFrame:
    parts = []
    for s in sources:
        ev = s.events
        pos = ev["pos"].to_numpy()
        keep = s.ok[pos] & ev["date"].notna().to_numpy()
        parts.append(pd.DataFrame({
            "case_id": s.case_id[pos[keep]],
            "event": ev["event"].to_numpy(dtype=object)[keep],
            "date": ev["date"].to_numpy()[keep],
            "code": ev["code"].to_numpy(dtype=object)[keep],
            "source": s.cfg.name,
        }))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: [] for c in EVENT_COLUMNS})
    out = coerce(frame, "events")
    return out.sort_values(["case_id", "date", "event"], kind="stable").reset_index(drop=True)


def display_path(path: Path, folder: Path) -> str:
    """``path`` relative to the study folder (POSIX), never an absolute machine path.

    Examples
    --------
    >>> from pathlib import Path
    >>> display_path(Path("/data/study/extracts/police.csv"), Path("/data/study"))
    'extracts/police.csv'
    >>> display_path(Path("/elsewhere/police.csv"), Path("/data/study"))
    '../../elsewhere/police.csv'
    """
    path, folder = Path(path), Path(folder)
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, folder)).as_posix()


def _build_quarantine(sources: list[Source], folder: Path) -> pd.DataFrame:
    parts = []
    for s in sources:
        bad = ~s.ok
        parts.append(pd.DataFrame({
            "source": s.cfg.name, "file": display_path(s.cfg.path, folder), "row": s.rows[bad],
            "column": s.column[bad], "value": s.value[bad], "reason": s.reason[bad],
            "detail": s.detail[bad],
        }))
        if s.reader.bad_records:
            rows, texts = zip(*s.reader.bad_records, strict=True)
            parts.append(pd.DataFrame({
                "source": s.cfg.name, "file": display_path(s.cfg.path, folder), "row": list(rows),
                "column": None, "value": None, "reason": "malformed_record",
                "detail": list(texts),
            }))
        if s.reader.cell_rejects:
            rows, reasons, columns, texts = zip(*s.reader.cell_rejects, strict=True)
            parts.append(pd.DataFrame({
                "source": s.cfg.name, "file": display_path(s.cfg.path, folder), "row": list(rows),
                "column": list(columns), "value": None, "reason": list(reasons),
                "detail": list(texts),
            }))
    if not parts:
        return pd.DataFrame({c: [] for c in QUARANTINE_COLUMNS})
    frame = pd.concat(parts, ignore_index=True)
    frame["row"] = frame["row"].astype("int64")
    for col in ("source", "file", "column", "value", "reason", "detail"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None).astype("string")
    order = {s.cfg.name: i for i, s in enumerate(sources)}
    frame["_o"] = frame["source"].map(order)
    frame = frame.sort_values(["_o", "row"], kind="stable").drop(columns="_o")
    return frame.reset_index(drop=True)[list(QUARANTINE_COLUMNS)]


#: What the ``value`` of a quarantined row holds, by reason (see :mod:`.redact`).
_VALUE_KIND = {"bad_date": "date", "date_out_of_range": "date", "missing_date": "date",
               "impossible_sequence": "date", "unknown_code": "code", "missing_value": "code",
               "duplicate_case": "pseudonym", "unknown_case": "pseudonym"}


def _total_unmapped(sources: list[Source]) -> pd.DataFrame:
    """Unmapped values with their count in the whole file (chunks added up)."""
    frame = pd.concat([s.unmapped for s in sources], ignore_index=True)
    if frame.empty:
        return frame
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


def _build_identifiers(sources: list[Source]) -> pd.DataFrame:
    parts = []
    for s in sources:
        ok = s.ok
        for kind in s.ids.columns:
            values = s.ids[kind].to_numpy(dtype=object)
            keep = ok & (values != None)  # noqa: E711
            parts.append(pd.DataFrame({"case_id": s.case_id[keep], "identifier": kind,
                                       "pseudonym": values[keep]}))
    if not parts:
        return pd.DataFrame({"case_id": [], "identifier": [], "pseudonym": []}, dtype="string")
    frame = pd.concat(parts, ignore_index=True).drop_duplicates()
    return frame.astype("string").sort_values(["case_id", "identifier"]).reset_index(drop=True)


def _file_row(s: Source, folder: Path) -> dict[str, object]:
    """Counts of one file; raises if a physical line is unaccounted for."""
    reader = s.reader
    rejected = len(reader.bad_records) + len(reader.cell_rejects)
    read = len(s.rows) + rejected
    accepted = int(s.ok.sum())
    quarantined = int((~s.ok).sum()) + rejected
    t = reader.tally
    row: dict[str, object] = {
        "source": s.cfg.name, "file": display_path(s.cfg.path, folder), "format": s.cfg.format,
        "encoding": reader.encoding or None, "delimiter": reader.delimiter or None,
        "lines": reader.lines, "header": t.header, "blank": reader.blank_records,
        "continued": t.continued, "read": read, "accepted": accepted,
        "quarantined": quarantined,
    }
    counted = t.header + reader.blank_records + t.continued + accepted + quarantined
    if counted != reader.lines:
        raise IngestError(
            f"{reader.lines} lines in the file but {counted} accounted for (header, blank, "
            "records); please report this as a bug of trajectory with the file's shape",
            file=str(s.cfg.path))
    return row
