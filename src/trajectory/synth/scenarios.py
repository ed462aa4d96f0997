"""Scenarios: the calibrated baseline and the planted bottlenecks.

A :class:`Scenario` says which bottlenecks are planted on top of the calibrated
baseline (:mod:`trajectory.synth.params`), where, and how strong:

* ``slow_zone`` (reception): in one police zone the PV -> parquet transmission
  delay (E20 -> E23) is multiplied by ``slow_factor`` (3: the median is 3x).
* ``lost_hate_flag`` (nomenclature): in one offence group the hate flag set by
  the police is lost at the parquet with probability ``hate_loss_rate`` (0.60)
  instead of the baseline 0.15.
* ``opportunity_division`` (sanctioning): in one parquet division the
  cause-specific hazard of opportunity dismissal (E41), on the time since parquet
  registration (E30), is multiplied by ``opportunity_hr`` (2).
* ``requalification_delay`` (nomenclature): cases with one police charge code
  that are requalified (E32) get their decision delayed by ``requalification_days``
  (90) days.

``"brussels"`` plants all four (the demo default); ``"null"`` none.

Examples
--------
>>> get_scenario("brussels").planted
('slow_zone', 'lost_hate_flag', 'opportunity_division', 'requalification_delay')
>>> get_scenario("null").planted
()
>>> get_scenario("slow_zone").slow_zone
'5340'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["Scenario", "SCENARIOS", "get_scenario"]


@dataclass(frozen=True)
class Scenario:
    """Which bottlenecks are planted, where, and how strong (``None``: not planted)."""

    name: str
    slow_zone: str | None = None
    slow_factor: float = 3.0
    hate_loss_group: str | None = None
    hate_loss_rate: float = 0.60
    opportunity_division: str | None = None
    opportunity_hr: float = 2.0
    requalification_code: str | None = None
    requalification_days: int = 90

    @property
    def planted(self) -> tuple[str, ...]:
        """Names of the planted bottlenecks, in a fixed order."""
        out = []
        if self.slow_zone is not None:
            out.append("slow_zone")
        if self.hate_loss_group is not None:
            out.append("lost_hate_flag")
        if self.opportunity_division is not None:
            out.append("opportunity_division")
        if self.requalification_code is not None:
            out.append("requalification_delay")
        return tuple(out)


_ZONE, _GROUP, _DIVISION, _CODE = "5340", "hate", "NL", "601"

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
}


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
