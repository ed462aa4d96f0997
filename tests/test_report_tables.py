"""Published tables as a reader sees them: labels, rounding, intervals, ``<k``, no index.

Also the message catalogue (every message in EN, FR and NL with the same fields) and the
reader checks of :mod:`trajectory.report_check` on hand-made pages (each check can fail).
"""

from __future__ import annotations

import html
import re
import string
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from trajectory.messages import LANGUAGES, catalogue, message
from trajectory.report_check import check_report
from trajectory.report_tables import (
    FALSE_MARK,
    MAX_ROWS,
    TRUE_MARK,
    display_frame,
    format_number,
    styled_html,
    write_workbook,
)


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_has_three_languages_with_the_same_fields() -> None:
    entries = catalogue()
    assert len(entries) > 150
    for key, entry in entries.items():
        assert set(entry) == set(LANGUAGES), key
        english = _fields(entry["en"])
        for lang in LANGUAGES:
            text = entry[lang] if entry[lang] != "=en" else entry["en"]
            assert text.strip(), f"{key}.{lang} is empty"
            assert _fields(text) == english, f"{key}.{lang}: fields differ from English"


def test_numbers_are_rounded_for_reading_and_never_scientific() -> None:
    assert format_number(1.355250e-20) == "0.00"
    assert format_number(0.37149) == "0.37"
    assert format_number(53.3698) == "53.4"
    assert format_number(1939.0) == "1,939"
    assert format_number(1939.0, "fr") == "1\u202f939"
    assert format_number(0.5, "nl") == "0,50" and format_number(1939.0, "nl") == "1.939"
    assert format_number(float("nan")) == "–" and format_number(float("inf")) == "∞"


def test_model_table_shows_hazard_ratio_with_interval_and_readable_terms() -> None:
    model = pd.DataFrame({
        "term": ["offence_group[T.hate]", "C(division, Treatment('FR'))[T.NL]"],
        "estimate": [-0.94, 1.10], "std_err": [1.1, 0.47], "lower": [-3.1, 0.18],
        "upper": [1.2, 2.03], "p": [0.389126, 2.6e-265], "hazard_ratio": [0.389243, 3.0123],
        "hr_lower": [0.0454598, 1.1956], "hr_upper": [3.33283, 7.58945]})
    shown = display_frame(model)
    assert list(shown.columns) == ["Term", "Hazard ratio (95% CI)", "p"]
    assert shown.iloc[0].tolist() == ["Offence group: Hate crime and hate speech",
                                      "0.39 (0.05–3.33)", "0.389"]
    assert shown.iloc[1].tolist() == ["Division: NL", "3.01 (1.20–7.59)", "<0.001"]


def test_suppressed_counts_are_marked_below_k_or_as_protecting_a_small_cell() -> None:
    table = pd.DataFrame({"zone": ["5339", "5340", "5341"], "n": [None, None, 40.0],
                          "share": [None, None, 0.5], "suppressed": [True, True, False]})
    shown = display_frame(table, k=5, audit={"secondary": [1]})
    assert shown["Cases"].tolist() == ["<5", "‡", "40"]
    assert shown["Share"].tolist() == ["–", "–", "0.50"]
    text = shown.to_string()
    for bad in ("NaN", "<NA>", "None", "True", "False"):
        assert bad not in text


def test_curves_are_read_at_fixed_days_and_quantiles_side_by_side() -> None:
    curve = pd.DataFrame({"group": "all", "time": [10.0, 100.0, 400.0],
                          "estimate": [0.9, 0.6, 0.3], "lower": [0.8, 0.5, 0.2],
                          "upper": [0.95, 0.7, 0.4], "n_risk": [50, 40, 10],
                          "n_event": [5, 10, 8], "n_censor": [0, 0, 0]})
    shown = display_frame(curve)
    # the step in force on each day (as R summary(survfit, times=)): 0.9 on day 90,
    # 0.6 on days 182 and 365, 0.3 on day 730
    assert shown.iloc[0, 1:].tolist() == ["0.90 (0.80–0.95)", "0.60 (0.50–0.70)",
                                          "0.60 (0.50–0.70)", "0.30 (0.20–0.40)"]
    delays = pd.DataFrame({"stage": "transmission", "by": "all", "group": "all",
                           "q": [0.25, 0.5, 0.75], "estimate": [3.0, 17.0, 53.0],
                           "lower": [2.0, 15.0, 44.0], "upper": [4.0, 19.0, 60.0],
                           "n": 2497.0, "n_event": 2400.0, "withheld": False})
    row = display_frame(delays).iloc[0].to_dict()
    assert row["Median"] == "17 (15–19)" and row["Cases"] == "2,497"


