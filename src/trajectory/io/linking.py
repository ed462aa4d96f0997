"""Cross-row checks of an ingest: duplicates, case keys, sequences, unknown cases.

Each step is SQL on the staged files of a study (:class:`~.staging.Staging`, one
records table a file, row-aligned with its current status) and quarantines the rows
that fail, in the order of ``docs/ingest.md`` (a record keeps its *first* problem:
every update touches only records still accepted):

1. :func:`quarantine_duplicate_rows`: exact copy of an earlier row of the same file;
2. :func:`link_cases`: the case key of every record (PV, else the PV of the notice,
   else the notice, else ``case_number``);
3. :func:`quarantine_duplicate_cases`: a second record of one case in a wide file;
4. :func:`check_sequences`: summons before the complaint, judgment before the
   summons, and (quarantined or only counted) early events before the complaint;
5. :func:`quarantine_unknown_cases`: event rows whose case has no case record;
6. :func:`quarantine_duplicate_events`: one event twice in a long file.

The work is done by DuckDB (no Python loop per row), on tables that need not fit
in memory.
"""

from __future__ import annotations

from ..config import StudyConfig
from .staging import Staged, Staging

__all__ = ["EARLY_EVENTS", "quarantine_duplicate_rows", "link_cases",
           "quarantine_duplicate_cases", "check_sequences", "quarantine_unknown_cases",
           "quarantine_duplicate_events", "link_counts", "early_and_spelling_counts"]

#: Events that cannot precede the complaint: transmission, registration, dismissals.
EARLY_EVENTS: tuple[str, ...] = ("E23", "E30", "E40", "E41")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_sql_text(v) for v in values) + ")"


def _quarantine(stage: Staging, s: Staged, marked: str, reason: str) -> None:
    """Set ``reason`` (and ``col``, ``value``, ``detail`` of ``marked``) on accepted rows.

    ``marked`` is a query returning ``pos, col, value, detail`` (one row a record).
    """
    stage.con.execute(
        f"UPDATE {s.rows} AS r SET reason = {_sql_text(reason)}, col = m.col, "
        f"value = m.value, detail = m.detail FROM ({marked}) AS m "
        "WHERE r.pos = m.pos AND r.reason IS NULL")


def quarantine_duplicate_rows(stage: Staging) -> None:
    """Step 1: a row with the same content as an earlier row of the same file."""
    for s in stage.sources:
        _quarantine(stage, s, (
            "SELECT pos, NULL AS col, NULL AS value, 'same as row ' || first_row AS detail "
            "FROM (SELECT pos, row_number() OVER w AS k, first_value(row) OVER w AS first_row "
            f"FROM {s.rows} WINDOW w AS (PARTITION BY row_hash ORDER BY pos)) WHERE k > 1"),
            "duplicate_row")


def link_cases(stage: Staging) -> int:
    """Step 2: set ``case_id`` of every record; return the notices with several PVs.

    The PV when the record has one; else the PV of its notice (the first pair of
    notice and PV in config and file order); else the notice; else ``case_number``.
    """
    con = stage.con
    both = [s for s in stage.sources if s.has("pv_number") and s.has("parquet_number")]
    pairs = " UNION ALL ".join(
        f"SELECT {s.index} AS src, min(pos) AS pos, id_parquet_number AS notice, "
        f"id_pv_number AS pv FROM {s.rows} WHERE id_parquet_number IS NOT NULL AND "
        "id_pv_number IS NOT NULL GROUP BY notice, pv" for s in both)
    if not pairs:
        pairs = "SELECT NULL::INT AS src, NULL::BIGINT AS pos, NULL::VARCHAR AS notice, " \
                "NULL::VARCHAR AS pv WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pairs AS {pairs}")
    con.execute("CREATE OR REPLACE TEMP TABLE _link AS SELECT notice, "
                "arg_min(pv, src::BIGINT * 1099511627776 + pos) AS pv FROM _pairs GROUP BY notice")
    several = stage.count("SELECT count(*) FROM _pairs JOIN _link USING (notice) "
                          "WHERE _pairs.pv <> _link.pv")
    for s in stage.sources:  # a record without a PV takes the PV of its notice
        if s.has("parquet_number") and s.has("pv_number"):
            con.execute(f"UPDATE {s.rows} AS r SET case_id = l.pv FROM _link AS l "
                        "WHERE r.id_pv_number IS NULL AND r.id_parquet_number = l.notice")
        elif s.has("parquet_number"):
            con.execute(f"UPDATE {s.rows} AS r SET case_id = l.pv FROM _link AS l "
                        "WHERE r.id_parquet_number = l.notice")
    return several


