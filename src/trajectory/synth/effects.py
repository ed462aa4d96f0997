"""Planted effects: the cases an effect applies to, and the exact opportunity hazard ratio.

A scenario (:mod:`trajectory.synth.scenarios`) plants effects on the cases of one
unit (a zone, a division, a police code), optionally confined to an offence group
and, for an intervention, to complaints made from a start date; each step of the
event chain (:mod:`trajectory.synth.chain`) selects those cases with
:func:`_effect_mask`. An ``opportunity_hazard`` effect multiplies the cause-specific
hazard of opportunity dismissal (E41) by exactly its size: it adds an independent
latent time whose cumulative hazard is (HR - 1) times the baseline one
(:func:`opportunity_cumulative_hazard`); the first of the two times wins.

Examples
--------
>>> from trajectory.synth.scenarios import Effect
>>> cols = {"zone": (np.array([0, 1, 1]), ("5339", "5340")),
...         "e11": (np.array([19000, 19000, 19500]), ())}
>>> effect = Effect("transmission_delay", "zone", "5340", 2.0, start="2023-01-01")
>>> _effect_mask(effect, cols, np.zeros(3, np.int8)).tolist()
[False, False, True]
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .latent import _KIND, _index_of
from .params import DECISION_KINDS, OFFENCE_GROUPS, PARAMS, decision_probabilities
from .scenarios import Effect

__all__ = ["opportunity_cumulative_hazard"]

#: Columns effects select cases by: name -> (index array, vocabulary).
_Cols = dict[str, tuple[np.ndarray, tuple[str, ...]]]


def opportunity_cumulative_hazard(
    grid_step: float = 0.5, horizon: float = 20_000.0
) -> tuple[np.ndarray, np.ndarray]:
    """Cause-specific cumulative hazard of opportunity dismissal (E41) in the baseline.

    For a mixture model (decision kind ``k`` with probability ``p_k`` and duration
    density ``f_k``), the cause-specific hazard of ``k`` at ``t`` (time since E30) is
    ``p_k f_k(t) / S(t)`` with ``S(t) = 1 - sum_j p_j F_j(t)``. Integrated on a
    grid for each offence group and suspect status.

    Returns
    -------
    grid : ndarray, shape (m,)
        Times in days.
    cumhaz : ndarray, shape (groups, 2, m)
        ``[g, known]`` cumulative hazard (``known`` = 1 for a known suspect).

    Examples
    --------
    >>> grid, H = opportunity_cumulative_hazard(grid_step=1.0, horizon=3000.0)
    >>> H.shape[:2], bool((np.diff(H, axis=2) >= 0).all())
    ((7, 2), True)
    """
    probs = decision_probabilities()
    med = PARAMS["decision_median"].value
    sigma = PARAMS["decision_sigma"].value
    grid = np.arange(0.0, horizon + grid_step, grid_step)
    out = np.zeros((len(OFFENCE_GROUPS), 2, len(grid)))
    opp = _KIND["opportunity"]
    kinds = DECISION_KINDS[:-1]
    with np.errstate(divide="ignore"):
        logt = np.log(grid)
    for g, group in enumerate(OFFENCE_GROUPS):
        logm = np.log([med[k][group] for k in kinds])[:, None]
        z = (logt[None, :] - logm) / sigma
        cdf = special.ndtr(z)
        for known, table in ((0, probs["unknown"]), (1, probs["known"])):
            surv = 1.0 - table[g, : len(kinds)] @ cdf
            zo = z[opp, 1:]
            dens = np.zeros_like(grid)
            dens[1:] = (table[g, opp] * np.exp(-0.5 * zo**2 - logt[1:])
                        / (sigma * np.sqrt(2 * np.pi)))
            haz = dens / np.maximum(surv, 1e-300)
            cum = np.concatenate([[0.0], np.cumsum((haz[1:] + haz[:-1]) / 2 * grid_step)])
            out[g, known] = cum
    return grid, out


_HAZARD_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _effect_mask(effect: Effect, cols: _Cols, group: np.ndarray) -> np.ndarray:
    """Cases an effect applies to: ``by == unit`` (and the offence group, if given).

    An effect with a ``start`` date (a planted intervention) applies only to the cases
    whose complaint (E11) is on or after it: exposure by complaint date.
    """
    values, vocab = cols[effect.by]
    mask = values == _index_of(vocab, effect.unit, effect.by)
    if effect.start is not None:
        mask &= cols["e11"][0] >= int(np.datetime64(effect.start, "D").astype(np.int64))
    if effect.offence_group is not None:
        mask &= group == _index_of(OFFENCE_GROUPS, effect.offence_group, "offence group")
    return mask


def _opportunity_extra_time(u_extra: np.ndarray, opp_mult: np.ndarray,
                            sindex: list[np.ndarray], n: int) -> np.ndarray:
    """Extra latent time to E41 of the cases with a planted opportunity hazard (else inf).

    Its cumulative hazard is ``opp_mult - 1`` times the baseline cause-specific
    cumulative hazard of E41 of the case's stratum. ``u_extra`` are the cases' uniform
    draws and ``sindex`` the row indices of each stratum (known * groups + group).
    """
    G = len(OFFENCE_GROUPS)
    planted = opp_mult > 1.0
    if "opp" not in _HAZARD_CACHE:
        _HAZARD_CACHE["opp"] = opportunity_cumulative_hazard()
    grid, H = _HAZARD_CACHE["opp"]
    target = -np.log(u_extra)
    extra = np.full(n, np.inf)
    for s, idx in enumerate(sindex):
        sel = idx[planted[idx]]
        cum = H[s % G, s // G]
        t_sel = target[sel] / (opp_mult[sel] - 1.0)
        ok = t_sel < cum[-1]
        extra[sel[ok]] = np.interp(t_sel[ok], cum, grid)
    return extra
