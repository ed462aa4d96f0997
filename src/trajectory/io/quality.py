"""The quality report of an ingest: what was read, accepted, quarantined and why.

Examples
--------
>>> import pandas as pd
>>> files = [{"source": "police", "file": "police.csv", "format": "csv", "encoding": "utf-8",
...           "delimiter": ";", "lines": 4, "header": 1, "blank": 0, "continued": 0,
...           "read": 3, "accepted": 2, "quarantined": 1}]
>>> q = pd.DataFrame({"source": ["police"], "file": ["police.csv"], "row": [4],
...                   "column": ["DATE_PV"], "value": ["31/02/2024"], "reason": ["bad_date"],
...                   "detail": [None]})
>>> report = build_report(files=files, quarantine=q)
>>> report.reasons.values.tolist()
[['police', 'bad_date', 1]]
>>> print(report.summary().splitlines()[0])
Ingest quality: 3 rows read, 2 accepted, 1 quarantined (33.3%)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..results import TidyResult

__all__ = ["QualityReport", "build_report", "REASONS"]

#: Quarantine reason codes and what they mean.
REASONS: dict[str, str] = {
    "malformed_record": "wrong number of fields (e.g. a truncated last line)",
    "missing_identifier": "no PV, parquet or case number: the row cannot be linked",
    "unknown_code": "a code with no mapping in the config and not a contract value",
    "missing_value": "a required value (event label) is empty",
    "missing_date": "the date of a long-layout event is empty",
    "bad_date": "a date that cannot be read (not dd/mm/yyyy, yyyy-mm-dd or an Excel serial)",
    "date_out_of_range": "a date before the plausible minimum or after the extraction date",
    "duplicate_row": "exact copy of an earlier row of the same file",
    "duplicate_case": "a second record of the same case in the same file",
    "duplicate_event": "the same event (case, event, date, detail) twice in an event file",
    "impossible_sequence": "summons before the complaint, or judgment before the summons",
    "unknown_case": "an event whose case has no accepted police or parquet record",
    "merged_cell": "an Excel row inside a merged range (one value for several rows)",
    "formula_without_value": "an Excel formula cell with no saved value (never calculated)",
}

_FILE_COLUMNS = ("source", "file", "format", "encoding", "delimiter", "lines", "header",
                 "blank", "continued", "read", "accepted", "quarantined")
_N_EXAMPLES = 3


@dataclass(frozen=True, repr=False)
class QualityReport(TidyResult):
    """Quality of an ingest (frozen).

    Attributes
    ----------
    table : pandas.DataFrame
        One row a file: ``source, file, format, encoding, delimiter, lines, header,
        blank, continued, read, accepted, quarantined``. ``lines`` counts physical
        lines (sheet rows for Excel, records for Parquet) and
        ``lines == header + blank + continued + accepted + quarantined``, where
        ``continued`` counts the further lines of records with a quoted line break;
        ``read == accepted + quarantined`` counts records.
    reasons : pandas.DataFrame
        ``source, reason, count``: quarantined rows per reason and source.
    examples : pandas.DataFrame
        A few quarantined rows per source and reason (``row, column, value, detail``).
    unmapped : pandas.DataFrame
        ``source, column, extract_column, value, count``: codes with no mapping.
    links : pandas.DataFrame
        ``source, link, outcome, count``: records that did not link as expected.
    conflicts : Mapping[str, int]
        Case column -> number of cases whose sources disagree (first source wins).
    remarks : tuple of str
        Remarks on the files read (e.g. a workbook's sheets that were not read).
    n_cases, n_events : int
        Accepted cases and events.
    """

    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)
    examples: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmapped: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    conflicts: Mapping[str, int] = field(default_factory=dict)
    n_cases: int = 0
    n_events: int = 0
    remarks: tuple[str, ...] = ()

    @property
    def n_read(self) -> int:
        """Rows read, all files."""
        return int(self.table["read"].sum()) if len(self.table) else 0

    @property
    def n_quarantined(self) -> int:
        """Rows quarantined, all files."""
        return int(self.table["quarantined"].sum()) if len(self.table) else 0

    @property
    def ok(self) -> bool:
        """True when nothing was quarantined and no code was unmapped."""
        return self.n_quarantined == 0 and self.unmapped.empty

    def _header(self) -> str:
        read, bad = self.n_read, self.n_quarantined
        share = f" ({100 * bad / read:.1f}%)" if read else ""
        return (f"Ingest quality: {read:,} rows read, {read - bad:,} accepted, "
                f"{bad:,} quarantined{share}")

    def summary(self) -> str:  # type: ignore[override]
        """Plain-text summary: per file, per reason (with an example), unmapped codes, links."""
        lines = [self._header(), f"Accepted: {self.n_cases:,} cases, {self.n_events:,} events"]
        lines.append("")
        lines.append("Files:")
        for row in self.table.itertuples():
            lines.append(f"  {row.source:<16} lines {row.lines:>9,}  read {row.read:>9,}  "
                         f"accepted {row.accepted:>9,}  quarantined {row.quarantined:>7,}  "
                         f"blank {row.blank:>5,}  ({row.file})")
        if self.remarks:
            lines += ["", "Remarks:"] + [f"  {note}" for note in self.remarks]
        if len(self.reasons):
            lines += ["", "Quarantine reasons:"]
            for row in self.reasons.itertuples():
                ex = self.examples[(self.examples["source"] == row.source)
                                   & (self.examples["reason"] == row.reason)]
                where = ""
                if len(ex):
                    first = ex.iloc[0]
                    col = "" if pd.isna(first["column"]) else f", column {first['column']}"
                    val = "" if pd.isna(first["value"]) else f", value {first['value']!r}"
                    where = f"  e.g. row {first['row']}{col}{val}"
                lines.append(f"  {row.source:<16} {row.reason:<20} {row.count:>7,}{where}")
        if len(self.unmapped):
            lines += ["", "Unmapped codes (add them to [sources.values.<column>]):"]
            for row in self.unmapped.head(20).itertuples():
                lines.append(f"  {row.source:<16} {row.column}/{row.extract_column} "
                             f"{row.value!r}: {row.count:,}")
            if len(self.unmapped) > 20:
                lines.append(f"  ... and {len(self.unmapped) - 20} more")
        if len(self.links):
            lines += ["", "Links:"]
            for row in self.links.itertuples():
                lines.append(f"  {row.source:<16} {row.link}: {row.count:,} ({row.outcome})")
        if any(self.conflicts.values()):
            lines += ["", "Sources disagree (first source in the config wins):"]
            for col, n in self.conflicts.items():
                if n:
                    lines.append(f"  {col}: {n:,} cases")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Per-file counts with one extra column per quarantine reason."""
        frame = self.table.copy()
        if len(self.reasons):
            wide = self.reasons.pivot_table(index="source", columns="reason", values="count",
                                            aggfunc="sum", fill_value=0)
            frame = frame.merge(wide, left_on="source", right_index=True, how="left")
            frame[list(wide.columns)] = frame[list(wide.columns)].fillna(0).astype("int64")
        return frame

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{html.escape(self._header())}</b></p>", self.table.to_html(index=False)]
        if self.remarks:
            parts.append("<p><b>Remarks</b></p><ul>" + "".join(
                f"<li>{html.escape(note)}</li>" for note in self.remarks) + "</ul>")
        for title, frame in (("Quarantine reasons", self.reasons), ("Examples", self.examples),
                             ("Unmapped codes", self.unmapped), ("Links", self.links)):
            if len(frame):
                parts.append(f"<p><b>{title}</b></p>" + frame.to_html(index=False, max_rows=30))
        return "".join(parts)


def build_report(
    *,
    files: Sequence[Mapping[str, Any]],
    quarantine: pd.DataFrame,
    unmapped: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    conflicts: Mapping[str, int] | None = None,
    n_cases: int = 0,
    n_events: int = 0,
    remarks: Sequence[str] = (),
) -> QualityReport:
    """Assemble a :class:`QualityReport` from per-file counts and the quarantine table."""
    table = pd.DataFrame(list(files), columns=list(_FILE_COLUMNS))
    if len(quarantine):
        reasons = (quarantine.groupby(["source", "reason"], sort=False).size()
                   .rename("count").reset_index())
        reasons["count"] = reasons["count"].astype("int64")
        examples = (quarantine.groupby(["source", "reason"], sort=False).head(_N_EXAMPLES)
                    [["source", "reason", "row", "column", "value", "detail"]]
                    .reset_index(drop=True))
    else:
        reasons = pd.DataFrame({"source": [], "reason": [], "count": []}).astype(
            {"count": "int64"})
        examples = pd.DataFrame(columns=["source", "reason", "row", "column", "value", "detail"])
    if unmapped is None or unmapped.empty:
        unmapped = pd.DataFrame({"source": [], "column": [], "extract_column": [], "value": [],
                                 "count": []}).astype({"count": "int64"})
    else:
        unmapped = (unmapped.groupby(["source", "column", "extract_column", "value"],
                                     sort=False)["count"].sum().reset_index()
                    .sort_values(["source", "count"], ascending=[True, False], kind="stable")
                    .reset_index(drop=True))
    if links is None:
        links = pd.DataFrame(columns=["source", "link", "outcome", "count"])
    return QualityReport(
        table=table,
        alpha=0.0,
        method="ingest validation",
        time_unit="",
        n=int(table["read"].sum()) if len(table) else 0,
        reasons=reasons,
        examples=examples,
        unmapped=unmapped,
        links=links.reset_index(drop=True),
        conflicts=dict(conflicts or {}),
        n_cases=n_cases,
        n_events=n_events,
        remarks=tuple(remarks),
    )
