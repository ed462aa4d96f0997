"""The data contract: EventLog tables, their columns and dtypes, and the vocabularies.

The EventLog is three long, tidy tables (see ``docs/schema.md``):

* ``cases``: one row a case, keyed by the pseudonymous ``case_id``;
* ``events``: one row a dated event of a case (codes ``E00``-``E63``);
* ``codes``: the reference vocabularies shipped as package data, loaded with
  :func:`vocabulary`, each with NL, FR and EN labels.

The event, decision, motive and charge codes are the project's own vocabulary
(documented in ``docs/schema.md``), not official Belgian codes; real extracts are
mapped onto them by the study configuration.

Examples
--------
>>> from trajectory.schema import vocabulary, label
>>> vocabulary("events").loc["E45", "label_en"]
'Direct summons'
>>> label("events", "E45", lang="fr")
'Citation directe'
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import pandas as pd

from .errors import SchemaError

__all__ = [
    "LANGUAGES",
    "VOCABULARIES",
    "CASE_COLUMNS",
    "EVENT_COLUMNS",
    "REQUIRED_CASE_COLUMNS",
    "REQUIRED_EVENT_COLUMNS",
    "EventLog",
    "vocabulary",
    "label",
    "labels",
    "default_endpoints",
    "validate_eventlog",
    "coerce",
    "require",
]

Language = Literal["en", "nl", "fr"]
LANGUAGES: tuple[str, ...] = ("en", "nl", "fr")

#: Vocabulary name -> description. Each is ``reference/<name>.csv`` with a
#: ``code`` column and ``label_en``, ``label_nl``, ``label_fr``.
VOCABULARIES: dict[str, str] = {
    "events": "dated events of a trajectory (E00-E63), with their stage",
    "decisions": "the parquet's 12 closing decisions (D01-D12), with the event that records each",
    "motives": "dismissal motives: technical T01-T12, opportunity O01-O11 and O99",
    "offence_groups": "offence groups of the study",
    "charge_codes": "project charge codes (police and parquet), each in one offence group",
    "police_zones": "the six police zones of the Brussels-Capital Region",
    "municipalities": "the 19 municipalities of the Brussels-Capital Region, with their zone",
    "verdicts": "first-instance verdicts",
    "sanctions": "sentence components",
    "outcome_groups": "competing outcomes of a case (endpoint groups) and their events",
}

#: Columns of the ``cases`` table: name -> (pandas dtype, description).
CASE_COLUMNS: dict[str, tuple[str, str]] = {
    "case_id": ("string", "pseudonymous case key (keyed hash), unique"),
    "offence_group": ("string", "offence group code (vocabulary offence_groups)"),
    "police_code": ("string", "charge code set by the police (vocabulary charge_codes)"),
    "parquet_code": ("string", "main charge code at the parquet, after qualification"),
    "ifg_police": ("boolean", "intrafamilial/partner flag in the police record"),
    "ifg_parquet": ("boolean", "intrafamilial/partner flag at the parquet"),
    "hate_police": ("boolean", "hate or discrimination motive flagged by the police"),
    "hate_parquet": ("boolean", "hate or discrimination motive coded at the parquet"),
    "sexual": ("boolean", "sexual-violence flag"),
    "zone": ("string", "police zone code (vocabulary police_zones)"),
    "municipality": ("string", "municipality code (vocabulary municipalities)"),
    "division": ("string", "parquet language division: 'FR' or 'NL'"),
    "channel": ("string", "complaint channel: desk, police_on_web, zsg, fjc, letter, civil_party"),
    "victim_sex": ("string", "F, M, X or unknown"),
    "victim_age_band": ("string", "0-17, 18-29, 30-44, 45-64, 65+ or unknown"),
    "suspect_sex": ("string", "F, M, X or unknown"),
    "suspect_age_band": ("string", "0-17, 18-29, 30-44, 45-64, 65+ or unknown"),
    "relationship": ("string", "partner, ex_partner, family, acquaintance, stranger, unknown"),
    "suspect_known": ("boolean", "suspect identified at registration"),
    "source": ("string", "source system(s) the case was read from"),
    "extraction_date": ("datetime64[s]", "date the source was extracted (censoring date)"),
}

#: Columns of the ``events`` table.
EVENT_COLUMNS: dict[str, tuple[str, str]] = {
    "case_id": ("string", "pseudonymous case key"),
    "event": ("string", "event code (vocabulary events)"),
    "date": ("datetime64[s]", "day of the event"),
    "code": ("string", "optional detail: charge code, motive, verdict, sanction, status"),
    "source": ("string", "source system: police, parquet, court, victim_services"),
}

REQUIRED_CASE_COLUMNS: tuple[str, ...] = ("case_id", "offence_group", "extraction_date")
REQUIRED_EVENT_COLUMNS: tuple[str, ...] = ("case_id", "event", "date")

VALUE_SETS: dict[str, tuple[str, ...]] = {
    "division": ("FR", "NL"),
    "channel": ("desk", "police_on_web", "zsg", "fjc", "letter", "civil_party"),
    "victim_sex": ("F", "M", "X", "unknown"),
    "suspect_sex": ("F", "M", "X", "unknown"),
    "victim_age_band": ("0-17", "18-29", "30-44", "45-64", "65+", "unknown"),
    "suspect_age_band": ("0-17", "18-29", "30-44", "45-64", "65+", "unknown"),
    "relationship": ("partner", "ex_partner", "family", "acquaintance", "stranger", "unknown"),
}


@functools.cache
def _read_vocabulary(name: str) -> pd.DataFrame:
    if name not in VOCABULARIES:
        raise SchemaError(
            f"unknown vocabulary {name!r}; allowed: {', '.join(sorted(VOCABULARIES))}"
        )
    text = resources.files("trajectory.reference").joinpath(f"{name}.csv").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    frame = pd.DataFrame(rows[1:], columns=rows[0], dtype=object)
    return frame.set_index("code", drop=False)


def vocabulary(name: str) -> pd.DataFrame:
    """Return a reference vocabulary as a DataFrame indexed by ``code``.

    Parameters
    ----------
    name : str
        One of :data:`VOCABULARIES` (``"events"``, ``"decisions"``, ``"motives"``,
        ``"offence_groups"``, ``"charge_codes"``, ``"police_zones"``,
        ``"municipalities"``, ``"verdicts"``, ``"sanctions"``, ``"outcome_groups"``).

    Returns
    -------
    pandas.DataFrame
        A copy, with at least ``code``, ``label_en``, ``label_nl``, ``label_fr``.

    Examples
    --------
    >>> zones = vocabulary("police_zones")
    >>> len(zones), zones.loc["5340", "label_nl"]
    (6, 'Brussel-West')
    """
    return _read_vocabulary(name).copy()


def labels(name: str, lang: str = "en") -> dict[str, str]:
    """Map each code of a vocabulary to its label in ``lang`` ("en", "nl" or "fr").

    Examples
    --------
    >>> labels("offence_groups", "nl")["harassment"]
    'Belaging'
    """
    if lang not in LANGUAGES:
        raise SchemaError(f"unknown language {lang!r}; allowed: {', '.join(LANGUAGES)}")
    frame = _read_vocabulary(name)
    return dict(zip(frame["code"], frame[f"label_{lang}"], strict=True))


def label(name: str, code: str, lang: str = "en") -> str:
    """Return the label of one code; unknown codes are returned unchanged.

    Examples
    --------
    >>> label("motives", "T03", "fr")
    'Auteur inconnu'
    >>> label("motives", "XYZ")
    'XYZ'
    """
    return labels(name, lang).get(code, code)


def default_endpoints() -> dict[str, tuple[str, ...]]:
    """Default competing-outcome groups: group name -> event codes that end a case.

    Examples
    --------
    >>> default_endpoints()["court"]
    ('E45', 'E46', 'E47')
    """
    frame = _read_vocabulary("outcome_groups")
    return {
        str(row.code): tuple(str(row.events).split())
        for row in frame.itertuples()
        if str(row.events).strip()
    }


@dataclass(frozen=True)
class EventLog:
    """A study's event log: the ``cases`` and ``events`` tables of the contract.

    Parameters
    ----------
    cases : pandas.DataFrame
        One row a case; columns of :data:`CASE_COLUMNS` (required:
        :data:`REQUIRED_CASE_COLUMNS`).
    events : pandas.DataFrame
        One row an event; columns of :data:`EVENT_COLUMNS` (required:
        :data:`REQUIRED_EVENT_COLUMNS`).
    extraction_date : pandas.Timestamp
        The study's extraction date: the default censoring date.
    synthetic : bool
        True when the data were generated by :mod:`trajectory.synth`.
    metadata : dict
        Free provenance (scenario, seed, sources...). Never holds keys or identifiers.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({"case_id": ["a"], "offence_group": ["hate"],
    ...                       "extraction_date": pd.to_datetime(["2024-12-31"])})
    >>> events = pd.DataFrame({"case_id": ["a"], "event": ["E11"],
    ...                        "date": pd.to_datetime(["2024-01-05"])})
    >>> log = EventLog(cases, events, pd.Timestamp("2024-12-31"))
    >>> log.n_cases, log.n_events
    (1, 1)
    """

    cases: pd.DataFrame
    events: pd.DataFrame
    extraction_date: pd.Timestamp
    synthetic: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_cases(self) -> int:
        """Number of cases."""
        return int(len(self.cases))

    @property
    def n_events(self) -> int:
        """Number of events."""
        return int(len(self.events))

    def validate(self) -> EventLog:
        """Check the contract (see :func:`validate_eventlog`); return self."""
        validate_eventlog(self)
        return self

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "extract"
        return (
            f"EventLog({self.n_cases:,} cases, {self.n_events:,} events, {kind}, "
            f"extracted {pd.Timestamp(self.extraction_date).date()})"
        )


def _spec(table: str) -> dict[str, tuple[str, str]]:
    if table == "cases":
        return CASE_COLUMNS
    if table == "events":
        return EVENT_COLUMNS
    raise SchemaError(f"table {table!r} is not a contract table; use 'cases' or 'events'")


def require(frame: pd.DataFrame, table: str,
            columns: tuple[str, ...] | list[str] | None = None) -> None:
    """Raise :class:`SchemaError` when ``frame`` lacks required columns of a contract table.

    Parameters
    ----------
    frame : pandas.DataFrame
    table : {"cases", "events"}
        Names the table in the message.
    columns : sequence of str, optional
        Columns required (default :data:`REQUIRED_CASE_COLUMNS` or
        :data:`REQUIRED_EVENT_COLUMNS`).

    Examples
    --------
    >>> import pandas as pd
    >>> require(pd.DataFrame({"case_id": ["a"]}), "events")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trajectory.errors.SchemaError: events: required column(s) ['event', 'date'] missing; ...
    """
    _spec(table)
    if columns is None:
        columns = REQUIRED_CASE_COLUMNS if table == "cases" else REQUIRED_EVENT_COLUMNS
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{table}: required column(s) {missing} missing; present: {list(frame.columns)}")


def coerce(frame: pd.DataFrame, table: str, *, keep_other: bool = False) -> pd.DataFrame:
    """The contract columns of ``frame`` cast to their contract dtypes (a new frame).

    The one place where the dtypes of :data:`CASE_COLUMNS` / :data:`EVENT_COLUMNS` are
    applied (ingest, store, cohort). Dates get the contract's datetime dtype; boolean columns
    accept ``True/False`` and the ingest's ``"true"/"false"`` text; missing values stay
    missing. The index is reset.

    Parameters
    ----------
    frame : pandas.DataFrame
    table : {"cases", "events"}
    keep_other : bool
        Keep the columns that are not the contract's, in place (default: only the
        contract's columns present, in contract order).

    Examples
    --------
    >>> import pandas as pd
    >>> out = coerce(pd.DataFrame({"sexual": ["true", None], "zone": ["5339", None],
    ...                            "x": [1, 2]}), "cases")
    >>> list(out.columns), out["sexual"].tolist(), str(out["zone"].dtype)
    (['sexual', 'zone'], [True, <NA>], 'string')
    """
    spec = _spec(table)
    frame = frame.reset_index(drop=True)
    out = {}
    for col in (frame.columns if keep_other else [c for c in spec if c in frame.columns]):
        values = frame[col]
        if col in spec:
            dtype = spec[col][0]
            if dtype.startswith("datetime"):
                values = pd.to_datetime(values).astype(dtype)  # type: ignore[call-overload]
            elif dtype == "boolean":
                if values.dtype == object:
                    values = values.map({"true": True, "false": False, True: True,
                                         False: False})
                values = values.astype("boolean")
            else:
                values = values.astype(object).where(values.notna(), None).astype(
                    dtype)  # type: ignore[call-overload]
        out[col] = values
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def validate_eventlog(log: EventLog) -> None:
    """Check that an EventLog follows the contract; raise :class:`SchemaError` if not.

    Checks the required columns, unique ``case_id`` in ``cases``, event codes in
    the ``events`` vocabulary, datetime ``date`` columns, events of known cases
    only, and value sets of the categorical case columns present.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({"case_id": ["a", "a"], "offence_group": ["hate"] * 2,
    ...                       "extraction_date": pd.to_datetime(["2024-12-31"] * 2)})
    >>> events = pd.DataFrame({"case_id": [], "event": [], "date": pd.to_datetime([])})
    >>> validate_eventlog(EventLog(cases, events, pd.Timestamp("2024-12-31")))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    trajectory.errors.SchemaError: cases: column 'case_id' has 1 duplicated value(s), e.g. 'a'; ...
    """
    require(log.cases, "cases")
    require(log.events, "events")
    dup = log.cases["case_id"][log.cases["case_id"].duplicated()]
    if len(dup):
        raise SchemaError(
            f"cases: column 'case_id' has {len(dup)} duplicated value(s), e.g. "
            f"{dup.iloc[0]!r}; each case must appear once"
        )
    if not pd.api.types.is_datetime64_any_dtype(log.events["date"]):
        raise SchemaError(
            f"events: column 'date' must be datetime64, got {log.events['date'].dtype}; "
            "parse dates at ingest (trajectory.io)"
        )
    known_events = set(_read_vocabulary("events")["code"])
    bad = ~log.events["event"].isin(known_events)
    if bad.any():
        first = log.events.loc[bad, "event"].iloc[0]
        raise SchemaError(
            f"events: column 'event' has {int(bad.sum())} code(s) outside the events "
            f"vocabulary, e.g. {first!r} (row {int(bad.to_numpy().argmax())})"
        )
    orphan = ~log.events["case_id"].isin(log.cases["case_id"])
    if orphan.any():
        raise SchemaError(
            f"events: {int(orphan.sum())} event(s) belong to no case in cases, e.g. "
            f"case_id {log.events.loc[orphan, 'case_id'].iloc[0]!r}"
        )
    for column, allowed in VALUE_SETS.items():
        if column in log.cases.columns:
            values = log.cases[column].dropna()
            outside = ~values.isin(allowed)
            if outside.any():
                raise SchemaError(
                    f"cases: column {column!r} has value {values[outside].iloc[0]!r} "
                    f"outside {allowed}"
                )