def quarantine_duplicate_cases(stage: Staging) -> None:
    """Step 3: a second record of one case in one wide (one row a case) file."""
    for s in stage.sources:
        if not s.wide:
            continue
        column = _sql_text(s.cfg.identifiers[s.link_kind])
        _quarantine(stage, s, (
            f"SELECT pos, {column} AS col, case_id AS value, 'same as row ' || first_row "
            "AS detail FROM (SELECT pos, case_id, row_number() OVER w AS k, first_value(row) "
            f"OVER w AS first_row FROM {s.rows} WHERE reason IS NULL AND case_id IS NOT NULL "
            "WINDOW w AS (PARTITION BY case_id ORDER BY pos)) WHERE k > 1"),
            "duplicate_case")


def check_sequences(stage: Staging, config: StudyConfig) -> dict[str, int]:
    """Step 4: impossible sequences; return the early events per source."""
    _check_sequence(stage, later=("E45", "E46"), earlier=("E11",),
                    what="summons dated before the complaint (E11)")
    _check_sequence(stage, later=("E51",), earlier=("E45", "E46"),
                    what="judgment dated before the summons (E45/E46)")
    return _check_sequence(
        stage, later=EARLY_EVENTS, earlier=("E11",),
        what="dismissal, parquet registration or transmission dated before the complaint (E11)",
        quarantine=config.ingest.early_events == "quarantine")


def _accepted_events(s: Staged, events: tuple[str, ...]) -> str:
    """Events of accepted records of ``s`` among ``events``, with their case."""
    return (f"SELECT r.case_id, e.pos, e.seq, e.date, e.col FROM {s.events} AS e "
            f"JOIN {s.rows} AS r ON r.pos = e.pos WHERE r.reason IS NULL "
            f"AND e.event IN {_sql_list(events)}")


def _check_sequence(stage: Staging, *, later: tuple[str, ...], earlier: tuple[str, ...],
                    what: str, quarantine: bool = True) -> dict[str, int]:
    """Quarantine (or only count) ``later`` events dated before the case's ``earlier`` ones."""
    con = stage.con
    if not stage.sources:
        return {}
    firsts = " UNION ALL ".join(
        f"SELECT case_id, date FROM ({_accepted_events(s, earlier)}) WHERE case_id IS NOT NULL"
        for s in stage.sources)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _first AS SELECT case_id, min(date) AS bound "
                f"FROM ({firsts}) GROUP BY case_id")
    counts: dict[str, int] = {}
    for s in stage.sources:
        bad = (f"SELECT e.pos, e.seq, e.date, e.col FROM ({_accepted_events(s, later)}) AS e "
               "JOIN _first AS f ON f.case_id = e.case_id WHERE e.date < f.bound")
        counts[s.name] = stage.count(f"SELECT count(*) FROM ({bad})")
        if not counts[s.name] or not quarantine:
            continue
        _quarantine(stage, s, (
            "SELECT pos, arg_max(col, seq) AS col, "
            "strftime(arg_max(date, seq), '%Y-%m-%d') AS value, "
            f"{_sql_text(what)} AS detail FROM ({bad}) GROUP BY pos"),
            "impossible_sequence")
    return counts


