"""A small messy event log for the cohort-engine tests (pandas versus DuckDB).

:func:`make_test_log` injects every inconsistency the cohort rules handle: PV before the
complaint, decisions before the complaint or on the registration day, second decisions,
judgments without a court decision, missing dates and missing extraction dates. It is a
test fixture, not a generator of study data (that is :mod:`trajectory.synth`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trajectory.schema import EventLog

DAY0 = np.datetime64("2023-01-01", "D")
EXTRACTION_DAY = 731  # 2025-01-01
GROUPS = {  # group -> (codes, share)
    "court": (("E45", "E46", "E47"), 0.12),
    "alternative": (("E42", "E43", "E44"), 0.08),
    "dismissal_technical": (("E40",), 0.45),
    "dismissal_opportunity": (("E41",), 0.25),
    "administrative": (("E33", "E34", "E35"), 0.10),
}


def _lognormal_days(rng, n, median, sigma=1.0):
    return np.floor(rng.lognormal(np.log(median), sigma, n)).astype(np.int64)


def make_test_log(n_cases: int, seed: int, start: int = 0) -> EventLog:
    """A messy synthetic log: about 8 events a case, every rule of the cohort exercised."""
    rng = np.random.default_rng(seed)
    n = n_cases
    ids = np.char.add("k", np.char.zfill(((np.arange(start, start + n) * 7919) % 10**9)
                                         .astype(str), 9)).astype(object)
    o = rng.integers(0, 700, n)
    parts: list[tuple[np.ndarray, str | np.ndarray, np.ndarray]] = []

    def add(mask, code, days):
        parts.append((np.flatnonzero(mask), code, np.asarray(days)[mask]))

    add(rng.random(n) < 0.5, "E00", o - _lognormal_days(rng, n, 5))
    add(rng.random(n) < 0.2, "E10", o - rng.integers(0, 3, n))
    add(rng.random(n) < 0.93, "E11", o)
    pv = o + np.where(rng.random(n) < 0.7, 0, _lognormal_days(rng, n, 3))
    pv = np.where(rng.random(n) < 0.03, o - 2, pv)  # PV before complaint
    has_pv = rng.random(n) < 0.9
    add(has_pv, "E12", pv)
    add(has_pv & (rng.random(n) < 0.85), "E20", pv + rng.integers(0, 3, n))
    tr = pv + _lognormal_days(rng, n, 10)
    add(has_pv & (rng.random(n) < 0.8), "E23", tr)
    reg = tr + _lognormal_days(rng, n, 14)
    has_reg = rng.random(n) < 0.8
    add(has_reg, "E30", reg)
    add(has_reg & (rng.random(n) < 0.5), "E31", reg + rng.integers(0, 5, n))
    group = rng.choice(len(GROUPS), n, p=[s for _, s in GROUPS.values()])
    dec = reg + _lognormal_days(rng, n, 90)
    noise = rng.random(n)
    dec = np.where(noise < 0.01, o - 5, dec)  # decision before the complaint
    dec = np.where((noise > 0.01) & (noise < 0.03), reg, dec)  # decided on registration day
    dec = np.where((noise > 0.03) & (noise < 0.04), reg - 3, dec)  # decided before it
    has_dec = has_reg & (rng.random(n) < 0.85)
    for g, (codes, _) in enumerate(GROUPS.values()):
        pick = np.asarray(codes, dtype=object)[rng.integers(0, len(codes), n)]
        for code in codes:
            add(has_dec & (group == g) & (pick == code), code, dec)
    same = has_dec & (group != 2) & (rng.random(n) < 0.02)
    add(same, "E40", dec)  # a technical dismissal the same day
    later = has_dec & (rng.random(n) < 0.04)
    add(later, "E41", dec + _lognormal_days(rng, n, 60))  # second decision
    add(has_dec & (rng.random(n) < 0.04), "E49", dec + _lognormal_days(rng, n, 40))
    court = has_dec & (group == 0)
    add(court & (rng.random(n) < 0.8), "E50", dec + _lognormal_days(rng, n, 60))
    add(court & (rng.random(n) < 0.6), "E51", dec + _lognormal_days(rng, n, 150))
    add(rng.random(n) < 0.03, "E51", dec)  # a judgment without a court decision
    add(rng.random(n) < 0.2, "E60", o + _lognormal_days(rng, n, 20))
    add(rng.random(n) < 0.05, "E37", reg + _lognormal_days(rng, n, 30))
    add(has_dec & (rng.random(n) < 0.3), "E63", dec + _lognormal_days(rng, n, 20))
    case_idx = np.concatenate([p[0] for p in parts])
    event = np.concatenate([np.full(len(p[0]), p[1], dtype=object) for p in parts])
    days = np.concatenate([p[2] for p in parts])
    dates = (DAY0 + days.astype("timedelta64[D]")).astype("datetime64[s]")
    dates[rng.random(len(dates)) < 0.003] = np.datetime64("NaT")
    perm = rng.permutation(len(case_idx))
    events = pd.DataFrame({
        "case_id": pd.array(ids[case_idx[perm]], dtype="string"),
        "event": pd.array(event[perm], dtype="string"),
        "date": dates[perm],
    })
    ext = np.full(n, EXTRACTION_DAY)
    ext[rng.random(n) < 0.1] = EXTRACTION_DAY - 183
    ext_dates = (DAY0 + ext.astype("timedelta64[D]")).astype("datetime64[s]")
    ext_dates[rng.random(n) < 0.01] = np.datetime64("NaT")
    cases = pd.DataFrame({
        "case_id": pd.array(ids, dtype="string"),
        "offence_group": pd.array(rng.choice(["ifg", "sexual", "hate"], n), dtype="string"),
        "ifg_police": pd.array(rng.random(n) < 0.4, dtype="boolean"),
        "source": pd.array(np.where(rng.random(n) < 0.2, "parquet", "police;parquet"),
                           dtype="string"),
        "extraction_date": ext_dates,
    })
    extraction = pd.Timestamp(DAY0 + np.timedelta64(EXTRACTION_DAY, "D"))
    return EventLog(cases, events, extraction, synthetic=True)
