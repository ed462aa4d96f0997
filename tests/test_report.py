"""The reproducible report, end to end: synthetic extracts → DuckDB → notebooks → HTML.

Runs the whole demo pipeline on a small synthetic study (all notebooks executed with
papermill), again in French (same tables), and on a sparse 300-case study in Dutch, and
checks what a reader gets with :func:`trajectory.report_check.check_report`: one ``h1``,
no external URL, a specific alt text on every image, a caption on every table, no
``NaN``/``<NA>``/``None``/True/False/scientific notation/row index, the threshold and
the rounding stated, an SVG and a 300-dpi PNG per figure, a workbook with a sheet per
table, no machine path in a published file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from trajectory.messages import message
from trajectory.report import notebook_paths, run_demo
from trajectory.report_check import check_report

N_CASES = 2_500
SEED = 3
THRESHOLD = 5
#: columns that hold counts of cases in published tables
COUNT_COLUMN = re.compile(r"^(n|n_.*|count|cases|events)$")

pytestmark = [
    pytest.mark.filterwarnings(
        # jupyter_client/ipykernel announce their own deprecations when papermill starts a kernel
        "ignore::DeprecationWarning",
    ),
    # one worker runs the whole module, so the demo report fixture is built once
    pytest.mark.xdist_group("report"),
]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    run_demo(out=out, n_cases=N_CASES, seed=SEED)
    return out


#: Columns written in the report's language (the flags' sentences): the rest of every
#: table must be identical whatever the language.
LANGUAGE_COLUMNS = ("sentence",)


def _tables_digest(folder: Path) -> dict[str, str]:
    digests = {}
    for p in sorted((folder / "tables").glob("*.csv")):
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
        frame = frame.drop(columns=[c for c in LANGUAGE_COLUMNS if c in frame.columns])
        digests[p.name] = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return digests


def _h2(html: str) -> list[str]:
    return re.findall(r"<h2[^>]*>(.*?)</h2>", html)


def test_report_reads_as_a_publication_in_order(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    sections = _h2(html)
    expected = [message(f"heading.{key}") for key in
                ("summary", "study", "methods", "limitations", "disclosure", "cite", "provenance")]
    assert [s for s in sections if s in expected] == expected
    # the summary comes first, the lenses and models between the study and the methods
    assert sections[:2] == expected[:2] and sections[-5:] == expected[2:]
    lenses = sections[2:-5]
    assert len(lenses) == len(notebook_paths()) - 2, lenses  # 00 and 01 are in "the study"
    # every published table and figure is in the page (a table by its file, a figure by its id)
    for table in sorted((report_dir / "tables").glob("*.csv")):
        if list(pd.read_csv(table).columns) == ["withheld"]:
            continue  # the reason stands in the page instead
        assert f"tables/{table.name}" in html, f"{table.name} is not shown"
    for figure in sorted((report_dir / "figures").glob("*.svg")):
        assert f"figures/{figure.name}" in html, f"{figure.name} is not shown"


def test_report_document_passes_the_reader_checks(report_dir: Path) -> None:
    assert check_report(report_dir) == []


def test_report_has_every_section_and_no_error(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    for path in notebook_paths():
        executed = nbformat.read(str(report_dir / "notebooks" / path.name), as_version=4)
        for cell in executed.cells:
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", f"{path.stem}: {output.get('ename')}"
                if output["output_type"] == "stream":
                    assert output["name"] != "stderr", f"{path.stem}: {output['text'][:300]}"
    assert "Traceback" not in html


def test_tables_show_no_yes_no_column_nor_the_gate_s_cell_flags(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    cells = {c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)}
    heads = {c.strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)}
    assert not cells & {message("yes"), message("no"), "True", "False"}
    assert not [h for h in heads if h.lower().endswith("suppressed")], heads
    if cells & {"✓", "✗"}:  # a yes/no column reads as marks explained under its table
        assert "✓: yes, ✗: no" in html
    assert "ifg" not in cells


def test_figures_are_embedded_and_code_hidden(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    figures = sorted((report_dir / "figures").glob("*.svg"))
    # one image a figure, in one format: its SVG, or a screen PNG when the SVG is large
    images = re.findall(r'<img src="data:image/(svg\+xml|png);base64,', html)
    assert len(images) == len(figures) >= 8
    assert images.count("svg+xml") >= len(figures) // 2
    assert not re.search(r"<img[^>]+src=\"(?!data:)", html), "an image is not embedded"
    for figure in figures:  # and links to both files beside the page
        for ext in ("svg", "png"):
            assert f'href="figures/{figure.stem}.{ext}"' in html
    assert "import trajectory as tj" not in html, "code cells must be hidden"
    assert "<script" not in html and "<link" not in html, "the page loads nothing"


def test_page_embeds_each_figure_once_and_stays_small(report_dir: Path) -> None:
    page = (report_dir / "index.html").stat().st_size
    figures = sum(p.stat().st_size for p in (report_dir / "figures").glob("*.*"))
    # the SVG and 300-dpi PNG files together would make the page larger than they are
    assert page < 0.5 * figures, (page, figures)


def test_a_large_svg_is_embedded_as_a_smaller_screen_png(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from trajectory.report_html import SVG_EMBED_MAX, _embedded_image

    fig, ax = plt.subplots(figsize=(7, 4))
    rng = np.random.default_rng(1)
    for _ in range(12):  # many long step curves: a large SVG, a small raster
        ax.step(np.arange(4000), rng.random(4000).cumsum(), where="post", lw=0.8)
    fig.savefig(tmp_path / "big.svg")
    fig.savefig(tmp_path / "big.png", dpi=300)
    plt.close(fig)
    assert (tmp_path / "big.svg").stat().st_size > SVG_EMBED_MAX
    tag = _embedded_image(tmp_path / "big.svg", "alt & text")
    assert tag.startswith('<img src="data:image/png;base64,') and 'alt="alt &amp; text"' in tag
    # drawn at the figure's own size (7 inches at 96 px an inch), whatever its pixels
    assert 'width="672"' in tag
    assert len(tag) < (tmp_path / "big.svg").stat().st_size
    small = tmp_path / "small.svg"
    small.write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>', encoding="utf-8")
    assert _embedded_image(small, "x").startswith('<img src="data:image/svg+xml;base64,')


def test_every_published_count_is_at_or_above_the_threshold(report_dir: Path) -> None:
    assert _small_counts(report_dir) == []


def test_a_sparse_study_in_dutch_still_reports_and_publishes_no_small_count(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sparse"
    run_demo(out=out, n_cases=300, seed=7, lang="nl")
    assert check_report(out) == []
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in html and message("heading.summary", "nl") in html
    assert message("heading.summary", "en") not in _h2(html)
    assert _small_counts(out, minimum_checked=20) == []


def _small_counts(report_dir: Path, minimum_checked: int = 100) -> list[str]:
    tables = sorted((report_dir / "tables").glob("*.csv"))
    assert len(tables) >= 10
    problems = []
    checked = 0
    for path in tables:
        frame = pd.read_csv(path)
        for column in frame.columns:
            numeric = (pd.api.types.is_numeric_dtype(frame[column])
                       and not pd.api.types.is_bool_dtype(frame[column]))  # flags: n_suppressed
            if not COUNT_COLUMN.match(str(column)) or not numeric:
                continue
            values = frame[column].dropna()
            small = values[(values > 0) & (values < THRESHOLD)]
            if not small.empty:
                problems.append(f"{path.name}:{column} publishes {small.tolist()[:5]}")
            checked += len(values)
    assert checked >= minimum_checked
    return problems


def test_provenance_records_what_is_needed_to_reproduce(report_dir: Path) -> None:
    record = json.loads((report_dir / "provenance.json").read_text(encoding="utf-8"))
    assert record["seed"] == SEED or record["config"]["seed"] == SEED
    assert set(record["inputs"]) == {"police", "parquet", "court", "victim_services"}
    assert all(len(v["sha256"]) == 64 for v in record["inputs"].values())
    assert record["packages"]["lifelines"] and record["packages"]["pandas"]
    assert record["timings_s"]
    assert len(record["lock_sha256"]) == 64 and record["lock_file"] == "requirements.lock"
    quality = pd.read_csv(report_dir / "quality.csv", dtype=str)
    assert list(quality.columns) == ["source", "format", "read", "accepted", "quarantined"]
    counts = quality[["read", "accepted", "quarantined"]].to_numpy().ravel()
    assert all(c in (f"<{THRESHOLD}", "‡") or int(c) == 0 or int(c) >= THRESHOLD for c in counts)


def test_same_inputs_and_seed_give_identical_tables_in_french(
    report_dir: Path, tmp_path: Path,
) -> None:
    again = tmp_path / "again"
    run_demo(out=again, n_cases=N_CASES, seed=SEED, lang="fr")
    first, second = _tables_digest(report_dir), _tables_digest(again)
    assert first and first == second
    assert check_report(again) == []
    html = (again / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert _h2(html)[0] == message("heading.summary", "fr")
