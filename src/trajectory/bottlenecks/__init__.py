"""Bottleneck lenses (reception, nomenclature, sanctioning) and the flags built on them.

>>> from trajectory.bottlenecks import flags, reception, nomenclature, sanctioning
"""

from .flags import FLAG_COLUMNS, RULES, Flags, Rule, flags
from .nomenclature import NomenclatureResult, kappa_table, nomenclature
from .reception import RECEPTION_STAGES, ReceptionResult, reception
from .sanctioning import SanctioningResult, sanctioning

__all__ = [
    "FLAG_COLUMNS",
    "RULES",
    "RECEPTION_STAGES",
    "Flags",
    "NomenclatureResult",
    "ReceptionResult",
    "Rule",
    "SanctioningResult",
    "flags",
    "kappa_table",
    "nomenclature",
    "reception",
    "sanctioning",
]
