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

import html
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .config import StudyConfig, load_config
from .errors import ConfigError, EstimationError, PrivacyError, TrajectoryError
from .report_facts import write_publication_files
from .report_provenance import _project_root, provenance
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


def published_quality(report: Any, *, k: int, rounding: int | None = None) -> pd.DataFrame:
    """``quality.csv``: per-source counts of the ingest, through the disclosure gate.

    The counts read, accepted and quarantined of each source pass
    :func:`~trajectory.privacy.disclose` (a source read fewer than ``k`` times is
    withheld, counts in ``1 .. k-1`` are hidden) and the release audit (read minus
    accepted is the quarantined count: hiding only one of them gives nothing). A count
    hidden because it is below ``k`` reads ``<k``; one hidden to protect another ``‡``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> table = pd.DataFrame({"source": ["police", "parquet"], "format": ["csv", "csv"],
    ...                       "read": [200, 180], "accepted": [197, 170],
    ...                       "quarantined": [3, 10]})
    >>> published_quality(SimpleNamespace(table=table), k=5).to_dict("records")[0]
    {'source': 'police', 'format': 'csv', 'read': '200', 'accepted': '‡', 'quarantined': '<5'}
    """
    from .privacy import disclose
    from .privacy.release import release_gate

    names = {"read": "n", "accepted": "n_accepted", "quarantined": "n_quarantined"}
    counts = report.table[["source", "format", *names]].rename(columns=names)
    counts = counts.reset_index(drop=True)
    safe = disclose(counts, k=k, rounding=rounding, withhold_by="n")
    safe = release_gate(safe, "quality", None, k=k, rounding=rounding)
    out = counts[["source", "format"]].copy()
    for column, count in names.items():
        true = pd.to_numeric(counts[count], errors="coerce").to_numpy(float)
        shown = pd.to_numeric(safe[count], errors="coerce").to_numpy(float)
        out[column] = [str(int(s)) if s == s else (f"<{k}" if t < k else "‡")
                       for s, t in zip(shown, true, strict=True)]
    return out


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

    @property
    def figures_dir(self) -> Path | None:
        """Where figures are saved (``figures/`` beside ``tables/``), or None."""
        return None if self.tables_dir is None else self.tables_dir.parent / "figures"

    def _record(self, entry: dict[str, Any]) -> None:
        """Append to the manifest the report reads to lay out what was published."""
        if self.tables_dir is None:
            return
        try:
            from IPython import get_ipython

            shell = get_ipython()
            entry["cell"] = int(shell.execution_count) if shell is not None else None
        except ImportError:  # pragma: no cover - IPython comes with ipykernel
            entry["cell"] = None
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        with (self.tables_dir / MANIFEST).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def _withhold(self, name: str, reason: str) -> Withheld:
        if self.tables_dir is not None:
            self.tables_dir.mkdir(parents=True, exist_ok=True)
            pd.DataFrame({"withheld": [reason]}).to_csv(
                self.tables_dir / f"{name}.csv", index=False)
        self.published.append(name)
        self._record({"name": name, "kind": "withheld", "reason": reason})
        return Withheld(name, reason)

    def figure(self, obj: Any, name: str, **plot_options: Any) -> Any:
        """Draw a published result, save it as SVG and 300-dpi PNG, return the figure.

        The figure is drawn with the result's ``plot`` in the study's language; the
        files are ``figures/<name>.svg`` and ``figures/<name>.png``, with an alt text
        written from the result's data (:func:`figure_alt_text`). Draw only what
        :meth:`publish` returned: the figure shows what passed the disclosure gate.

        Parameters
        ----------
        obj : TidyResult or Withheld
            A result returned by :meth:`publish` or :meth:`estimate`.
        name : str
            File stem of the figure (``figures/<name>.svg``); the same name as the
            result's table groups them in the report.
        **plot_options
            Passed to ``obj.plot``.
        """
        from .plotting import figure_alt, save_figure

        plot_options.setdefault("lang", self.lang)
        drawn = obj.plot(**plot_options)
        fig = drawn if hasattr(drawn, "savefig") else drawn.get_figure(root=True)
        alt = figure_alt(fig) or figure_alt_text(obj, fig)
        if self.figures_dir is not None and not isinstance(obj, Withheld):
            # a withheld result has no figure in the report: its reason stands in its place
            saved = save_figure(fig, self.figures_dir / name, alt=alt, close=False)
            self._record({"name": name, "kind": "figure", "alt": saved.alt})
        return fig

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

    def publish(self, obj: Any, name: str, *, caption: str | None = None,
                source: str | None = None, **disclose_options: Any) -> Any:
        """Pass ``obj`` through the disclosure gate, save its table as CSV, return it.

        Parameters
        ----------
        obj : DataFrame or TidyResult
            A count table or a result (curve, model, flags...).
        name : str
            File stem of the saved table (``tables/<name>.csv``), unique in a report.
        caption : str, optional
            The table's caption in the report when the message catalogue has none for
            ``name`` (the catalogue's ``item.<name>.caption`` wins: it is translated).
        source : str, optional
            What the table is, as the identities across tables name it (e.g.
            ``"cohort.outcomes"``); default the ``source`` a result's table carries in
            its ``attrs``. The result class's ``identities`` are recorded with it, and
            the release audit reads both (:mod:`trajectory.privacy.identities`).
        """
        from .privacy import disclose
        from .privacy.release import release_gate

        try:
            safe = disclose(obj, k=self.threshold, rounding=self.rounding, **disclose_options)
        except PrivacyError as exc:
            return self._withhold(name, f"not published: {exc}")
        if isinstance(safe, pd.DataFrame):
            safe = _readable(safe)
        elif hasattr(safe, "replace") and isinstance(getattr(safe, "table", None), pd.DataFrame):
            safe = safe.replace(table=_readable(safe.table))
        table = obj if isinstance(obj, pd.DataFrame) else getattr(obj, "table", None)
        source = source or (table.attrs.get("source") if isinstance(table, pd.DataFrame)
                            else None)
        identities = list(getattr(type(obj), "identities", ()) or ())
        try:  # the release audit: this table read together with every table released so far
            safe = release_gate(safe, name, self.tables_dir, k=self.threshold,
                                rounding=self.rounding, source=source, identities=identities)
        except PrivacyError as exc:
            return self._withhold(name, f"not published: {exc}")
        table = safe.to_frame() if hasattr(safe, "to_frame") else safe
        if self.tables_dir is not None:
            self.tables_dir.mkdir(parents=True, exist_ok=True)
            table.to_csv(self.tables_dir / f"{name}.csv", index=False)
        self.published.append(name)
        self._record({"name": name, "kind": "table", "caption": caption,
                      "source": source, "identities": identities,
                      "alpha": getattr(safe, "alpha", None),
                      "audit": _audit_summary(safe, table)})
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


