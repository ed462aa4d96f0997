"""Write a synthetic study as a researcher receives it: four extract files + study.toml.

:func:`write_extracts` writes

* ``police.csv``: one row a PV (semicolon, Windows-1252, CRLF, dd/mm/yyyy, decimal
  comma in the numeric ``DUREE_AUDITION_H`` column), the police's own prevention
  codes (``VIF.01``...), flags ``O``/``N``;
* ``parquet.csv``: one row a case registered at the parquet (semicolon, UTF-8 with
  BOM, dd/mm/yyyy), own charge codes (``37A``...) and motive codes (``CT03``...);
* ``court.csv``: long layout, one row an act (comma, UTF-8, ISO dates);
* ``victim_services.csv``: long layout, one row a contact (semicolon, dd/mm/yyyy);
* ``study.toml``: the study configuration mapping those columns and code values
  onto the contract (format of ``study.example.toml``; ``synthetic = true``).

Identifiers are synthetic raw numbers, as ingest receives them: PV numbers like
``BR.40.L3.012345/2023`` and parquet notice numbers like ``BR12.37.123456/23``.

With ``malformed=True`` the rows listed in ``study.truth.malformed_cases`` are
corrupted on purpose (kinds :data:`~trajectory.synth.study.MALFORMED_PLAN`); each
kind touches exactly one row per count, on a case without dependent rows elsewhere.

Examples
--------
>>> import tempfile
>>> from trajectory.config import load_config
>>> from trajectory.synth import make_study
>>> study = make_study(300, seed=2)
>>> with tempfile.TemporaryDirectory() as tmp:
...     cfg = load_config(write_extracts(study, tmp))
>>> [s.name for s in cfg.sources], cfg.synthetic
(['police', 'parquet', 'court', 'victim_services'], True)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..io.synthetic import write_marker
from ..schema import EventLog, vocabulary
from .params import OFFENCE_GROUPS

if TYPE_CHECKING:
    from .study import SyntheticStudy

__all__ = ["write_extracts", "EXTRACT_FILES", "POLICE_CODES", "PARQUET_CODES"]

EXTRACT_FILES: tuple[str, ...] = ("police.csv", "parquet.csv", "court.csv", "victim_services.csv")

_PREFIX = dict(zip(OFFENCE_GROUPS, ("VIF", "IFG", "MOE", "HAI", "DIS", "HAR", "CYB"),
                   strict=True))
_FAMILY = dict(zip(OFFENCE_GROUPS, ("37", "38", "50", "55", "56", "41", "42"), strict=True))
_charges = vocabulary("charge_codes")
#: Project charge code -> the police's own prevention code.
POLICE_CODES: dict[str, str] = {}
#: Project charge code -> the parquet's own charge code.
PARQUET_CODES: dict[str, str] = {}
for _g in OFFENCE_GROUPS:
    for _i, _c in enumerate(_charges.loc[_charges["offence_group"] == _g, "code"]):
        POLICE_CODES[_c] = f"{_PREFIX[_g]}.{_i + 1:02d}"
        PARQUET_CODES[_c] = f"{_FAMILY[_g]}{'ABCD'[_i]}"
_GROUP_LABELS = dict(zip(OFFENCE_GROUPS, (
    "VIOL_PARTENAIRE", "VIOL_INTRAFAM", "MOEURS", "HAINE", "DISCRIMINATION", "HARCELEMENT",
    "CYBERHARCELEMENT"), strict=True))
_CHANNELS = {"desk": "GUICHET", "police_on_web": "POW", "zsg": "CPVS", "fjc": "FJC",
             "letter": "COURRIER", "civil_party": "PC"}
_SEX = {"F": "F", "M": "M", "X": "X", "unknown": "?"}
_AGE = {"0-17": "<18", "18-29": "18-29", "30-44": "30-44", "45-64": "45-64", "65+": "65+",
        "unknown": "?"}
_REL = {"partner": "PARTENAIRE", "ex_partner": "EX", "family": "FAMILLE",
        "acquaintance": "CONNU", "stranger": "INCONNU", "unknown": "?"}
_MOTIVES = {c: "C" + c for c in vocabulary("motives")["code"]}
_VERDICTS = {"V01": "CONDAMNATION", "V02": "ACQUITTEMENT", "V03": "SUSPENSION",
             "V04": "INTERNEMENT", "V05": "DEFAUT"}
_SANCTIONS = {"S01": "EMPR_EFF", "S02": "EMPR_SURSIS", "S03": "SURSIS_PROB", "S04": "TRAVAIL",
              "S05": "AMENDE", "S06": "PROBATION_AUT", "S07": "SURV_ELEC", "S08": "CONFISCATION"}
_STATUS = {"succeeded": "REUSSIE", "paid": "PAYEE", "referral": "RENVOI",
           "no_referral": "NON_LIEU"}
_COURT_ACTS = {"E48": "ORDONNANCE", "E50": "AUDIENCE", "E51": "JUGEMENT", "E52": "PEINE",
               "E53": "APPEL"}
_SUPPORT = {"E60": "SAV", "E61": "FJC", "E62": "CPVS", "E37": "MAISON_JUSTICE"}

_POLICE_EVENTS = {"E00": "DATE_FAITS", "E11": "DATE_PLAINTE", "E12": "DATE_PV",
                  "E14": "DATE_ORIENTATION", "E20": "DATE_ENREG", "E22": "DATE_EPO",
                  "E23": "DATE_TRANSMISSION"}
_PARQUET_EVENTS = {"E30": "DATE_ENTREE", "E31": "DATE_QUALIF", "E32": "DATE_REQUALIF",
                   "E40": "DATE_CLASS_TECH", "E41": "DATE_CLASS_OPP", "E42": "DATE_PROBATION",
                   "E43": "DATE_MEDIATION", "E44": "DATE_TRANSACTION", "E45": "DATE_CITATION",
                   "E46": "DATE_CONVOCATION", "E47": "DATE_INSTRUCTION", "E33": "DATE_JONCTION",
                   "E34": "DATE_DISPOSITION", "E35": "DATE_SIGNALEMENT",
                   "E63": "DATE_INFO_VICTIME"}
_PARQUET_DETAILS = {"E31": "PREVENTION_INITIALE", "E32": "PREVENTION_NOUVELLE", "E40": "MOTIF",
                    "E41": "MOTIF", "E43": "STATUT", "E44": "STATUT"}
_BAD_DATES = ("31/02/2023", "00/01/2022", "2023/15/01", "32/12/2021")


def _wide(events: pd.DataFrame, codes: dict[str, str], fmt: str) -> pd.DataFrame:
    """First date (formatted) of each event code per case: case_id x column."""
    sel = events[events["event"].isin(list(codes))].drop_duplicates(["case_id", "event"])
    wide = sel.pivot(index="case_id", columns="event", values="date")
    out = pd.DataFrame(index=wide.index)
    for event, column in codes.items():
        if event in wide:
            out[column] = wide[event].dt.strftime(fmt)
        else:
            out[column] = pd.Series(pd.NA, index=wide.index, dtype="string")
    return out


def _detail(events: pd.DataFrame, event: str) -> pd.Series:
    sel = events[events["event"] == event].drop_duplicates(["case_id"])
    return pd.Series(sel["code"].to_numpy(), index=sel["case_id"].to_numpy())


def _identifiers(cases: pd.DataFrame, events: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic raw PV and notice numbers (unique), deterministic in ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    n = len(cases)
    ids = cases["case_id"].to_numpy()
    e12 = events[events["event"] == "E12"].set_index("case_id")["date"]
    e30 = events[events["event"] == "E30"].set_index("case_id")["date"]
    year = pd.Series(ids).map(e12).dt.year.fillna(0).astype(int).to_numpy()
    pool = 900_000 if n <= 900_000 else 9 * 10 ** len(str(n))
    width = len(str(pool + 99_999))
    serial_pv = rng.choice(pool, size=n, replace=False) + 10 ** (width - 1) // 10
    serial_nt = rng.choice(pool, size=n, replace=False) + 10 ** (width - 1) // 10
    unit = rng.integers(1, 10, n)
    zone2 = cases["zone"].str[-2:].to_numpy()
    pv = [f"BR.{z}.L{u}.{s:0{width}d}/{y}" for z, u, s, y in
          zip(zone2, unit, serial_pv, year, strict=True)]
    yy = pd.Series(ids).map(e30).dt.year
    div = np.where((cases["division"] == "NL").fillna(False).to_numpy(bool), "13", "12")
    fam = cases["offence_group"].map(_FAMILY).to_numpy()
    notice = [None if pd.isna(y) else f"BR{d}.{f}.{s:0{width}d}/{int(y) % 100:02d}"
              for d, f, s, y in zip(div, fam, serial_nt, yy, strict=True)]
    return pd.DataFrame({"pv": pv, "notice": notice}, index=ids)


def write_extracts(study: SyntheticStudy, out_dir: str | Path, *, malformed: bool = True,
                   name: str | None = None) -> Path:
    """Write the study's extract files and ``study.toml``; return the toml's path.

    Parameters
    ----------
    study : SyntheticStudy
        From :func:`~trajectory.synth.make_study`.
    out_dir : str or pathlib.Path
        Folder (created if needed). Existing files of the same names are replaced.
    malformed : bool
        Write the planted malformed rows (``study.truth.malformed``); False writes
        clean files.
    name : str, optional
        Study name in the toml (default ``synthetic-<scenario>-seed<seed>``).

    Returns
    -------
    pathlib.Path
        Path of the written ``study.toml`` (load it with
        :func:`trajectory.config.load_config`).
    """
    log, truth = study.log, study.truth
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cases, events = log.cases, log.events
    seed = int(log.metadata.get("seed", truth.seed))
    ids = _identifiers(cases, events, seed)
    plan = truth.malformed_cases if malformed else truth.malformed_cases.iloc[0:0]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    c = cases.set_index("case_id")
    police = _police_extract(c, events, ids, plan, rng)
    pq = _parquet_extract(c, events, ids, plan)
    court = _court_extract(events, ids, plan, rng, log.extraction_date)
    support = _support_extract(events, ids, plan)
    police.to_csv(out / "police.csv", sep=";", index=False, encoding="cp1252",
                  lineterminator="\r\n")
    pq.to_csv(out / "parquet.csv", sep=";", index=False, encoding="utf-8-sig")
    court.to_csv(out / "court.csv", sep=",", index=False, encoding="utf-8")
    support.to_csv(out / "victim_services.csv", sep=";", index=False, encoding="utf-8")
    toml = out / "study.toml"
    toml.write_text(_study_toml(log, name or f"synthetic-{log.metadata.get('scenario')}"
                                f"-seed{seed}"), encoding="utf-8")
    # lets these files (and only these) in under the public demo key
    write_marker(out, ["police.csv", "parquet.csv", "court.csv", "victim_services.csv"])
    return toml


def _police_extract(c: pd.DataFrame, events: pd.DataFrame, ids: pd.DataFrame,
                    plan: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The police extract: one row a case (French column names, dd/mm/yyyy dates)."""
    police = pd.DataFrame(index=c.index)
    police["PV_NR"] = ids["pv"]
    police["ZONE_POL"] = c["zone"]
    police["NIS_COMMUNE"] = c["municipality"]
    police["GROUPE_PHENOMENE"] = c["offence_group"].map(_GROUP_LABELS)
    police["CODE_PREV"] = c["police_code"].map(POLICE_CODES)
    police["LIBELLE_PREV"] = c["police_code"].map(
        dict(zip(_charges["code"], _charges["label_fr"], strict=True)))
    for col, flag in (("VIF", "ifg_police"), ("HAINE", "hate_police"), ("SEXUEL", "sexual"),
                      ("AUTEUR_CONNU", "suspect_known")):
        police[col] = np.where(c[flag].fillna(False).to_numpy(bool), "O", "N")
    police["CANAL"] = c["channel"].map(_CHANNELS)
    police["SEXE_VICTIME"] = c["victim_sex"].map(_SEX)
    police["AGE_VICTIME"] = c["victim_age_band"].map(_AGE)
    hours = np.round(rng.gamma(3.0, 0.5, len(c)) * 4) / 4
    police["DUREE_AUDITION_H"] = [f"{h:.2f}".replace(".", ",") for h in hours]
    police = police.join(_wide(events, _POLICE_EVENTS, "%d/%m/%Y"))
    for i, cid in enumerate(plan.loc[plan["kind"] == "unparseable_date", "case_id"]):
        police.loc[cid, "DATE_PLAINTE"] = _BAD_DATES[i % len(_BAD_DATES)]
    return police


