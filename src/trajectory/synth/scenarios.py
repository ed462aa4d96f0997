"""Scenarios: the calibrated baseline, planted bottlenecks and worlds that break it.

A :class:`Scenario` says which bottlenecks are planted on top of the calibrated
baseline (:mod:`trajectory.synth.params`), where and how strong, and how the world
itself departs from the baseline's assumptions.

Planted effects
---------------
Each planted effect is an :class:`Effect` ``(kind, by, unit, size, offence_group)``:
the cases whose column ``by`` (``zone``, ``division``, ``police_code`` or
``offence_group``) equals ``unit``, and, when ``offence_group`` is given, only those
of that offence group. Kinds (:data:`EFFECT_KINDS`):

* ``transmission_delay`` (reception): the PV -> parquet transmission time
  (E20 -> E23) is multiplied by ``size`` (a hazard ratio of about ``1 / size``);
* ``referral`` (reception): the probability of a police referral to victim support
  (E14, and so of the support intake E60 that follows it) is lowered by ``size``
  (absolute, as a proportion: 0.15 is 15 percentage points);
* ``opportunity_hazard`` (sanctioning): the cause-specific hazard of opportunity
  dismissal (E41, time since E30) is multiplied by ``size`` (>= 1), exactly, within
  each offence group x suspect-status stratum;
* ``ifg_flag_loss`` / ``hate_flag_loss`` (nomenclature): the probability that the
  police IFG / hate flag is lost at the parquet is set to ``size``;
* ``requalification_delay`` (nomenclature): a requalified case (E32 before its
  decision) has its decision delayed by ``size`` days after the requalification.

The original single-bottleneck fields (``slow_zone``, ``hate_loss_group``,
``opportunity_division``, ``requalification_code``) are shorthands kept for the
original scenarios; :attr:`Scenario.all_effects` lists them as effects first.

* ``slow_zone`` (reception): in one police zone the transmission delay is
  multiplied by ``slow_factor`` (3).
* ``lost_hate_flag`` (nomenclature): in one offence group the hate flag is lost with
  probability ``hate_loss_rate`` (0.60) instead of the baseline 0.15.
* ``opportunity_division`` (sanctioning): in one division the hazard of E41 is
  multiplied by ``opportunity_hr`` (2).
* ``requalification_delay`` (nomenclature): requalified cases of one police code are
  decided ``requalification_days`` (90) days later.

``"brussels"`` plants all four (the demo default); ``"null"`` none.

Effects confined to one offence group within one unit (realistic shares):

* ``confined_slow_zone``: zone 5340 transmits sexual-violence complaints 2x slower
  (transmission hazard ratio ~0.5); other offence groups unchanged.
* ``confined_hate_division``: in division NL, hate cases get 15 points fewer victim
  support referrals and a 2x opportunity-dismissal hazard. The affected subgroup is
  small by construction (hate 5% x NL 20%: ~200 cases in 20,000); the hate group as
  a whole has ~1,000.
* ``confined_ifg_division``: division NL loses the IFG flag of partner-violence cases
  with probability 0.35 (baseline 0.15: 20 points more).

Worlds that break the baseline's assumptions (knobs, default off)
-----------------------------------------------------------------
``zone_weights`` (zone sizes unlike the municipality populations),
``zone_offence_tilt`` (offence mix differing by zone), ``division_fr_share``,
``suspect_unknown_by_zone``, ``police_only_share`` (police-only cases that never
reach the parquet, beyond the simplified PVs), ``unmapped_code_share`` (police codes
outside the vocabulary or missing) and ``missing_division_share``.

* ``null_uneven``: no effect; uneven zone sizes, offence mix by zone, 6% police-only
  cases, 2% unmapped police codes.
* ``null_mix``: no effect; divisions 92/8, suspect-known share differing by zone,
  3% missing divisions.

Examples
--------
>>> get_scenario("brussels").planted
('slow_zone', 'lost_hate_flag', 'opportunity_division', 'requalification_delay')
>>> get_scenario("null").planted
()
>>> get_scenario("slow_zone").slow_zone
'5340'
>>> e = get_scenario("confined_slow_zone").all_effects[0]
>>> (e.kind, e.by, e.unit, e.offence_group, e.size)
('transmission_delay', 'zone', '5340', 'sexual_violence', 2.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError

__all__ = ["Effect", "EFFECT_KINDS", "EFFECT_BY", "Scenario", "SCENARIOS", "get_scenario"]

#: Planted effect kinds -> (lens, stage, metric) of the flag that should find them.
EFFECT_KINDS: dict[str, tuple[str, str, str]] = {
    "transmission_delay": ("reception", "transmission", "median_delay_ratio"),
    "referral": ("reception", "victim_support", "referral_rate_difference"),
    "opportunity_hazard": ("sanctioning", "dismissal_opportunity",
                           "cause_specific_hazard_ratio"),
    "ifg_flag_loss": ("nomenclature", "police_to_parquet", "ifg_flag_loss_rate"),
    "hate_flag_loss": ("nomenclature", "police_to_parquet", "hate_flag_loss_rate"),
    "requalification_delay": ("nomenclature", "registration_to_decision",
                              "decision_delay_days"),
}
#: Case columns an effect can be confined to.
EFFECT_BY: tuple[str, ...] = ("zone", "division", "police_code", "offence_group")


@dataclass(frozen=True)
class Effect:
    """One planted effect on the cases with ``by == unit`` (and ``offence_group``).

    Parameters
    ----------
    kind : str
        One of :data:`EFFECT_KINDS`.
    by : str
        The case column that defines the unit (:data:`EFFECT_BY`).
    unit : str
        The value of ``by`` (a zone code, ``"FR"``/``"NL"``, a charge code, an
        offence group).
    size : float
        Multiplier (``transmission_delay``, ``opportunity_hazard`` >= 1),
        absolute drop in probability (``referral``), loss probability (flag
        losses) or days (``requalification_delay``).
    offence_group : str, optional
        Confine the effect to the cases of this offence group within the unit.
    name : str, optional
        Label in ``truth.planted["bottleneck"]`` (default ``kind:by=unit[/group]``).
    start : str, optional
        A planted intervention: the effect applies only to the cases whose complaint
        date is on or after this date (``YYYY-MM-DD``). Several effects with one
        ``name`` and different units / starts plant a staggered intervention; a size
        that changes nothing (1 for ``transmission_delay`` and
        ``opportunity_hazard``, 0 for ``referral``) plants a null intervention.

    Examples
    --------
    >>> Effect("referral", "division", "NL", 0.15, offence_group="hate").label
    'referral:division=NL/hate'
    """

    kind: str
    by: str
    unit: str
    size: float
    offence_group: str | None = None
    name: str = ""
    start: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EFFECT_KINDS:
            raise ConfigError(f"Effect: kind {self.kind!r}; allowed: {', '.join(EFFECT_KINDS)}")
        if self.by not in EFFECT_BY:
            raise ConfigError(f"Effect: by {self.by!r}; allowed: {', '.join(EFFECT_BY)}")
        s = float(self.size)
        ok = {
            "transmission_delay": s > 0,
            "referral": 0 <= s <= 1,
            "opportunity_hazard": s >= 1,
            "ifg_flag_loss": 0 <= s <= 1,
            "hate_flag_loss": 0 <= s <= 1,
            "requalification_delay": s >= 0,
        }[self.kind]
        if self.start is not None:
            try:
                np.datetime64(str(self.start), "D")
            except ValueError:
                raise ConfigError(f"Effect: start {self.start!r}: expected YYYY-MM-DD") from None
        if not ok:
            raise ConfigError(
                f"Effect {self.kind}: size {self.size!r} out of range (transmission_delay > 0, "
                "opportunity_hazard >= 1, referral and flag losses in [0, 1], "
                "requalification_delay >= 0 days)"
            )

    @property
    def label(self) -> str:
        """The ``name``, or ``kind:by=unit[/offence_group]``."""
        if self.name:
            return self.name
        tail = f"/{self.offence_group}" if self.offence_group else ""
        return f"{self.kind}:{self.by}={self.unit}{tail}"


@dataclass(frozen=True)
class Scenario:
    """Planted bottlenecks (``None`` / empty: not planted) and world variations.

    Attributes
    ----------
    effects : tuple of Effect
        Planted effects, after the shorthand ones (:attr:`all_effects`).
    zone_weights : tuple of (zone, weight)
        Relative zone sizes replacing the municipality-population ones (each
        zone's municipalities keep their relative weights); empty: populations.
    zone_offence_tilt : tuple of (zone, offence_group, factor)
        Multiply the weight of ``zone`` for the cases of ``offence_group``: the
        offence mix then differs by zone (the offence shares overall do not change).
    division_fr_share : float, optional
        Share of FR cases (baseline 0.80).
    suspect_unknown_by_zone : tuple of (zone, factor)
        Multiply the unknown-suspect probability of the zone's cases (capped at 0.95).
    police_only_share : float
        Extra share of cases that stay with the police (no E23/E30), any group.
    unmapped_code_share : float
        Share of cases whose recorded police code is outside the vocabulary
        (``"999"``, half of them) or missing (the other half); the true code drives
        the trajectory.
    missing_division_share : float
        Share of cases whose recorded division is missing.
    """

    name: str
    slow_zone: str | None = None
    slow_factor: float = 3.0
    hate_loss_group: str | None = None
    hate_loss_rate: float = 0.60
    opportunity_division: str | None = None
    opportunity_hr: float = 2.0
    requalification_code: str | None = None
    requalification_days: int = 90
    effects: tuple[Effect, ...] = ()
    zone_weights: tuple[tuple[str, float], ...] = ()
    zone_offence_tilt: tuple[tuple[str, str, float], ...] = ()
    division_fr_share: float | None = None
    suspect_unknown_by_zone: tuple[tuple[str, float], ...] = ()
    police_only_share: float = 0.0
    unmapped_code_share: float = 0.0
    missing_division_share: float = 0.0
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for name in ("police_only_share", "unmapped_code_share", "missing_division_share"):
            v = getattr(self, name)
            if not 0 <= v < 1:
                raise ConfigError(f"Scenario {self.name}: {name} = {v!r}: must be in [0, 1)")
        if self.division_fr_share is not None and not 0 < self.division_fr_share < 1:
            raise ConfigError(f"Scenario {self.name}: division_fr_share must be in (0, 1)")
        if any(not isinstance(e, Effect) for e in self.effects):
            raise ConfigError(f"Scenario {self.name}: effects must be Effect instances")

    @property
    def all_effects(self) -> tuple[Effect, ...]:
        """Every planted effect: the shorthand fields first (fixed order), then ``effects``."""
        out = []
        if self.slow_zone is not None:
            out.append(Effect("transmission_delay", "zone", self.slow_zone,
                              float(self.slow_factor), name="slow_zone"))
        if self.hate_loss_group is not None:
            out.append(Effect("hate_flag_loss", "offence_group", self.hate_loss_group,
                              float(self.hate_loss_rate), name="lost_hate_flag"))
        if self.opportunity_division is not None:
            out.append(Effect("opportunity_hazard", "division", self.opportunity_division,
                              float(self.opportunity_hr), name="opportunity_division"))
        if self.requalification_code is not None:
            out.append(Effect("requalification_delay", "police_code", self.requalification_code,
                              float(self.requalification_days), name="requalification_delay"))
        return (*out, *self.effects)

    @property
    def planted(self) -> tuple[str, ...]:
        """Names of the planted bottlenecks, in a fixed order."""
        return tuple(e.label for e in self.all_effects)

    @property
    def varied(self) -> tuple[str, ...]:
        """Names of the world knobs that depart from the baseline."""
        knobs = ("zone_weights", "zone_offence_tilt", "division_fr_share",
                 "suspect_unknown_by_zone", "police_only_share", "unmapped_code_share",
                 "missing_division_share")
        return tuple(k for k in knobs if getattr(self, k) not in ((), None, 0.0))


_ZONE, _GROUP, _DIVISION, _CODE = "5340", "hate", "NL", "601"

#: Zone sizes of the uneven worlds: one dominant zone (45%) and two small ones (4%),
#: against populations of 11% to 23% per zone.
_UNEVEN_ZONES = (("5339", 45.0), ("5340", 20.0), ("5341", 15.0), ("5342", 4.0),
                 ("5343", 4.0), ("5344", 12.0))
#: Offence mix by zone: the centre gets much more hate, discrimination and
#: cyber-harassment, the south-east much more partner and family violence.
_TILT = (("5339", "hate", 3.0), ("5339", "discrimination", 3.0),
         ("5339", "cyber_harassment", 2.0), ("5339", "partner_violence", 0.6),
         ("5342", "partner_violence", 2.5), ("5342", "intrafamilial", 2.5),
         ("5342", "hate", 0.3), ("5344", "sexual_violence", 2.0),
         ("5341", "harassment", 0.5))

SCENARIOS: dict[str, Scenario] = {
    "null": Scenario("null"),
    "slow_zone": Scenario("slow_zone", slow_zone=_ZONE),
    "lost_hate_flag": Scenario("lost_hate_flag", hate_loss_group=_GROUP),
    "opportunity_division": Scenario("opportunity_division", opportunity_division=_DIVISION),
    "requalification_delay": Scenario("requalification_delay", requalification_code=_CODE),
    "brussels": Scenario(
        "brussels", slow_zone=_ZONE, hate_loss_group=_GROUP, opportunity_division=_DIVISION,
        requalification_code=_CODE,
    ),
    "confined_slow_zone": Scenario(
        "confined_slow_zone",
        effects=(Effect("transmission_delay", "zone", _ZONE, 2.0,
                        offence_group="sexual_violence", name="confined_slow_zone"),),
        description="zone 5340 transmits sexual-violence complaints 2x slower",
    ),
    "confined_hate_division": Scenario(
        "confined_hate_division",
        effects=(Effect("referral", "division", _DIVISION, 0.15, offence_group="hate",
                        name="hate_division_referral"),
                 Effect("opportunity_hazard", "division", _DIVISION, 2.0, offence_group="hate",
                        name="hate_division_opportunity")),
        description="division NL: hate cases get 15 points fewer victim-support referrals "
                    "and a 2x opportunity-dismissal hazard",
    ),
    "confined_ifg_division": Scenario(
        "confined_ifg_division",
        effects=(Effect("ifg_flag_loss", "division", _DIVISION, 0.35,
                        offence_group="partner_violence", name="ifg_division_flag_loss"),),
        description="division NL loses the IFG flag of 35% of partner-violence cases "
                    "(baseline 15%)",
    ),
    "null_uneven": Scenario(
        "null_uneven", zone_weights=_UNEVEN_ZONES, zone_offence_tilt=_TILT,
        police_only_share=0.06, unmapped_code_share=0.02,
        description="no effect; uneven zones, offence mix by zone, 6% police-only cases, "
                    "2% unmapped police codes",
    ),
    "null_mix": Scenario(
        "null_mix", division_fr_share=0.92,
        suspect_unknown_by_zone=(("5339", 2.0), ("5342", 0.4), ("5344", 1.5)),
        missing_division_share=0.03,
        description="no effect; divisions 92/8, unknown-suspect share by zone, "
                    "3% missing divisions",
    ),
}


_START, _LATER = "2023-01-01", "2023-07-01"
#: Planted interventions (``Effect.start``): transmission made twice as fast in zone 5340
#: from 2023-01-01; the same staggered over two zones; and a null intervention.
SCENARIOS.update({
    "intervention": Scenario(
        "intervention",
        effects=(Effect("transmission_delay", "zone", _ZONE, 0.5, name="reception_protocol",
                        start=_START),),
        description="zone 5340 transmits complaints made from 2023-01-01 twice as fast",
    ),
    "intervention_staggered": Scenario(
        "intervention_staggered",
        effects=(Effect("transmission_delay", "zone", _ZONE, 0.5, name="reception_protocol",
                        start=_START),
                 Effect("transmission_delay", "zone", "5341", 0.5, name="reception_protocol",
                        start=_LATER)),
        description="zones 5340 (from 2023-01-01) and 5341 (from 2023-07-01) transmit "
                    "twice as fast",
    ),
    "intervention_uneven": Scenario(
        "intervention_uneven",
        effects=(Effect("transmission_delay", "zone", _ZONE, 0.5, name="reception_protocol",
                        start=_START),),
        zone_weights=_UNEVEN_ZONES, zone_offence_tilt=_TILT, police_only_share=0.06,
        description="the intervention of 'intervention' in the uneven world of 'null_uneven' "
                    "(zone sizes, offence mix by zone, police-only cases)",
    ),
    "intervention_null": Scenario(
        "intervention_null",
        effects=(Effect("transmission_delay", "zone", _ZONE, 1.0, name="reception_protocol",
                        start=_START),),
        description="a declared intervention in zone 5340 from 2023-01-01 that changes nothing",
    ),
})


def get_scenario(scenario: str | Scenario) -> Scenario:
    """Return a :class:`Scenario` by name (or pass one through).

    Raises
    ------
    ConfigError
        If the name is not one of :data:`SCENARIOS`.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if scenario not in SCENARIOS:
        raise ConfigError(
            f"unknown synthetic scenario {scenario!r}; allowed: {', '.join(SCENARIOS)}"
        )
    return SCENARIOS[scenario]
