"""Published tables made readable: labels, rounded numbers, intervals, ``<k`` markers.

The report shows every table that a notebook published (after the disclosure gate) in
a form a reader expects from a publication: no row index, labels instead of codes,
numbers rounded for reading, an estimate and its interval in one cell
(``0.37 (0.35–0.40)``), ``<k`` where a count below the threshold was suppressed and
``‡`` where a larger cell was hidden so that a small one cannot be recovered. Numbers
and periods are written as the figures write them, in the page's language: one number
formatter (the decimal comma, the minus sign U+2212), periods and dates in words
(``T1 2021``, ``20 juillet 2023``), a flag's difference of shares in percentage points.
Long tables are cut to their first rows in the HTML (an indicator series to one row an
indicator); the full table stays in ``tables/<name>.csv`` and in the workbook
``tables/tables.xlsx`` (:func:`write_workbook`), in the machine form (``2021Q1``).

Only presentation changes: :func:`display_frame` never alters a published value's
meaning, it formats it.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"group": ["hate", "all"], "estimate": [0.371, 0.5],
...                   "lower": [0.352, 0.45], "upper": [0.404, 0.55], "n": [120.0, None],
...                   "suppressed": [False, True]})
>>> display_frame(t, lang="en", k=5).to_dict("records")[0]
{'Group': 'Hate crime and hate speech', 'Estimate (95% CI)': '0.37 (0.35–0.40)', 'Cases': '120'}
>>> display_frame(t, lang="fr", k=5).iloc[1].tolist()
['Toutes les affaires', '0,50 (0,45–0,55)', '<5']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .messages import message, message_or

__all__ = ["display_frame", "styled_html", "write_workbook", "format_number", "MAX_ROWS",
           "TRUE_MARK", "FALSE_MARK"]

#: Rows shown in the HTML before a table is cut (the full table is in tables/).
MAX_ROWS = 12
#: Times (days) at which curves are read for the report's tables.
CURVE_TIMES = (90, 182, 365, 730)

_FLAG_COLUMNS = ("suppressed", "withheld")
#: A per-cell flag of the gate (``n_suppressed``): the cell itself is blank and shows ``<k``.
_CELL_FLAG = re.compile(r"^.+_suppressed$")
#: How a yes/no column reads: a mark, explained under the table (never True/False).
TRUE_MARK, FALSE_MARK = "✓", "✗"
#: Columns that only serve computation or are shown elsewhere.
_DROP = {"std_err", "order", "events", "threshold", "direction", "test", "adjusted_for",
         "sentence", "reference_group", "n_censor", "n_implied", "p_raw"}
#: Columns whose values are codes to be shown as labels.
_CODED = {"group", "state", "outcome", "stage", "offence_group", "police_code", "parquet_code",
          "code", "zone", "division", "source", "from_state", "to_state", "flag", "subgroup",
          "lens", "channel", "victim_sex", "age_band", "metric", "reason", "field", "by",
          "measure", "severity", "kind", "indicator", "rule", "action", "status", "unit",
          "signal", "period"}
#: Coded columns labelled from sections of the message catalogue, tried in order (the
#: other coded columns go through the project vocabularies, ``display_label``).
_SECTIONS: dict[str, tuple[str, ...]] = {
    "flag": ("flag_name",), "by": ("dimension",), "kind": ("dimension", "value"),
    "metric": ("value",), "measure": ("value",), "severity": ("value",),
    "reason": ("value",), "lens": ("value",), "field": ("column",), "indicator": ("indicator",),
    "rule": ("rule",), "action": ("value",), "status": ("value",), "unit": ("value",),
    "signal": ("signal",),
}
#: Where a code found in a free-text column is looked up (the last resort before words).
_ANY_SECTION = ("value", "dimension", "indicator", "rule", "flag_name", "kind", "column")
#: A code as the pipeline writes it (``not_observed``, ``transmitted_30d``).
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
#: Free-text columns written in English by the code (a rule's description, a model's
#: estimand): shown on the English page only; the label column carries the meaning in
#: every language.
_ENGLISH_TEXT = {"description", "estimand", "inference"}
#: Detail columns kept in the CSV and the workbook only, by a column that marks the table:
#: the HTML summary has to fit a page (an indicator's period names its dates and its label
#: the horizon; a funnel's signal says which limit a zone crosses).
_DETAIL: dict[str, tuple[str, ...]] = {
    "indicator": ("period_start", "period_end", "n_risk", "horizon", "unit"),
    "signal": ("n_eff", "z", "lower_95", "upper_95"),
}
#: Columns labelled when they hold codes (a flow's target) and read as numbers otherwise
#: (an indicator's target share).
_CODED_TEXT = {"target"}
#: (estimate, lower, upper) column triples, in order of preference.
_TRIPLES = (
    ("hazard_ratio", "hr_lower", "hr_upper"),
    ("hazard_ratio", "hazard_lower", "hazard_upper"),
    ("effect", "effect_lower", "effect_upper"),
)
_PROBABILITY = {"p", "q"}
_COUNT = re.compile(r"^(n|n_.*|count|cases|events|freq)$")
_FORMULA_FACTOR = re.compile(r"C\((?P<var>\w+)[^\[]*\)\[")


def format_number(value: Any, lang: str = "en", *, digits: int | None = None) -> str:
    """A number for reading: 2 decimals below 10, 1 below 100, else an integer.

    Never scientific notation; thousands separated as the language writes them; a
    negative number takes the minus sign (U+2212), as in the figures: the digits come
    from :func:`trajectory.plotting.formatting.format_decimal`, the one number
    formatter of tables and figures.

    Examples
    --------
    >>> format_number(1.355250e-20), format_number(2345.6, "fr"), format_number(0.5, "nl")
    ('0.00', '2\u202f346', '0,50')
    >>> format_number(-0.25, "fr"), format_number(-0.001)
    ('\u22120,25', '0.00')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if math.isinf(v):  # e.g. the upper limit of a median that the curve never reaches
        return "∞" if v > 0 else "−∞"
    if digits is None:
        whole = v == round(v) and abs(v) > 1  # 30.0 days reads as 30
        digits = 0 if whole else 2 if abs(v) < 10 else (1 if abs(v) < 100 else 0)
    from .plotting.formatting import format_decimal

    return format_decimal(v, f",.{digits}f", lang)


