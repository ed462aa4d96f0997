"""The release gate of a report: each published table audited with the whole release.

:func:`release_gate` is what :meth:`trajectory.report.StudyContext.publish` calls after
:func:`~trajectory.privacy.disclose`: it reads the tables already released (the CSVs of
the report's ``tables/`` folder), and extends suppression in the new table until
:func:`~trajectory.privacy.audit.audit_release` passes. :func:`check_release` is what
the report runner calls once every notebook has run: the whole release must pass the
audit, and every number a notebook displays must be a published one.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"group": ["all", "a", "b", "c"], "n": [40, 12, 25, 3]})
>>> gated = release_gate(table.assign(n=[40, 12, 25, None]), "t", None, k=5)
>>> int(gated["n"].isna().sum())
2
>>> displayed_numbers("<td>12</td><td>0.25</td>")
[12.0, 0.25]
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PrivacyError
from ._reading import _NOT_KEYS, _ROW_KEYS, _keys, count_columns, floored_columns
from .audit import Cell, Relation, ReleaseAudit, _as_frames, audit_release
from .disclose import restated
from .identities import Identity, identities_from

__all__ = ["protect_release", "release_gate", "check_release", "displayed_numbers",
           "ungated_displays", "release_links", "DISPLAYS", "MANIFEST"]

#: What the notebooks published, one JSON line a table (written by the report's publish):
#: ``name``, ``kind``, and for tables their ``source`` and the ``identities`` declared.
MANIFEST = ".manifest.jsonl"

#: Hashes of what publish() returned, as displayed (removed once the report is checked).
DISPLAYS = ".displays"

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")
_TAG = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"<style.*?</style>", re.S)
_ROW_LABEL = re.compile(r"<tr[^>]*>\s*<th[^>]*>[^<]*</th>", re.S)  # a table's index, not data
_HEADER = re.compile(r"<thead.*?</thead>", re.S)  # column names, not data
_SHAPE = re.compile(r"\[?\b\d+ rows [×x] \d+ columns\]?")


def _released(tables_dir: Path | None, name: str) -> dict[str, pd.DataFrame]:
    if tables_dir is None or not Path(tables_dir).is_dir():
        return {}
    return {p.stem: _read_released(p) for p in sorted(Path(tables_dir).glob("*.csv"))
            if p.stem != name}


def release_links(tables_dir: str | Path | None) -> tuple[dict[str, str], list[Identity]]:
    """The source of each released table and the identities declared, from the manifest.

    Parameters
    ----------
    tables_dir : path, optional
        The report's ``tables/`` folder, holding :data:`MANIFEST`.

    Returns
    -------
    sources : dict of str to str
        Table name to source (tables published without one are left out).
    identities : list of Identity
        Every identity the published results declared, once.
    """
    path = Path(tables_dir) / MANIFEST if tables_dir else None
    if path is None or not path.is_file():
        return {}, []
    sources: dict[str, str] = {}
    declared: list[Any] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PrivacyError(f"{path.name} line {number} is not JSON ({exc.msg}); "
                               "rerun the report") from None
        if entry.get("source"):
            sources[str(entry["name"])] = str(entry["source"])
        declared += list(entry.get("identities") or [])
    return sources, identities_from(declared)


def _read_released(path: Path) -> pd.DataFrame:
    """A released table; a table published with no column (all withheld) is empty."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _masked(original: pd.DataFrame, protected: pd.DataFrame) -> pd.DataFrame:
    """``original`` with the cells ``protected`` hides set missing (dtypes kept)."""
    out = original.copy()
    for column in protected.columns:
        if column not in out.columns:
            continue
        new = protected[column].to_numpy()
        hide = pd.isna(new) & ~pd.isna(original[column]).to_numpy()
        if pd.api.types.is_bool_dtype(out[column]) and column in ("suppressed", "withheld"):
            out[column] = np.where(pd.isna(new), out[column], new).astype(bool)
            continue
        if hide.any():
            if pd.api.types.is_bool_dtype(out[column]):
                out[column] = out[column].astype("boolean")
            elif pd.api.types.is_integer_dtype(out[column]):
                out[column] = out[column].astype("Int64")
            out.loc[out.index[hide], column] = pd.NA if out[column].dtype != float else np.nan
    for flag in ("suppressed", "withheld"):
        if flag in protected.columns and flag in out.columns:
            out[flag] = protected[flag].fillna(False).astype(bool).to_numpy() | \
                out[flag].fillna(False).astype(bool).to_numpy()
    return out