def quarantine_unknown_cases(stage: Staging) -> list[dict[str, object]]:
    """Step 5: event rows whose case has no accepted case record; return link rows."""
    con = stage.con
    records = [s for s in stage.sources if s.case_record]
    known = " UNION ALL ".join(
        f"SELECT case_id, reason IS NULL AS ok FROM {s.rows} WHERE case_id IS NOT NULL"
        for s in records) or "SELECT NULL::VARCHAR AS case_id, false AS ok WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _known AS SELECT case_id, bool_or(ok) AS ok "
                f"FROM ({known}) GROUP BY case_id")
    failed: list[dict[str, object]] = []
    for s in stage.sources:
        if s.case_record:
            continue
        kind = s.link_kind
        lost = _sql_text(f"{kind} not found in any case record (police/parquet)")
        marked = (
            f"SELECT r.pos, {_sql_text(s.cfg.identifiers[kind])} AS col, r.case_id AS value, "
            "CASE WHEN k.case_id IS NULL THEN " + lost + " ELSE 'the records of this case "
            f"were all quarantined' END AS detail FROM {s.rows} AS r LEFT JOIN _known AS k "
            "ON k.case_id = r.case_id WHERE r.reason IS NULL AND (k.ok IS NULL OR NOT k.ok)")
        n = stage.count(f"SELECT count(*) FROM ({marked})")
        if not n:
            continue
        failed.append({"source": s.name, "link": f"{kind} unknown", "outcome": "quarantined",
                       "count": n})
        _quarantine(stage, s, marked, "unknown_case")
    return failed


def quarantine_duplicate_events(stage: Staging) -> None:
    """Step 6: the same case, event, date and detail twice in a long file."""
    for s in stage.sources:
        if s.wide or not s.n_events:
            continue
        column = _sql_text(s.cfg.long.date) if s.cfg.long else "NULL"
        _quarantine(stage, s, (
            f"SELECT DISTINCT pos, {column} AS col, NULL AS value, "
            "'same case, event, date and detail as an earlier row' AS detail FROM ("
            "SELECT e.pos, row_number() OVER (PARTITION BY r.case_id, e.event, e.date, e.code "
            f"ORDER BY e.seq) AS k FROM {s.events} AS e JOIN {s.rows} AS r ON r.pos = e.pos "
            "WHERE r.reason IS NULL) WHERE k > 1"),
            "duplicate_event")


def early_and_spelling_counts(stage: Staging, early: dict[str, int],
                              config: StudyConfig) -> list[dict[str, object]]:
    """Link-report rows: events before the complaint, PV spellings merged."""
    outcome = ("quarantined" if config.ingest.early_events == "quarantine"
               else "kept ([ingest] early_events = 'warn')")
    rows: list[dict[str, object]] = [
        {"source": name, "link": "event dated before the complaint", "outcome": outcome,
         "count": n} for name, n in early.items() if n]
    merged = stage.count("SELECT sum(n - 1) FROM (SELECT count(DISTINCT spelling) AS n "
                         "FROM spellings GROUP BY pseudonym)")
    if config.ingest.normalise_pv and merged:
        rows.append({"source": "all", "link": "pv_number spellings merged (case, spaces, dots)",
                     "outcome": "linked as one PV", "count": merged})
    return rows


def link_counts(stage: Staging, several: int) -> list[dict[str, object]]:
    """Link-report rows: parquet records without a police record, notices with two PVs."""
    police = [s for s in stage.sources if s.cfg.kind == "police" and s.case_record]
    known = " UNION ".join(f"SELECT case_id FROM {s.rows} WHERE reason IS NULL AND case_id "
                           "IS NOT NULL" for s in police)
    has_police = bool(known) and stage.count(f"SELECT count(*) FROM ({known})") > 0
    rows: list[dict[str, object]] = []
    for s in stage.sources:
        if s.cfg.kind != "parquet" or not s.case_record or not s.has("pv_number"):
            continue
        if not has_police:
            continue
        lost = stage.count(
            f"SELECT count(*) FROM {s.rows} WHERE reason IS NULL AND id_pv_number IS NOT NULL "
            f"AND case_id NOT IN ({known})")
        rows.append({"source": s.name, "link": "pv_number not in police extract",
                     "outcome": "kept (parquet record only)", "count": lost})
        no_pv = stage.count(
            f"SELECT count(*) FROM {s.rows} WHERE reason IS NULL AND id_pv_number IS NULL")
        rows.append({"source": s.name, "link": "no pv_number (parquet-only case)",
                     "outcome": "kept", "count": no_pv})
    if several:
        rows.append({"source": "all", "link": "parquet_number with several pv_number",
                     "outcome": "first pv_number used", "count": several})
    return rows