def _localise(text: str, lang: str) -> str:
    """English number text as ``lang`` writes it (the figures' function)."""
    from .plotting.formatting import decimal_text

    return decimal_text(text, lang)


def _count(value: Any, lang: str) -> str:
    return format_number(round(float(value)), lang, digits=0)


def _p_value(value: Any, lang: str) -> str:
    v = float(value)
    if v < 0.001:
        return "<" + _localise("0.001", lang)
    return _localise(f"{v:.3f}", lang)


def _label(column: str, value: Any, lang: str) -> str:
    if isinstance(value, (bool, np.bool_)):
        return TRUE_MARK if value else FALSE_MARK  # explained under the table
    text = str(value)
    if column in _SECTIONS:
        return _catalogued(text, _SECTIONS[column], lang)
    if column == "source":  # a source system, or the origin of a flow (a code)
        from .plotting.theme import display_label as code_label

        words = " + ".join(message_or(f"kind.{part}", lang, code_label(part, lang))
                           for part in text.split("+"))
        return words[:1].upper() + words[1:]  # a cell starts as a sentence does
    if text in ("missing", "unknown"):
        return message(f"value.{text}", lang)
    from .plotting.theme import colon, display_label

    if column in ("subgroup", "group") and "=" in text:
        name, level = text.split("=", 1)
        return (message_or(f"dimension.{name}", lang, name.replace("_", " "))
                + colon(lang) + display_label(level, lang))
    return display_label(text, lang)


def _catalogued(code: str, sections: tuple[str, ...], lang: str) -> str:
    """The label of ``code`` from the first catalogue section that has it.

    A code no section knows goes through the project vocabularies, and is shown as
    words (never ``snake_case``) when they do not know it either.
    """
    for section in sections:
        found = message_or(f"{section}.{code}", lang, "")
        if found:
            return found
    from .plotting.theme import display_label

    shown = display_label(code, lang)
    return shown.replace("_", " ") if _SNAKE.match(shown) else shown


