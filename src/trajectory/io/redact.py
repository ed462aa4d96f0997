"""Redacted shapes of extract cells, for the quarantine, the quality report and messages.

A cell that an ingest rejects may hold anything: a PV number typed in a label column,
a name typed in a date column, a free-text court detail. Such values never leave the
extract in clear. What is kept instead:

* a **date-like** value (digits and date separators only, e.g. ``31/02/2024``,
  ``2024-13-01``, ``45352,5``) is kept as it is: it is what the user must fix;
* a **code-like** value (at most 16 letters, digits and ``. _ - + / ?``, with no run
  of 6 or more digits) seen in at least ``k`` rows of its column (``k`` is the
  study's ``[privacy] threshold``) is kept as it is: a category such as
  ``TELEPHONE`` is needed to write the mapping, and a value that many rows share
  does not single out one person;
* anything else is replaced by its **shape**: character classes with run lengths
  (``A`` upper-case letter, ``a`` lower-case, ``9`` digit, punctuation kept), e.g.
  ``BR.12.L3.054321/2024`` -> ``A{2}.9{2}.A9.9{6}/9{4}``, or ``<text, 23 chars>``
  for text with spaces or longer than 24 characters.

Examples
--------
>>> shape("BR.12.L3.054321/2024"), shape("Dupont"), shape("victime Mme Dupont")
('A{2}.9{2}.A9.9{6}/9{4}', 'Aa{5}', '<text, 18 chars>')
>>> redact("TELEPHONE", kind="code", count=12, k=5), redact("DUPONT", kind="code", count=1, k=5)
('TELEPHONE', 'A{6}')
>>> redact("31/02/2024", kind="date"), redact("Marie", kind="date")
('31/02/2024', 'Aa{4}')
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["shape", "redact", "redact_series", "DATE_LIKE", "CODE_LIKE"]

#: Values kept in clear in date columns.
DATE_LIKE = re.compile(
    r"^(?:\d{1,4}(?:[/.\-]\d{1,4}){1,2}(?:[ T]\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?)?"
    r"|\d{1,6}(?:[.,]\d+)?)$")
#: Values kept in clear in code columns when at least k rows share them.
CODE_LIKE = re.compile(r"^(?!.*\d{6})[A-Za-z0-9_.+\-/?]{1,16}$")
_TEXT_LENGTH = 24


def _cls(char: str) -> str:
    if char.isdigit():
        return "9"
    if char.isalpha():
        return "A" if char.isupper() else "a"
    return char if char in "./-_:,;+?#()'" else "?"


def shape(value: str) -> str:
    """Character classes of ``value`` with run lengths; never the value itself."""
    if len(value) > _TEXT_LENGTH or any(c.isspace() for c in value):
        return f"<text, {len(value)} chars>"
    out: list[str] = []
    for char in value:
        c = _cls(char)
        if out and out[-1][0] == c:
            out[-1] = c + str(int(out[-1][1:] or 1) + 1)
        else:
            out.append(c)
    return "".join(part[0] + (f"{{{part[1:]}}}" if part[1:] else "") for part in out)


def redact(value: object, *, kind: str, count: int = 0, k: int = 5) -> object:
    """The value if it is safe to show (see module docstring), else its shape.

    Parameters
    ----------
    value : str or None
    kind : {"date", "code", "pseudonym", "text"}
        What the column holds. Pseudonyms (already keyed hashes) are kept.
    count : int
        Rows of the file sharing this value in this column (codes only).
    k : int
        The privacy threshold.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    if kind == "pseudonym":
        return text
    if kind == "date" and DATE_LIKE.match(text):
        return text
    if kind == "code" and count >= k and CODE_LIKE.match(text):
        return text
    return shape(text)


def redact_series(values: pd.Series, kinds: pd.Series, counts: pd.Series, k: int) -> pd.Series:
    """:func:`redact` applied row by row (quarantines are small: one row a rejected record)."""
    out = [redact(v, kind=str(kd), count=int(c), k=k)
           for v, kd, c in zip(values.tolist(), kinds.tolist(), counts.tolist(), strict=True)]
    return pd.Series(out, index=values.index, dtype=object)
