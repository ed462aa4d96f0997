"""Cross-row checks of an ingest: duplicates, case keys, sequences, unknown cases.

Each step works on all the :class:`Source` objects of a study (one a file, its
records row-aligned with their current status) and quarantines the rows that fail,
in the order of ``docs/ingest.md`` (a row keeps its *first* problem):

1. :func:`quarantine_duplicate_rows`: exact copy of an earlier row of the same file;
2. :func:`link_cases`: the case key of every record (PV, else the PV of the notice,
   else the notice, else ``case_number``);
3. :func:`quarantine_duplicate_cases`: a second record of one case in a wide file;
4. :func:`check_sequences`: summons before the complaint, judgment before the
   summons, and (quarantined or only counted) early events before the complaint;
5. :func:`quarantine_unknown_cases`: event rows whose case has no case record;
6. :func:`quarantine_duplicate_events`: one event twice in a long file.

Every step is written with array operations (no Python loop per row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import SourceConfig, StudyConfig
from .mapping import LINK_IDENTIFIERS, MappedChunk
from .readers import SourceReader

__all__ = ["Source", "EARLY_EVENTS", "quarantine_duplicate_rows", "link_cases",
           "quarantine_duplicate_cases", "check_sequences", "quarantine_unknown_cases",
           "quarantine_duplicate_events", "link_counts", "early_and_spelling_counts"]


class Source:
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


def _first_rows(source: Source, keys: pd.Series, dup: np.ndarray) -> np.ndarray:
    first = pd.Series(source.rows).groupby(keys.to_numpy(), sort=False).transform("first")
    return ("same as row " + first[dup].astype(str)).to_numpy(dtype=object)


def quarantine_duplicate_rows(sources: list[Source]) -> None:
    """Step 1: a row with the same content as an earlier row of the same file."""
    for s in sources:
        hashes = pd.Series(s.row_hash)
        dup = hashes.duplicated(keep="first").to_numpy()
        if dup.any():
            detail = np.full(len(s.rows), None, dtype=object)
            detail[dup] = _first_rows(s, hashes, dup)
            s.quarantine(dup, "duplicate_row", detail=detail)


def link_cases(sources: list[Source]) -> int:
    """Step 2: set ``case_id`` of every record; return the notices with several PVs.

    The PV when the record has one; else the PV of its notice (the first pair of
    notice and PV in config and file order); else the notice; else ``case_number``.
    """
    pairs = [s.ids[["parquet_number", "pv_number"]].dropna().drop_duplicates()
             for s in sources if "pv_number" in s.ids and "parquet_number" in s.ids]
    link = pd.Series(dtype=object)
    several = 0
    if pairs:
        frame = pd.concat(pairs, ignore_index=True)
        first = frame.groupby("parquet_number", sort=False)["pv_number"].transform("first")
        several = int((frame["pv_number"] != first).sum())
        link = frame.drop_duplicates("parquet_number").set_index("parquet_number")[
            "pv_number"]
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
    return several


def quarantine_duplicate_cases(sources: list[Source]) -> None:
    """Step 3: a second record of one case in one wide (one row a case) file."""
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


def check_sequences(sources: list[Source], config: StudyConfig) -> dict[str, int]:
    """Step 4: impossible sequences; return the early events per source."""
    _check_sequence(sources, later=("E45", "E46"), earlier=("E11",),
                    what="summons dated before the complaint (E11)")
    _check_sequence(sources, later=("E51",), earlier=("E45", "E46"),
                    what="judgment dated before the summons (E45/E46)")
    return _check_sequence(
        sources, later=EARLY_EVENTS, earlier=("E11",),
        what="dismissal, parquet registration or transmission dated before the complaint (E11)",
        quarantine=config.ingest.early_events == "quarantine")


def quarantine_unknown_cases(sources: list[Source]) -> list[dict[str, object]]:
    """Step 5: event rows whose case has no accepted case record; return link rows."""
    known = [s.case_id[s.ok & (s.case_id != None)] for s in sources if s.case_record]  # noqa: E711
    seen = [s.case_id[s.case_id != None] for s in sources if s.case_record]  # noqa: E711
    known_ids = pd.unique(np.concatenate(known)) if known else np.array([], dtype=object)
    seen_ids = pd.unique(np.concatenate(seen)) if seen else np.array([], dtype=object)
    failed_links: list[dict[str, object]] = []
    for s in sources:
        if s.case_record:
            continue
        ids = pd.Series(s.case_id)
        unknown = (~ids.isin(known_ids)).to_numpy() & s.ok
        if not unknown.any():
            continue
        kind = next(k for k in LINK_IDENTIFIERS if k in s.cfg.identifiers)
        was_seen = ids.isin(seen_ids).to_numpy()
        detail = np.where(
            was_seen,
            "the records of this case were all quarantined",
            f"{kind} not found in any case record (police/parquet)",
        )
        failed_links.append({"source": s.cfg.name, "link": f"{kind} unknown",
                             "outcome": "quarantined", "count": int(unknown.sum())})
        s.quarantine(unknown, "unknown_case", column=s.id_column(kind), value=s.case_id,
                     detail=detail)
    return failed_links


def quarantine_duplicate_events(sources: list[Source]) -> None:
    """Step 6: the same case, event, date and detail twice in a long file."""
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


#: Events that cannot precede the complaint: transmission, registration, dismissals.
EARLY_EVENTS: tuple[str, ...] = ("E23", "E30", "E40", "E41")


def early_and_spelling_counts(sources: list[Source], early: dict[str, int],
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


def _check_sequence(sources: list[Source], *, later: tuple[str, ...],
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


def link_counts(sources: list[Source], several: int) -> list[dict[str, object]]:
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