def term_text(term: str, lang: str) -> str:
    """A model term as words: ``C(division, Treatment('FR'))[T.NL]`` -> ``Division: NL``."""
    from .plotting.forest import term_label

    named = message_or(f"model_term.{term}", lang, "")
    if named:  # a row named in words by the code that wrote it (an evaluation's ATT)
        return named
    plain = _FORMULA_FACTOR.sub(lambda m: f"{m['var']}[", str(term))
    match = re.match(r"^(?P<var>[^\[]+)\[T\.(?P<level>.+)\]$", plain)
    if match:
        from .plotting.theme import colon, display_label

        var = message_or(f"dimension.{match['var']}", lang, match["var"].replace("_", " "))
        return var + colon(lang) + display_label(match["level"], lang)
    return term_label(plain, lang)


def _interval(est: Any, lo: Any, hi: Any, lang: str, digits: int | None = None) -> str:
    if est is None or pd.isna(est):
        return "–"
    if digits is None:
        shown = [float(x) for x in (est, lo, hi)
                 if x is not None and not pd.isna(x) and math.isfinite(float(x))]
        top = abs(float(est)) if math.isfinite(float(est)) else 0.0
        whole = bool(shown) and all(x == round(x) for x in shown) and max(
            abs(x) for x in shown) > 1
        digits = 0 if whole else 2 if top < 10 else (1 if top < 100 else 0)
    text = format_number(est, lang, digits=digits)
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return text
    low, high = format_number(lo, lang, digits=digits), format_number(hi, lang, digits=digits)
    return f"{text} ({low}–{high})"


