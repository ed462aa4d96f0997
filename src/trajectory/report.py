"""The reproducible study report: validate → ingest → notebooks (papermill) → one HTML.

``run_study_report(config)`` reads and validates the extracts named in a study config,
stores the EventLog in DuckDB, executes the numbered notebooks (package data, built from
the repository's top-level ``notebooks/``) with papermill (each gets the same
``parameters``), and writes into the report folder only releasable files:

* ``index.html``: the publication (:mod:`trajectory.report_html`): summary, the study,
  one section a lens, trajectories and models, methods, limitations, disclosure
  statement, how to cite, provenance; figures embedded, no external URL;
* ``figures/``: every figure as SVG and 300-dpi PNG;
* ``tables/``: every table the notebooks published, as CSV after the disclosure gate,
  and all of them in one workbook ``tables/tables.xlsx`` with a sheet explaining the
  columns;
* ``notebooks/``: the executed notebooks (machine paths replaced by names);
* ``quality.csv``: per-source counts of the ingest, through the disclosure gate
  (:func:`published_quality`: ``<k`` below the threshold, ``‡`` hidden to protect one);
* ``provenance.json``: config, input file hashes, package versions, lock-file hash, git
  commit, seed, timings; no machine path.

Notebooks publish through :meth:`StudyContext.publish` (tables and curves, through
:func:`trajectory.privacy.disclose`) and :meth:`StudyContext.figure` (figures of
published results). The detailed ingest report (``quality.txt``, with examples of
rejected values) stays beside the case-level store, outside the report folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .config import load_config
from .errors import ConfigError, TrajectoryError
from .report_context import MANIFEST, StudyContext, Withheld, published_quality, study_context
from .report_facts import write_publication_files
from .report_provenance import _project_root, provenance

__all__ = [
    "StudyContext",
    "Withheld",
    "study_context",
    "run_study_report",
    "run_demo",
    "notebook_paths",
    "provenance",
    "published_quality",
]

def notebook_paths(names: tuple[str, ...] | None = None) -> list[Path]:
    """The numbered study notebooks (``notebooks/NN-*.ipynb``) in order.

    Parameters
    ----------
    names : tuple of str, optional
        Stems to keep (e.g. ``("00-quickstart",)``); default all.
    """
    folder = _notebook_folder()
    paths = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
    if names is not None:
        wanted = set(names)
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise TrajectoryError(
                f"notebook(s) {sorted(missing)} not found in {folder.name}/; "
                f"available: {[p.stem for p in paths]}"
            )
        paths = [p for p in paths if p.stem in wanted]
    return paths


def _notebook_folder() -> Path:
    """The notebooks shipped in the package, else those of the checkout (editable install).

    The wheel carries the top-level ``notebooks/`` as package data
    (``trajectory/notebooks``, copied by ``setup.py`` at build time): one copy in the
    repository.
    """
    from importlib import resources

    shipped = Path(str(resources.files("trajectory").joinpath("notebooks")))
    if shipped.is_dir() and any(shipped.glob("[0-9][0-9]-*.ipynb")):
        return shipped
    root = _project_root()
    if root is None:
        raise TrajectoryError(
            "the study notebooks were not found: neither trajectory/notebooks (package data "
            "of an installed wheel) nor notebooks/ of a checkout; reinstall trajectory"
        )
    return root / "notebooks"


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        if self.enabled:
            print(f"[trajectory] {name} ...", file=sys.stderr, flush=True)
        yield
        elapsed = time.perf_counter() - start
        self.timings[name] = round(elapsed, 3)
        if self.enabled:
            print(f"[trajectory] {name}: {elapsed:.1f} s", file=sys.stderr, flush=True)


def _execute_notebooks(
    paths: list[Path], out_dir: Path, parameters: dict[str, Any], progress: _Progress
) -> list[Path]:

    executed_dir = out_dir / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    done = []
    # the kernel inherits the environment: a non-interactive MPLBACKEND (e.g. Agg, set
    # for tests and headless runs) would keep figures out of the notebooks
    previous = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        done = _run_each(paths, executed_dir, out_dir, parameters, progress)
    finally:
        if previous is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = previous
    return done


def _run_each(
    paths: list[Path], executed_dir: Path, out_dir: Path, parameters: dict[str, Any],
    progress: _Progress,
) -> list[Path]:
    import papermill as pm

    done = []
    for path in paths:
        target = executed_dir / path.name
        with progress.step(f"notebook {path.stem}"):
            try:
                pm.execute_notebook(
                    str(path),
                    str(target),
                    parameters=parameters,
                    kernel_name="python3",
                    progress_bar=False,
                    cwd=str(out_dir),
                    extra_arguments=["--IPKernelApp.log_level=ERROR"],
                )
            except pm.PapermillExecutionError as exc:
                raise TrajectoryError(
                    f"notebook {path.name} failed in cell {exc.exec_count}: {exc.ename}: "
                    f"{exc.evalue}; the partly executed notebook is {target}"
                ) from None
        _tag_manifest(Path(parameters["tables_dir"]) / MANIFEST, path.stem)
        done.append(target)
    return done


def _tag_manifest(path: Path, stem: str) -> None:
    """Mark the manifest entries written by the notebook that just ran."""
    if not path.is_file():
        return
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    for entry in entries:
        entry.setdefault("notebook", stem)
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


def _read_manifest(tables_dir: Path) -> list[dict[str, Any]]:
    path = tables_dir / MANIFEST
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _scrub_paths(executed: list[Path], replacements: dict[str, str]) -> None:
    """Replace machine paths in the executed notebooks by names (they are published)."""
    ordered = sorted(replacements.items(), key=lambda kv: -len(kv[0]))
    for path in executed:
        text = path.read_text(encoding="utf-8")
        for old, new in ordered:
            if old:
                text = text.replace(json.dumps(old)[1:-1], new).replace(old, new)
        path.write_text(text, encoding="utf-8")


def run_study_report(
    config_path: str | Path,
    *,
    out: Path | None = None,
    progress: bool = False,
    notebooks: tuple[str, ...] | None = None,
    lang: str | None = None,
    allow_key_change: bool = False,
) -> Path:
    """Build the study report for a config; return the path of ``index.html``.

    Parameters
    ----------
    config_path : str or pathlib.Path
        The study TOML file.
    out : pathlib.Path, optional
        Report folder; default ``[report] out_dir`` of the config, else
        ``reports/<study name>``.
    progress : bool
        Print each step and its duration on standard error.
    notebooks : tuple of str, optional
        Stems of the notebooks to run (default: all, or ``[report] notebooks``).
    lang : {"en", "fr", "nl"}, optional
        Language of every label and sentence (default: ``language`` of the config).
    allow_key_change : bool
        Replace a study store made with another pseudonymisation key (its pseudonyms
        will not link); by default such a store stops the report
        (:func:`trajectory.store.ingest_study`).
    """
    from .messages import LANGUAGES
    from .store import ingest_study, study_store_path

    steps = _Progress(progress)
    with steps.step("load config"):
        config = load_config(config_path)
    lang = lang or config.language
    if lang not in LANGUAGES:
        raise ConfigError(f"report language {lang!r} is not one of {', '.join(LANGUAGES)}")
    out_dir = Path(out or config.report_dir or Path("reports") / config.name).resolve()
    if out_dir.exists():
        for sub in ("notebooks", "tables", "figures"):
            shutil.rmtree(out_dir / sub, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    store_path = study_store_path(config, report_dir=out_dir)  # working folder, not the report
    with steps.step("read, validate and store the extracts"):
        # refuses a change of key before anything is read (unless allow_key_change)
        ingest = ingest_study(config, path=store_path, report_dir=out_dir,
                              allow_key_change=allow_key_change)
        published_quality(ingest.report, k=int(config.privacy.threshold),
                          rounding=config.privacy.rounding).to_csv(
            out_dir / "quality.csv", index=False)
    # the detailed ingest report quotes rejected values: it stays beside the store
    store_path.with_name("quality.txt").write_text(ingest.report.summary() + "\n",
                                                   encoding="utf-8")
    seed = int(config.seed if config.seed is not None else 1)
    parameters: dict[str, Any] = {
        "config_path": str(Path(config_path).resolve()),
        "store_path": str(store_path),
        "tables_dir": str(out_dir / "tables"),
        "seed": seed,
        "lang": lang,
        "threshold": int(config.privacy.threshold),
    }
    paths = notebook_paths(notebooks or config.notebooks)
    executed = _execute_notebooks(paths, out_dir, parameters, steps)
    with steps.step("release audit"):  # refuses a failed audit or a number that skipped publish
        from .privacy.release import check_release

        check_release(executed, out_dir / "tables", k=int(config.privacy.threshold),
                      rounding=config.privacy.rounding)
    _scrub_paths(executed, {
        str(out_dir): ".", str(Path(config_path).resolve().parent): ".",
        str(store_path.parent): ".", str(_notebook_folder()): "notebooks",
        sys.prefix: "<python>", str(Path(__file__).resolve().parents[1]): "<source>",
        str(Path.home()): "~",
    })
    record = provenance(config, seed=seed, timings=steps.timings)
    with steps.step("assemble HTML"):
        manifest = _read_manifest(out_dir / "tables")
        (out_dir / "tables" / MANIFEST).unlink(missing_ok=True)
        index = write_publication_files(config, ingest, executed, out_dir, lang=lang,
                                        record=record, manifest=manifest)
    record["timings_s"] = steps.timings
    (out_dir / "provenance.json").write_text(
        json.dumps(record, indent=2, sort_keys=True), encoding="utf-8"
    )
    return index


def run_demo(
    *,
    out: Path = Path("reports/demo"),
    n_cases: int = 20_000,
    seed: int = 1,
    scenario: str = "brussels",
    progress: bool = False,
    notebooks: tuple[str, ...] | None = None,
    lang: str | None = None,
    work: Path | None = None,
) -> Path:
    """The main job on the embedded default: synthetic extracts → DuckDB → full report.

    Writes the synthetic extracts and their study config in a working folder outside
    the report folder (``work``; default :func:`demo_study_folder`: case-level files
    never go under ``reports/``), then runs :func:`run_study_report` on them; the store
    lies in that study's own working folder. Returns the path of ``index.html``.
    """
    from .synth import make_study, write_extracts

    steps = _Progress(progress)
    out = Path(out)
    work = Path(work) if work is not None else demo_study_folder(out)
    if "reports" in work.resolve().parts:
        raise ConfigError("run_demo: the demo's extracts would lie under a reports/ folder; "
                          "case-level files never go there: pass work= outside it")
    with steps.step(f"generate {n_cases:,} synthetic cases"):
        study = make_study(n_cases, seed=seed, scenario=scenario)
        config_path = write_extracts(study, work)
    ignore = work / ".gitignore"  # case-level files: kept out of git
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return run_study_report(config_path, out=out, progress=progress, notebooks=notebooks,
                            lang=lang)


def demo_study_folder(out: Path) -> Path:
    """The demo study's folder (extracts, config, store) for the report folder ``out``.

    ``.trajectory/demo/<name>`` (the working-folder name of
    :data:`trajectory.store.WORKING_FOLDER`) beside the top-most ``reports`` folder
    above ``out``, else beside ``out``: never under ``reports/``.

    Examples
    --------
    >>> from pathlib import Path
    >>> demo_study_folder(Path("/data/reports/demo")).as_posix()
    '/data/.trajectory/demo/demo'
    >>> demo_study_folder(Path("/tmp/x/out")).as_posix()
    '/tmp/x/.trajectory/demo/out'
    """
    from .store import WORKING_FOLDER

    out = Path(out).resolve()
    parts = out.parts
    base = (Path(*parts[:parts.index("reports")]) if "reports" in parts else out.parent)
    return base / WORKING_FOLDER / "demo" / out.name
