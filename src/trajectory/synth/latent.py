"""Vocabulary of the generator's latent arrays, and the draws every step shares.

The generator (:mod:`trajectory.synth.generate`) holds a study as per-case numpy
arrays: categorical indices into the vocabularies below (:data:`CHARGE_CODES`,
:data:`ZONES`, :data:`DIVISIONS`...), event days in the slots of :data:`EVENT_SLOTS`
(:data:`NA_DAY` when the event never happens) and detail codes (index in
:data:`DETAIL_CODES`, -1 for none). Durations are drawn continuous and rounded down
to whole days, capped so that day arithmetic stays in int32.

Examples
--------
>>> EVENT_SLOTS[0], CHARGE_CODES[0] in DETAIL_CODES
(('e00', 'E00', 'police'), True)
>>> bool(NA_DAY > np.datetime64("2100-01-01", "D").astype(np.int64))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from ..schema import VALUE_SETS, vocabulary
from .params import DECISION_KINDS, OFFENCE_GROUPS, PARAMS

__all__ = [
    "NA_DAY",
    "CHARGE_CODES",
    "ZONES",
    "DIVISIONS",
    "UNMAPPED_CODE",
    "CHANNELS",
    "SEXES",
    "AGE_BANDS",
    "RELATIONSHIPS",
    "DETAIL_CODES",
    "EVENT_SLOTS",
]

NA_DAY = np.int32(2**30)  #: "no such event" (later than any real day)
_CAP = 60_000.0  #: durations are capped (days) so that day arithmetic stays in int32
_MAX_FACTS_DELAY = 3652.0  #: facts at most 10 years before the complaint [assumed]

_CHARGES = vocabulary("charge_codes")
#: Project charge codes, in vocabulary order; index = code index in the latent arrays.
CHARGE_CODES: tuple[str, ...] = tuple(_CHARGES["code"])
_CODE_GROUP = np.array([OFFENCE_GROUPS.index(g) for g in _CHARGES["offence_group"]], np.int8)
_MUNIS = vocabulary("municipalities")
_MUNI_CODES: tuple[str, ...] = tuple(_MUNIS["code"])
ZONES: tuple[str, ...] = tuple(vocabulary("police_zones")["code"])
_MUNI_ZONE = np.array([ZONES.index(z) for z in _MUNIS["zone"]], np.int8)
DIVISIONS: tuple[str, ...] = ("FR", "NL")
#: Police code recorded for the unmapped cases of ``Scenario.unmapped_code_share``.
UNMAPPED_CODE = "999"
CHANNELS: tuple[str, ...] = VALUE_SETS["channel"]
SEXES: tuple[str, ...] = VALUE_SETS["victim_sex"]
AGE_BANDS: tuple[str, ...] = VALUE_SETS["victim_age_band"]
RELATIONSHIPS: tuple[str, ...] = VALUE_SETS["relationship"]
_MOTIVES_T = tuple(PARAMS["technical_motives"].value)
_MOTIVES_OI = tuple(PARAMS["opportunity_motives_ifg"].value)
_MOTIVES_OO = tuple(PARAMS["opportunity_motives_other"].value)
_VERDICTS = tuple(PARAMS["verdict_probs"].value)
_SANCTIONS = tuple(PARAMS["sanction_probs"].value)
_STATUS = ("succeeded", "paid", "referral", "no_referral")
#: Vocabulary of the events ``code`` column: charge codes, motives, verdicts, sanctions,
#: mediation/transaction status and chamber-order outcome.
DETAIL_CODES: tuple[str, ...] = (
    CHARGE_CODES + _MOTIVES_T + ("T03",) + tuple(dict.fromkeys(_MOTIVES_OI + _MOTIVES_OO))
    + _VERDICTS + _SANCTIONS + _STATUS
)
_DETAIL = {c: i for i, c in enumerate(DETAIL_CODES)}
_KIND = {k: i for i, k in enumerate(DECISION_KINDS)}

#: Event slots of the latent arrays, in canonical (near-chronological) order:
#: (slot name, event code or "decision", source).
EVENT_SLOTS: tuple[tuple[str, str, str], ...] = (
    ("e00", "E00", "police"), ("e61", "E61", "victim_services"),
    ("e62", "E62", "victim_services"), ("e11", "E11", "police"), ("e12", "E12", "police"),
    ("e14", "E14", "police"), ("e20", "E20", "police"), ("e22", "E22", "police"),
    ("e60", "E60", "victim_services"), ("e23", "E23", "police"), ("e30", "E30", "parquet"),
    ("e31", "E31", "parquet"), ("e32", "E32", "parquet"), ("e37", "E37", "victim_services"),
    ("dec", "decision", "parquet"), ("e63", "E63", "parquet"), ("e48", "E48", "court"),
    ("e50", "E50", "court"), ("e51", "E51", "court"), ("e52a", "E52", "court"),
    ("e52b", "E52", "court"), ("e53", "E53", "court"),
)
_SOURCES = ("police", "parquet", "court", "victim_services")


def _days(x: np.ndarray) -> np.ndarray:
    """Continuous durations -> whole days (floor), capped, int32."""
    return np.floor(np.minimum(x, _CAP)).astype(np.int32)


def _lognormal(rng: np.random.Generator, median: Any, sigma: Any, n: int) -> np.ndarray:
    return np.asarray(median, float) * np.exp(np.asarray(sigma, float) * rng.standard_normal(n))


def _cat(rng: np.random.Generator, probs: Any, group: np.ndarray | None,
         index: list[np.ndarray] | None, n: int) -> np.ndarray:
    """Draw category indices; ``probs`` is (K,) or per group (G, K) with ``index`` per group."""
    u = rng.random(n)
    probs = np.asarray(probs, float)
    if probs.ndim == 1:
        cum = np.cumsum(probs / probs.sum())
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int8)
    out = np.zeros(n, np.int8)
    assert index is not None
    for g, idx in enumerate(index):
        cum = np.cumsum(probs[g] / probs[g].sum())
        out[idx] = np.minimum(np.searchsorted(cum, u[idx], side="right"), len(cum) - 1)
    return out


def _per_group(name: str) -> np.ndarray:
    value = PARAMS[name].value
    return np.array([value[g] for g in OFFENCE_GROUPS], float)



def _index_of(vocab: tuple[str, ...], value: str, what: str) -> int:
    if str(value) not in vocab:
        raise ConfigError(f"synthetic scenario: unknown {what} {value!r}; allowed: "
                          f"{', '.join(vocab)}")
    return vocab.index(str(value))