def test_flags_show_flagged_rows_most_certain_first() -> None:
    flags = pd.DataFrame({"lens": ["reception", "sanctioning", "reception"],
                          "stage": ["transmission"] * 3, "by": ["zone"] * 3,
                          "subgroup": ["all"] * 3, "group": ["5340", "5341", "5339"],
                          "metric": ["median_ratio"] * 3, "effect": [3.08, 1.1, 2.5],
                          "effect_lower": [2.64, 0.9, 2.0], "effect_upper": [3.6, 1.3, 3.0],
                          "q": [1.9e-37, 0.4, 1e-3], "flagged": [True, False, True],
                          "sentence": ["s1", "", "s3"]})
    shown = display_frame(flags)
    assert len(shown) == 2
    assert shown["q (FDR)"].tolist() == ["<0.001", "0.001"]
    assert shown.iloc[0]["Effect (95% CI)"] == "3.08 (2.64–3.60)"


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_yes_no_columns_read_as_marks_with_a_legend_and_cell_flags_are_dropped(lang) -> None:
    logrank = pd.DataFrame({"group": ["hate", "harassment"], "n": [40.0, None],
                            "observed": [12.0, 3.0], "expected": [10.5, 4.5],
                            "n_suppressed": [False, True], "observed_suppressed": False})
    shown = display_frame(logrank, lang=lang, k=5)
    assert shown.shape[1] == 4  # the gate's per-cell flags are not columns for a reader
    assert shown.iloc[:, 1].tolist() == ["40", "<5"]
    assert "legend" not in shown.attrs
    indicators = pd.DataFrame({"indicator": "transmitted_30d", "period": ["2021Q1", "2021Q2"],
                               "estimate": [0.59, 0.72], "target": 0.7,
                               "on_target": [False, True], "withheld": False})
    shown = display_frame(indicators, lang=lang)
    title = message("column.on_target", lang)
    assert shown[title].tolist() == [FALSE_MARK, TRUE_MARK]
    assert title in shown.attrs["legend"] and TRUE_MARK in shown.attrs["legend"]
    words = {message("yes", lang), message("no", lang), "True", "False"}
    assert not words & set(shown.to_numpy().ravel().tolist())


def test_flags_and_sources_are_labelled_not_codes() -> None:
    lost = pd.DataFrame({"flag": ["hate", "ifg"], "n_flagged": [100, 200], "n_lost": [10, 20]})
    assert display_frame(lost)["Flag"].tolist() == ["Hate or discrimination motive",
                                                    "Intrafamilial (IFG)"]
    assert display_frame(lost, lang="nl").iloc[1, 0] == "Intrafamiliaal (IFG)"
    quality = pd.DataFrame({"source": ["police", "police+parquet", "victim_services"],
                            "reason": "duplicate_row", "n": [10, 12, 14]})
    assert display_frame(quality)["Source"].tolist() == ["Police", "Police + parquet",
                                                         "Victim services"]
    assert display_frame(quality, lang="nl")["Bron"].tolist()[0] == "Politie"
    flows = pd.DataFrame({"step": [0.0, 1.0], "source": ["cyber_harassment", "FR"],
                          "target": ["not_recorded", "court"], "count": [30, 40]})
    assert display_frame(flows).to_dict("records")[0] == {
        "Step": "0", "Source": "Cyber-harassment", "Target": "Not recorded", "Count": "30"}
    target_share = pd.DataFrame({"indicator": ["a"], "target": [0.7]})
    assert display_frame(target_share)["Target"].tolist() == ["0.70"]
    groups = pd.DataFrame({"group": ["complaint_year=2021", "victim_sex=F"], "n": [5, 6]})
    assert display_frame(groups, lang="fr").iloc[0, 0] == "Année de la plainte\u00a0: 2021"


