"""The study report as a publication: one HTML page from the published tables and figures.

:func:`write_publication` reads what the notebooks published (the manifest written by
:class:`~trajectory.report.StudyContext`, ``tables/*.csv`` and ``figures/*.svg``) and
writes ``index.html`` from the package template ``templates/report.html.j2``:

title; summary (the ranked findings); the study (cohort, entry window, extraction date,
sources, data quality); one section a numbered notebook (the lenses, trajectories and
models, and any later notebook); methods with references; limitations; the disclosure
statement; how to cite; provenance.

The page has one ``h1``, a heading tree (``h2`` sections, ``h3`` items), ``lang`` set,
and no external URL: styles are inline and figures are embedded, so it opens offline
and calls no one. Every heading, label and sentence comes from the message catalogue
(:mod:`trajectory.messages`) in the report's language.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .messages import message, message_or
from .report_tables import (
    MAX_ROWS,
    _localise,
    display_frame,
    format_number,
    sheet_names,
    styled_html,
)

__all__ = ["Facts", "write_publication"]

#: Notebooks whose items belong to the study section (not sections of their own).
_STUDY_NOTEBOOKS = ("00-quickstart",)
_QUALITY_NOTEBOOKS = ("01-data-quality",)


@dataclass(frozen=True)
class Facts:
    """What the report states about the study (aggregates only, never a case)."""

    title: str
    lang: str = "en"
    k: int = 5
    rounding: int | None = None
    alpha: float = 0.05
    synthetic: bool = False
    n_cases: int | None = None
    share_open: float | None = None
    first_complaint: str | None = None
    last_complaint: str | None = None
    extraction_date: str = ""
    entry_window: tuple[str, str] | None = None
    sources: Sequence[Mapping[str, Any]] = ()
    flag_rules: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    created: str = ""
    version: str = ""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _count(value: Any, facts: Facts) -> str:
    """A count for a sentence: banded ``<k`` below the threshold, rounded if asked."""
    if value is None or pd.isna(value):
        return message("provenance.unknown", facts.lang)
    v = int(value)
    if 0 < v < facts.k:
        return f"<{facts.k}"
    if facts.rounding and facts.rounding > 1:
        v = int(facts.rounding * round(v / facts.rounding))
    return format_number(v, facts.lang, digits=0)


def _percent(share: float, lang: str) -> str:
    return format_number(100 * share, lang, digits=1) + (" %" if lang == "fr" else "%")


# --------------------------------------------------------------------- items


def _notebook_heading(nb: Any, execution_count: int | None) -> tuple[str, str]:
    """The ``#`` title and the ``##`` heading above a code cell of an executed notebook."""
    title, current = "", ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# ") and not title:
                    title = line[2:].strip()
                elif line.startswith("## "):
                    current = line[3:].strip()
        elif execution_count is not None and cell.get("execution_count") == execution_count:
            return title, current
    return title, current


def _intro(nb: Any) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            paragraphs = [p for p in cell.source.split("\n\n") if not p.startswith("#")]
            if paragraphs:
                return re.sub(r"[`*_]", "", paragraphs[0]).strip()
    return ""


def _item_title(name: str, entries: list[Mapping[str, Any]], notebooks: Mapping[str, Any],
                lang: str) -> tuple[str, str]:
    title = message_or(f"item.{name}.title", lang, "")
    caption = message_or(f"item.{name}.caption", lang, "")
    given = next((e.get("caption") for e in entries if e.get("caption")), "")
    nb = notebooks.get(entries[0].get("notebook", ""))
    heading = _notebook_heading(nb, entries[0].get("cell"))[1] if nb is not None else ""
    title = title or heading or name.replace("_", " ").capitalize()
    return title, caption or given or title


#: An SVG up to this size is embedded as it is; a larger one (curves of thousands of
#: steps) is embedded as a PNG for screens when that is smaller. Both files stay beside
#: the page, linked from the figure.
SVG_EMBED_MAX = 150_000
#: Resolution of the embedded PNG: twice a screen's 96 pixels an inch (sharp on
#: high-density screens), a quarter or so of the 300-dpi file's size.
SCREEN_DPI = 192


