"""What a study notebook works with: the study, its config and the publication gate.

:func:`study_context` opens a study for a notebook (from the DuckDB store that
``trajectory report`` wrote, or a fresh synthetic study, so that a notebook also runs on
its own in JupyterLab). :class:`StudyContext` holds it; notebooks publish through
:meth:`StudyContext.publish` (tables and curves, through
:func:`trajectory.privacy.disclose` and the release gate) and :meth:`StudyContext.figure`
(figures of published results), which record every table in the report's manifest.
:func:`published_quality` puts the ingest's per-source counts through the same gate for
``quality.csv``. The report runner is :mod:`trajectory.report`.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .config import StudyConfig, load_config
from .errors import EstimationError, PrivacyError, TrajectoryError
from .schema import EventLog

__all__ = ["MANIFEST", "StudyContext", "Withheld", "figure_alt_text", "published_quality",
           "study_context"]

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