def test_a_state_column_of_outcomes_is_headed_outcome() -> None:
    curve = pd.DataFrame({"group": "all", "state": ["court", "alternative"] * 2,
                          "time": [10.0, 10.0, 100.0, 100.0], "estimate": [0.1, 0.2, 0.3, 0.4],
                          "lower": 0.0, "upper": 0.5, "n_risk": 10, "n_event": 1,
                          "n_censor": 0})
    shown = display_frame(curve)
    assert "Outcome" in shown.columns and "State" not in shown.columns
    assert display_frame(curve, lang="nl").columns[0] == "Uitkomst"
    states = curve.assign(state=["parquet", "court"] * 2)  # multi-state: stages too
    assert "State" in display_frame(states).columns
    gray = pd.DataFrame({"state": ["court", "alternative"], "statistic": [299.0, 404.0],
                         "df": 6, "p": [1e-9, 1e-9]})
    assert display_frame(gray).columns[0] == "Outcome"


def test_long_tables_are_cut_in_the_page_with_a_caption_and_no_index() -> None:
    frame = pd.DataFrame({"Group": [f"g{i}" for i in range(30)], "Cases": ["10"] * 30})
    page = styled_html(frame, caption="Thirty groups", note="See tables/x.csv")
    assert page.count("<tr>") == MAX_ROWS + 1
    assert "<caption>Thirty groups</caption>" in page
    assert 'class="data"' in page and "See tables/x.csv" in page
    assert not re.search(r"<th[^>]*>\s*0\s*</th>", page)


def test_workbook_has_a_sheet_per_table_and_one_explaining_the_columns(tmp_path: Path) -> None:
    pd.DataFrame({"n": [5, 6]}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"estimate": [0.5], "lower": [0.4], "upper": [0.6]}).to_csv(
        tmp_path / ("b" * 40 + ".csv"), index=False)
    path = write_workbook(tmp_path, {"a": "Table A"}, lang="fr")
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == [message("columns_sheet", "fr"), "a", "b" * 31]
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert rows[0] == ("sheet", "table", "column", "meaning") and len(rows) == 5
    book.close()


_PAGE = """<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>
<h1>Study</h1><h2>Summary</h2>{body}
<p>{threshold}</p><p>{rounding}</p></body></html>"""