def _screen_png(png: Path) -> tuple[bytes, int, int]:
    """The 300-dpi PNG at :data:`SCREEN_DPI`, in 256 colours; its width and height in CSS px.

    Figures are flat colours and anti-aliased lines: an adaptive palette without
    dithering keeps them sharp at a third of the full-colour size. The fast octree
    palette is as sharp on them as median cut, and five times faster and half the size.
    """
    import io

    from PIL import Image

    with Image.open(png) as image:
        dpi = float((image.info.get("dpi") or (300, 300))[0]) or 300.0
        scale = min(1.0, SCREEN_DPI / dpi)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        css = (round(image.width * 96 / dpi), round(image.height * 96 / dpi))
    small = small.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                           dither=Image.Dither.NONE)
    palette = small.getpalette() or []
    for i in range(0, len(palette) - 2, 3):  # the octree's near-white back to white
        if min(palette[i:i + 3]) >= 252:
            palette[i:i + 3] = [255, 255, 255]
    small.putpalette(palette)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), css[0], css[1]


def _embedded_image(svg: Path, alt: str) -> str:
    """``<img>`` of a figure: its SVG when small, else a screen PNG when that is smaller."""
    data = svg.read_bytes()
    png = svg.with_suffix(".png")
    if len(data) > SVG_EMBED_MAX and png.is_file():
        raster, width, height = _screen_png(png)
        if len(raster) < len(data):
            encoded = base64.b64encode(raster).decode("ascii")
            return (f'<img src="data:image/png;base64,{encoded}" width="{width}" '
                    f'height="{height}" alt="{_esc(alt)}">')
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{_esc(alt)}">'


def _figure_html(entry: Mapping[str, Any], out_dir: Path, title: str, caption: str,
                 lang: str) -> str:
    name = entry["name"]
    svg = out_dir / "figures" / f"{name}.svg"
    if not svg.is_file():
        return ""
    image = _embedded_image(svg, entry.get("alt") or title)
    # the files beside the page, linked (never a link outside the report folder)
    links = {ext: f'<a href="figures/{_esc(name)}.{ext}">figures/{_esc(name)}.{ext}</a>'
             for ext in ("svg", "png")}
    files = _esc(message("figure.files", lang, svg="\0svg\0", png="\0png\0"))
    for ext, link in links.items():
        files = files.replace(f"\0{ext}\0", link)
    # the image links to its own vector file (zoom on a phone)
    return (f'<figure><a href="figures/{_esc(name)}.svg">{image}</a>'
            f"<figcaption>{_esc(caption)} {files}</figcaption></figure>")


def _table_html(entry: Mapping[str, Any], out_dir: Path, caption: str, facts: Facts,
                sheets: Mapping[str, str]) -> str:
    name = entry["name"]
    path = out_dir / "tables" / f"{name}.csv"
    if not path.is_file():
        return ""
    table = pd.read_csv(path)
    if "withheld" in table.columns and list(table.columns) == ["withheld"]:
        return ""
    shown = display_frame(table, lang=facts.lang, k=facts.k, audit=entry.get("audit"),
                          alpha=float(entry.get("alpha") or facts.alpha))
    sheet = sheets.get(name, name)
    if shown.empty or shown.shape[1] == 0:  # e.g. no flagged row: the full table is still there
        note = message("table.full", facts.lang, name=name, sheet=sheet)
        return f'<p class="table-note">{_esc(note)}</p>'

    notes = []
    if len(table) > len(shown) and "time" in table.columns:
        level = f"{100 * (1 - facts.alpha):g}"
        notes.append(message("table.curve", facts.lang, ci=message("ci", facts.lang, level=level)))
    if len(shown) > MAX_ROWS:
        notes.append(message("table.cut", facts.lang, shown=MAX_ROWS, total=len(shown),
                             name=name, sheet=sheet))
    elif shown.attrs.get("latest"):  # one row an indicator, every period in the files
        notes.append(message("table.latest", facts.lang, name=name, sheet=sheet))
    else:
        notes.append(message("table.full", facts.lang, name=name, sheet=sheet))
    cells = set(shown.to_numpy().ravel().tolist())
    if cells & {f"<{facts.k}", "‡", "–"}:
        notes.append(message("table.marks", facts.lang, k=facts.k))
    if shown.attrs.get("legend"):  # what ✓ and ✗ mean in a yes/no column
        notes.append(str(shown.attrs["legend"]))
    body = styled_html(shown, caption=caption, note=_esc(" ".join(notes)))
    return f'<div class="table-wrap">{body}</div>'