def _parquet_extract(c: pd.DataFrame, events: pd.DataFrame, ids: pd.DataFrame,
                     plan: pd.DataFrame) -> pd.DataFrame:
    """The parquet extract: one row a case registered at the parquet."""
    wide = _wide(events, _PARQUET_EVENTS, "%d/%m/%Y")
    at_parquet = wide.index[wide["DATE_ENTREE"].notna()]
    pq = pd.DataFrame(index=at_parquet)
    pq["NOTICE"] = ids.loc[at_parquet, "notice"]
    pq["PV_ORIGINE"] = ids.loc[at_parquet, "pv"]
    pq["SECTION"] = c.loc[at_parquet, "division"].map({"FR": "F", "NL": "N"})
    pq["PREVENTION"] = c.loc[at_parquet, "parquet_code"].map(PARQUET_CODES)
    pq["IFG"] = np.where(c.loc[at_parquet, "ifg_parquet"].fillna(False).to_numpy(bool), "1", "0")
    pq["COL13"] = np.where(c.loc[at_parquet, "hate_parquet"].fillna(False).to_numpy(bool),
                           "1", "0")
    pq["SEXE_SUSPECT"] = c.loc[at_parquet, "suspect_sex"].map(_SEX)
    pq["AGE_SUSPECT"] = c.loc[at_parquet, "suspect_age_band"].map(_AGE)
    pq["RELATION"] = c.loc[at_parquet, "relationship"].map(_REL)
    pq = pq.join(wide)
    own = {**PARQUET_CODES, **_MOTIVES, **_STATUS}
    for event, column in _PARQUET_DETAILS.items():
        detail = _detail(events, event).map(own)
        if column in pq:
            pq[column] = pq[column].where(pq[column].notna(), detail.reindex(pq.index))
        else:
            pq[column] = detail.reindex(pq.index)
    for cid in plan.loc[plan["kind"] == "unknown_code", "case_id"]:
        pq.loc[cid, "PREVENTION"] = "99Z"
    e11 = events[events["event"] == "E11"].set_index("case_id")["date"]
    for i, cid in enumerate(plan.loc[plan["kind"] == "summons_before_complaint", "case_id"]):
        pq.loc[cid, "DATE_CITATION"] = (e11[cid] - pd.Timedelta(days=3 + 7 * i)).strftime(
            "%d/%m/%Y")
    return pq


