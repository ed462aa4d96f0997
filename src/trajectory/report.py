"""The reproducible study report: validate → ingest → notebooks (papermill) → one HTML.

``run_study_report(config)`` reads and validates the extracts named in a study config,
stores the EventLog in DuckDB, executes the numbered notebooks of ``notebooks/`` with
papermill (each gets the same ``parameters``), and writes into the report folder:

* ``index.html``: one self-contained page (figures embedded, code hidden), opening with
  the ranked findings and a table of contents;
* ``notebooks/``: the executed notebooks;
* ``tables/``: every table the notebooks published, as CSV, after the disclosure gate;
* ``quality.csv`` and ``quality.txt``: the quality report of the ingest;
* ``provenance.json``: config, input file hashes, package versions, git commit, seed,
  timings.

Notebooks publish through :class:`StudyContext.publish`, which passes every table and
curve through :func:`trajectory.privacy.disclose` before it is shown or saved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .config import StudyConfig, load_config
from .errors import EstimationError, PrivacyError, TrajectoryError
from .schema import EventLog

__all__ = [
    "StudyContext",
    "Withheld",
    "study_context",
    "run_study_report",
    "run_demo",
    "notebook_paths",
    "provenance",
]

#: Packages whose versions go into provenance.json.
_PROVENANCE_PACKAGES = (
    "trajectory", "numpy", "pandas", "scipy", "lifelines", "statsmodels", "duckdb", "pyarrow",
    "matplotlib", "seaborn", "papermill", "nbconvert",
)


def _project_root() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
            return parent
    return None


def notebook_paths(names: tuple[str, ...] | None = None) -> list[Path]:
    """The numbered study notebooks (``notebooks/NN-*.ipynb``) in order.

    Parameters
    ----------
    names : tuple of str, optional
        Stems to keep (e.g. ``("00-quickstart",)``); default all.
    """
    root = _project_root()
    if root is None:
        raise TrajectoryError(
            "notebooks/ not found: run reports from a checkout of the trajectory repository"
        )
    paths = sorted((root / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if names is not None:
        wanted = set(names)
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise TrajectoryError(
                f"notebook(s) {sorted(missing)} not found in notebooks/; "
                f"available: {[p.stem for p in paths]}"
            )
        paths = [p for p in paths if p.stem in wanted]
    return paths


@dataclass
class StudyContext:
    """What a study notebook needs: the EventLog, the config and the publication gate.

    Build it with :func:`study_context` in a notebook's first code cell. Every table or
    curve shown in a report goes through :meth:`publish`.
    """

    log: EventLog
    config: StudyConfig | None
    threshold: int = 5
    rounding: int | None = None
    lang: str = "en"
    seed: int = 1
    tables_dir: Path | None = None
    truth: Any = None
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)
    published: list[str] = field(default_factory=list)

    def _withhold(self, name: str, reason: str) -> Withheld:
        if self.tables_dir is not None:
            self.tables_dir.mkdir(parents=True, exist_ok=True)
            pd.DataFrame({"withheld": [reason]}).to_csv(
                self.tables_dir / f"{name}.csv", index=False)
        self.published.append(name)
        return Withheld(name, reason)

    def estimate(self, name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call an estimator and publish its result; withhold it if it cannot be estimated.

        A model that does not converge or a comparison without enough cases raises an
        :class:`~trajectory.errors.EstimationError`; in a report that becomes a
        sentence saying so, not a failed notebook.
        """
        try:
            result = function(*args, **kwargs)
        except EstimationError as exc:
            return self._withhold(name, f"not estimated on these data: {exc}")
        return self.publish(result, name)

    def publish(self, obj: Any, name: str, **disclose_options: Any) -> Any:
        """Pass ``obj`` through the disclosure gate, save its table as CSV, return it.

        Parameters
        ----------
        obj : DataFrame or TidyResult
            A count table or a result (curve, model, flags...).
        name : str
            File stem of the saved table (``tables/<name>.csv``), unique in a report.
        """
        from .privacy import disclose

        try:
            safe = disclose(obj, k=self.threshold, rounding=self.rounding, **disclose_options)
        except PrivacyError as exc:
            return self._withhold(name, f"not published: {exc}")
        if isinstance(safe, pd.DataFrame):
            safe = _readable(safe)
        elif hasattr(safe, "replace") and isinstance(getattr(safe, "table", None), pd.DataFrame):
            safe = safe.replace(table=_readable(safe.table))
        table = safe.to_frame() if hasattr(safe, "to_frame") else safe
        if self.tables_dir is not None:
            self.tables_dir.mkdir(parents=True, exist_ok=True)
            table.to_csv(self.tables_dir / f"{name}.csv", index=False)
        self.published.append(name)
        return safe