#: The list of what the notebooks published, in order (read, then removed, by the report).
MANIFEST = ".manifest.jsonl"


def _audit_summary(safe: Any, table: pd.DataFrame) -> dict[str, Any]:
    """How many cells the gate hid, and the rows hidden only to protect a small cell.

    The report marks a primary suppression ``<k`` and a secondary one ``‡``: a cell
    hidden so that a small cell cannot be recovered is not itself below ``k``.
    """
    from .privacy import disclosure_audit

    try:
        audit = disclosure_audit(safe)
    except (TrajectoryError, AttributeError, KeyError, TypeError):
        return {"n_suppressed": 0, "secondary": []}
    secondary = []
    wheres = audit.loc[audit["reason"].astype(str) == "secondary", "where"].astype(str)
    if len(wheres):
        keys = [{f"{c}={v!r}" for c, v in row.items()} | {f"row {i}"}
                for i, row in enumerate(table.to_dict("records"))]
        for where in wheres:
            parts = set(where.split(", ")) if not where.startswith("row ") else {where}
            secondary += [i for i, k in enumerate(keys) if parts <= k]
    return {"n_suppressed": int(len(audit)), "secondary": sorted(set(secondary))}


def figure_alt_text(obj: Any, fig: Any) -> str:
    """An alt text for a figure the plotting layer did not describe (e.g. :class:`Withheld`).

    Written from the axes (title, axis labels, legend) and the result (its reason when
    withheld, else ``n`` and the groups drawn).
    """
    if isinstance(obj, Withheld):
        return f"{obj.name}: {obj.reason}"
    parts = []
    for ax in fig.get_axes():
        words = [w for w in (ax.get_title(), ax.get_ylabel(), ax.get_xlabel()) if w]
        legend = ax.get_legend()
        if legend is not None:
            words.append(", ".join(t.get_text() for t in legend.get_texts()[:8]))
        if words:
            parts.append("; ".join(words))
    described = " | ".join(dict.fromkeys(parts)) or type(obj).__name__
    table = getattr(obj, "table", None)
    facts = [f"n = {int(obj.n):,}"] if getattr(obj, "n", 0) else []
    if isinstance(table, pd.DataFrame) and "group" in table.columns:
        facts.append(f"{table['group'].nunique()} group(s)")
    return described + (f" ({', '.join(facts)})" if facts else "")


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
