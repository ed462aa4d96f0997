"""k-anonymity check of case-level exports.

A record is *at risk* when fewer than ``k`` records share its combination of
quasi-identifiers (its equivalence class): someone who knows those attributes of a
victim (zone, age band, sex, offence, month) could single the record out.

The report names small classes and their records: it is for the data controller,
never for publication (it is itself disclosive).

Examples
--------
>>> import pandas as pd
>>> cases = pd.DataFrame({"case_id": list("abcdefg"), "zone": ["Z1"] * 6 + ["Z2"],
...                       "victim_sex": ["F"] * 7})
>>> report = k_anonymity(cases, quasi_identifiers=["zone", "victim_sex"], k=5)
>>> report.table
  zone victim_sex  size  at_risk
0   Z2          F     1     True
1   Z1          F     6    False
>>> report.risky_ids
['g']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import SchemaError
from ..results import TidyResult
from ..schema import EventLog

__all__ = ["DEFAULT_QUASI_IDENTIFIERS", "KAnonymityResult", "k_anonymity"]

#: Quasi-identifiers of a case: what an acquaintance of a victim may know.
DEFAULT_QUASI_IDENTIFIERS: tuple[str, ...] = (
    "zone", "victim_age_band", "victim_sex", "offence_group", "month",
)


@dataclass(frozen=True, repr=False)
class KAnonymityResult(TidyResult):
    """Equivalence classes of a case-level table and the records at risk.

    ``table``: one row a class (quasi-identifier values, ``size``, ``at_risk``),
    smallest first. ``risky_rows``: index labels of the records in classes smaller
    than ``k``; ``risky_ids``: their ``case_id`` when the table has one.
    """

    k: int = 5
    quasi_identifiers: tuple[str, ...] = ()
    risky_rows: list[Any] = field(default_factory=list)
    risky_ids: list[Any] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Records, classes, records at risk and the smallest class, in one row."""
        t = self.table
        return pd.DataFrame({
            "k": [self.k], "records": [self.n], "classes": [len(t)],
            "classes_at_risk": [int(t["at_risk"].sum())],
            "records_at_risk": [len(self.risky_rows)],
            "share_at_risk": [len(self.risky_rows) / self.n if self.n else 0.0],
            "smallest_class": [int(t["size"].min()) if len(t) else 0],
        })

    @property
    def is_k_anonymous(self) -> bool:
        """True if no record is at risk."""
        return not self.risky_rows


def _with_month(cases: pd.DataFrame, date: str | None, events: pd.DataFrame | None
                ) -> pd.DataFrame:
    if date is not None:
        if date not in cases.columns:
            raise SchemaError(f"date column {date!r} is not in the cases table")
        return cases.assign(month=pd.to_datetime(cases[date]).dt.strftime("%Y-%m"))
    if events is not None and "case_id" in cases.columns:
        first = events.groupby("case_id")["date"].min()
        month = cases["case_id"].map(first)
        return cases.assign(month=pd.to_datetime(month).dt.strftime("%Y-%m"))
    raise SchemaError(
        "quasi-identifier 'month' is not a column; pass date='<date column>' to derive "
        "it, pass an EventLog (month of each case's first event), or leave it out of "
        "quasi_identifiers"
    )


def k_anonymity(
    cases: pd.DataFrame | EventLog,
    *,
    quasi_identifiers: Sequence[str] = DEFAULT_QUASI_IDENTIFIERS,
    k: int = 5,
    date: str | None = None,
) -> KAnonymityResult:
    """Find the records of a case-level table whose equivalence class is below ``k``.

    Parameters
    ----------
    cases : pandas.DataFrame or EventLog
        One row a case (an EventLog's ``cases`` table).
    quasi_identifiers : sequence of str
        Columns an intruder may know. Missing values form their own category.
    k : int
        Smallest allowed class size.
    date : str, optional
        Date column from which ``month`` (``YYYY-MM``) is derived when ``month`` is
        a quasi-identifier but not a column. With an EventLog and no ``date``, the
        month of each case's first event is used.

    Returns
    -------
    KAnonymityResult

    Raises
    ------
    SchemaError
        If a quasi-identifier is not a column (and cannot be derived).
    """
    events: pd.DataFrame | None = None
    if isinstance(cases, EventLog):
        events = cases.events
        cases = cases.cases
    qi = list(quasi_identifiers)
    if "month" in qi and "month" not in cases.columns:
        cases = _with_month(cases, date, events)
    missing = [c for c in qi if c not in cases.columns]
    if missing:
        raise SchemaError(f"quasi-identifier column(s) {missing} are not in the cases table; "
                          f"it has {list(cases.columns)}")
    keys = cases[qi].astype("string").fillna("<NA>")
    size = keys.groupby(qi, sort=False, dropna=False)[qi[0]].transform("size")
    at_risk = (size < k).to_numpy()
    classes = (keys.value_counts(sort=False, dropna=False).rename("size").reset_index()
               .sort_values(["size", *qi], kind="stable").reset_index(drop=True))
    classes["at_risk"] = classes["size"] < k
    risky_rows = list(cases.index[at_risk])
    risky_ids = list(cases.loc[at_risk, "case_id"]) if "case_id" in cases.columns else []
    return KAnonymityResult(
        table=classes, alpha=0.0, method=f"k-anonymity check, k={k}", n=len(cases),
        notes={"quasi_identifiers": qi}, k=k, quasi_identifiers=tuple(qi),
        risky_rows=risky_rows, risky_ids=risky_ids,
    )
