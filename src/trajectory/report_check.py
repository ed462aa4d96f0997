"""Check a report folder as a reader and a release officer would; screenshot it.

``python -m trajectory.report_check REPORT_DIR [--screenshots DIR]`` (``make
report-check``) parses ``index.html`` and the files beside it and prints every problem:

* the page: ``lang`` set, exactly one ``h1``, no heading level skipped, no external URL
  (nothing is fetched when it opens), a specific alt text on every image, a caption on
  every table, no ``NaN``, ``<NA>``, ``None``, ``True``/``False``, scientific notation or
  row-index column in a table, the disclosure threshold and the rounding stated;
* the files: an SVG and a 300-dpi PNG per figure, a workbook with a sheet per table
  and a sheet explaining the columns, no machine path in a published file, no
  case-level file (store, extracts, detailed quality report) in the folder.

With ``--screenshots`` and Chromium installed (Debian: ``apt-get install chromium``),
it also renders the page headless at 1366×768 and 390×844 and writes the PNG files.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

__all__ = ["check_report", "screenshots", "SIZES"]

#: Viewport sizes of the screenshots: a laptop and a phone.
SIZES = ((1366, 768), (390, 844))
_GENERIC_ALT = ("no description has been provided", "image", "figure", "")
_BAD_CELL = re.compile(r"^(nan|<na>|none|true|false|nat|null)$", re.I)
_SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?e[-+]?\d+", re.I)
_EXTERNAL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}|require\.js|mathjax", re.I)
_CASE_LEVEL = ("*.duckdb", "*.duckdb.wal", "*.parquet", "quality.txt", "data/*")
#: Absolute paths of a machine (POSIX roots where users keep files, or a Windows drive).
_MACHINE_PATH = re.compile(
    r"(?<![\w.:/])/(?:home|Users|tmp|work|root|var|opt|srv|mnt|media|private)/[\w.-]+"
    r"|\b[A-Za-z]:\\{1,2}[\w.-]+")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.headings: list[int] = []
        self.images: list[dict[str, str | None]] = []
        self.tables: list[dict[str, Any]] = []
        self.urls: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._row: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        for key in ("src", "href", "action", "poster", "data", "srcset"):
            value = a.get(key) or ""
            # a file of the report folder (figures/x.svg) is fine; a scheme or host is not
            if re.match(r"^(?!data:)[a-z][a-z0-9+.-]*:|^//", value, re.I):
                self.urls.append(value)
        if tag == "img":
            self.images.append({"alt": a.get("alt"), "src": (a.get("src") or "")[:40]})
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        if tag == "caption":
            self._caption = []
        if tag == "tr" and self.tables:
            self._row = []
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None and self.tables:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None and self.tables:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)


def _png_dpi(path: Path) -> float | None:
    from PIL import Image

    with Image.open(path) as image:
        dpi = image.info.get("dpi")
    return float(dpi[0]) if dpi else None


def _looks_like_index(column: list[str]) -> bool:
    return len(column) > 1 and column == [str(i) for i in range(len(column))]


def check_report(folder: str | Path, *, case_level: bool = True) -> list[str]:
    """Every problem found in the report folder (an empty list: the report passes).

    Parameters
    ----------
    folder : str or pathlib.Path
        The report folder (holding ``index.html``).
    case_level : bool
        Also require that no case-level file lies in the folder.
    """
    from .messages import message

    folder = Path(folder)
    index = folder / "index.html"
    if not index.is_file():
        return [f"{index.name} missing in the report folder"]
    text = index.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    problems = []
    lang = page.lang or ""
    if lang not in ("en", "fr", "nl"):
        problems.append(f"<html lang> is {page.lang!r}, not en, fr or nl")
        lang = "en"
    if page.headings.count(1) != 1:
        problems.append(f"{page.headings.count(1)} h1 headings, not one")
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"heading level skipped: h{before} then h{after}")
            break
    external = page.urls + _EXTERNAL.findall(text)
    if external:
        problems.append(f"external URL(s): {sorted(set(external))[:5]}")
    alts = [str(img["alt"] or "").strip() for img in page.images]
    for i, alt in enumerate(alts):
        if alt.lower() in _GENERIC_ALT or len(alt) < 20:
            problems.append(f"image {i + 1} has no specific alt text: {alt[:60]!r}")
    for t, table in enumerate(page.tables):
        caption = table["caption"]
        if not caption:
            problems.append(f"table {t + 1} has no caption")
        rows = table["rows"]
        for row in rows:
            for cell in row:
                if _BAD_CELL.match(cell) or _SCIENTIFIC.search(cell):
                    problems.append(f"table {t + 1} ({caption[:40]}) shows {cell[:30]!r}")
                    break
        body = [r for r in rows[1:] if r]
        if body and (rows[0][0] == "" or _looks_like_index([r[0] for r in body])):
            problems.append(f"table {t + 1} ({caption[:40]}) has a row-index column")
    record = _json(folder / "provenance.json")
    k = int(((record.get("config") or {}).get("privacy") or {}).get("threshold", 5))
    rounding = ((record.get("config") or {}).get("privacy") or {}).get("rounding")
    stated = message("disclosure.threshold", lang, k=k, km=k - 1)
    if _plain(stated) not in _plain(text):
        problems.append(f"the disclosure threshold k = {k} is not stated")
    rounding_text = (message("disclosure.rounding", lang, base=rounding) if rounding
                     else message("disclosure.no_rounding", lang))
    if _plain(rounding_text) not in _plain(text):
        problems.append("the rounding of counts is not stated")
    problems += _check_figures(folder, len(page.images))
    problems += _check_workbook(folder)
    problems += _check_paths(folder)
    if not external:
        problems += _check_links(folder, text)
    if case_level:
        found = [str(p.relative_to(folder)) for pattern in _CASE_LEVEL
                 for p in folder.glob(pattern)]
        if found:
            problems.append(f"case-level files in the report folder: {sorted(found)[:5]}")
    return problems


def _plain(text: str) -> str:
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", text)))


def _json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _check_figures(folder: Path, n_images: int) -> list[str]:
    problems = []
    svgs = sorted((folder / "figures").glob("*.svg"))
    pngs = sorted((folder / "figures").glob("*.png"))
    if {p.stem for p in svgs} != {p.stem for p in pngs}:
        problems.append("figures/: not one SVG and one PNG per figure")
    if n_images != len(svgs):
        problems.append(f"{n_images} images in the page but {len(svgs)} SVG files")
    for png in pngs:
        dpi = _png_dpi(png)
        if dpi is None or round(dpi) != 300:
            problems.append(f"figures/{png.name} is {dpi} dpi, not 300")
    return problems


def _check_workbook(folder: Path) -> list[str]:
    from openpyxl import load_workbook

    path = folder / "tables" / "tables.xlsx"
    tables = sorted(p.stem for p in (folder / "tables").glob("*.csv"))
    if not path.is_file():
        return ["tables/tables.xlsx missing"]
    book = load_workbook(path, read_only=True)
    sheets = list(book.sheetnames)
    book.close()
    if len(sheets) != len(tables) + 1:
        return [f"the workbook has {len(sheets)} sheets for {len(tables)} tables (+1 expected)"]
    return []


def _check_links(folder: Path, text: str) -> list[str]:
    """Every relative link of the page points to a file of the report folder."""
    problems = []
    for target in re.findall(r'href="(?!#|data:)([^"]+)"', text):
        path = (folder / target).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            problems.append(f"link to {target!r} does not reach a file of the report folder")
    return problems


def _check_paths(folder: Path) -> list[str]:
    roots = {str(folder.resolve()), str(Path.home())}
    roots |= {str(p) for p in folder.resolve().parents if len(p.parts) > 2}
    problems = []
    for path in [folder / "index.html", folder / "provenance.json", folder / "quality.csv",
                 *(folder / "tables").glob("*.csv"), *(folder / "notebooks").glob("*.ipynb")]:
        if not path.is_file():
            continue
        content = path.read_text(encoding="utf-8", errors="replace")
        hits = [r for r in roots if r in content] + _MACHINE_PATH.findall(content)[:1]
        if hits:
            problems.append(f"{path.relative_to(folder)} holds a machine path ({hits[0]})")
    return problems


def chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshots(folder: str | Path, out: str | Path) -> list[Path]:
    """Render ``index.html`` headless at each of :data:`SIZES`; return the PNG paths.

    Returns an empty list when Chromium is not installed.
    """
    browser = chromium()
    if browser is None:
        return []
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    index = (Path(folder) / "index.html").resolve()
    written = []
    for width, height in SIZES:
        target = (out / f"report-{width}x{height}.png").resolve()
        subprocess.run(
            [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-extensions", "--disable-background-networking",
             f"--window-size={width},{height}", f"--screenshot={target}", index.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: print the problems (exit 1 if any) and write screenshots."""
    parser = argparse.ArgumentParser(prog="python -m trajectory.report_check")
    parser.add_argument("folder", help="report folder (holding index.html)")
    parser.add_argument("--screenshots", help="folder for the Chromium screenshots")
    args = parser.parse_args(argv)
    problems = check_report(args.folder)
    for problem in problems:
        print(f"problem: {problem}")
    if args.screenshots:
        shots = screenshots(args.folder, args.screenshots)
        if not shots:
            print("chromium is not installed: no screenshots (apt-get install chromium)")
        for shot in shots:
            print(f"screenshot written: {shot}")
    print("report check: " + ("passed" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
