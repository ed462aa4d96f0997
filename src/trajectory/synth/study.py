"""make_study(): a synthetic Brussels study (EventLog + GroundTruth) from a seed.

Examples
--------
>>> log, truth = make_study(500, seed=1, scenario="null")
>>> log.synthetic, log.n_cases
(True, 500)
>>> truth.planted.empty
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..schema import EventLog
from .generate import NA_DAY, case_ids, latent_to_eventlog, simulate_latent
from .params import DECISION_KINDS
from .scenarios import Scenario, get_scenario
from .truth import GroundTruth

__all__ = ["SyntheticStudy", "make_study", "MALFORMED_PLAN", "MALFORMED_KINDS"]

#: Malformed rows written on purpose by :func:`~trajectory.synth.write_extracts`:
#: kind -> (file, number of rows). Each is placed on a case (or row) without
#: dependent rows in other files, so a row-level quarantine rejects exactly one row
#: per malformed row and nothing else.
MALFORMED_PLAN: dict[str, tuple[str, int]] = {
    "unparseable_date": ("police.csv", 3),
    "unknown_code": ("parquet.csv", 3),
    "duplicate_row": ("victim_services.csv", 3),
    "orphan_court_record": ("court.csv", 2),
    "summons_before_complaint": ("parquet.csv", 2),
}
MALFORMED_KINDS: tuple[str, ...] = tuple(MALFORMED_PLAN)


@dataclass(frozen=True)
class SyntheticStudy:
    """A synthetic study: the censored event log and its ground truth.

    Unpacks as ``log, truth = make_study(...)``.
    """

    log: EventLog
    truth: GroundTruth

    def __iter__(self) -> Iterator[EventLog | GroundTruth]:
        return iter((self.log, self.truth))


def _day(value: str, key: str) -> int:
    try:
        return int(np.datetime64(str(value), "D").astype(np.int64))
    except ValueError:
        raise ConfigError(f"make_study: {key} = {value!r}: expected a date as YYYY-MM-DD") from None


def make_study(
    n_cases: int,
    *,
    seed: int,
    scenario: str | Scenario = "brussels",
    start: str = "2021-01-01",
    extraction_date: str = "2025-06-30",
) -> SyntheticStudy:
    """Generate a synthetic study of ``n_cases`` Brussels cases with planted truth.

    Parameters
    ----------
    n_cases : int
        Number of cases (complaints). One million takes a few seconds.
    seed : int
        Seed of every random draw: the same seed gives the same study.
    scenario : str or Scenario
        ``"brussels"`` (all four bottlenecks planted), ``"null"`` (calibrated
        baseline), one of ``"slow_zone"``, ``"lost_hate_flag"``,
        ``"opportunity_division"``, ``"requalification_delay"``, the confined
        effects ``"confined_slow_zone"``, ``"confined_hate_division"``,
        ``"confined_ifg_division"``, the varied null worlds ``"null_uneven"``,
        ``"null_mix"`` (:data:`~trajectory.synth.SCENARIOS`), or a
        :class:`~trajectory.synth.Scenario` of your own.
    start : str
        First complaint date; complaints are uniform over four years from it.
    extraction_date : str
        Censoring date: later events are not in the log; open cases remain.

    Returns
    -------
    SyntheticStudy
        ``.log`` (:class:`~trajectory.schema.EventLog`, ``synthetic=True``) and
        ``.truth`` (:class:`~trajectory.synth.GroundTruth`).

    Raises
    ------
    ConfigError
        For a non-positive ``n_cases``, a negative ``seed``, an unknown scenario or
        a ``start`` not before ``extraction_date``.

    Examples
    --------
    >>> study = make_study(1_000, seed=3)
    >>> study.truth.planted["bottleneck"].tolist()[:2]
    ['slow_zone', 'lost_hate_flag']
    >>> bool((study.log.events["date"] <= study.log.extraction_date).all())
    True
    """
    if not isinstance(n_cases, (int, np.integer)) or isinstance(n_cases, bool) or n_cases < 1:
        raise ConfigError(f"make_study: n_cases = {n_cases!r}: must be a positive integer")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"make_study: seed = {seed!r}: must be a non-negative integer")
    sc = get_scenario(scenario)
    start_day, extraction_day = _day(start, "start"), _day(extraction_date, "extraction_date")
    if start_day >= extraction_day:
        raise ConfigError(
            f"make_study: start {start} must be before extraction_date {extraction_date}"
        )
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0]))
    lat = simulate_latent(int(n_cases), rng, sc, start_day=start_day,
                          extraction_day=extraction_day)
    start_iso = str(np.datetime64(start, "D"))
    metadata = {
        "generator": "trajectory.synth", "scenario": sc.name, "seed": int(seed),
        "n_cases": int(n_cases), "start": start_iso,
        "extraction_date": str(np.datetime64(extraction_date, "D")),
    }
    log = latent_to_eventlog(lat, extraction_day=extraction_day, metadata=metadata)
    malformed_cases = _malformed_plan(lat, extraction_day, seed=int(seed))
    counts = {k: int((malformed_cases["kind"] == k).sum()) for k in MALFORMED_KINDS}
    truth = GroundTruth.from_scenario(
        sc, seed=int(seed), start=start_iso, malformed=counts,
        malformed_cases=malformed_cases,
    )
    return SyntheticStudy(log=log, truth=truth)


def _malformed_plan(lat: dict[str, np.ndarray], extraction_day: int, *, seed: int) -> pd.DataFrame:
    """Choose the cases that carry the malformed rows (none shared between kinds)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    n = len(lat["group"])

    def seen(name: str) -> np.ndarray:
        return lat[name] <= extraction_day

    support = seen("e60") | seen("e61") | seen("e62") | seen("e37")
    court = seen("e48") | seen("e50") | seen("e51") | seen("e53")
    at_parquet = seen("e30")
    eligible = {
        "unparseable_date": ~at_parquet & ~support,
        "unknown_code": at_parquet & ~court,
        "duplicate_row": support,
        "summons_before_complaint": (
            (lat["kind"] == DECISION_KINDS.index("direct_summons")) & seen("dec") & ~court
        ),
    }
    used = np.zeros(n, bool)
    ids = case_ids(n)
    rows = []
    for kind, (file, count) in MALFORMED_PLAN.items():
        if kind == "orphan_court_record":
            rows += [(kind, file, None)] * count
            continue
        pool = np.flatnonzero(eligible[kind] & ~used)
        chosen = np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))
        used[chosen] = True
        rows += [(kind, file, ids[int(i)]) for i in chosen]
    assert NA_DAY > extraction_day
    return pd.DataFrame(rows, columns=["kind", "file", "case_id"]).astype(
        {"case_id": "string"}
    )
