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
fields, e.g. a truncated last line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import SourceConfig, StudyConfig
from ..errors import IngestError
from ..privacy.pseudonymise import PseudonymKey, load_key
from ..schema import CASE_COLUMNS, EVENT_COLUMNS, EventLog, vocabulary
from .mapping import LINK_IDENTIFIERS, MappedChunk, check_header, map_chunk
from .parsing import BOOLEAN_COLUMNS
from .quality import QualityReport, build_report
from .readers import Chunk, SourceReader
from .redact import redact, redact_series

__all__ = ["IngestResult", "read_study", "validate_study", "QUARANTINE_COLUMNS", "MIN_DATE"]

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


class _Source:
    """All records of one file, row-aligned, with their current status."""

    def __init__(self, cfg: SourceConfig, reader: SourceReader, parts: list[MappedChunk]):
        self.cfg = cfg
        self.reader = reader
        self.wide = cfg.long is None
        self.case_record = self.wide or bool(cfg.columns)
        self.rows = np.concatenate([p.rows for p in parts])
        self.reason = np.concatenate([p.reason for p in parts])
        self.column = np.concatenate([p.column for p in parts])
        self.value = np.concatenate([p.value for p in parts])
        self.detail = np.full(len(self.rows), None, dtype=object)
        self.ids = pd.concat([p.ids for p in parts], ignore_index=True)
        self.attrs = pd.concat([p.attrs for p in parts], ignore_index=True)
        offsets = np.cumsum([0] + [len(p.rows) for p in parts[:-1]])
        events = []
        for part, offset in zip(parts, offsets, strict=True):
            ev = part.events.copy()
            ev["pos"] = ev["pos"].to_numpy(dtype=np.int64) + offset
            events.append(ev)
        self.events = pd.concat(events, ignore_index=True)
        self.row_hash = np.concatenate([p.row_hash for p in parts])
        self.unmapped = pd.concat([p.unmapped for p in parts], ignore_index=True)
        self.spellings = pd.concat([p.spellings for p in parts], ignore_index=True)
        self.case_id = np.full(len(self.rows), None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return self.reason == None  # noqa: E711

    def quarantine(self, mask: np.ndarray, reason: str, column: object = None,
                   value: object = None, detail: object = None) -> None:
        mask = np.asarray(mask, dtype=bool) & self.ok
        self.reason[mask] = reason
        for target, given in ((self.column, column), (self.value, value),
                              (self.detail, detail)):
            target[mask] = np.asarray(given, dtype=object)[mask] if isinstance(
                given, (np.ndarray, pd.Series)) else given

    def id_column(self, kind: str) -> str | None:
        return self.cfg.identifiers.get(kind)


def _load(cfg: SourceConfig, key: PseudonymKey, min_date: dt.date, max_date: dt.date,
          normalise_pv: bool = True) -> _Source:
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
    return _Source(cfg, reader, parts)


def _first_rows(source: _Source, keys: pd.Series, dup: np.ndarray) -> np.ndarray:
    first = pd.Series(source.rows).groupby(keys.to_numpy(), sort=False).transform("first")
    return np.array([f"same as row {r}" for r in first.to_numpy()[dup]], dtype=object)


def read_study(
    config: StudyConfig,
    *,
    key: PseudonymKey | None = None,
    min_date: dt.date = MIN_DATE,
    environ: Mapping[str, str] | None = None,
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

    Returns
    -------
    IngestResult

    Raises
    ------
    IngestError
        A file cannot be read at all (missing, empty, unparseable, a configured
        column missing). Row-level problems never raise: the rows are quarantined.
    PrivacyError
        Real data (``synthetic = false``) and no key.

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
    >>> result = read_study(cfg)
    >>> result.log.n_cases, result.quarantine[["row", "column", "reason"]].values.tolist()
    (1, [[3, 'DATE_PLAINTE', 'bad_date']])
    """
    key = key if key is not None else load_key(config.privacy, synthetic=config.synthetic,
                                               environ=environ)
    max_date = config.extraction_date
    sources = [_load(cfg, key, min_date, max_date, config.ingest.normalise_pv)
               for cfg in config.sources]

    # 1. exact duplicate rows (same content as an earlier row of the same file)
    for s in sources:
        hashes = pd.Series(s.row_hash)
        dup = hashes.duplicated(keep="first").to_numpy()
        if dup.any():
            detail = np.full(len(s.rows), None, dtype=object)
            detail[dup] = _first_rows(s, hashes, dup)
            s.quarantine(dup, "duplicate_row", detail=detail)

    # 2. case keys: PV, else the PV of the notice, else the notice, else case_number
    link: dict[str, str] = {}
    several = 0
    for s in sources:
        if "pv_number" in s.ids and "parquet_number" in s.ids:
            pairs = s.ids[["parquet_number", "pv_number"]].dropna().drop_duplicates()
            for notice, pv in zip(pairs["parquet_number"], pairs["pv_number"], strict=True):
                if link.setdefault(notice, pv) != pv:
                    several += 1
    for s in sources:
        key_ = pd.Series(None, index=s.ids.index, dtype=object)
        if "case_number" in s.ids:
            key_ = s.ids["case_number"].where(s.ids["case_number"].notna(), None)
        if "parquet_number" in s.ids:
            notice = s.ids["parquet_number"]
            via = notice.map(link)
            own = via.where(via.notna(), notice)
            key_ = own.where(notice.notna(), key_)
        if "pv_number" in s.ids:
            key_ = s.ids["pv_number"].where(s.ids["pv_number"].notna(), key_)
        s.case_id = key_.to_numpy(dtype=object)

    # 3. a second record of one case in one wide (one row a case) file
    for s in sources:
        if not s.wide:
            continue
        ok = s.ok
        ids = pd.Series(np.where(ok, s.case_id, None))  # type: ignore[call-overload]
        dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
        if dup.any():
            kind = next(k for k in LINK_IDENTIFIERS if k in s.cfg.identifiers)
            detail = np.full(len(s.rows), None, dtype=object)
            detail[dup] = _first_rows(s, ids.fillna(""), dup)
            s.quarantine(dup, "duplicate_case", column=s.id_column(kind), value=s.case_id,
                         detail=detail)

    # 4. impossible sequences
    _check_sequence(sources, later=("E45", "E46"), earlier=("E11",),
                    what="summons dated before the complaint (E11)")
    _check_sequence(sources, later=("E51",), earlier=("E45", "E46"),
                    what="judgment dated before the summons (E45/E46)")
    early = _check_sequence(
        sources, later=EARLY_EVENTS, earlier=("E11",),
        what="dismissal, parquet registration or transmission dated before the complaint (E11)",
        quarantine=config.ingest.early_events == "quarantine")

    # 5. events of unknown cases
    known = set()
    seen = set()
    for s in sources:
        if s.case_record:
            known.update(s.case_id[s.ok & (s.case_id != None)])  # noqa: E711
            seen.update(s.case_id[s.case_id != None])  # noqa: E711
    failed_links: list[dict[str, object]] = []
    for s in sources:
        if s.case_record:
            continue
        ids = pd.Series(s.case_id)
        unknown = (~ids.isin(known)).to_numpy() & s.ok
        if not unknown.any():
            continue
        kind = next(k for k in LINK_IDENTIFIERS if k in s.cfg.identifiers)
        was_seen = ids.isin(seen).to_numpy()
        detail = np.where(
            was_seen,
            "the records of this case were all quarantined",
            f"{kind} not found in any case record (police/parquet)",
        )
        failed_links.append({"source": s.cfg.name, "link": f"{kind} unknown",
                             "outcome": "quarantined", "count": int(unknown.sum())})
        s.quarantine(unknown, "unknown_case", column=s.id_column(kind), value=s.case_id,
                     detail=detail)

    # 6. duplicate events in long (one row an event) files
    for s in sources:
        if s.wide or s.events.empty:
            continue
        ev = s.events
        ok = s.ok[ev["pos"].to_numpy()]
        frame = pd.DataFrame({"case": s.case_id[ev["pos"].to_numpy()], "event": ev["event"],
                              "date": ev["date"], "code": ev["code"]})[ok]
        dup_pos = ev["pos"].to_numpy()[ok][frame.duplicated(keep="first").to_numpy()]
        mask = np.zeros(len(s.rows), dtype=bool)
        mask[dup_pos] = True
        s.quarantine(mask, "duplicate_event", column=s.cfg.long.date if s.cfg.long else None,
                     detail="same case, event, date and detail as an earlier row")

    failed_links += _link_counts(sources, several)
    failed_links += _early_and_spelling_counts(sources, early, config)
    cases, conflicts = _build_cases(sources, config)
    events = _build_events(sources)
    k = config.privacy.threshold
    unmapped = _total_unmapped(sources)
    quarantine = _redact_quarantine(_build_quarantine(sources), unmapped, k)
    identifiers = _build_identifiers(sources)
    log = EventLog(
        cases=cases,
        events=events,
        extraction_date=pd.Timestamp(config.extraction_date),
        synthetic=config.synthetic,
        metadata={"study": config.name, "sources": [s.cfg.name for s in sources],
                  "pseudonym_key": key.source, "key_fingerprint": key.fingerprint},
    )
    report = build_report(
        files=[_file_row(s) for s in sources],
        quarantine=quarantine,
        unmapped=_redact_unmapped(unmapped, k),
        links=pd.DataFrame(failed_links, columns=["source", "link", "outcome", "count"]),
        conflicts=conflicts,
        n_cases=len(cases),
        n_events=len(events),
    )
    return IngestResult(log=log, quarantine=quarantine, report=report, identifiers=identifiers)


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


#: Events that cannot precede the complaint: transmission, registration, dismissals.
EARLY_EVENTS: tuple[str, ...] = ("E23", "E30", "E40", "E41")


def _early_and_spelling_counts(sources: list[_Source], early: dict[str, int],
                               config: StudyConfig) -> list[dict[str, object]]:
    """Link-report rows: events before the complaint, PV spellings merged."""
    outcome = ("quarantined" if config.ingest.early_events == "quarantine"
               else "kept ([ingest] early_events = 'warn')")
    rows: list[dict[str, object]] = [
        {"source": name, "link": "event dated before the complaint", "outcome": outcome,
         "count": n} for name, n in early.items() if n]
    pairs = pd.concat([s.spellings for s in sources], ignore_index=True).drop_duplicates()
    per_pv = pairs.groupby("pseudonym", sort=False)["spelling"].nunique()
    merged = int((per_pv - 1).clip(lower=0).sum())
    if config.ingest.normalise_pv and merged:
        rows.append({"source": "all", "link": "pv_number spellings merged (case, spaces, dots)",
                     "outcome": "linked as one PV", "count": merged})
    return rows


def _check_sequence(sources: list[_Source], *, later: tuple[str, ...],
                    earlier: tuple[str, ...], what: str, quarantine: bool = True
                    ) -> dict[str, int]:
    """Quarantine (or only count) ``later`` events dated before the case's ``earlier`` ones."""
    counts: dict[str, int] = {}
    firsts = []
    for s in sources:
        ev = s.events[s.events["event"].isin(earlier)]
        pos = ev["pos"].to_numpy()
        keep = s.ok[pos] & (s.case_id[pos] != None)  # noqa: E711
        firsts.append(pd.Series(ev["date"].to_numpy()[keep], index=s.case_id[pos][keep]))
    if not firsts:
        return counts
    first = pd.concat(firsts)
    if first.empty:
        return counts
    first = first.groupby(level=0).min()
    for s in sources:
        ev = s.events[s.events["event"].isin(later)]
        pos = ev["pos"].to_numpy()
        bound = pd.Series(s.case_id[pos]).map(first).to_numpy(dtype="datetime64[ns]")
        bad = (ev["date"].to_numpy() < bound) & s.ok[pos]
        counts[s.cfg.name] = int(bad.sum())
        if not bad.any() or not quarantine:
            continue
        mask = np.zeros(len(s.rows), dtype=bool)
        column = np.full(len(s.rows), None, dtype=object)
        value = np.full(len(s.rows), None, dtype=object)
        mask[pos[bad]] = True
        column[pos[bad]] = ev["column"].to_numpy()[bad]
        value[pos[bad]] = pd.DatetimeIndex(ev["date"].to_numpy()[bad]).strftime("%Y-%m-%d")
        s.quarantine(mask, "impossible_sequence", column=column, value=value, detail=what)
    return counts


def _link_counts(sources: list[_Source], several: int) -> list[dict[str, object]]:
    police = set()
    for s in sources:
        if s.cfg.kind == "police" and s.case_record:
            police.update(s.case_id[s.ok])
    rows: list[dict[str, object]] = []
    for s in sources:
        if s.cfg.kind != "parquet" or not s.case_record:
            continue
        ok = s.ok
        if "pv_number" in s.ids and police:
            pv = s.ids["pv_number"].to_numpy(dtype=object)
            lost = ok & (pv != None) & ~pd.Series(s.case_id).isin(police).to_numpy()  # noqa: E711
            rows.append({"source": s.cfg.name, "link": "pv_number not in police extract",
                         "outcome": "kept (parquet record only)", "count": int(lost.sum())})
            no_pv = ok & (pv == None)  # noqa: E711
            rows.append({"source": s.cfg.name, "link": "no pv_number (parquet-only case)",
                         "outcome": "kept", "count": int(no_pv.sum())})
    if several:
        rows.append({"source": "all", "link": "parquet_number with several pv_number",
                     "outcome": "first pv_number used", "count": several})
    return rows


def _build_cases(sources: list[_Source], config: StudyConfig
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
    out = pd.DataFrame(index=merged.index)
    for col, (dtype, _) in CASE_COLUMNS.items():
        values = merged[col]
        if col in BOOLEAN_COLUMNS:
            values = values.map({"true": True, "false": False}).astype("boolean")
        elif dtype.startswith("datetime"):
            values = pd.to_datetime(values).astype(dtype)  # type: ignore[call-overload]
        else:
            values = values.astype(dtype)  # type: ignore[call-overload]
        out[col] = values
    out = out.sort_values("case_id", kind="stable").reset_index(drop=True)
    return out, conflicts


def _build_events(sources: list[_Source]) -> pd.DataFrame:
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
    out = pd.DataFrame({c: frame[c].astype(dtype) for c, (dtype, _) in EVENT_COLUMNS.items()})  # type: ignore[call-overload]
    return out.sort_values(["case_id", "date", "event"], kind="stable").reset_index(drop=True)


def _build_quarantine(sources: list[_Source]) -> pd.DataFrame:
    parts = []
    for s in sources:
        bad = ~s.ok
        parts.append(pd.DataFrame({
            "source": s.cfg.name, "file": str(s.cfg.path), "row": s.rows[bad],
            "column": s.column[bad], "value": s.value[bad], "reason": s.reason[bad],
            "detail": s.detail[bad],
        }))
        if s.reader.bad_records:
            rows, texts = zip(*s.reader.bad_records, strict=True)
            parts.append(pd.DataFrame({
                "source": s.cfg.name, "file": str(s.cfg.path), "row": list(rows),
                "column": None, "value": None, "reason": "malformed_record",
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


def _total_unmapped(sources: list[_Source]) -> pd.DataFrame:
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


def _build_identifiers(sources: list[_Source]) -> pd.DataFrame:
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


def _file_row(s: _Source) -> dict[str, object]:
    """Counts of one file; raises if a physical line is unaccounted for."""
    reader = s.reader
    read = len(s.rows) + len(reader.bad_records)
    accepted = int(s.ok.sum())
    quarantined = int((~s.ok).sum()) + len(reader.bad_records)
    t = reader.tally
    row: dict[str, object] = {
        "source": s.cfg.name, "file": str(s.cfg.path), "format": s.cfg.format,
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