def _court_extract(events: pd.DataFrame, ids: pd.DataFrame, plan: pd.DataFrame,
                   rng: np.random.Generator, extraction_date: pd.Timestamp) -> pd.DataFrame:
    """The court extract: one row a court act (long format), with the orphan records."""
    ce = events[events["event"].isin(list(_COURT_ACTS))]
    court = pd.DataFrame({
        "notice_nr": ids.loc[ce["case_id"].to_numpy(), "notice"].to_numpy(),
        "act": ce["event"].map(_COURT_ACTS).to_numpy(),
        "act_date": ce["date"].dt.strftime("%Y-%m-%d").to_numpy(),
        "detail": ce["code"].map({**_VERDICTS, **_SANCTIONS, **_STATUS}).to_numpy(),
    })
    n_orphan = int((plan["kind"] == "orphan_court_record").sum())
    if n_orphan:
        pos = rng.choice(len(court) + 1, size=n_orphan, replace=False) if len(court) else [0]
        orphans = pd.DataFrame({
            "notice_nr": [f"BR12.99.{990_000 + i:06d}/24" for i in range(n_orphan)],
            "act": "AUDIENCE",
            "act_date": (extraction_date - pd.Timedelta(days=30)).strftime("%Y-%m-%d"),
            "detail": None,
        })
        court = _insert(court, orphans, np.sort(np.asarray(pos))[:n_orphan])
    return court