def _curve_at_times(table: pd.DataFrame, keys: list[str], lang: str, *,
                    k: int = 5) -> pd.DataFrame:
    """One row a curve, one column a time.

    A step curve (with ``n_risk``) is read at 90, 182, 365 and 730 days as R's
    ``summary(survfit, times=)``: the step in force (before the first step, the start: 1
    for a falling curve, 0 for a rising one). A table of values at a few times shows its
    own times; a row withheld by the gate shows ``<k``.
    """
    steps = "n_risk" in table.columns
    times_shown = CURVE_TIMES if steps else sorted(table["time"].dropna().unique())
    hidden = pd.Series(False, index=table.index)
    for flag in _FLAG_COLUMNS:
        if flag in table.columns:
            hidden |= table[flag].fillna(False).astype(bool)
    rows = []
    for key, tab in table.sort_values([*keys, "time"]).groupby(keys, sort=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        record: dict[str, Any] = dict(zip(keys, key, strict=True))
        if not steps:
            for t in times_shown:
                at = tab[tab["time"] == t]
                column = message("day_n", lang, n=int(t))
                if at.empty:
                    record[column] = "–"
                elif hidden.loc[at.index].any() or at["estimate"].isna().all():
                    record[column] = f"<{k}" if hidden.loc[at.index].any() else "–"
                else:
                    row = at.iloc[0]
                    record[column] = _interval(row["estimate"], row.get("lower"),
                                               row.get("upper"), lang, digits=2)
            rows.append(record)
            continue
        tab = tab[~hidden.loc[tab.index]]
        times = tab["time"].to_numpy(float)
        shown = tab["estimate"].dropna()
        start = 1.0 if len(shown) and shown.iloc[0] > shown.iloc[-1] else 0.0
        for t in times_shown:
            step = int(np.searchsorted(times, t, side="right")) - 1
            column = message("day_n", lang, n=t)
            if step < 0:
                record[column] = format_number(start, lang) if len(times) else "–"
                continue
            row = tab.iloc[step]
            if t > times.max() and "n_risk" in tab and float(tab["n_risk"].iloc[-1] or 0) == 0:
                record[column] = "–"
                continue
            record[column] = _interval(row["estimate"], row.get("lower"), row.get("upper"),
                                       lang, digits=2)
        rows.append(record)
    return pd.DataFrame(rows)


def _pivot_quantiles(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    keys = [c for c in table.columns if c not in ("q", "estimate", "lower", "upper", "n",
                                                  "n_event", *_FLAG_COLUMNS)]
    quantiles = [message_or(f"quantile.{float(q):g}", lang, f"q={float(q):g}")
                 for q in sorted(table["q"].dropna().unique())]
    out = []
    for key, tab in table.groupby(keys, sort=False, observed=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        record: dict[str, Any] = dict(zip(keys, key, strict=True))
        for q, est, lo, hi in zip(tab["q"], tab["estimate"], tab["lower"], tab["upper"],
                                  strict=True):
            name = message_or(f"quantile.{float(q):g}", lang, f"q={float(q):g}")
            record[name] = _interval(est, lo, hi, lang, digits=0)
        first = tab.iloc[0]
        record["n"] = first.get("n")
        record["n_event"] = first.get("n_event")
        record["withheld"] = bool(tab.get("withheld", pd.Series([False])).fillna(False).any())
        out.append(record)
    frame = pd.DataFrame(out)
    ordered = [*keys, *quantiles, "n", "n_event", "withheld"]
    return frame[[c for c in ordered if c in frame.columns]]


def display_frame(table: pd.DataFrame, *, lang: str = "en", k: int = 5,
                  audit: Mapping[str, Any] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """The published ``table`` as strings for reading (no index, labels, intervals, ``<k``).

    Parameters
    ----------
    table : pandas.DataFrame
        A table as saved in ``tables/`` (after the disclosure gate).
    lang : {"en", "fr", "nl"}
        Language of the column titles and labels.
    k : int
        The disclosure threshold, for the ``<k`` marker.
    audit : mapping, optional
        ``{"secondary": [row positions]}``: suppressed cells that are not below ``k`` and
        are marked ``‡`` instead.
    alpha : float
        Shown in the interval column titles (``95% CI``).
    """
    t = _outcomes_named(table.drop(columns=[c for c in table.columns
                                            if _CELL_FLAG.match(str(c))]))
    latest = _is_indicator_series(t)
    t = _page_columns(_page_rows(t), lang)
    secondary = set((audit or {}).get("secondary", []))
    hidden = pd.Series(False, index=t.index)
    for flag in _FLAG_COLUMNS:
        if flag in t.columns:
            hidden |= t[flag].fillna(False).astype(bool)
    is_curve = {"time", "estimate"} <= set(t.columns) and (
        "n_risk" in t.columns or t["time"].nunique() <= 6)
    if is_curve:
        keys = [c for c in ("group", "state", "outcome") if c in t.columns]
        t = _curve_at_times(t, keys, lang, k=k)
        hidden = pd.Series(False, index=t.index)
    elif "q" in t.columns and {"estimate", "lower", "upper"} <= set(t.columns) \
            and "metric" not in t.columns:
        t = _pivot_quantiles(t, lang)
        hidden = t.pop("withheld").astype(bool)
    level = f"{100 * (1 - alpha):g}"
    ci = message("ci", lang, level=level)
    t = t.drop(columns=[c for c in t.columns if c in _DROP])
    for est, lo, hi in _TRIPLES:
        if {est, lo, hi} <= set(t.columns):
            title = f"{message_or(f'column.{est}', lang, est)} ({ci})"
            flags = est == "effect" and _flag_metrics(t)
            if flags:  # as the flags figure writes them: differences in percentage points
                from .plotting.flags import effect_text

                t[est] = [effect_text(*v, lang) for v in zip(t["metric"], t[est], t[lo], t[hi],
                                                             strict=True)]
                title = message("column.effect_points", lang, ci=ci) if flags == "points" \
                    else title
            else:
                t[est] = [_interval(*v, lang) for v in zip(t[est], t[lo], t[hi], strict=True)]
            t = t.drop(columns=[lo, hi])
            t = t.rename(columns={est: title})
            if est == "hazard_ratio":  # the log-scale coefficient adds nothing for a reader
                t = t.drop(columns=[c for c in ("estimate", "lower", "upper") if c in t.columns])
    if {"lower", "upper"} <= set(t.columns):
        cols = list(t.columns)
        est = "estimate" if "estimate" in cols else cols[cols.index("lower") - 1]
        t[est] = [_interval(*v, lang) for v in zip(t[est], t["lower"], t["upper"], strict=True)]
        t = t.drop(columns=["lower", "upper"])
        t = t.rename(columns={est: f"{message_or(f'column.{est}', lang, est)} ({ci})"})
    if "term" in t.columns:
        t["term"] = [term_text(v, lang) for v in t["term"]]
    t = t.drop(columns=[c for c in t.columns if c in _DROP or c in _FLAG_COLUMNS])
    t = t[[c for c in t.columns if c not in _PROBABILITY] + [c for c in t.columns
                                                             if c in _PROBABILITY]]
    # "all" in every row of a breakdown column says nothing: the caption says it
    constant = [c for c in ("by", "group", "subgroup") if c in t.columns and len(t) > 1
                and set(t[c].astype(str)) == {"all"}]
    t = t.drop(columns=constant)
    out = pd.DataFrame(index=t.index)
    marked = []
    for column in t.columns:
        name = str(column)
        title = message_or(f"column.{name}", lang, name.replace("_", " ").capitalize()) \
            if name in t.columns and not name.endswith(")") else name
        out[title] = [_cell_text(name, value, pos, lang, k=k, secondary=secondary)
                      for pos, value in enumerate(t[column].tolist())]
        if _is_boolean(t[column]):
            marked.append(title)
    out = out.reset_index(drop=True)
    out = _typeset(out, lang)
    if marked:
        out.attrs["legend"] = message("table.booleans", lang, columns=", ".join(marked))
    if latest:
        out.attrs["latest"] = True  # one row an indicator: the page says where the rest is
    return out


def _page_rows(t: pd.DataFrame) -> pd.DataFrame:
    """The rows a page shows; the CSV and the workbook keep them all.

    The overall rows of a long breakdown, the flagged comparisons of a flags table (most
    certain first), one row an indicator (:func:`_latest_periods`).
    """
    if "by" in t.columns and len(t) > MAX_ROWS and (t["by"].astype(str) == "all").sum() > 1:
        t = t[t["by"].astype(str) == "all"]  # the overall rows; groups are in the full table
    if "flagged" in t.columns:
        t = t[t["flagged"].fillna(False).astype(bool)]
        if "q" in t.columns:
            t = t.sort_values("q", kind="stable")
        t = t.drop(columns=[c for c in ("value", "reference", "p", "flagged", "n_group",
                                        "n_rest") if c in t.columns])
    if _is_indicator_series(t):
        t = _latest_periods(t)
    return t


def _is_indicator_series(t: pd.DataFrame) -> bool:
    """True for a table of indicators by entry period (``indicator, period, status``)."""
    return {"indicator", "period", "status"} <= set(t.columns)


def _latest_periods(t: pd.DataFrame) -> pd.DataFrame:
    """One row an indicator (and group): its latest mature period, with its target.

    A mature period's value is final; when no period of an indicator is mature yet, its
    latest estimated period is shown (its status says it is immature). Indicators keep
    the order of the table.
    """
    t = t.reset_index(drop=True)
    keys = [c for c in ("indicator", "group") if c in t.columns]
    keep = []
    for _, rows in t.groupby(keys, sort=False, dropna=False):
        estimated = rows[rows["estimate"].notna()] if "estimate" in rows.columns else rows
        mature = estimated[estimated["status"].astype(str) == "mature"]
        pool = mature if len(mature) else estimated if len(estimated) else rows
        keep.append(pool.sort_values("period", kind="stable").index[-1])
    return t.loc[sorted(keep)]


def _flag_metrics(t: pd.DataFrame) -> str:
    """What the effects of a flags table measure, as the flags figure writes them.

    ``"points"`` when a metric is a difference of shares (percentage points),
    ``"ratios"`` when none is, ``""`` for a table whose effects are not flags'.
    """
    from .plotting.flags import METRIC_QUANTITY

    if "metric" not in t.columns or t.empty:
        return ""
    metrics = set(t["metric"].dropna().astype(str))
    if not metrics or not metrics <= set(METRIC_QUANTITY):
        return ""
    points = any(METRIC_QUANTITY[m] == "difference_points" for m in metrics)
    return "points" if points else "ratios"


def _page_columns(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The columns a page shows.

    Without the detail columns of the CSV (:data:`_DETAIL`), nor English free text on a
    French or Dutch page (:data:`_ENGLISH_TEXT`).
    """
    drop = {c for marker, detail in _DETAIL.items() if marker in table.columns for c in detail}
    if lang != "en":
        drop |= _ENGLISH_TEXT
    return table.drop(columns=[c for c in table.columns if c in drop])


def _typeset(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """French spacing in titles and cells; other languages unchanged.

    A no-break space before ``; : ! ?``, as in the figures' notes.
    """
    if lang != "fr":
        return frame
    from .plotting.words import french_spacing

    out = frame.rename(columns=lambda c: french_spacing(str(c), lang))
    return out.map(lambda v: french_spacing(v, lang) if isinstance(v, str) else v)


def _cell_text(name: str, value: Any, pos: int, lang: str, *, k: int,
               secondary: set[int]) -> str:
    """One cell of column ``name`` (row ``pos``) as a reader sees it."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        # a count is missing from a published table only where the gate hid it
        if _COUNT.match(name):
            return "‡" if pos in secondary else f"<{k}"
        return "–"
    if isinstance(value, str) and name in _CODED_TEXT:
        return _label(name, value, lang)
    if isinstance(value, str) and name not in _CODED:
        # a code in a column of free text reads as its label, never as snake_case; a
        # period or a date (an alarm's day) as the language writes it
        from .plotting.words import period_label

        return _catalogued(value, _ANY_SECTION, lang) if _SNAKE.match(value) \
            else period_label(value, lang)
    if name in _CODED or isinstance(value, (bool, np.bool_)):
        return _label(name, value, lang)
    if name in _PROBABILITY:
        return _p_value(value, lang)
    if _COUNT.match(name) or name in ("time", "step"):
        return _count(value, lang)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return format_number(value, lang)
    return str(value)


def _is_boolean(values: pd.Series) -> bool:
    """True for a yes/no column (bool, or bool with gaps read back from a CSV file)."""
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, (bool, np.bool_)) for v in present)


def _outcomes_named(table: pd.DataFrame) -> pd.DataFrame:
    """A ``state`` column that holds only competing outcomes is headed "Outcome".

    ``CumulativeIncidenceResult`` and Gray's test name the outcome ``state``; a
    multi-state table also holds stages (complaint, parquet...) and keeps "State".
    """
    if "state" not in table.columns or "outcome" in table.columns:
        return table
    from .schema import labels

    outcomes = set(labels("outcome_groups")) | {"censored", "open"}
    values = set(table["state"].dropna().astype(str))
    return table.rename(columns={"state": "outcome"}) if values and values <= outcomes \
        else table


def styled_html(frame: pd.DataFrame, *, caption: str, note: str = "",
                max_rows: int = MAX_ROWS) -> str:
    """HTML of a display frame through pandas ``Styler``: caption, no index, first rows."""
    shown = frame.head(max_rows)
    styler = shown.style.hide(axis="index").set_caption(caption)
    # exclude_styles: no random cell ids, so that reruns give the same page
    html = styler.to_html(doctype_html=False, exclude_styles=True)
    html = html.replace("<table>", '<table class="data">', 1)
    # an interval never breaks across lines: "0.37 (0.35–0.40)" stays on one line
    html = re.sub(r"(\d) \((\S+)–(\S+)\)", "\\1\u00a0(\\2–\u2060\\3)", html)
    if note:
        html += f'<p class="table-note">{note}</p>'
    return html


def sheet_names(names: list[str]) -> dict[str, str]:
    """Excel sheet names (≤ 31 characters, unique) for table names."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
        candidate, i = base, 1
        while candidate.lower() in used:
            suffix = f"~{i}"
            candidate, i = base[: 31 - len(suffix)] + suffix, i + 1
        used.add(candidate.lower())
        out[name] = candidate
    return out


def write_workbook(tables_dir: Path, captions: Mapping[str, str], *, lang: str = "en",
                   path: Path | None = None) -> Path:
    """One Excel workbook: a sheet a published table, and a sheet explaining the columns.

    The sheets hold the full published tables (the same values as the CSV files). They
    are streamed row by row (openpyxl's write-only mode): the full curves make tens of
    thousands of rows, which the cell-by-cell writer takes seconds to save.
    """
    from openpyxl import Workbook

    files = sorted(p for p in tables_dir.glob("*.csv"))
    names = sheet_names([p.stem for p in files])
    path = path or tables_dir / "tables.xlsx"
    frames = {p.stem: pd.read_csv(p) for p in files}
    explained = [[names[stem], captions.get(stem, stem), str(column),
                  message_or(f"explain.{column}", lang,
                             message_or(f"column.{column}", lang, str(column)))]
                 for stem, frame in frames.items() for column in frame.columns]
    book = Workbook(write_only=True)
    _append_sheet(book, message("columns_sheet", lang)[:31],
                  ["sheet", "table", "column", "meaning"], explained)
    for stem, frame in frames.items():
        _append_sheet(book, names[stem], [str(c) for c in frame.columns],
                      frame.itertuples(index=False, name=None))
    book.save(path)
    return path


def _append_sheet(book: Any, title: str, header: list[str], rows: Any) -> None:
    """A sheet of ``rows`` under ``header``; an empty CSV cell stays an empty cell."""
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(v) for v in row])


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
