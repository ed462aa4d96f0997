"""Calibration parameters of the synthetic Brussels study, each with its source.

Every figure used by :mod:`trajectory.synth.generate` lives here, in one
:class:`Param` record holding the value and where it comes from: a row of the
domain brief (``domain.md`` section 5 and the sections it cites) with its status
**published** or **assumed**. :func:`parameter_table` lists them all as a tidy
table (one row a parameter) for documentation and for
:attr:`trajectory.synth.GroundTruth.parameters`.

Durations are in days. Log-normal durations are given by their median and the
standard deviation ``sigma`` of the log (domain.md §5.2 suggests sigma 0.9-1.2);
a duration is drawn in continuous time and rounded down to whole days, so that
many intervals tie (same-day PV, same-day judgment).

Examples
--------
>>> table = parameter_table()
>>> {"name", "key", "value", "status", "source"} <= set(table.columns)
True
>>> PARAMS["outcome_shares"].value["partner_violence"]
(0.3, 0.35, 0.12, 0.15, 0.08)
>>> PARAMS["outcome_shares"].status
'published+assumed'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Param",
    "PARAMS",
    "OFFENCE_GROUPS",
    "DECISION_KINDS",
    "DECISION_EVENTS",
    "DECISION_OUTCOME",
    "BROAD_OUTCOMES",
    "parameter_table",
    "decision_probabilities",
    "requalification_candidate_probability",
]

#: Offence groups in the order used by every per-group parameter tuple.
OFFENCE_GROUPS: tuple[str, ...] = (
    "partner_violence",
    "intrafamilial",
    "sexual_violence",
    "hate",
    "discrimination",
    "harassment",
    "cyber_harassment",
)

#: Decision kinds (one per endpoint event) plus "none" (no decision ever: open case).
DECISION_KINDS: tuple[str, ...] = (
    "technical", "opportunity", "probation", "mediation", "transaction",
    "direct_summons", "summons_pv", "investigating_judge",
    "joinder", "transfer", "wanted", "none",
)
#: Endpoint event code of each decision kind ("" for none).
DECISION_EVENTS: tuple[str, ...] = (
    "E40", "E41", "E42", "E43", "E44", "E45", "E46", "E47", "E33", "E34", "E35", "",
)
#: Outcome group (trajectory.schema.default_endpoints) of each decision kind.
DECISION_OUTCOME: tuple[str, ...] = (
    "dismissal_technical", "dismissal_opportunity",
    "alternative", "alternative", "alternative",
    "court", "court", "court",
    "administrative", "administrative", "administrative", "censored",
)
#: The five columns of the §5.1 table, in order.
BROAD_OUTCOMES: tuple[str, ...] = (
    "dismissal_technical", "dismissal_opportunity", "alternative", "court", "pending_admin",
)

_T09 = "domain.md §2.1 table 'Outflow shares and mean durations, 2010' (om-mp.be jstat2010 t09)"
_T11 = "domain.md §2.1 table 'Dismissal motives 2019', Brussels column (stat.om-mp.be t11)"
_S51 = "domain.md §5.1 calibration table (row per offence group)"
_S52 = "domain.md §5.2 stage durations table"
_S53 = "domain.md §5.3 nomenclature-error parameters"
_ZSG = "domain.md §1.7 ZSG/CPVS national dashboard (zsg.belgium.be)"


@dataclass(frozen=True)
class Param:
    """One calibration parameter: its value, status and source.

    Attributes
    ----------
    value : Any
        Scalar, tuple (per offence group, in :data:`OFFENCE_GROUPS` order, or per
        category) or mapping.
    status : str
        ``"published"``, ``"assumed"`` or ``"published+assumed"`` (a published
        anchor with an assumed split), as tagged in domain.md.
    source : str
        The domain.md row (and the publication it cites) or the reasoning.
    """

    value: Any
    status: str
    source: str


def _by_group(**kw: Any) -> dict[str, Any]:
    missing = set(OFFENCE_GROUPS) - set(kw)
    if missing:
        raise ValueError(f"missing offence groups {missing}")
    return {g: kw[g] for g in OFFENCE_GROUPS}


PARAMS: dict[str, Param] = {
    # ---------------------------------------------------------------- inflow
    "offence_shares": Param(
        _by_group(partner_violence=0.34, intrafamilial=0.12, sexual_violence=0.17, hate=0.05,
                  discrimination=0.03, harassment=0.19, cyber_harassment=0.10),
        "assumed",
        "no Brussels inflow split by group is published; anchored on §2.2 (2,478 physical "
        "partner-violence facts in Brussels 2018; 3,796 IFG cases in zone 5339), §1.3 "
        "(~12,000 sexual-violence facts nationally) and §2.4 (339 discrimination facts, "
        "Brussels 2022)",
    ),
    "municipality_weights": Param(
        {"21004": 196, "21009": 87, "21012": 98, "21011": 22, "21010": 53, "21008": 25,
         "21003": 25, "21001": 124, "21013": 50, "21007": 57, "21016": 84, "21017": 25,
         "21002": 35, "21005": 48, "21018": 58, "21019": 42, "21015": 133, "21014": 27,
         "21006": 43},
        "assumed",
        "approximate resident population in thousands (not in domain.md); the zone of a "
        "case is its municipality's zone (vocabulary municipalities)",
    ),
    "division_fr_share": Param(0.80, "assumed", "task brief: FR/NL divisions ~80/20 [assumed]"),
    "channel_probs": Param(
        # desk, police_on_web, zsg, fjc, letter, civil_party
        _by_group(partner_violence=(0.90, 0.05, 0.0, 0.02, 0.03, 0.0),
                  intrafamilial=(0.90, 0.03, 0.0, 0.02, 0.05, 0.0),
                  sexual_violence=(0.75, 0.02, 0.20, 0.0, 0.03, 0.0),
                  hate=(0.70, 0.25, 0.0, 0.0, 0.05, 0.0),
                  discrimination=(0.55, 0.25, 0.0, 0.0, 0.20, 0.0),
                  harassment=(0.85, 0.10, 0.0, 0.0, 0.05, 0.0),
                  cyber_harassment=(0.45, 0.50, 0.0, 0.0, 0.05, 0.0)),
        "assumed",
        "§1.2 (Police-on-web x9 2015-2021; ZSG complaints on site, ~2/3 of ZSG victims file) "
        "and §1.7 (no operational Brussels FJC confirmed: kept at 2% of IFG cases so that E61 "
        "is exercised)",
    ),
    # ------------------------------------------------------ victims, suspects
    "victim_sex_probs": Param(
        # F, M, X, unknown
        _by_group(partner_violence=(0.75, 0.23, 0.0, 0.02),
                  intrafamilial=(0.60, 0.38, 0.0, 0.02),
                  sexual_violence=(0.89, 0.09, 0.01, 0.01),
                  hate=(0.40, 0.55, 0.03, 0.02),
                  discrimination=(0.50, 0.48, 0.01, 0.01),
                  harassment=(0.70, 0.28, 0.01, 0.01),
                  cyber_harassment=(0.60, 0.37, 0.01, 0.02)),
        "published+assumed",
        f"sexual violence: 90% of ZSG victims identify as women ({_ZSG}); partner violence "
        "mirrors 24% women suspects (§2.2 Vanneste 2016); others assumed",
    ),
    "victim_age_probs": Param(
        # 0-17, 18-29, 30-44, 45-64, 65+
        _by_group(partner_violence=(0.01, 0.30, 0.40, 0.24, 0.05),
                  intrafamilial=(0.45, 0.15, 0.15, 0.15, 0.10),
                  sexual_violence=(0.32, 0.38, 0.18, 0.10, 0.02),
                  hate=(0.05, 0.30, 0.35, 0.25, 0.05),
                  discrimination=(0.0, 0.30, 0.40, 0.27, 0.03),
                  harassment=(0.05, 0.30, 0.35, 0.25, 0.05),
                  cyber_harassment=(0.20, 0.40, 0.25, 0.13, 0.02)),
        "published+assumed",
        f"sexual violence: 32% minors, mean age 24 ({_ZSG}); others assumed",
    ),
    "suspect_unknown": Param(
        _by_group(partner_violence=0.03, intrafamilial=0.03, sexual_violence=0.25, hate=0.20,
                  discrimination=0.10, harassment=0.08, cyber_harassment=0.40),
        "assumed",
        f"{_S53} row 'Unknown suspect at registration' (sexual 20-30%, online hate 30-50%, "
        "IFG <5%); discrimination and harassment assumed",
    ),
    "suspect_male": Param(
        _by_group(partner_violence=0.76, intrafamilial=0.65, sexual_violence=0.97, hate=0.85,
                  discrimination=0.60, harassment=0.75, cyber_harassment=0.70),
        "published+assumed",
        "partner violence: 24% of suspects women (§2.2 Vanneste 2016); others assumed",
    ),
    "suspect_age_probs": Param(
        _by_group(partner_violence=(0.02, 0.28, 0.42, 0.25, 0.03),
                  intrafamilial=(0.08, 0.25, 0.37, 0.25, 0.05),
                  sexual_violence=(0.15, 0.35, 0.30, 0.17, 0.03),
                  hate=(0.10, 0.35, 0.30, 0.20, 0.05),
                  discrimination=(0.0, 0.15, 0.40, 0.40, 0.05),
                  harassment=(0.05, 0.30, 0.38, 0.23, 0.04),
                  cyber_harassment=(0.20, 0.40, 0.25, 0.13, 0.02)),
        "assumed", "no published age distribution of suspects in domain.md",
    ),
    "relationship_probs": Param(
        # partner, ex_partner, family, acquaintance, stranger (known suspects only)
        _by_group(partner_violence=(0.60, 0.40, 0.0, 0.0, 0.0),
                  intrafamilial=(0.0, 0.0, 1.0, 0.0, 0.0),
                  sexual_violence=(0.15, 0.07, 0.15, 0.38, 0.25),
                  hate=(0.0, 0.0, 0.0, 0.80, 0.20),
                  discrimination=(0.0, 0.0, 0.0, 0.85, 0.15),
                  harassment=(0.05, 0.45, 0.0, 0.40, 0.10),
                  cyber_harassment=(0.0, 0.25, 0.0, 0.45, 0.30)),
        "published+assumed",
        f"sexual violence: 62% know the perpetrator ({_ZSG}); hate: ~80% within a pre-existing "
        "conflict (§2.4 NICC 2020); others assumed. Unknown suspects get 'unknown'",
    ),
    "hate_police_prob": Param(
        _by_group(partner_violence=0.0, intrafamilial=0.0, sexual_violence=0.01, hate=1.0,
                  discrimination=1.0, harassment=0.03, cyber_harassment=0.08),
        "assumed", "hate motive flagged by the police: by definition for hate/discrimination",
    ),
    # ------------------------------------------------------------- nomenclature
    "ifg_loss": Param(0.15, "assumed",
                      f"{_S53} row 'IFG/partner flag missing at parquet' (10-25%)"),
    "hate_loss": Param(
        0.15, "assumed",
        f"{_S53} row 'Hate/bias motive not coded' (40-70% overall, relative to the facts); "
        "only the police->parquet part is modelled here, so a smaller baseline",
    ),
    "qualification_differs": Param(
        0.12, "assumed", f"{_S53} row 'Police code != parquet main charge' (10-20%)"),
    "requalification": Param(
        0.08, "assumed",
        "share of parquet cases requalified (E32) before their decision, in complete "
        "trajectories (every offence group); the probability that a case is a candidate "
        "is solved from it (requalification_candidate_probability)"),
    "requalification_time": Param(
        (60.0, 1.0), "assumed",
        "E30 -> E32: log-normal median (days) and sigma of the requalification time, drawn "
        "independently of the decision; a candidate is requalified only if this time comes "
        "before its decision (no Belgian figure found)"),
    # --------------------------------------------------------- reception delays
    "facts_to_complaint": Param(
        # (share of the short component, short median, short sigma, long median, long sigma)
        _by_group(partner_violence=(0.70, 0.5, 1.0, 14.0, 1.5),
                  intrafamilial=(0.70, 0.5, 1.0, 14.0, 1.5),
                  sexual_violence=(0.0, 2.0, 2.0, 30.0, 1.8),
                  hate=(1.0, 5.0, 1.2, 5.0, 1.2),
                  discrimination=(1.0, 5.0, 1.2, 5.0, 1.2),
                  harassment=(1.0, 30.0, 1.2, 30.0, 1.2),
                  cyber_harassment=(1.0, 0.5, 1.5, 0.5, 1.5)),
        "published+assumed",
        f"{_S52} row 'Offence -> complaint': IFG 0-1 day with a long tail; sexual violence "
        "ZSG route median 2 days with 72% within a week (published; sigma 2 gives 73%), "
        "non-ZSG median ~30 days; hate 3-7 days (online same day); harassment 14-60 days",
    ),
    "zsg_facts_to_complaint": Param(
        (2.0, 2.0), "published+assumed",
        f"{_S52}: ZSG route median <=2 days, 72% within a week ({_ZSG}); used for channel zsg"),
    "complaint_to_pv": Param(
        (0.85, 3.0, 1.0), "assumed",
        f"{_S52} row 'Complaint -> PV registered: same day' (share same day, else "
        "log-normal median, sigma)"),
    "pv_to_registration": Param(
        (0.90, 2.0, 1.0), "assumed", f"{_S52} row 'Complaint -> PV registered: same day'"),
    "transmission": Param(
        _by_group(partner_violence=12.0, intrafamilial=12.0, sexual_violence=7.0, hate=25.0,
                  discrimination=25.0, harassment=25.0, cyber_harassment=25.0),
        "assumed",
        f"{_S52} row 'PV -> parquet registration' (IFG 7-21, sexual 3-14, hate and "
        "harassment 14-45 days): log-normal median of E20->E23, sigma 0.9",
    ),
    "transmission_sigma": Param(0.9, "assumed", f"{_S52} header (sigma 0.9-1.2)"),
    "apo_share": Param(
        _by_group(partner_violence=0.15, intrafamilial=0.15, sexual_violence=0.05, hate=0.05,
                  discrimination=0.05, harassment=0.05, cyber_harassment=0.05),
        "assumed",
        f"{_S52} 'APO: 60-120 days'; APO cases get an E22 and transmission median 90, sigma 0.4",
    ),
    "receipt_to_registration": Param(
        (0.5, 3.0, 1.0), "assumed",
        "E23->E30: share same day, else log-normal median 3 days, sigma 1 (no figure found)"),
    "simplified_pv": Param(
        _by_group(partner_violence=0.03, intrafamilial=0.03, sexual_violence=0.01, hate=0.08,
                  discrimination=0.10, harassment=0.08, cyber_harassment=0.15),
        "assumed",
        "§1.2 COL 8/2005: simplified PVs are kept by the police and never reach the "
        "parquet (no E23, no E30); shares assumed",
    ),
    # ------------------------------------------------------------- decisions
    "outcome_shares": Param(
        # technical, opportunity, alternative, court, pending/admin
        _by_group(partner_violence=(0.30, 0.35, 0.12, 0.15, 0.08),
                  intrafamilial=(0.35, 0.30, 0.10, 0.13, 0.12),
                  sexual_violence=(0.45, 0.07, 0.01, 0.12, 0.35),
                  hate=(0.62, 0.14, 0.06, 0.045, 0.135),
                  discrimination=(0.65, 0.12, 0.03, 0.02, 0.18),
                  harassment=(0.35, 0.30, 0.10, 0.12, 0.13),
                  cyber_harassment=(0.65, 0.12, 0.03, 0.03, 0.17)),
        "published+assumed",
        f"{_S51}; status per row as tagged there (shares among cases registered at the "
        "parquet, after all delays)",
    ),
    "no_decision_of_pending": Param(
        5 / 8, "published+assumed",
        f"{_S51} partner-violence row: 8% pending/admin = 5% no decision + 3% administrative; "
        "the same split is assumed for the other groups. 'No decision' cases never close",
    ),
    "alternative_split": Param(
        (0.47, 0.16, 0.37), "published",
        f"{_T09}, Brussels %: probation 0.77, mediation 0.26, transaction 0.61 (normalised)"),
    "court_split": Param(
        (0.45, 0.15, 0.40), "published+assumed",
        f"{_T09}: summons 3.15 vs judicial investigation 2.15 (Belgium); summons split 3:1 "
        "direct : by PV assumed"),
    "admin_split": Param(
        (0.50, 0.41, 0.09), "published",
        f"{_T09}, Brussels %: joinder 9.25, disposition 7.54, wanted 1.78 (normalised)"),
    "unknown_suspect_outcomes": Param(
        (0.85, 0.05, 0.10), "assumed",
        "cases with an unknown suspect: technical (T03 offender unknown), opportunity, "
        "no decision. The known-suspect shares are solved so that each group's §5.1 "
        "shares hold exactly overall",
    ),
    "decision_median": Param(
        {
            "technical": _by_group(partner_violence=45, intrafamilial=45, sexual_violence=200,
                                   hate=90, discrimination=90, harassment=60,
                                   cyber_harassment=60),
            "opportunity": _by_group(partner_violence=100, intrafamilial=100,
                                     sexual_violence=200, hate=120, discrimination=120,
                                     harassment=100, cyber_harassment=100),
            "probation": _by_group(**{g: 90 for g in OFFENCE_GROUPS}),
            "mediation": _by_group(partner_violence=400, intrafamilial=400,
                                   sexual_violence=400, hate=300, discrimination=300,
                                   harassment=300, cyber_harassment=300),
            "transaction": _by_group(**{g: 126 for g in OFFENCE_GROUPS}),
            "direct_summons": _by_group(partner_violence=180, intrafamilial=180,
                                        sexual_violence=240, hate=240, discrimination=240,
                                        harassment=200, cyber_harassment=200),
            "summons_pv": _by_group(**{g: 30 for g in OFFENCE_GROUPS}),
            "investigating_judge": _by_group(**{g: 20 for g in OFFENCE_GROUPS}),
            "joinder": _by_group(**{g: 94 for g in OFFENCE_GROUPS}),
            "transfer": _by_group(**{g: 31 for g in OFFENCE_GROUPS}),
            "wanted": _by_group(**{g: 315 for g in OFFENCE_GROUPS}),
        },
        "published+assumed",
        f"{_S52} rows 'Parquet registration -> ...' (medians ~0.6 x the published 2010 "
        f"Brussels means, {_T09}); transaction, joinder, transfer, wanted = 0.6 x Brussels "
        "mean (210, 156, 52, 525 days); intrafamilial follows partner violence, "
        "discrimination follows hate, cyber-harassment follows harassment (assumed)",
    ),
    "decision_sigma": Param(1.0, "assumed", f"{_S52} header (log-normal, sigma 0.9-1.2)"),
    "technical_motives": Param(
        {"T01": 12.75, "T02": 15.63, "T04": 0.19, "T07": 1.31, "T10": 0.5, "T12": 0.5},
        "published+assumed",
        f"{_T11} (known suspects; the 1.0% technical remainder split T10/T12 assumed); "
        "unknown suspects get T03 (offender unknown)",
    ),
    "opportunity_motives_ifg": Param(
        {"O03": 0.35, "O07": 0.20, "O04": 0.15, "O01": 0.10, "O05": 0.10, "O99": 0.10},
        "assumed",
        "partner, intrafamilial and harassment cases: 'situation regularisee' frequent "
        "(§2.2 Vanneste 2016, qualitative)",
    ),
    "opportunity_motives_other": Param(
        {"O01": 0.25, "O02": 0.15, "O04": 0.15, "O05": 0.20, "O06": 0.05, "O08": 0.05,
         "O09": 0.05, "O99": 0.10},
        "assumed", "§1.5 attested motives (capacity, other priorities, victim attitude)",
    ),
    # ---------------------------------------------------------------- court
    "summons_to_hearing": Param(
        (75.0, 0.5), "assumed", f"{_S52} row 'Summons -> judgment' (3-6 months)"),
    "hearing_to_judgment": Param(
        (0.6, 30.0, 0.6), "assumed",
        "share judged on the day of the first hearing, else log-normal median 30, sigma 0.6"),
    "pv_summons_hearing_days": Param(
        (10, 60), "published",
        "§1.6 art. 216quater: appearance 10 days - 2 months after notice (uniform days)"),
    "pv_summons_judgment_days": Param(
        (0, 60), "published", "§1.6 art. 216quater: judgment within 2 months of the hearing"),
    "chamber_median": Param(
        _by_group(partner_violence=320, intrafamilial=320, sexual_violence=730, hate=450,
                  discrimination=450, harassment=320, cyber_harassment=320),
        "assumed", f"{_S52} row 'Judicial investigation -> chamber of council order' (sigma 0.4)"),
    "chamber_referral": Param(0.70, "assumed", "share of chamber orders that refer to court"),
    "referral_to_hearing": Param((120.0, 0.5), "assumed", "E48 referral -> E50 first hearing"),
    "verdict_probs": Param(
        {"V01": 0.68, "V02": 0.12, "V03": 0.10, "V04": 0.02, "V05": 0.08},
        "assumed", "domain.md §6 gap 6: no sanction or verdict distribution published",
    ),
    "sanction_probs": Param(
        {"S01": 0.15, "S02": 0.30, "S03": 0.12, "S04": 0.15, "S05": 0.18, "S06": 0.04,
         "S07": 0.02, "S08": 0.04},
        "assumed", "domain.md §6 gap 6; one component (70%) or two (30%) for V01/V05",
    ),
    "two_sanctions": Param(0.30, "assumed", "share of convictions with two sentence components"),
    "appeal": Param(0.10, "assumed", "share of judgments appealed within 1-30 days"),
    # -------------------------------------------------------- victim support
    "police_referral": Param(
        _by_group(partner_violence=0.55, intrafamilial=0.50, sexual_violence=0.60, hate=0.25,
                  discrimination=0.15, harassment=0.30, cyber_harassment=0.20),
        "assumed", "§1.7 victim support steps (no rate published): E14 on the PV day or 1-7 "
        "days later (20%)"),
    "support_intake": Param(
        (0.45, 10.0, 1.0), "assumed", "E60 after E14: probability, log-normal median, sigma"),
    "parquet_reception": Param(
        _by_group(partner_violence=0.30, intrafamilial=0.25, sexual_violence=0.35, hate=0.15,
                  discrimination=0.10, harassment=0.15, cyber_harassment=0.10),
        "assumed", "§1.7 slachtofferonthaal: E37 after E30, log-normal median 40 days, sigma 1"),
    "victim_informed": Param(
        (0.65, 15.0, 1.0), "assumed",
        "E63 after a parquet decision (E40-E46, E33-E35): probability, median, sigma"),
    # --------------------------------------------------------------- entry
    "entry_years": Param(4, "assumed",
                         "complaints (E11) uniform over 4 years from start (the example "
                         "config's entry window 2021-2024)"),
}


def parameter_table() -> pd.DataFrame:
    """Every calibration parameter as a tidy table.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (parameter), ``key`` (offence group or category, "" for
        scalars), ``value`` (as text), ``status`` and ``source``.

    Examples
    --------
    >>> t = parameter_table()
    >>> t.loc[(t["name"] == "suspect_unknown") & (t["key"] == "sexual_violence"), "value"].item()
    '0.25'
    """
    rows = []
    for name, p in PARAMS.items():
        items = p.value.items() if isinstance(p.value, dict) else [("", p.value)]
        for key, value in items:
            rows.append((name, str(key), str(value), p.status, p.source))
    return pd.DataFrame(rows, columns=["name", "key", "value", "status", "source"])


def decision_probabilities() -> dict[str, np.ndarray]:
    """Probabilities of each decision kind, per offence group and suspect status.

    The §5.1 shares of each group hold exactly overall: unknown-suspect cases get
    :data:`PARAMS` ``unknown_suspect_outcomes``; known-suspect shares are solved as
    ``(p - u * p_unknown) / (1 - u)`` and split into decision kinds.

    Returns
    -------
    dict
        ``"known"`` and ``"unknown"``: arrays of shape (groups, decision kinds) whose
        rows sum to 1; ``"overall"``: the mixture by the unknown-suspect rate.

    Examples
    --------
    >>> p = decision_probabilities()
    >>> p["known"].shape
    (7, 12)
    >>> bool(np.allclose(p["overall"].sum(axis=1), 1.0))
    True
    """
    shares = PARAMS["outcome_shares"].value
    nd = PARAMS["no_decision_of_pending"].value
    alt = np.array(PARAMS["alternative_split"].value)
    court = np.array(PARAMS["court_split"].value)
    admin = np.array(PARAMS["admin_split"].value)
    ut, uo, un = PARAMS["unknown_suspect_outcomes"].value
    unknown_rate = PARAMS["suspect_unknown"].value
    n_kinds = len(DECISION_KINDS)
    known = np.zeros((len(OFFENCE_GROUPS), n_kinds))
    unknown = np.zeros_like(known)
    overall = np.zeros_like(known)
    for i, g in enumerate(OFFENCE_GROUPS):
        tech, opp, alt_s, court_s, pend = shares[g]
        full = np.concatenate([
            [tech, opp], alt_s * alt, court_s * court, pend * (1 - nd) * admin, [pend * nd],
        ])
        unk = np.zeros(n_kinds)
        unk[0], unk[1], unk[-1] = ut, uo, un
        u = unknown_rate[g]
        kn = (full - u * unk) / (1 - u)
        if (kn < -1e-12).any():
            raise ValueError(f"{g}: unknown-suspect outcomes exceed the group's shares")
        known[i], unknown[i], overall[i] = kn, unk, full
    return {"known": known, "unknown": unknown, "overall": overall}


def requalification_candidate_probability() -> np.ndarray:
    """Probability that a parquet case is a requalification candidate, per offence group.

    A candidate is requalified (E32) only if its requalification time ``R``
    (log-normal, :data:`PARAMS` ``requalification_time``) comes before its decision
    ``D`` (the decision mixture; never-decided cases always qualify). ``R`` and ``D``
    are independent log-normals, so ``P(R < D_k) = Phi((log m_k - log m_R) /
    sqrt(sigma_R^2 + sigma_D^2))`` and the candidate probability is the target share
    ``requalification`` divided by ``P(R < D)`` of the group (baseline, no planted
    effect).

    Examples
    --------
    >>> p = requalification_candidate_probability()
    >>> p.shape, bool((p > PARAMS["requalification"].value).all() and (p < 1).all())
    ((7,), True)
    """
    from scipy import special

    probs = decision_probabilities()["overall"]
    med = PARAMS["decision_median"].value
    sigma = PARAMS["decision_sigma"].value
    m_r, s_r = PARAMS["requalification_time"].value
    out = np.zeros(len(OFFENCE_GROUPS))
    for i, g in enumerate(OFFENCE_GROUPS):
        p_first = probs[i, -1]  # never decided: always requalified
        for k, kind in enumerate(DECISION_KINDS[:-1]):
            z = (np.log(med[kind][g]) - np.log(m_r)) / np.hypot(s_r, sigma)
            p_first += probs[i, k] * special.ndtr(z)
        out[i] = PARAMS["requalification"].value / p_first
    return out
