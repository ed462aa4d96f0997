"""Score a table of bottleneck flags against the planted truth of a synthetic study.

The rules are deliberately coarse so that they do not depend on how a detector
names its metrics: a planted effect (a row of ``truth.planted``) is **detected**
when some flagged row has the same ``lens``, ``by == group_column`` and
``group == group_value`` (any subgroup, any stage); a run is **clean** when no row
is flagged (optionally: no flagged row along one dimension ``by``).

Examples
--------
>>> import pandas as pd
>>> planted = pd.DataFrame({"bottleneck": ["slow"], "lens": ["reception"],
...                         "group_column": ["zone"], "group_value": ["5340"]})
>>> table = pd.DataFrame({"lens": ["reception", "sanctioning"], "by": ["zone", "division"],
...                       "group": ["5340", "NL"], "flagged": [True, False]})
>>> detected(table, planted)
{'slow': True}
>>> is_clean(table), is_clean(table, by="division")
(False, True)
"""

from __future__ import annotations

import pandas as pd

__all__ = ["detected", "is_clean", "REQUIRED_FLAG_COLUMNS"]

#: Columns a flag table must have to be scored.
REQUIRED_FLAG_COLUMNS: tuple[str, ...] = ("lens", "by", "group", "flagged")


def _flagged(table: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_FLAG_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"flag table lacks column(s) {missing}; has {list(table.columns)}")
    return table.loc[table["flagged"].fillna(False).astype(bool)]


def detected(table: pd.DataFrame, planted: pd.DataFrame) -> dict[str, bool]:
    """Planted bottleneck name -> whether a flagged row matches it (see module doc)."""
    hits = _flagged(table)
    keys = set(zip(hits["lens"].astype(str), hits["by"].astype(str), hits["group"].astype(str),
                   strict=True))
    return {str(r.bottleneck): (str(r.lens), str(r.group_column), str(r.group_value)) in keys
            for r in planted.itertuples()}


def is_clean(table: pd.DataFrame, by: str | None = None) -> bool:
    """True when no row is flagged (only rows with ``by == by`` when given)."""
    hits = _flagged(table)
    if by is not None:
        hits = hits.loc[hits["by"].astype(str) == by]
    return len(hits) == 0