def _items_html(entries: list[Mapping[str, Any]], out_dir: Path, facts: Facts,
                notebooks: Mapping[str, Any], sheets: Mapping[str, str], level: int) -> str:
    """One heading an item (a name), then its figure and its table, in publishing order."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        groups.setdefault(entry["name"], []).append(entry)
    parts = []
    for name, group in groups.items():
        title, caption = _item_title(name, group, notebooks, facts.lang)
        pieces = []
        # the figure first, then its table (a reader looks before reading numbers)
        group = sorted(group, key=lambda e: e.get("kind") != "figure")
        for entry in group:
            kind = entry.get("kind")
            if kind == "withheld":
                reason = message("table.withheld", facts.lang, reason=entry["reason"])
                pieces.append(f'<p class="table-note">{_esc(reason)}</p>')
            elif kind == "figure":
                pieces.append(_figure_html(entry, out_dir, title, caption, facts.lang))
            elif kind == "table":
                pieces.append(_table_html(entry, out_dir, caption, facts, sheets))
        body = "".join(p for p in pieces if p)
        if body:
            anchor = re.sub(r"[^a-z0-9-]", "-", name.lower())
            parts.append(f'<h{level} id="{anchor}">{_esc(title)}</h{level}>{body}')
    return "".join(parts)


# ------------------------------------------------------------------ sections


def _flag_sentence(row: pd.Series, facts: Facts) -> str:
    """The flag's sentence in the report's language, or "" when the row cannot make one."""
    from .bottlenecks.flags import sentence

    base = int(facts.rounding or facts.k or 1)  # the published counts' base (Flags.restated)
    try:
        return sentence(row, f"{100 * (1 - facts.alpha):g}%", base, facts.lang)
    except (KeyError, TypeError, ValueError):  # a table without the columns of a sentence
        return ""


def _findings(out_dir: Path, facts: Facts) -> str:
    lang = facts.lang
    path = out_dir / "tables" / "flags.csv"
    intro = f"<p>{_esc(message('summary.intro', lang))}</p>"
    if not path.is_file():
        return f"<p>{_esc(message('summary.not_computed', lang))}</p>"
    flags = pd.read_csv(path)
    if "flagged" in flags.columns:
        flags = flags[flags["flagged"].fillna(False).astype(bool)]
    if flags.empty:
        return f"<p>{_esc(message('summary.none', lang))}</p>"
    if "q" in flags.columns:
        flags = flags.sort_values("q", kind="stable")
    level = message("ci", lang, level=f"{100 * (1 - facts.alpha):g}")
    items = []
    for _, row in flags.head(10).iterrows():
        # a row whose sentence the gate removed (a stated number hidden) keeps none
        published = row["sentence"] if isinstance(row.get("sentence"), str) else ""
        text = (published if lang == "en" else _flag_sentence(row, facts)) if published else ""
        if not text:
            from .report_tables import _label

            where = _label("group", row.get("group"), lang)
            if str(row.get("subgroup", "all")) not in ("all", "nan"):
                where += f" ({_label('subgroup', row['subgroup'], lang)})"
            from .plotting.flags import effect_text

            stage = message_or(f"value.{row.get('stage')}", lang,
                               _label("stage", row.get("stage"), lang))
            metric = str(row.get("metric"))
            # the numbers as the flags figure and table write them (points for differences)
            effect, lower, upper = (effect_text(metric, row.get(c), None, None, lang)
                                    for c in ("effect", "effect_lower", "effect_upper"))
            text = message(
                "summary.finding", lang, where=f"{where}, {stage}",
                metric=message_or(f"value.{metric}", lang, metric),
                effect=effect, ci=level, lower=lower, upper=upper,
                q=("<" + format_number(0.001, lang, digits=3)) if float(row.get("q", 1)) < 0.001
                else format_number(row.get("q"), lang, digits=3))
        lens = message_or(f"value.{row.get('lens')}", lang, str(row.get("lens", "")))
        colon = "\u202f:" if lang == "fr" else ":"  # French sets a space before a colon
        items.append(f"<li><strong>{_esc(lens)}</strong>{colon} {_esc(text)}</li>")
    more = ""
    if len(flags) > 10:
        more = f"<p>{_esc(message('summary.more', lang, n=len(flags) - 10))}</p>"
    return intro + '<ol class="findings">' + "".join(items) + "</ol>" + more


def _study(facts: Facts) -> str:
    lang = facts.lang
    parts = []
    if facts.n_cases is not None:
        parts.append("<p>" + _esc(message(
            "study.cohort", lang, n=_count(facts.n_cases, facts),
            start=facts.first_complaint or "–", end=facts.last_complaint or "–",
            extraction=facts.extraction_date)) + "</p>")
    if facts.entry_window:
        parts.append("<p>" + _esc(message("study.window", lang, start=facts.entry_window[0],
                                          end=facts.entry_window[1])) + "</p>")
    return "".join(parts)


def _quality(facts: Facts) -> str:
    lang = facts.lang
    lines = []
    read = quarantined = 0
    for src in facts.sources:
        kind = message_or(f"kind.{src.get('kind')}", lang, str(src.get("kind", "")))
        name = message_or(f"kind.{src['name']}", lang, str(src["name"]))
        name = name if name.lower() == kind.lower() or not kind else f"{name} ({kind})"
        lines.append("<li>" + _esc(message(
            "study.source_line", lang, name=name[:1].upper() + name[1:],
            read=_count(src.get("read"), facts), accepted=_count(src.get("accepted"), facts),
            quarantined=_count(src.get("quarantined"), facts))) + "</li>")
        read += int(src.get("read") or 0)
        quarantined += int(src.get("quarantined") or 0)
    out = f"<p>{_esc(message('study.quality_intro', lang, k=facts.k))}</p>"
    if lines:
        out += f"<h4>{_esc(message('study.sources', lang))}</h4><ul>{''.join(lines)}</ul>"
    if read:
        out += "<p>" + _esc(message("study.quality_share", lang,
                                    share=_percent(quarantined / read, lang))) + "</p>"
    return out


def _methods(facts: Facts) -> str:
    lang = facts.lang
    rules = {k: (_localise(f"{v:g}", lang) if isinstance(v, float) else v)
             for k, v in facts.flag_rules.items()}
    paragraphs = [message("methods.time", lang), message("methods.estimators", lang),
                  message("methods.models", lang)]
    if rules:
        paragraphs.append(message("methods.flags", lang, **rules))
    paragraphs.append(message("methods.intervals", lang, level=f"{100 * (1 - facts.alpha):g}"))
    refs = message("references.items", lang).split("|")
    return ("".join(f"<p>{_esc(p)}</p>" for p in paragraphs)
            + f"<h3>{_esc(message('heading.references', lang))}</h3>"
            + '<ul class="references">' + "".join(f"<li>{_esc(r)}</li>" for r in refs) + "</ul>")


def _limitations(facts: Facts) -> str:
    lang = facts.lang
    items = [message("limitations.records", lang)]
    if facts.share_open is not None:
        items.append(message("limitations.censoring", lang,
                             share=_percent(facts.share_open, lang)))
    items += [message("limitations.observational", lang), message("limitations.suppression", lang)]
    return "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>"


def _disclosure(facts: Facts, manifest: Sequence[Mapping[str, Any]]) -> str:
    lang = facts.lang
    out = [message("disclosure.threshold", lang, k=facts.k, km=facts.k - 1)]
    if facts.rounding and facts.rounding > 1:
        out.append(message("disclosure.rounding", lang, base=facts.rounding))
    else:
        out.append(message("disclosure.no_rounding", lang))
    suppressed = {e["name"]: int(e.get("audit", {}).get("n_suppressed", 0))
                  for e in manifest if e.get("kind") == "table"}
    cells = sum(suppressed.values())
    out.append(message("disclosure.cells", lang, cells=_localised_int(cells, lang),
                       tables=sum(1 for v in suppressed.values() if v)))
    out.append(message("disclosure.published", lang))
    withheld = [e for e in manifest if e.get("kind") == "withheld"]
    body = "".join(f"<p>{_esc(p)}</p>" for p in out)
    body += f"<h3>{_esc(message('heading.withheld', lang))}</h3>"
    if withheld:
        body += "<ul>" + "".join(
            "<li>" + _esc(message("disclosure.withheld_item", lang, name=e["name"],
                                  reason=e["reason"])) + "</li>" for e in withheld) + "</ul>"
    else:
        body += f"<p>{_esc(message('disclosure.withheld_none', lang))}</p>"
    return body


def _localised_int(value: int, lang: str) -> str:
    return format_number(value, lang, digits=0)


def _cite(facts: Facts) -> str:
    commit = facts.provenance.get("git_commit") or message("provenance.unknown", facts.lang)
    return "<p>" + _esc(message("cite.text", facts.lang, title=facts.title,
                                extraction=facts.extraction_date, date=facts.created,
                                version=facts.version, commit=commit)) + "</p>"


def _provenance(facts: Facts) -> str:
    lang = facts.lang
    p = facts.provenance
    unknown = message("provenance.unknown", lang)
    rows = [
        ("provenance.version", facts.version),
        ("provenance.commit", p.get("git_commit") or unknown),
        ("provenance.lock", p.get("lock_sha256") or unknown),
        ("provenance.lock_match", p.get("lock_match") or unknown),
        ("provenance.seed", p.get("seed")),
        ("provenance.python", p.get("python")),
    ]
    inputs = p.get("inputs") or {}
    from .plotting.words import colon, join_notes

    hashes = join_notes([message_or(f"kind.{k}", lang, str(k).replace("_", " "))
                         + colon(lang) + f"{str(v.get('sha256'))[:16]}…"
                         for k, v in inputs.items()], lang)
    rows.append(("provenance.inputs", hashes or unknown))
    facts_html = "".join(f"<dt>{_esc(message(k, lang))}</dt><dd>{_esc(v)}</dd>" for k, v in rows)
    return (f"<p>{_esc(message('provenance.intro', lang))}</p>"
            f'<dl class="facts">{facts_html}</dl>')


# ---------------------------------------------------------------------- page


def write_publication(out_dir: Path, *, facts: Facts, manifest: Sequence[Mapping[str, Any]],
                      notebooks: Mapping[str, Any]) -> Path:
    """Write ``index.html`` in ``out_dir`` and return its path.

    Parameters
    ----------
    out_dir : pathlib.Path
        The report folder, holding ``tables/`` and ``figures/``.
    facts : Facts
        Aggregate facts of the study (cohort, sources, rules, provenance).
    manifest : sequence of mapping
        What the notebooks published, in order: ``name``, ``kind`` (``table``,
        ``figure`` or ``withheld``), ``notebook`` (stem), ``cell``, ``alt``, ``audit``.
    notebooks : mapping
        Executed notebooks (``nbformat`` nodes) by stem, for section titles.
    """
    import jinja2

    lang = facts.lang
    tables = sorted(p.stem for p in (out_dir / "tables").glob("*.csv"))
    sheets = sheet_names(tables)
    by_notebook: dict[str, list[Mapping[str, Any]]] = {}
    for entry in manifest:
        by_notebook.setdefault(entry.get("notebook", ""), []).append(entry)

    def items(stem: str, level: int) -> str:
        return _items_html(by_notebook.get(stem, []), out_dir, facts, notebooks, sheets, level)

    sections = [("summary", message("heading.summary", lang), _findings(out_dir, facts))]
    study = _study(facts) + "".join(items(s, 3) for s in _STUDY_NOTEBOOKS)
    study += f"<h3>{_esc(message('heading.data_quality', lang))}</h3>" + _quality(facts)
    study += "".join(items(s, 4) for s in _QUALITY_NOTEBOOKS)
    sections.append(("study", message("heading.study", lang), study))
    for stem in notebooks:
        if stem in _STUDY_NOTEBOOKS or stem in _QUALITY_NOTEBOOKS:
            continue
        nb = notebooks[stem]
        title = message_or(f"section.{stem}", lang, _notebook_heading(nb, None)[0] or stem)
        intro = message_or(f"intro.{stem}", lang, _intro(nb))
        body = (f"<p>{_esc(intro)}</p>" if intro else "") + items(stem, 3)
        sections.append((stem, title, body))
    sections += [
        ("methods", message("heading.methods", lang), _methods(facts)),
        ("limitations", message("heading.limitations", lang), _limitations(facts)),
        ("disclosure", message("heading.disclosure", lang), _disclosure(facts, manifest)),
        ("cite", message("heading.cite", lang), _cite(facts)),
        ("provenance", message("heading.provenance", lang), _provenance(facts)),
    ]
    source = resources.files("trajectory").joinpath("templates/report.html.j2").read_text("utf-8")
    template = jinja2.Environment(autoescape=True).from_string(source)
    page = template.render(
        lang=lang, title=facts.title, version=facts.version,
        generated=message("generated", lang, date=facts.created, version=facts.version),
        synthetic=message("synthetic_warning", lang) if facts.synthetic else "",
        contents=message("contents", lang),
        sections=[{"id": re.sub(r"[^a-z0-9-]", "-", sid), "title": title, "body": body}
                  for sid, title, body in sections],
    )
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
