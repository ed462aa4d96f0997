"""Latent arrays -> the censored EventLog the researcher would receive.

:func:`latent_to_eventlog` keeps the events dated on or before the extraction date
(right censoring), sorts them by case and day, and builds the ``cases`` and
``events`` tables of :class:`~trajectory.schema.EventLog` as Arrow-backed strings
from the vocabularies of :mod:`trajectory.synth.latent` (no per-case Python objects).

Examples
--------
>>> import numpy as np
>>> from trajectory.synth.generate import simulate_latent
>>> lat = simulate_latent(300, np.random.default_rng(2), "null",
...                       start_day=18628, extraction_day=20269)
>>> log = latent_to_eventlog(lat, extraction_day=19000, metadata={})
>>> log.n_cases, bool((log.events["date"] <= log.extraction_date).all())
(300, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..schema import CASE_COLUMNS, EVENT_COLUMNS, EventLog
from .latent import (
    _MUNI_CODES,
    _SOURCES,
    AGE_BANDS,
    CHANNELS,
    CHARGE_CODES,
    DETAIL_CODES,
    DIVISIONS,
    EVENT_SLOTS,
    RELATIONSHIPS,
    SEXES,
    UNMAPPED_CODE,
    ZONES,
)
from .params import DECISION_EVENTS, OFFENCE_GROUPS

__all__ = ["case_ids", "latent_to_eventlog"]


def _fixed_strings(chars: np.ndarray) -> pd.arrays.ArrowStringArray:
    """Large-string Arrow array from a byte matrix of fixed-width values (one row a value)."""
    n, width = chars.shape
    offsets = np.arange(n + 1, dtype=np.int64) * width
    data = np.ascontiguousarray(chars).ravel()
    arr = pa.Array.from_buffers(pa.large_string(), n,
                                [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pd.arrays.ArrowStringArray(arr)


def _strings(vocab: tuple[str, ...] | list[str], idx: np.ndarray) -> pd.arrays.ArrowStringArray:
    """Strings from a small vocabulary by index (-1 -> missing), without Python objects."""
    values = pa.array(list(vocab), pa.large_string())
    idx = np.asarray(idx).astype(np.int32)
    missing = idx < 0
    indices = pa.array(idx, mask=missing) if missing.any() else pa.array(idx)
    return pd.arrays.ArrowStringArray(values.take(indices))


def _dates(days: np.ndarray) -> np.ndarray:
    return (days.astype(np.int64) * 86400).astype("datetime64[s]")


def _boolean(values: np.ndarray, missing: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(values.astype(bool), missing.astype(bool))


def _id_matrix(n: int) -> np.ndarray:
    width = max(7, len(str(n)))
    numbers = np.arange(1, n + 1, dtype=np.int64)
    mat = np.empty((n, width + 1), np.uint8)
    mat[:, 0] = ord("S")
    for k in range(width):
        mat[:, width - k] = (numbers // 10**k) % 10 + ord("0")
    return mat


def case_ids(n: int) -> pd.arrays.ArrowStringArray:
    """Synthetic case keys ``S0000001``... (zero-padded to at least 7 digits).

    Examples
    --------
    >>> list(case_ids(2))
    ['S0000001', 'S0000002']
    """
    return _fixed_strings(_id_matrix(n))


def latent_to_eventlog(
    lat: dict[str, np.ndarray], *, extraction_day: int, metadata: dict[str, Any]
) -> EventLog:
    """Build the censored :class:`~trajectory.schema.EventLog` from latent arrays.

    Events dated after ``extraction_day`` are dropped; parquet attributes
    (``parquet_code``, ``ifg_parquet``, ``hate_parquet``) are missing for cases not
    registered at the parquet by then, and ``parquet_code`` is the E31 code until a
    requalification (E32) is recorded.

    Parameters
    ----------
    lat : dict of ndarray
        Latent arrays of :func:`~trajectory.synth.generate.simulate_latent`.
    extraction_day : int
        Days since 1970-01-01 of the extraction (the censoring date).
    metadata : dict
        Stored as ``EventLog.metadata`` (a copy).

    Returns
    -------
    EventLog
        ``synthetic=True``; case keys from :func:`case_ids`.

    Examples
    --------
    >>> from trajectory.synth.generate import simulate_latent
    >>> lat = simulate_latent(100, np.random.default_rng(1), "null",
    ...                       start_day=18628, extraction_day=20269)
    >>> log = latent_to_eventlog(lat, extraction_day=18700, metadata={"seed": 1})
    >>> log.extraction_date, log.metadata
    (Timestamp('2021-03-14 00:00:00'), {'seed': 1})
    >>> seen = log.events.loc[log.events["event"] == "E30", "case_id"]
    >>> bool(log.cases.loc[~log.cases["case_id"].isin(seen), "parquet_code"].isna().all())
    True
    """
    n = len(lat["group"])
    id_mat = _id_matrix(n)
    events, case, source = _events_table(lat, extraction_day, id_mat)
    cases = _cases_table(lat, extraction_day, id_mat, case, source)
    assert list(cases.columns) == list(CASE_COLUMNS)
    assert list(events.columns) == list(EVENT_COLUMNS)
    return EventLog(
        cases=cases, events=events,
        extraction_date=pd.Timestamp(np.datetime64(int(extraction_day), "D")),
        synthetic=True, metadata=dict(metadata),
    )


def _events_table(lat: dict[str, np.ndarray], extraction_day: int,
                  id_mat: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The events observed by ``extraction_day``, sorted by case and day.

    Returns the events table and, for each of its rows, the case index and source index.
    """
    n = len(lat["group"])
    slots = [s for s, _, _ in EVENT_SLOTS]
    days = np.empty((n, len(slots)), np.int32)
    details = np.full((n, len(slots)), -1, np.int16)
    for j, s in enumerate(slots):
        days[:, j] = lat[s]
        if f"d_{s}" in lat:
            details[:, j] = lat[f"d_{s}"]
    flat = np.flatnonzero((days <= extraction_day).ravel())
    case = (flat // len(slots)).astype(np.int32)
    slot = (flat % len(slots)).astype(np.int8)
    day = days.ravel()[flat]
    detail = details.ravel()[flat]
    del days, details, flat
    event_vocab = sorted({e for _, e, _ in EVENT_SLOTS if e != "decision"}
                         | {e for e in DECISION_EVENTS if e})
    ev_index = {e: i for i, e in enumerate(event_vocab)}
    slot_event = np.array([ev_index.get(e, -1) for _, e, _ in EVENT_SLOTS], np.int8)
    kind_event = np.array([ev_index.get(e, -1) for e in DECISION_EVENTS], np.int8)
    event = slot_event[slot]
    is_dec = slot == slots.index("dec")
    event[is_dec] = kind_event[lat["kind"][case[is_dec]]]
    slot_source = np.array([_SOURCES.index(src) for _, _, src in EVENT_SLOTS], np.int8)
    source = slot_source[slot]
    del slot, is_dec
    base = int(day.min()) if len(day) else 0
    # events are case-major and near-chronological already: a stable sort on
    # (case, day) only reorders the few same-case events out of date order
    key = (case.astype(np.int64) << 20) | (day - base).astype(np.int64)
    order = np.argsort(key, kind="stable")
    del key
    case, day, event = case[order], day[order], event[order]
    detail, source = detail[order], source[order]
    del order
    events = pd.DataFrame({
        "case_id": _fixed_strings(id_mat[case]),
        "event": _strings(event_vocab, event),
        "date": _dates(day),
        "code": _strings(DETAIL_CODES, detail),
        "source": _strings(_SOURCES, source),
    })
    return events, case, source


def _cases_table(lat: dict[str, np.ndarray], extraction_day: int, id_mat: np.ndarray,
                 case: np.ndarray, source: np.ndarray) -> pd.DataFrame:
    """One row a case: attributes, parquet attributes as known by ``extraction_day``."""
    n = len(lat["group"])
    at_parquet = lat["e30"] <= extraction_day
    requal_seen = lat["e32"] <= extraction_day
    pcode = np.where(requal_seen, lat["q2"], lat["q1"])
    pcode = np.where(at_parquet, pcode, -1)
    bits = np.zeros(n, np.int8)
    for b in range(len(_SOURCES)):
        has = np.zeros(n, bool)
        has[case[source == b]] = True
        bits |= (has.astype(np.int8) << b)
    combos = [
        "+".join(s for b, s in enumerate(_SOURCES) if (m >> b) & 1) for m in range(16)
    ]
    extraction = np.full(n, np.int64(extraction_day) * 86400).astype("datetime64[s]")
    cases = pd.DataFrame({
        "case_id": _fixed_strings(id_mat),
        "offence_group": _strings(OFFENCE_GROUPS, lat["group"]),
        "police_code": _strings(CHARGE_CODES + (UNMAPPED_CODE,),
                                lat.get("police_code_obs", lat["police_code"])),
        "parquet_code": _strings(CHARGE_CODES, pcode),
        "ifg_police": _boolean(lat["ifg_police"], np.zeros(n, bool)),
        "ifg_parquet": _boolean(lat["ifg_parquet"], ~at_parquet),
        "hate_police": _boolean(lat["hate_police"], np.zeros(n, bool)),
        "hate_parquet": _boolean(lat["hate_parquet"], ~at_parquet),
        "sexual": _boolean(lat["sexual"], np.zeros(n, bool)),
        "zone": _strings(ZONES, lat["zone"]),
        "municipality": _strings(_MUNI_CODES, lat["municipality"]),
        "division": _strings(DIVISIONS, lat.get("division_obs", lat["division"])),
        "channel": _strings(CHANNELS, lat["channel"]),
        "victim_sex": _strings(SEXES, lat["victim_sex"]),
        "victim_age_band": _strings(AGE_BANDS, lat["victim_age"]),
        "suspect_sex": _strings(SEXES, lat["suspect_sex"]),
        "suspect_age_band": _strings(AGE_BANDS, lat["suspect_age"]),
        "relationship": _strings(RELATIONSHIPS, lat["relationship"]),
        "suspect_known": _boolean(lat["suspect_known"], np.zeros(n, bool)),
        "source": _strings(combos, bits),
        "extraction_date": extraction,
    })
    return cases