def _blank(frame: pd.DataFrame, row: int, column: str) -> None:
    """Hide a count and every decimal of its row that may derive from it."""
    frame.loc[frame.index[row], column] = np.nan
    counts = count_columns(frame)
    for c in frame.columns:
        if c in counts or c in _ROW_KEYS or not isinstance(c, str) or c in _NOT_KEYS:
            continue
        if pd.api.types.is_float_dtype(frame[c]) and c not in ("p", "q"):
            frame.loc[frame.index[row], c] = np.nan
    for flag in ("suppressed", f"{column}_suppressed"):
        if flag in frame.columns:
            frame.loc[frame.index[row], flag] = True


def _whole_numbers(values: pd.Series) -> bool:
    """True for a numeric column whose shown values are all whole numbers."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    shown = values.dropna().to_numpy(dtype=float)
    return bool(shown.size) and bool(np.all(np.abs(shown - np.round(shown)) < 1e-9))


def _repeated(frame: pd.DataFrame, row: int, column: str) -> list[int]:
    """Rows showing the same count as ``row`` (the quantile levels of one group)."""
    level = next((c for c in ("q", "quantile") if c in frame.columns), None)
    if level is None:
        return [row]
    others = [c for c in _keys(frame, count_columns(frame)) if c != level]
    label = frame[others].astype(str).agg("|".join, axis=1) if others else \
        pd.Series("", index=frame.index)
    same = (label == label.iloc[row]).to_numpy()
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    same &= (values == values[row]) | np.isnan(values)
    return [int(i) for i in np.flatnonzero(same)] or [row]


def _pinned(frames: Mapping[str, pd.DataFrame], name: str, identities: list[Identity],
            sources: Mapping[str, str]) -> set[tuple[int, str]]:
    """Cells of ``name`` an identity equates to shown counts of the other tables.

    Hiding them protects nothing: the tables already released give them back.
    """
    out: set[tuple[int, str]] = set()
    for identity in identities:
        if identity.relation != "=":
            continue
        for parts, wholes in identity.instances(frames, sources):
            cells = [*parts, *wholes]
            mine = [c for c in cells if c[0] == name]
            rest = [c for c in cells if c[0] != name]
            if len(mine) == 1 and all(not np.isnan(float(frames[t][c].iloc[i]))
                                      and c not in floored_columns(frames[t])
                                      for t, i, c in rest):
                _, row, column = mine[0]
                out |= {(r, column) for r in _repeated(frames[name], row, column)}
    return out


def _candidates(audit: ReleaseAudit, relations: list[Relation],
                frames: Mapping[str, pd.DataFrame], name: str,
                pinned: set[tuple[int, str]] | None = None) -> list[tuple[int, str]]:
    """Shown counts of table ``name`` whose hiding can widen a problem cell."""
    pinned = pinned or set()
    problem_cells = {(str(t), int(i), str(c)) for t, i, c in audit.table[
        ["table", "row", "column"]].itertuples(index=False)}
    picks: list[tuple[int, str]] = []
    table = audit.table
    for row, column in table.loc[(table["problem"] == "derived") & (table["table"] == name),
                                 ["row", "column"]].itertuples(index=False):
        picks.append((int(row), str(column)))  # the part, the later horizon, the share
    narrow = [(str(t), int(i), str(c)) for t, i, c in table.loc[
        table["problem"] != "derived", ["table", "row", "column"]].itertuples(index=False)]
    on: dict[Cell, list[list[Cell]]] = {}  # the relations through each cell
    for rel in relations:
        cells = [c for c, _ in rel.terms if isinstance(c, tuple) and len(c) == 3]
        for c in cells:
            on.setdefault(c, []).append(cells)
    values = _ShownValues(frames)
    own = False
    for target in narrow:
        reached: set[Cell] = {target}
        linked: dict[Cell, float] = {}
        edge = {target}
        while edge and not linked:  # the target's relations, else the hidden cells they reach
            more: set[Cell] = set()
            for cells in (cells for cell in edge for cells in on.get(cell, ())):
                for c in cells:
                    value = values(c)
                    if np.isnan(value):
                        more.add(c)
                    elif c[0] == name and c not in problem_cells and (c[1], c[2]) not in pinned:
                        linked[c] = value
            edge = more - reached
            reached |= more
        # the smallest non-zero shown count first, as the line rule of suppression_pattern
        best = sorted(linked.items(), key=lambda kv: (kv[1] == 0, kv[1], kv[0][1]))
        if best:
            picks.append((best[0][0][1], best[0][0][2]))
        elif target[0] == name and not np.isnan(values(target)) and not own:
            picks.append((target[1], target[2]))  # a floored count pinned: hide one a round
            own = True
    return list(dict.fromkeys(picks))


class _ShownValues:
    """The value a cell shows (NaN when hidden, or not a number); columns read once."""

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.columns: dict[tuple[str, str], np.ndarray] = {}

    def __call__(self, cell: Cell) -> float:
        table, row, column = cell
        values = self.columns.get((table, column))
        if values is None:
            values = pd.to_numeric(self.frames[table][column], errors="coerce").to_numpy(float)
            self.columns[(table, column)] = values
        return float(values[row])


def protect_release(frames: Mapping[str, pd.DataFrame], name: str, *, k: int = 5,
                    protection: float | None = None, rounding: float | None = None,
                    max_rounds: int = 200, sources: Mapping[str, str] | None = None,
                    identities: Iterable[Identity | Mapping[str, Any]] = (),
                    ) -> dict[str, pd.DataFrame]:
    """Extend suppression in table ``name`` until the release passes :func:`audit_release`.

    The other tables are taken as already published (shown, never changed); only
    ``name`` gets new hidden cells: counts in ``1 .. k-1`` that follow from shown
    numbers, then, for every hidden count narrowed below ``protection``, the smallest
    shown count linked to it by a relation. A hidden count's decimals (shares, rates,
    intervals) are hidden with it. ``sources`` and ``identities`` link tables
    (:mod:`~trajectory.privacy.identities`): a count hidden in another table that the
    new one narrows through an identity is protected by hiding more of the new one.

    Returns
    -------
    dict of str to DataFrame
        The release with the new version of ``name``.

    Raises
    ------
    PrivacyError
        If no suppression in ``name`` can protect the release (the message names the
        tables and cells, never a value).
    """
    out = _as_frames(frames)
    frame = out[name]
    declared = identities_from(identities)
    solved: dict[Any, Any] = {}  # components unchanged by a round are not solved again
    for _ in range(max_rounds):
        audit = audit_release(out, k=k, protection=protection, rounding=rounding, focus=[name],
                              sources=sources, identities=declared, cache=solved)
        if audit.passed:
            return out
        relations = list(audit.relations)
        pinned = _pinned(out, name, declared, sources or {})
        picks = _candidates(audit, relations, out, name, pinned)
        done = False
        counts = count_columns(frame)
        for row, column in picks:  # one complementary cell a problem cell and round
            if pd.isna(frame[column].iloc[row]):
                continue
            if column in counts:  # with its repeats: one count shown on several rows
                for i in _repeated(frame, row, column):
                    _blank(frame, i, column)
            elif _whole_numbers(frame[column]):  # a count by another name (observed events)
                _blank(frame, row, column)
            else:
                frame.loc[frame.index[row], column] = np.nan
            done = True
        if not done:
            raise PrivacyError(audit.message() + f"; suppression in {name!r} cannot protect it")
    raise PrivacyError(f"table {name!r}: the release audit did not pass after {max_rounds} "
                       "rounds of suppression")


def release_gate(safe: Any, name: str, tables_dir: str | Path | None, *, k: int = 5,
                 rounding: int | None = None, source: str | None = None,
                 identities: Iterable[Mapping[str, Any]] = ()) -> Any:
    """Extend suppression in ``safe`` (a disclosed table or result) against the release.

    Parameters
    ----------
    safe : DataFrame or TidyResult
        What :func:`~trajectory.privacy.disclose` returned for table ``name``.
    name : str
        Its file stem in ``tables/``.
    tables_dir : path, optional
        The report's ``tables/`` folder (the tables released so far); None audits
        ``safe`` on its own.
    k, rounding
        The study's disclosure threshold and rounding base.
    source : str, optional
        What the table is (which result, which of its tables), as identities name it.
    identities : iterable of mapping
        Identities the table's result class declares; with those of the tables already
        released (:func:`release_links`), they join the audit.

    Returns
    -------
    Same type as ``safe``
        With every count the audit found exposed hidden, and the decimals of its row.

    Raises
    ------
    PrivacyError
        If no suppression in this table can protect the release.
    """
    table = safe if isinstance(safe, pd.DataFrame) else getattr(safe, "table", None)
    if not isinstance(table, pd.DataFrame) or table.empty:
        return safe
    released = _released(Path(tables_dir) if tables_dir else None, name)
    released[name] = table
    sources, declared = release_links(tables_dir)
    if source:
        sources[name] = source
    protected = protect_release(released, name, k=k, rounding=rounding, sources=sources,
                                identities=[*declared, *identities_from(identities)])[name]
    new = _masked(table.reset_index(drop=True), protected).set_axis(table.index)
    if isinstance(safe, pd.DataFrame):
        new.attrs = dict(safe.attrs)
        out = new
    else:
        out = restated(safe.replace(table=new))  # sentences follow their hidden values
    _register_display(out, Path(tables_dir) if tables_dir else None)
    return out


def _tokens(text: str) -> list[tuple[float, float]]:
    """Each number a reader sees, with half its last displayed digit (its rounding)."""
    text = _ROW_LABEL.sub("<tr>", _HEADER.sub(" ", _STYLE.sub(" ", text)))
    # pandas' "159 rows x 19 columns" footer: the published table's shape, not data
    plain = _SHAPE.sub(" ", html_lib.unescape(_TAG.sub(" ", text)))
    out = []
    for match in _NUMBER.findall(plain):
        token = match.replace(",", "")
        try:
            value = float(token)
        except ValueError:
            continue
        mantissa, _, exponent = token.lower().partition("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        out.append((value, 0.5 * 10.0 ** (int(exponent or 0) - decimals)))
    return out


def displayed_numbers(text: str) -> list[float]:
    """The numbers a reader sees in an output (tags, index and column labels, commas removed)."""
    return [value for value, _ in _tokens(text)]


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _register_display(safe: Any, tables_dir: Path | None) -> None:
    """Record (as hashes) how a published object displays, for :func:`check_release`."""
    if tables_dir is None:
        return
    texts = []
    for method in ("_repr_html_", "__repr__"):
        try:
            text = getattr(safe, method)()
        except Exception:  # a display that fails is not registered
            continue
        if isinstance(text, str):
            texts.append(text)
    Path(tables_dir).mkdir(parents=True, exist_ok=True)
    with (Path(tables_dir) / DISPLAYS).open("a", encoding="utf-8") as handle:
        handle.writelines(_fingerprint(t) + "\n" for t in texts)


def _published_numbers(tables_dir: Path) -> np.ndarray:
    values: list[float] = []
    for path in sorted(Path(tables_dir).glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for text in [*map(str, frame.columns), *frame.to_numpy().ravel().tolist()]:
            values.extend(displayed_numbers(text))
    return np.unique(np.array(values, dtype=float))


def ungated_displays(outputs: Iterable[tuple[str, str]], tables_dir: str | Path,
                     ) -> list[str]:
    """Displays holding a number that no published table holds.

    Parameters
    ----------
    outputs : iterable of (where, text)
        Each displayed output (HTML or plain text) and where it is (notebook, cell).
    tables_dir : path
        The published tables.

    Returns
    -------
    list of str
        ``where`` of every display with a number that is not published (rounded as
        displayed); never the number itself.
    """
    published = _published_numbers(Path(tables_dir))
    # a share is also displayed as a percentage (sentences: "+1.3 percentage points")
    published = np.unique(np.concatenate([published, published * 100]))
    registry = Path(tables_dir) / DISPLAYS
    gated = set(registry.read_text(encoding="utf-8").split()) if registry.is_file() else set()
    bad = []
    for where, text in outputs:
        if _fingerprint(text) in gated:
            continue
        for number, half in _tokens(text):
            tolerance = half * (1 + 1e-9) + 1e-12
            i = np.searchsorted(published, number - tolerance)
            if i >= len(published) or published[i] > number + tolerance:
                bad.append(where)
                break
    return bad


def _notebook_outputs(paths: Iterable[Path]) -> list[tuple[str, str]]:
    import nbformat

    out = []
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            for output in cell.get("outputs", []):
                where = f"{Path(path).name} cell {index}"
                if output.get("output_type") == "stream":
                    out.append((where, str(output.get("text", ""))))
                    continue
                data = output.get("data", {})
                text = data.get("text/html") or data.get("text/plain")
                if text:
                    out.append((where, "".join(text) if isinstance(text, list) else text))
    return out


def check_release(notebooks: Iterable[Path], tables_dir: str | Path, *, k: int = 5,
                  rounding: int | None = None) -> None:
    """Refuse a report whose release fails the audit or shows an ungated number.

    The audit reads every table of ``tables_dir`` at once, with the identities across
    tables that the manifest records (:func:`release_links`).

    Raises
    ------
    PrivacyError
        Naming the tables and cells the audit finds exposed, or the notebook cells
        that display a number no published table holds.
    """
    tables_dir = Path(tables_dir)
    frames = {p.stem: _read_released(p) for p in sorted(tables_dir.glob("*.csv"))}
    sources, identities = release_links(tables_dir)
    audit = audit_release(frames, k=k, rounding=rounding, sources=sources,
                          identities=identities)
    if not audit.passed:
        raise PrivacyError("report refused: " + audit.message())
    bad = ungated_displays(_notebook_outputs(notebooks), tables_dir)
    (tables_dir / DISPLAYS).unlink(missing_ok=True)  # hashes only; not part of the release
    if bad:
        raise PrivacyError(
            "report refused: these outputs display numbers that did not pass publish(): "
            + ", ".join(dict.fromkeys(bad)) + "; display what ctx.publish() returns")
