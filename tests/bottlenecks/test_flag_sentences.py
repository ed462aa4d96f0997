"""Flag sentences in English, French and Dutch (issue #16: ``trajectory report --lang``).

The sentence of every flagged comparison of a generated study is written in each language
from the message catalogue: English unchanged, French and Dutch with no English phrase
left and with the decimal comma.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from trajectory.bottlenecks import TEST_COLUMNS, flags
from trajectory.bottlenecks.flags import sentence
from trajectory.report_html import Facts, _findings
from trajectory.synth import make_study

#: English phrases of the sentence templates that must not survive a translation.
ENGLISH = ("cases compared", " the ", " of the ", "police zone", " rate ", " vs ", "days",
           " CI ", "within ", "open cases", "division of the parquet", "flagged",
           "Among", "against", "requalified", "victim support")
DECIMAL_POINT = re.compile(r"\d\.\d(?!\d\d)")  # 0.88, not the thousands of nl (20.000)


@pytest.fixture(scope="module")
def study_flags():
    log, _ = make_study(20_000, seed=1, scenario="brussels")
    return flags(log)


def _english_left(text: str) -> list[str]:
    return [w for w in ENGLISH if w in text]


def test_english_is_the_default_and_unchanged(study_flags):
    for _, row in study_flags.flagged().iterrows():
        assert sentence(row, "95%", 10) == sentence(row, "95%", 10, "en")
        assert sentence(row, "95%", 10) == row["sentence"]


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_every_flag_of_a_study_has_a_translated_sentence(study_flags, lang):
    flagged = study_flags.flagged()
    assert len(flagged) >= 5 and flagged["metric"].nunique() >= 3
    for _, row in flagged.iterrows():
        text = sentence(row, "95%", 10, lang)
        assert text and text != row["sentence"]
        assert _english_left(text) == [], (text, _english_left(text))
        assert not DECIMAL_POINT.search(text.replace(row["group"], "")), text
        assert "nan" not in text.lower().split()
    # the effect and its interval, with the decimal comma
    top = flagged.loc[flagged["metric"] == "median_ratio"].iloc[0]
    text = sentence(top, "95%", 10, lang)
    times = {"fr": "fois", "nl": "keer"}[lang]
    assert f"{top['effect']:.1f}".replace(".", ",") + f" {times}" in text
    assert f"{top['effect_lower']:.1f}".replace(".", ",") in text
    ci = {"fr": "IC 95 %", "nl": "95%-BI"}[lang]
    assert ci in text


def test_the_sentence_column_follows_lang():
    log, _ = make_study(4_000, seed=2, scenario="slow_zone")
    nl = flags(log, lang="nl").flagged()
    assert len(nl) and nl["sentence"].str.startswith(("Voor ", "Bij ", "Van ")).all()
    fr = flags(log, lang="fr").flagged()
    assert fr["sentence"].str.startswith(("Pour ", "Parmi ")).all()


def _row(**kw):
    base = {c: np.nan for c in TEST_COLUMNS}
    base.update(lens="reception", stage="victim_support", events="", by="division",
                subgroup="all", reference_group="NL", group="FR", test="Wald",
                metric="referral_rate_difference", adjusted_for="offence_group",
                n_group=1234, n_rest=4321, value=0.3, reference=0.5, effect=-0.2,
                effect_lower=-0.3, effect_upper=-0.1, p=0.001)
    base.update(kw)
    return pd.Series(base)


@pytest.mark.parametrize("metric", ["referral_rate_difference", "informed_rate_difference",
                                    "division_code_distance", "ifg_flag_loss_difference"])
def test_share_metrics_in_each_language(metric):
    row = _row(metric=metric)
    en = sentence(row, "95%", 10)
    assert "30%" in en and "50%" in en and "about 5,560 cases" in en
    fr = sentence(row, "95%", 10, "fr")
    assert "30\u202f%" in fr and "environ 5\u202f560 dossiers" in fr, fr
    nl = sentence(row, "95%", 10, "nl")
    assert "30%" in nl and "ongeveer 5.560 dossiers" in nl, nl
    for text in (fr, nl):
        assert _english_left(text) == [], text
    if metric != "division_code_distance":
        assert "-20 points" in en and "-20 points" in fr and "-20 procentpunten" in nl


def test_a_non_default_level_and_missing_adjustment_read_well():
    row = _row(metric="median_ratio", stage="transmission", by="zone", group="5340",
               reference_group="rest", effect=1.75, effect_lower=1.25, effect_upper=2.5,
               value=35.0, reference=20.0, adjusted_for=np.nan)
    fr = sentence(row, "97.5%", 1, "fr")
    assert "IC 97,5 %" in fr and "1,8 fois" in fr and "1,2–2,5" in fr
    assert "ajusté" not in fr and "5\u202f555 dossiers comparés" in fr


def test_the_report_summary_speaks_the_report_language(tmp_path, study_flags):
    from trajectory.privacy.disclose import disclose

    published = disclose(study_flags, k=5)  # the table the report reads, past the gate
    tables = tmp_path / "tables"
    tables.mkdir()
    published.table.to_csv(tables / "flags.csv", index=False)
    for lang, lead in (("fr", "Pour la zone de police"), ("nl", "Voor politiezone")):
        page = _findings(tmp_path, Facts(title="t", lang=lang, k=5))
        assert lead in page and "cases compared" not in page
        assert not DECIMAL_POINT.search(page), page
    en = _findings(tmp_path, Facts(title="t", lang="en", k=5))
    assert published.flagged()["sentence"].iloc[0] in en
    # the French summary states the same published case counts as the English one
    first = published.flagged().iloc[0]
    total = f"{int(first['n_group'] + first['n_rest']):,}"
    fr = _findings(tmp_path, Facts(title="t", lang="fr", k=5))
    assert total in published.flagged()["sentence"].iloc[0]
    assert total.replace(",", "\u202f") in fr


def test_a_sentence_the_gate_removed_is_not_rebuilt(tmp_path, study_flags):
    row = study_flags.flagged().iloc[[0]].assign(sentence="", n_group=np.nan)
    (tmp_path / "tables").mkdir()
    row.to_csv(tmp_path / "tables" / "flags.csv", index=False)
    for lang in ("en", "fr", "nl"):
        page = _findings(tmp_path, Facts(title="t", lang=lang, k=5))
        for phrase in ("cases compared", "dossiers comparés", "dossiers vergeleken", "nan"):
            assert phrase not in page, page
        assert "), q " in page, page  # the catalogue's plain finding instead