def _support_extract(events: pd.DataFrame, ids: pd.DataFrame,
                     plan: pd.DataFrame) -> pd.DataFrame:
    """The victim-services extract: one row a contact, with the duplicated rows."""
    ve = events[events["event"].isin(list(_SUPPORT))]
    support = pd.DataFrame({
        "pv": ids.loc[ve["case_id"].to_numpy(), "pv"].to_numpy(),
        "type_contact": ve["event"].map(_SUPPORT).to_numpy(),
        "date_contact": ve["date"].dt.strftime("%d/%m/%Y").to_numpy(),
    })
    dup_ids = plan.loc[plan["kind"] == "duplicate_row", "case_id"]
    if len(dup_ids):
        case_of_row = ve["case_id"].to_numpy()
        rows = [int(np.flatnonzero(case_of_row == cid)[0]) for cid in dup_ids]
        support = _insert(support, support.iloc[rows], np.array(rows) + 1)
    return support


def _insert(frame: pd.DataFrame, rows: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """Insert ``rows`` so that row i lands before the original row ``positions[i]``."""
    key = np.concatenate([np.arange(len(frame)) * 2 + 1, np.asarray(positions) * 2])
    both = pd.concat([frame, rows], ignore_index=True)
    return both.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)


def _table(mapping: dict[str, str]) -> str:
    return "\n".join(f'"{k}" = "{v}"' for k, v in mapping.items())


