"""Bottleneck lenses (reception, nomenclature, sanctioning) and the flags built on them.

>>> from trajectory.bottlenecks import flags, reception, nomenclature, sanctioning
"""

from ..config import FlagRules
from .compare import TEST_COLUMNS, Design
from .flags import FLAG_COLUMNS, TREE_LEVELS, Flags, flags
from .nomenclature import NomenclatureResult, kappa_table, nomenclature
from .reception import RECEPTION_STAGES, ReceptionResult, reception
from .sanctioning import SanctioningResult, sanctioning

__all__ = [
    "FLAG_COLUMNS",
    "RECEPTION_STAGES",
    "TEST_COLUMNS",
    "TREE_LEVELS",
    "Design",
    "FlagRules",
    "Flags",
    "NomenclatureResult",
    "ReceptionResult",
    "SanctioningResult",
    "flags",
    "kappa_table",
    "nomenclature",
    "reception",
    "sanctioning",
]
