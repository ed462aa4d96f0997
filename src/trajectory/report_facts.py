"""What the report states about the study, from aggregates only; and the files it writes.

:func:`write_publication_files` gathers the facts of the study (cohort size, months of
the first and last complaint, share still open, sources with banded counts, flag rules,
provenance) into :class:`~trajectory.report_html.Facts`, writes the workbook of every
published table and the page. :func:`quality_table` is the per-source ingest summary
that goes into the report folder: no path, counts below the threshold banded.

Examples
--------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> report = SimpleNamespace(table=pd.DataFrame({"source": ["police"], "format": ["csv"],
...     "read": [120], "accepted": [117], "quarantined": [3], "file": ["/data/police.csv"]}))
>>> quality_table(report, 5).to_dict("records")
[{'source': 'police', 'format': 'csv', 'read': '120', 'accepted': '117', 'quarantined': '<5'}]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .config import StudyConfig
from .schema import EventLog

__all__ = ["write_publication_files", "quality_table", "complaint_months", "share_open"]


def complaint_months(log: EventLog) -> tuple[str | None, str | None]:
    """First and last month of complaint (months, not days: no single case is dated).

    Parameters
    ----------
    log : EventLog
        The study's event log; its complaints are the ``E11`` events.

    Returns
    -------
    tuple of (str or None, str or None)
        ``("YYYY-MM", "YYYY-MM")`` of the earliest and latest complaint date, or
        ``(None, None)`` when the log has no dated complaint.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> events = pd.DataFrame({"event": ["E11", "E30", "E11"],
    ...                        "date": ["2022-03-14", "2022-05-02", "2023-01-09"]})
    >>> complaint_months(SimpleNamespace(events=events))
    ('2022-03', '2023-01')
    """
    events = log.events
    dates = pd.to_datetime(events.loc[events["event"] == "E11", "date"], errors="coerce")
    dates = dates.dropna()
    if dates.empty:
        return None, None
    return dates.min().strftime("%Y-%m"), dates.max().strftime("%Y-%m")


def share_open(tables_dir: Path) -> float | None:
    """Share of the cohort still open, read from the published outcome table.

    Parameters
    ----------
    tables_dir : pathlib.Path
        The report's ``tables/`` folder; the quickstart notebook publishes
        ``quickstart_outcomes.csv`` there (columns ``outcome`` and ``n``, after the
        disclosure gate).

    Returns
    -------
    float or None
        Cases whose outcome is ``censored`` or ``open`` over all cases, from the
        published (gated) counts only; None when the table is absent, lacks those
        columns, has a suppressed count or sums to zero.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     published = pd.DataFrame({"outcome": ["court", "censored"], "n": [30, 10]})
    ...     published.to_csv(Path(folder) / "quickstart_outcomes.csv", index=False)
    ...     share_open(Path(folder))
    0.25
    """
    path = tables_dir / "quickstart_outcomes.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    if not {"outcome", "n"} <= set(table.columns) or table["n"].isna().any():
        return None
    total = float(table["n"].sum())
    open_ = float(table.loc[table["outcome"].isin(["censored", "open"]), "n"].sum())
    return open_ / total if total else None


def quality_table(report: Any, k: int) -> pd.DataFrame:
    """Per-source counts of the ingest for the report folder: no path, banded below k.

    Parameters
    ----------
    report : QualityReport
        The ingest's quality report; its ``table`` has one row a source with
        ``source, format, read, accepted, quarantined`` (other columns, such as the
        file path, are left out).
    k : int
        The disclosure threshold: a count from 1 to ``k - 1`` is shown as ``"<k"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, format, read, accepted, quarantined``; counts as strings.

    Examples
    --------
    See the module docstring.
    """
    table = report.table
    out = table[["source", "format", "read", "accepted", "quarantined"]].copy()
    for column in ("read", "accepted", "quarantined"):
        out[column] = [f"<{k}" if 0 < int(v) < k else str(int(v)) for v in out[column]]
    return out


def write_publication_files(
    config: StudyConfig, ingest: Any, executed: list[Path], out_dir: Path, *, lang: str,
    record: dict[str, Any], manifest: list[dict[str, Any]],
) -> Path:
    """Write ``tables/tables.xlsx`` and ``index.html`` from what the notebooks published.

    Parameters
    ----------
    config : StudyConfig
        The study.
    ingest : IngestResult
        The ingest of the extracts (its event log and quality report).
    executed : list of pathlib.Path
        The executed notebooks, in order.
    out_dir : pathlib.Path
        The report folder.
    lang : {"en", "fr", "nl"}
        The report's language.
    record : dict
        The provenance record.
    manifest : list of dict
        What the notebooks published (:attr:`trajectory.report.MANIFEST`).

    Returns
    -------
    pathlib.Path
        The written ``index.html``, as returned by
        :func:`trajectory.report_html.write_publication`.
    """
    import nbformat

    from .messages import message, message_or
    from .report_html import Facts, write_publication
    from .report_tables import write_workbook

    tables_dir = out_dir / "tables"
    k = int(config.privacy.threshold)
    captions = {e["name"]: message_or(f"item.{e['name']}.caption", lang, e.get("caption") or
                                      e["name"]) for e in manifest}
    if tables_dir.is_dir():
        write_workbook(tables_dir, captions, lang=lang)
    first, last = complaint_months(ingest.log)
    window = config.cohort.entry_window
    rules = config.flags
    kinds = {src.name: src.kind for src in config.sources}
    sources = [{"name": row["source"], "kind": kinds.get(row["source"], ""),
                "read": row["read"], "accepted": row["accepted"],
                "quarantined": row["quarantined"]}
               for row in ingest.report.table.to_dict("records")]
    facts = Facts(
        title=config.title or message("title_default", lang, name=config.name),
        lang=lang, k=k, rounding=config.privacy.rounding, synthetic=bool(config.synthetic),
        n_cases=len(ingest.log.cases), share_open=share_open(tables_dir),
        first_complaint=first, last_complaint=last,
        extraction_date=str(config.extraction_date),
        entry_window=(str(window[0]), str(window[1])) if window else None,
        sources=sources,
        flag_rules={"fdr": rules.fdr, "min_n": rules.min_n, "delay_ratio": rules.delay_ratio,
                    "delay_days": rules.delay_days, "share_points": rules.share_points,
                    "hazard_ratio": rules.hazard_ratio},
        provenance=record, created=str(record.get("created", ""))[:10], version=__version__,
    )
    notebooks = {p.stem: nbformat.read(str(p), as_version=4) for p in executed}
    return write_publication(out_dir, facts=facts, manifest=manifest, notebooks=notebooks)
