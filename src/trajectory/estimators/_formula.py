"""Design matrices and survival columns for the regression models (private helpers).

A model's right-hand side is given either as a formulaic formula
(``"offence_group + zone + C(division, Treatment('NL'))"``, reference levels chosen
with ``Treatment``/``contr.treatment``) or as a list of column names. Missing values
are never dropped silently: they raise :class:`~trajectory.errors.EstimationError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["Design", "design_matrix", "event_indicator", "column"]

_C_NAME = re.compile(r"^C\((\w+)\s*,.*\)(\[.*\])$")


@dataclass(frozen=True)
class Design:
    """A numeric design matrix without intercept, its column names and term groups."""

    X: np.ndarray
    names: list[str]
    terms: list[tuple[str, list[int]]]  # term label -> column positions
    formula: str
    spec: Any = None  # formulaic ModelSpec, to encode new data the same way
    keep: tuple[int, ...] = ()

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode new rows (e.g. covariate profiles) with the fitted coding."""
        try:
            mm = self.spec.get_model_matrix(frame, na_action="raise")
        except Exception as exc:
            raise EstimationError(
                f"cannot encode the new data with the model formula {self.formula!r}: {exc}"
            ) from exc
        return np.asarray(mm, dtype=float)[:, list(self.keep)]


def _tidy_name(name: str) -> str:
    """``C(division, Treatment('NL'))[T.FR]`` -> ``division[T.FR]``."""
    m = _C_NAME.match(name)
    return f"{m.group(1)}{m.group(2)}" if m else name


def column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    """Return ``frame[name]``, raising a helpful error when absent or incomplete."""
    if name not in frame.columns:
        raise EstimationError(
            f"{role} column {name!r} is not in the data (columns: {list(frame.columns)})"
        )
    s = frame[name]
    n_missing = int(s.isna().sum())
    if n_missing:
        raise EstimationError(
            f"{role} column {name!r} has {n_missing} missing value(s); drop or impute them "
            "before fitting (rows are never dropped silently)"
        )
    return s


def design_matrix(
    frame: pd.DataFrame, formula: str | None, covariates: Sequence[str] | None
) -> Design:
    """Build the covariate matrix (no intercept) from ``formula`` or ``covariates``.

    Examples
    --------
    >>> df = pd.DataFrame({"zone": ["a", "b", "c", "a"], "age": [30.0, 40, 50, 60]})
    >>> d = design_matrix(df, "age + C(zone, Treatment('b'))", None)
    >>> d.names
    ['age', 'zone[T.a]', 'zone[T.c]']
    >>> [t for t, _ in d.terms]
    ['age', "C(zone, Treatment('b'))"]
    """
    import formulaic

    if (formula is None) == (covariates is None):
        raise EstimationError("give exactly one of formula= or covariates=")
    if formula is None:
        assert covariates is not None
        if isinstance(covariates, str):
            covariates = [covariates]
        if not covariates:
            raise EstimationError("covariates= is empty; name at least one column")
        for c in covariates:
            column(frame, c, "covariate")
        formula = " + ".join(f"`{c}`" if not c.isidentifier() else c for c in covariates)
    rhs = formula.split("~", 1)[-1]
    # formulaic reads object columns as categorical but not pandas/pyarrow string or
    # boolean extension dtypes (as loaded from DuckDB): give it plain objects
    extension = [c for c in frame.columns
                 if isinstance(frame[c].dtype, (pd.StringDtype, pd.BooleanDtype))
                 or str(frame[c].dtype).endswith("[pyarrow]")]
    if extension:
        frame = frame.assign(**{c: frame[c].astype(object) for c in extension})
    try:
        mm = formulaic.model_matrix(rhs, frame, na_action="raise")
    except Exception as exc:  # formulaic raises many types; re-raise as ours
        raise EstimationError(
            f"cannot build the design matrix from formula {rhs!r}: {exc}"
        ) from exc
    names = [str(c) for c in mm.columns]
    keep = [i for i, n in enumerate(names) if n != "Intercept"]
    terms: list[tuple[str, list[int]]] = []
    pos = {old: new for new, old in enumerate(keep)}
    for term, sl in mm.model_spec.term_slices.items():
        cols = [pos[i] for i in range(sl.start, sl.stop) if i in pos]
        if cols:
            terms.append((str(term), cols))
    X = np.asarray(mm, dtype=float)[:, keep]
    return Design(
        X=X,
        names=[_tidy_name(names[i]) for i in keep],
        terms=terms,
        formula=rhs,
        spec=mm.model_spec,
        keep=tuple(keep),
    )


def event_indicator(
    frame: pd.DataFrame, event: str, cause: str | Sequence[str] | None
) -> np.ndarray:
    """0/1 event indicator from a bool/0-1 column, or from an outcome column and ``cause``.

    Examples
    --------
    >>> df = pd.DataFrame({"outcome": ["court", "censored", "alternative"]})
    >>> event_indicator(df, "outcome", "court").tolist()
    [True, False, False]
    """
    s = column(frame, event, "event")
    if cause is None:
        if pd.api.types.is_bool_dtype(s):
            return s.to_numpy(bool)
        if pd.api.types.is_numeric_dtype(s) and set(np.unique(s)) <= {0, 1}:
            return s.to_numpy() == 1
        levels = sorted(map(str, pd.unique(s)))[:8]
        raise EstimationError(
            f"event column {event!r} is not 0/1 or boolean (levels {levels}); pass "
            "cause='<outcome level>' to model one outcome (other levels then count as censored)"
        )
    causes = [cause] if isinstance(cause, str) else list(cause)
    values: Any
    if isinstance(s.dtype, pd.CategoricalDtype):
        used = np.bincount(s.cat.codes.to_numpy(np.int64), minlength=len(s.cat.categories))
        values = s.cat.categories[used > 0]
    else:
        values = pd.unique(s)
    present = set(map(str, values))
    missing = [c for c in causes if c not in present]
    if missing:
        raise EstimationError(
            f"cause {missing} not found in column {event!r}; levels are {sorted(present)}"
        )
    if isinstance(s.dtype, pd.CategoricalDtype):  # compare the few categories, not n strings
        hit = np.isin(s.cat.categories.astype(str), causes)
        return hit[s.cat.codes.to_numpy()]
    return s.astype(str).isin(causes).to_numpy()