def _inline(mapping: dict[str, str]) -> str:
    return "{ " + ", ".join(f'{k} = "{v}"' for k, v in mapping.items()) + " }"


def _interventions_toml(scenario: str) -> list[str]:
    """``[indicators]`` and ``[[interventions]]`` of a synthetic study config.

    The interventions planted in the scenario (effects with a start date) are declared
    as the study would declare them; a scenario without one declares the demo's
    reception protocol in zone 5341 from 2023-01-01, whose true effect is 0 (nothing is
    planted: the evaluation should find no change).
    """
    from .scenarios import SCENARIOS

    sc = SCENARIOS.get(scenario)
    planted = [e for e in sc.all_effects if e.start is not None] if sc is not None else []
    lines = ["[indicators]", 'period = "quarter"',
             "targets = { transmitted_30d = 0.70, median_days_to_decision = 180 }", ""]
    if planted:
        lines += ["# planted intervention(s) of the scenario (see the ground truth)"]
        units = list(dict.fromkeys(e.unit for e in planted))
        starts = {e.unit: e.start for e in planted}
        start = (f'"{planted[0].start}"' if len(set(starts.values())) == 1 else
                 "{ " + ", ".join(f'"{u}" = "{d}"' for u, d in starts.items()) + " }")
        lines += ["[[interventions]]", f'name = "{planted[0].label}"', f'by = "{planted[0].by}"',
                  "units = [" + ", ".join(f'"{u}"' for u in units) + "]", f"start = {start}"]
    else:
        lines += ["# declared for the demo; nothing is planted in this scenario (true effect 0)",
                  "[[interventions]]", 'name = "reception_protocol"', 'by = "zone"',
                  'units = ["5341"]', 'start = "2023-01-01"']
    return lines + ['exposure = "complaint"', 'outcome = "transmitted_30d"', ""]


def _study_toml(log: EventLog, name: str) -> str:
    """The ``study.toml`` of the written extracts: study sections, then one table a source."""
    sections = [*_study_sections(log, name), *_police_source(), *_parquet_source(),
                *_court_source(), *_victim_services_source()]
    return "\n".join(sections)


def _study_sections(log: EventLog, name: str) -> list[str]:
    """[study], [cohort], [groupings], [privacy] and the scenario's interventions."""
    meta = log.metadata
    start = pd.Timestamp(meta.get("start", "2021-01-01"))
    end = min(start + pd.DateOffset(years=4) - pd.Timedelta(days=1),
              pd.Timestamp(log.extraction_date))
    return [
        "# Synthetic study written by trajectory.synth.write_extracts: no real person.",
        f"# scenario = {meta.get('scenario')!r}, seed = {meta.get('seed')}, "
        f"n_cases = {meta.get('n_cases')}",
        "",
        "[study]",
        f'name = "{name}"',
        f'title = "Synthetic Brussels study (scenario {meta.get("scenario")})"',
        f'extraction_date = "{pd.Timestamp(log.extraction_date).date()}"',
        "synthetic = true",
        f"seed = {int(meta.get('seed', 0))}",
        'language = "en"',
        "",
        "[cohort]",
        'origin = "E11"',
        f'entry_window = ["{start.date()}", "{end.date()}"]',
        "",
        "[groupings]",
        'by = ["offence_group", "zone", "division"]',
        "",
        "[privacy]",
        "threshold = 5",
        "",
        *_interventions_toml(str(meta.get("scenario"))),
    ]


def _value_tables(values: dict[str, dict[str, str]]) -> list[str]:
    """One ``[sources.values.<column>]`` table a column (of the source just above)."""
    out: list[str] = []
    for col, mapping in values.items():
        out += [f"[sources.values.{col}]", _table(mapping), ""]
    return out