@dataclass(frozen=True)
class Withheld:
    """Stands in for a table, figure or model that the report does not publish.

    It says why (too few cases to protect, a model that cannot be estimated on these
    data) where the result would have been, and draws that sentence in place of a
    figure, so that a report on sparse data still runs to the end.
    """

    name: str
    reason: str

    @property
    def table(self) -> pd.DataFrame:
        """An empty table: nothing is published."""
        return pd.DataFrame()

    def to_frame(self) -> pd.DataFrame:
        """An empty table: nothing is published."""
        return self.table

    def summary(self) -> pd.DataFrame:
        """An empty table: nothing is published."""
        return self.table

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the reason in place of the figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 1.2))
        ax.axis("off")
        ax.text(0, 0.5, f"{self.name}: {self.reason}", wrap=True, va="center", fontsize=9)
        return ax

    def __repr__(self) -> str:
        return f"[{self.name}] {self.reason}"

    def _repr_html_(self) -> str:
        return f"<p><i>{html.escape(self.name)}: {html.escape(self.reason)}</i></p>"


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Counts as (nullable) integers and other decimals to 6 significant places.

    Suppression turns count columns into floats (NaN marks a hidden cell); a reader
    expects ``1939``, not ``1939.0``. Only presentation changes, never a value.
    """
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        name = str(column)
        shown = values.dropna()
        if (name in ("n", "count") or name.startswith("n_")) and (shown == shown.round()).all():
            out[column] = values.round().astype("Int64")
        else:
            out[column] = values.map(lambda v: float(f"{v:.6g}"), na_action="ignore")
    return out


def study_context(
    store_path: str | Path | None = None,
    *,
    config_path: str | Path | None = None,
    n_cases: int = 5_000,
    seed: int = 1,
    scenario: str = "brussels",
    threshold: int | None = None,
    lang: str | None = None,
    tables_dir: str | Path | None = None,
) -> StudyContext:
    """Open a study for a notebook: from a DuckDB store, or a fresh synthetic study.

    With ``store_path`` the EventLog is loaded from the study's DuckDB file (what the
    report does). Without it, a synthetic study of ``n_cases`` is generated, so that a
    notebook also runs on its own in JupyterLab.
    """
    config = load_config(config_path) if config_path else None
    truth = None
    quarantine = pd.DataFrame(columns=["source", "file", "row", "column", "value", "reason"])
    if store_path:
        from .store import StudyStore

        store = StudyStore(Path(store_path), read_only=True)
        log = store.load()
        quarantine = store.load_quarantine()
        store.close()
    else:
        from .synth import make_study

        study = make_study(n_cases, seed=seed, scenario=scenario)
        log, truth = study.log, study.truth
    if threshold is None:
        threshold = config.privacy.threshold if config else 5
    if lang is None:
        lang = config.language if config else "en"
    return StudyContext(
        log=log,
        config=config,
        threshold=int(threshold),
        rounding=config.privacy.rounding if config else None,
        lang=lang,
        seed=seed,
        tables_dir=Path(tables_dir) if tables_dir else None,
        truth=truth,
        quarantine=quarantine,
    )


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_commit() -> str | None:
    root = _project_root()
    if root is None:
        return None
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (Path, dt.date)):
        return str(value)
    return value


def provenance(config: StudyConfig, *, seed: int, timings: dict[str, float]) -> dict[str, Any]:
    """What a reader needs to reproduce a report (never the pseudonymisation key).

    Returns config, input file SHA-256 hashes, package versions, Python, git commit,
    seed and step timings.
    """
    versions: dict[str, str | None] = {}
    for package in _PROVENANCE_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    inputs = {
        src.name: {
            "path": str(src.path),
            "sha256": _sha256(src.path) if src.path.is_file() else None,
        }
        for src in config.sources
    }
    return {
        "trajectory_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": _jsonable(config),
        "inputs": inputs,
        "packages": versions,
        "python": platform.python_version(),
        "git_commit": _git_commit(),
        "seed": seed,
        "timings_s": timings,
    }


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
        done.append(target)
    return done


def _findings_html(tables_dir: Path) -> str:
    path = tables_dir / "flags.csv"
    if not path.is_file():
        return "<p>No bottleneck flags were computed.</p>"
    flags = pd.read_csv(path)
    if "flagged" in flags.columns:
        flags = flags[flags["flagged"].astype(bool)]
    if flags.empty:
        return "<p>No bottleneck was flagged at the study's false-discovery rate.</p>"
    items = []
    for row in flags.head(10).itertuples():
        sentence = html.escape(str(getattr(row, "sentence", "")))
        lens = html.escape(str(getattr(row, "lens", "")))
        items.append(f"<li><b>{lens}</b>: {sentence}</li>")
    return "<ol>" + "".join(items) + "</ol>"


def _first_heading(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _combined_html(executed: list[Path], out_dir: Path, title: str) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    combined = nbformat.v4.new_notebook()
    toc = []
    for path in executed:
        nb = nbformat.read(str(path), as_version=4)
        heading = _first_heading(nb) or path.stem.split("-", 1)[1].replace("-", " ").capitalize()
        anchor = path.stem
        toc.append(f'<li><a href="#{anchor}">{html.escape(heading)}</a></li>')
        combined.cells.append(nbformat.v4.new_markdown_cell(f'<a id="{anchor}"></a>'))
        for cell in nb.cells:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                continue
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                continue
            combined.cells.append(cell)
    first = (
        f"<h1>{html.escape(title)}</h1>"
        f"<p>trajectory {__version__}; generated "
        f"{dt.date.today().isoformat()}. Every count below the study's disclosure threshold is "
        "suppressed (shown as a blank or “suppressed”), never as zero.</p>"
        f"<h2>Ranked findings</h2>{_findings_html(out_dir / 'tables')}"
        f"<h2>Contents</h2><ol>{''.join(toc)}</ol>"
    )
    combined.cells.insert(0, nbformat.v4.new_markdown_cell(first))
    combined.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(combined, resources={"metadata": {"name": title}})
    index = out_dir / "index.html"
    index.write_text(body, encoding="utf-8")
    return index


def run_study_report(
    config_path: str | Path,
    *,
    out: Path | None = None,
    progress: bool = False,
    notebooks: tuple[str, ...] | None = None,
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
    """
    from .io import read_study
    from .store import StudyStore

    steps = _Progress(progress)
    with steps.step("load config"):
        config = load_config(config_path)
    out_dir = Path(out or config.report_dir or Path("reports") / config.name).resolve()
    if out_dir.exists():
        for sub in ("notebooks", "tables"):
            shutil.rmtree(out_dir / sub, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    with steps.step("read and validate extracts"):
        ingest = read_study(config)
        ingest.report.to_frame().to_csv(out_dir / "quality.csv", index=False)
        (out_dir / "quality.txt").write_text(ingest.report.summary() + "\n", encoding="utf-8")
    store_path = out_dir / "study.duckdb"
    with steps.step("store in DuckDB"):
        if store_path.exists():
            store_path.unlink()
        StudyStore(store_path).save(ingest)
    seed = int(config.seed if config.seed is not None else 1)
    parameters: dict[str, Any] = {
        "config_path": str(Path(config_path).resolve()),
        "store_path": str(store_path),
        "tables_dir": str(out_dir / "tables"),
        "seed": seed,
        "lang": config.language,
        "threshold": int(config.privacy.threshold),
    }
    paths = notebook_paths(notebooks or config.notebooks)
    executed = _execute_notebooks(paths, out_dir, parameters, steps)
    with steps.step("assemble HTML"):
        index = _combined_html(executed, out_dir, config.title or f"Study {config.name}")
    record = provenance(config, seed=seed, timings=steps.timings)
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
) -> Path:
    """The main job on the embedded default: synthetic extracts → DuckDB → full report.

    Writes the synthetic extracts and their study config under ``out/data/``, then runs
    :func:`run_study_report` on them. Returns the path of ``index.html``.
    """
    from .synth import make_study, write_extracts

    steps = _Progress(progress)
    out = Path(out)
    with steps.step(f"generate {n_cases:,} synthetic cases"):
        study = make_study(n_cases, seed=seed, scenario=scenario)
        config_path = write_extracts(study, out / "data")
    return run_study_report(config_path, out=out, progress=progress, notebooks=notebooks)
