"""Privacy: disclosure control of everything published, and re-identification checks.

``disclose`` is the gate every table and figure passes before it leaves the study:
small-cell suppression with complementary suppression, rounding, rounded curves,
withheld groups. ``k_anonymity`` finds the records of a case-level export that fall
in equivalence classes smaller than ``k``. ``audit_release`` attacks every published
table of a release at once (integer programming over the relations the package
knows); ``release.release_gate`` and ``release.check_release`` are what reports call.
The rules and the practice they follow are in ``docs/privacy.md``.
"""

from ..pseudonymise import DEMO_KEY, PseudonymKey, load_key, pseudonymise
from .audit import ReleaseAudit, audit_release
from .disclose import COUNT_NAMES, disclose, disclosure_audit
from .kanon import DEFAULT_QUASI_IDENTIFIERS, KAnonymityResult, k_anonymity
from .suppression import SuppressionPattern, margin_sums, rounded_to_base, suppression_pattern

__all__ = [
    "COUNT_NAMES",
    "DEFAULT_QUASI_IDENTIFIERS",
    "DEMO_KEY",
    "KAnonymityResult",
    "PseudonymKey",
    "ReleaseAudit",
    "SuppressionPattern",
    "audit_release",
    "disclose",
    "disclosure_audit",
    "k_anonymity",
    "load_key",
    "margin_sums",
    "pseudonymise",
    "rounded_to_base",
    "suppression_pattern",
]
