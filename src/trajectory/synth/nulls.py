"""Generator-free nulls: permute unit labels within strata of any event log.

:func:`permute_labels` shuffles one case column (a police zone, a division, a
police code) among the cases of each stratum (an offence group). Every trajectory
stays as it is; only the unit a case is attributed to changes. After the
permutation the unit is independent of everything about the case given the
stratum, so any comparison of that unit *within* strata has no true effect,
whatever the data: a researcher can run it on real extracts to see how often the
bottleneck flags fire when nothing is there (a calibration of the flags that owes
nothing to the synthetic generator).

What stays true: the stratum's own unit sizes and the unit mix of each stratum
(permuting ``zone`` within ``offence_group`` keeps the offence mix of every zone).
What is broken on purpose: any link of the unit with outcomes, delays and with other
case columns (the municipality of a case no longer matches its permuted zone).
Comparisons along *other* columns keep their true effects: permuting the zones of a
study with a planted division effect leaves that effect in place.

Examples
--------
>>> from trajectory.synth import make_study
>>> log, _ = make_study(2_000, seed=1, scenario="null")
>>> perm = permute_labels(log, column="zone", within="offence_group", seed=3)
>>> perm.events is log.events
True
>>> bool((perm.cases["zone"] != log.cases["zone"]).any())
True
>>> a = log.cases.groupby(["offence_group", "zone"]).size()
>>> b = perm.cases.groupby(["offence_group", "zone"]).size()
>>> bool(a.equals(b))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..schema import EventLog

__all__ = ["permute_labels"]


def permute_labels(
    log: EventLog,
    column: str = "zone",
    within: str | Sequence[str] | None = "offence_group",
    *,
    seed: int,
) -> EventLog:
    """A new EventLog whose case column ``column`` is permuted within strata.

    Parameters
    ----------
    log : EventLog
        Any event log (synthetic or real).
    column : str, default "zone"
        The case column to permute (missing values are permuted with the rest).
    within : str, sequence of str or None, default "offence_group"
        Case column(s) defining the strata; a missing stratum value is a stratum of
        its own. ``None``: permute over all cases.
    seed : int
        Seed of the permutation (numpy ``default_rng``).

    Returns
    -------
    EventLog
        Same events (the same object), a copy of ``cases`` with ``column``
        permuted, the same extraction date and ``synthetic`` flag; ``metadata`` gets
        a ``"permuted"`` entry ``{"column", "within", "seed"}`` (appended to a list
        when the log was already permuted).

    Raises
    ------
    ConfigError
        If ``column`` or a ``within`` column is not a case column, or ``column`` is
        also a stratum column.
    """
    strata = [] if within is None else [within] if isinstance(within, str) else list(within)
    for name in (column, *strata):
        if name not in log.cases.columns:
            raise ConfigError(f"permute_labels: {name!r} is not a case column; present: "
                              f"{list(log.cases.columns)}")
    if column in strata:
        raise ConfigError(f"permute_labels: cannot permute {column!r} within itself")
    rng = np.random.default_rng(seed)
    cases = log.cases.copy()
    n = len(cases)
    if strata:
        codes = cases[strata].astype(object).where(cases[strata].notna(), "\0<NA>")
        key = pd.MultiIndex.from_frame(codes).factorize()[0] if len(strata) > 1 else (
            pd.factorize(codes[strata[0]])[0])
    else:
        key = np.zeros(n, np.int64)
    # random order within each stratum: sort by (stratum, uniform)
    order = np.lexsort((rng.random(n), key))
    # both orders list the strata in the same blocks: case order[i] takes the label of
    # case source[i], a random bijection within each stratum
    source = np.argsort(key, kind="stable")
    positions = np.empty(n, np.int64)
    positions[order] = source
    values = cases[column].array
    cases[column] = values.take(positions)
    metadata = dict(log.metadata)
    entry = {"column": column, "within": strata, "seed": int(seed)}
    previous = metadata.get("permuted")
    metadata["permuted"] = [*previous, entry] if isinstance(previous, list) else [entry]
    return EventLog(cases=cases, events=log.events, extraction_date=log.extraction_date,
                    synthetic=log.synthetic, metadata=metadata)
