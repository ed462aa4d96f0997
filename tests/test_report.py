"""The reproducible report, end to end: synthetic extracts → DuckDB → notebooks → HTML.

Runs the whole demo pipeline twice on a small synthetic study (all notebooks executed
with papermill) and checks what a reader gets.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from trajectory.report import notebook_paths, run_demo

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


def _tables_digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((folder / "tables").glob("*.csv"))
    }


def test_report_has_every_section_and_no_error(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "Ranked findings" in html and "Contents" in html
    for path in notebook_paths():
        title = nbformat.read(str(path), as_version=4).cells[0].source.splitlines()[0][2:]
        assert title.split(":")[0] in html, f"section {path.stem} missing"
        executed = nbformat.read(str(report_dir / "notebooks" / path.name), as_version=4)
        for cell in executed.cells:
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", f"{path.stem}: {output.get('ename')}"
                if output["output_type"] == "stream":
                    assert output["name"] != "stderr", f"{path.stem}: {output['text'][:300]}"
    assert "Traceback" not in html


def test_figures_are_embedded_and_code_hidden(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 8
    assert not re.search(r"<img[^>]+src=\"(?!data:)", html), "an image is not embedded"
    assert "import trajectory as tj" not in html, "code cells must be hidden"


def test_every_published_count_is_at_or_above_the_threshold(report_dir: Path) -> None:
    assert _small_counts(report_dir) == []


def test_a_sparse_study_still_reports_and_publishes_no_small_count(tmp_path: Path) -> None:
    run_demo(out=tmp_path, n_cases=300, seed=7)
    assert (tmp_path / "index.html").is_file()
    assert _small_counts(tmp_path, minimum_checked=20) == []


def _small_counts(report_dir: Path, minimum_checked: int = 100) -> list[str]:
    tables = sorted((report_dir / "tables").glob("*.csv"))
    assert len(tables) >= 10
    problems = []
    checked = 0
    for path in tables:
        frame = pd.read_csv(path)
        for column in frame.columns:
            numeric = pd.api.types.is_numeric_dtype(frame[column])
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
    assert (report_dir / "quality.txt").read_text(encoding="utf-8").startswith("Ingest quality")


def test_same_inputs_and_seed_give_identical_tables(report_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    run_demo(out=again, n_cases=N_CASES, seed=SEED)
    first, second = _tables_digest(report_dir), _tables_digest(again)
    assert first and first == second