def _page(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "r"
    (folder / "tables").mkdir(parents=True)
    (folder / "figures").mkdir()
    pd.DataFrame({"n": [5]}).to_csv(folder / "tables" / "a.csv", index=False)
    write_workbook(folder / "tables", {})
    (folder / "index.html").write_text(_PAGE.format(
        body=body, threshold=html.escape(message("disclosure.threshold", "en", k=5, km=4)),
        rounding=html.escape(message("disclosure.no_rounding", "en"))), encoding="utf-8")
    return folder


def test_reader_checks_pass_a_clean_page(tmp_path: Path) -> None:
    table = '<table class="data"><caption>Cases</caption><tr><th>Group</th></tr>' \
            "<tr><td>0.37 (0.35–0.40)</td></tr></table>"
    assert check_report(_page(tmp_path, table)) == []


@pytest.mark.parametrize(("body", "problem"), [
    ('<script src="https://cdn.example.org/require.js"></script>', "external URL"),
    ('<a href="http://example.org/x">x</a>', "external URL"),
    ('<a href="figures/missing.svg">x</a>', "does not reach a file"),
    ("<p>/home/someone/study/police.csv</p>", "machine path"),
    ("<h1>Second</h1>", "h1"),
    ("<h4>Deep</h4>", "heading level skipped"),
    ('<img src="data:image/png;base64,AA" alt="No description has been provided">', "alt"),
    ("<table><tr><th>x</th></tr><tr><td>1</td></tr></table>", "no caption"),
    ("<table><caption>c</caption><tr><th>x</th></tr><tr><td>NaN</td></tr></table>", "NaN"),
    ("<table><caption>c</caption><tr><th>x</th></tr><tr><td>1.3e-20</td></tr></table>",
     "1.3e-20"),
    ("<table><caption>c</caption><tr><th></th><th>x</th></tr><tr><td>0</td><td>a</td></tr>"
     "<tr><td>1</td><td>b</td></tr></table>", "row-index"),
])
def test_reader_checks_catch_each_defect(tmp_path: Path, body: str, problem: str) -> None:
    problems = check_report(_page(tmp_path, body))
    assert any(problem in p for p in problems), problems


def test_reader_checks_catch_paths_unstated_rules_and_case_level_files(tmp_path: Path) -> None:
    folder = _page(tmp_path, "")
    (folder / "index.html").write_text(
        f'<html lang="en"><body><h1>t</h1><p>{folder.resolve()}</p></body></html>',
        encoding="utf-8")
    (folder / "study.duckdb").write_bytes(b"")
    problems = " | ".join(check_report(folder))
    for expected in ("machine path", "threshold", "rounding", "case-level"):
        assert expected in problems


def test_command_line_offers_the_three_languages() -> None:
    from trajectory.cli import _parser

    args = _parser().parse_args(["report", "--config", "study.toml", "--lang", "nl"])
    assert args.lang == "nl"
    with pytest.raises(SystemExit):
        _parser().parse_args(["demo", "--lang", "de"])


def test_screenshots_at_laptop_and_phone_sizes_when_chromium_is_installed(tmp_path: Path) -> None:
    from PIL import Image

    from trajectory.report_check import SIZES, chromium, screenshots

    if chromium() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    shots = screenshots(_page(tmp_path, "<p>A page.</p>"), tmp_path / "shots")
    sizes = []
    for path in shots:
        with Image.open(path) as image:
            sizes.append(image.size)
    assert sizes == list(SIZES)


_SNAKE_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _code_tables() -> dict[str, pd.DataFrame]:
    """Tables holding every code the pipeline writes into a label column or header."""
    from trajectory.cohort.rules import COHORT_RULES, STAGE_RULES, TRANSITION_RULES, rules_frame
    from trajectory.config_monitoring import DEFAULT_INDICATORS

    rules = {r.name: r for r in (*COHORT_RULES, *STAGE_RULES, *TRANSITION_RULES)}
    specs = list(DEFAULT_INDICATORS.values())
    indicators = pd.DataFrame({
        "indicator": [s.name for s in specs], "group": "all", "period": "2021Q1",
        "period_start": "2021-01-01", "period_end": "2021-03-31", "estimate": 0.5,
        "lower": 0.4, "upper": 0.6, "std_err": 0.05, "n": 100, "n_event": 50, "n_risk": 40,
        "horizon": [s.horizon for s in specs],
        "status": (["mature", "immature", "not_observed"] * 4)[: len(specs)],
        "target": 0.7, "on_target": False, "kind": [s.kind for s in specs],
        "unit": ["days" if s.kind == "median" else "share" for s in specs],
        "withheld": False})
    signals = ["above 99.8% limit", "below 99.8% limit", "above 95% limit", "below 95% limit"]
    funnel = pd.DataFrame({"group": ["5339"] * 4, "n": 100, "n_eff": 100.0, "observed": 0.6,
                           "expected": 0.5, "ratio": 1.2, "z": 2.0, "lower_95": 0.9,
                           "upper_95": 1.1, "lower_998": 0.8, "upper_998": 1.2,
                           "signal": signals})
    cusum = pd.DataFrame({"group": ["5339"], "threshold": 5.0, "arl0": 2000.0,
                          "arl0_censored_share": 0.5, "alarm_date": "2023-07-20",
                          "run_start": "2023-06-14", "n": 4563})
    terms = ["ATT", "ATT, cells variance", "ATT, cases open at the start excluded",
             "hazard ratio", "pre-trend"]
    evaluation = pd.DataFrame({"term": terms, "estimate": 0.01, "lower": -0.01, "upper": 0.03,
                               "p": 0.4, "estimand": "difference in cumulative incidence",
                               "inference": "cluster bootstrap by zone", "n": 1826})
    return {"rules": rules_frame(list(rules.values()), {}), "indicators": indicators,
            "funnel": funnel, "cusum": cusum, "evaluation": evaluation}


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_french_and_dutch_tables_show_labels_never_snake_case_codes(lang: str) -> None:
    """Headers and label columns of the rules, indicators and monitoring tables are
    words of the page's language: no ``snake_case`` code, no English text left in them."""
    for name, table in _code_tables().items():
        shown = display_frame(table, lang=lang, k=5)
        english = display_frame(table, lang="en", k=5)
        for title in shown.columns:
            assert not _SNAKE_CODE.search(title), (name, title)
        for column in shown.columns:
            for value in shown[column]:
                assert not _SNAKE_CODE.search(value), (name, column, value)
        for column in ("Règle", "Regel", "Action", "Actie", "Indicateur", "Indicator",
                       "Statut", "Status", "Type", "Soort", "Signal", "Signaal"):
            if column in shown.columns and column in english.columns:
                assert not set(shown[column]) & set(english[column]), (name, column)
        assert "Description" not in shown.columns and "Beschrijving" not in shown.columns


def test_indicators_table_fits_the_page_and_rules_keep_their_codes_in_the_csv() -> None:
    tables = _code_tables()
    shown = display_frame(tables["indicators"], lang="fr", k=5)
    assert list(shown.columns) == ["Indicateur", "Période", "Estimation (IC 95 %)", "Dossiers",
                                   "Événements", "Statut", "Cible", "Cible atteinte", "Type"]
    assert shown.iloc[0, 0] == "Transmis au parquet en 30 jours"
    assert shown["Statut"].tolist()[:3] == ["Définitif", "Provisoire (suivi trop court)",
                                            "Non observé"]
    rules = display_frame(tables["rules"], lang="en", k=5)
    assert rules.iloc[0].tolist()[:3] == ["No dated origin event: no time zero", "0",
                                          "Excluded"]
    assert "Description" in rules.columns  # the English page keeps the rule's text
    assert tables["rules"]["rule"].iloc[0] == "missing_origin"  # the CSV keeps the code
    french = display_frame(tables["rules"], lang="fr", k=5)
    assert french.iloc[0, 0] == "Aucun événement d'origine daté\u00a0: pas de temps zéro"
    funnel = display_frame(tables["funnel"], lang="fr", k=5)
    assert list(funnel.columns) == ["Groupe", "Dossiers", "Observés", "Attendus",
                                    "Observé / attendu", "Limite inférieure 99,8 %",
                                    "Limite supérieure 99,8 %", "Signal"]
    assert funnel["Signal"].iloc[0] == "Au-dessus de la limite à 99,8 %"


# ----------------------------------------------------------------------------------------
# Periods, minus signs and indicator summaries as a reader of each language reads them

_MACHINE_PERIOD = re.compile(r"\b\d{4}Q[1-4]\b|\b\d{4}-\d{2}(-\d{2})?\b")
#: A hyphen-minus that starts a number (not one inside a date or a code such as E20-E23).
_HYPHEN_MINUS = re.compile(r"(?<![\w])-\d")


def _cells(shown: pd.DataFrame) -> list[str]:
    return [str(c) for c in shown.columns] + [str(v) for v in shown.to_numpy().ravel()]


@pytest.mark.parametrize(("lang", "quarter", "month", "day"), [
    ("fr", "T3 2021", "janvier 2022", "1er juillet 2023"),
    ("nl", "K3 2021", "januari 2022", "1 juli 2023"),
    ("en", "2021 Q3", "January 2022", "1 July 2023"),
])  # written with no-break spaces: a period never breaks across lines
def test_periods_and_dates_read_as_the_language_writes_them(
        tmp_path: Path, lang: str, quarter: str, month: str, day: str) -> None:
    tables = _code_tables()
    quarterly = tables["indicators"].assign(period="2021Q3")
    monthly = tables["indicators"].assign(period="2022-01")
    alarms = tables["cusum"].assign(alarm_date="2023-07-01")
    for table, expected, column in ((quarterly, quarter, "period"), (monthly, month, "period"),
                                    (alarms, day, "alarm_date")):
        shown = display_frame(table, lang=lang, k=5)
        title = _column_title(column, lang)
        assert set(shown[title]) == {expected.replace(" ", "\u00a0")}
        assert not [c for c in _cells(shown) if _MACHINE_PERIOD.search(c)]
    # the files keep the machine form
    quarterly.to_csv(tmp_path / "indicators.csv", index=False)
    path = write_workbook(tmp_path, {}, lang=lang)
    book = load_workbook(path, read_only=True)
    rows = list(book["indicators"].iter_rows(values_only=True))
    book.close()
    assert rows[1][rows[0].index("period")] == "2021Q3"
    assert pd.read_csv(tmp_path / "indicators.csv")["period"].iloc[0] == "2021Q3"


def _column_title(column: str, lang: str) -> str:
    """The title a column takes on the page."""
    from trajectory.messages import message_or

    return message_or(f"column.{column}", lang, column)


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_negative_numbers_take_the_minus_sign_of_the_figures(lang: str) -> None:
    from trajectory.plotting.formatting import format_decimal

    evaluation = _code_tables()["evaluation"].assign(lower=-0.0184966, estimate=-0.25)
    model = pd.DataFrame({"term": ["offence_group[T.hate]"], "estimate": [-0.94],
                          "std_err": [0.3], "lower": [-1.53], "upper": [-0.35], "p": [0.002]})
    plain = pd.DataFrame({"group": ["hate"], "observed": [-3.5], "expected": [-12.25]})
    for table in (evaluation, model, plain):
        cells = _cells(display_frame(table, lang=lang, k=5))
        assert not [c for c in cells if _HYPHEN_MINUS.search(c)], cells
        assert any("\u2212" in c for c in cells)
    # one formatter for tables and figures
    for value, digits in ((-0.25, 2), (-12.25, 1), (-1234.0, 0)):
        assert format_number(value, lang, digits=digits) == format_decimal(
            value, f",.{digits}f", lang)
    assert format_number(-0.001, lang) == format_number(0.0, lang)  # never "−0.00"


def _indicator_series() -> pd.DataFrame:
    """Two indicators over four quarters; the second is never mature."""
    periods = ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]
    return pd.DataFrame({
        "indicator": ["transmitted_30d"] * 4 + ["summons_12m"] * 4, "group": "all",
        "period": periods * 2, "period_start": "2021-01-01", "period_end": "2021-03-31",
        "estimate": [0.61, 0.66, 0.72, 0.80, 0.10, 0.11, 0.12, None],
        "lower": [0.55, 0.60, 0.66, 0.70, 0.05, 0.06, 0.07, None],
        "upper": [0.67, 0.72, 0.78, 0.90, 0.15, 0.16, 0.17, None],
        "n": 100, "n_event": 50, "n_risk": 40, "horizon": [30] * 4 + [365] * 4,
        "status": ["mature", "mature", "mature", "immature"]
        + ["immature", "immature", "immature", "not_observed"],
        "target": [0.7] * 4 + [None] * 4,
        "on_target": [False, False, True, True] + [None] * 4,
        "kind": "incidence", "unit": "share", "withheld": False})