def _police_source() -> list[str]:
    """The police extract: ``;``-separated cp1252, decimal comma, day-first dates."""
    yes_no = {"O": "true", "N": "false"}
    return [
        "[[sources]]",
        'name = "police"', 'kind = "police"', 'path = "police.csv"', 'delimiter = ";"',
        'encoding = "cp1252"', 'decimal = ","', 'date_format = "%d/%m/%Y"',
        'identifiers = { pv_number = "PV_NR" }',
        "columns = " + _inline({
            "zone": "ZONE_POL", "municipality": "NIS_COMMUNE",
            "offence_group": "GROUPE_PHENOMENE", "police_code": "CODE_PREV",
            "ifg_police": "VIF", "hate_police": "HAINE", "sexual": "SEXUEL",
            "suspect_known": "AUTEUR_CONNU", "channel": "CANAL", "victim_sex": "SEXE_VICTIME",
            "victim_age_band": "AGE_VICTIME"}),
        "events = " + _inline(_POLICE_EVENTS),
        "",
        *_value_tables({
            "offence_group": {v: k for k, v in _GROUP_LABELS.items()},
            "police_code": {v: k for k, v in POLICE_CODES.items()},
            "ifg_police": yes_no, "hate_police": yes_no, "sexual": yes_no,
            "suspect_known": yes_no,
            "channel": {v: k for k, v in _CHANNELS.items()},
            "victim_sex": {v: k for k, v in _SEX.items()},
            "victim_age_band": {v: k for k, v in _AGE.items()},
        }),
    ]


def _parquet_source() -> list[str]:
    """The parquet extract: ``;``-separated UTF-8 with BOM, event details coded."""
    return [
        "[[sources]]",
        'name = "parquet"', 'kind = "parquet"', 'path = "parquet.csv"', 'delimiter = ";"',
        'encoding = "utf-8-sig"', 'date_format = "%d/%m/%Y"',
        'identifiers = { parquet_number = "NOTICE", pv_number = "PV_ORIGINE" }',
        "columns = " + _inline({
            "division": "SECTION", "parquet_code": "PREVENTION", "ifg_parquet": "IFG",
            "hate_parquet": "COL13", "suspect_sex": "SEXE_SUSPECT",
            "suspect_age_band": "AGE_SUSPECT", "relationship": "RELATION"}),
        "events = " + _inline(_PARQUET_EVENTS),
        "event_details = " + _inline(_PARQUET_DETAILS),
        "",
        *_value_tables({
            "division": {"F": "FR", "N": "NL"},
            "parquet_code": {v: k for k, v in PARQUET_CODES.items()},
            "suspect_sex": {v: k for k, v in _SEX.items()},
            "suspect_age_band": {v: k for k, v in _AGE.items()},
            "relationship": {v: k for k, v in _REL.items()},
            "code": {v: k for k, v in {**PARQUET_CODES, **_MOTIVES, **_STATUS}.items()},
        }),
    ]


def _court_source() -> list[str]:
    """The court extract: long layout (one row an act), ISO dates."""
    return [
        "[[sources]]",
        'name = "court"', 'kind = "court"', 'path = "court.csv"', 'delimiter = ","',
        'encoding = "utf-8"', 'date_format = "%Y-%m-%d"',
        'identifiers = { parquet_number = "notice_nr" }',
        'long = { event = "act", date = "act_date", code = "detail" }',
        "",
        "[sources.values.event]", _table({v: k for k, v in _COURT_ACTS.items()}), "",
        "[sources.values.code]",
        _table({v: k for k, v in {**_VERDICTS, **_SANCTIONS, **_STATUS}.items()}), "",
    ]


def _victim_services_source() -> list[str]:
    """The victim services extract: long layout (one row a contact)."""
    return [
        "[[sources]]",
        'name = "victim_services"', 'kind = "victim_services"', 'path = "victim_services.csv"',
        'delimiter = ";"', 'encoding = "utf-8"', 'date_format = "%d/%m/%Y"',
        'identifiers = { pv_number = "pv" }',
        'long = { event = "type_contact", date = "date_contact" }',
        "",
        "[sources.values.event]", _table({v: k for k, v in _SUPPORT.items()}), "",
    ]