def test_indicators_summary_shows_each_indicator_at_its_latest_mature_period(
        tmp_path: Path) -> None:
    from trajectory.report_html import Facts, _table_html

    series = _indicator_series()
    shown = display_frame(series, lang="en", k=5)
    assert shown["Indicator"].tolist() == ["Transmitted to the parquet within 30 days",
                                           "Summons within 12 months"]
    # the latest mature quarter (Q4 is still followed); an indicator never mature shows
    # its latest estimated quarter, marked provisional
    assert shown["Period"].tolist() == ["2021\u00a0Q3"] * 2
    assert shown["Estimate (95% CI)"].tolist() == ["0.72 (0.66–0.78)", "0.12 (0.07–0.17)"]
    assert shown["Target"].tolist() == ["0.70", "–"]
    assert shown["On target"].tolist() == [TRUE_MARK, "–"]
    assert shown["Status"].tolist() == ["Final", "Provisional (follow-up too short)"]
    # the page says where the other periods are; the CSV keeps them all
    (tmp_path / "tables").mkdir()
    series.to_csv(tmp_path / "tables" / "indicators.csv", index=False)
    page = _table_html({"name": "indicators", "kind": "table"}, tmp_path, "Indicators",
                       Facts(title="t"), {"indicators": "indicators"})
    assert page.count("<tr>") == 1 + 2
    assert "One row per indicator" in page and "tables/indicators.csv" in page
    assert len(pd.read_csv(tmp_path / "tables" / "indicators.csv")) == 8
