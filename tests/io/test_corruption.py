"""Property test: random byte-level corruption of a valid CSV extract.

Quotes, delimiters, invalid bytes, re-encodings, truncation and line ends are thrown
at a valid file. Either every physical line is accounted for
(``lines == header + blank + continued + accepted + quarantined``, with ``lines``
counted here independently of the reader) or the file is refused with an
:class:`IngestError` that names a line. No other exception type is allowed.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trajectory.config import from_dict
from trajectory.errors import IngestError
from trajectory.io import read_study

N = 30
HEADER = b"PV_NR;DATE_PLAINTE;ZONE_POL;REMARQUE"


def _valid(quoted: bool) -> bytes:
    rows = [HEADER]
    for i in range(N):
        remark = b"r\xc3\xa9cit"
        if quoted and i % 7 == 0:
            remark = b'"vu; \n deux"'  # a quoted line break: a record over two lines
        elif quoted and i % 5 == 0:
            remark = b'"dit ""non"""'
        rows.append(b"BR.%d;%02d/03/2024;5339;%s" % (i, 1 + i % 28, remark))
    return b"\n".join(rows) + b"\n"


def _physical_lines(data: bytes) -> int:
    """Independent oracle: \\r\\n, \\r and \\n each end a line; a last unended line counts."""
    if not data:
        return 0
    return len(re.findall(rb"\r\n|\r|\n", data)) + (data[-1:] not in (b"\n", b"\r"))


_INSERTS = st.sampled_from([b'"', b";", b";;", b"\n", b"\r", b"\r\n", b"   \n", b"\x81",
                            b"\xe9", b"\xc3", b"\x00", b'""', b'";"', b"\n\n"])
_edit = st.tuples(st.sampled_from(["insert", "delete"]), st.floats(0, 1), _INSERTS)


def _corrupt(data: bytes, edits: list, line_end: str, truncate: float | None,
             encoding: str) -> bytes:
    body_start = len(HEADER) + 1
    for kind, where, what in edits:
        at = body_start + int(where * (len(data) - body_start))
        data = data[:at] + what + data[at:] if kind == "insert" else data[:at] + data[at + 1:]
    if line_end != "\n":
        data = data.replace(b"\n", line_end.encode())
    if truncate is not None:
        data = data[:body_start + int(truncate * (len(data) - body_start))]
    if encoding == "cp1252":
        data = data.decode("utf-8", errors="replace").encode("cp1252", errors="replace")
    elif encoding == "utf-16":
        data = data.decode("utf-8", errors="replace").encode("utf-16")
    elif encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quoted=st.booleans(), edits=st.lists(_edit, max_size=5),
       line_end=st.sampled_from(["\n", "\r\n", "\r"]),
       truncate=st.none() | st.floats(0, 1),
       encoding=st.sampled_from(["utf-8", "utf-8", "utf-8", "cp1252", "utf-8-sig", "utf-16"]),
       declared=st.sampled_from(["auto", "auto", "utf-8", "cp1252"]))
def test_every_line_accounted_for_or_refused_naming_a_line(quoted, edits, line_end, truncate,
                                                            encoding, declared):
    data = _corrupt(_valid(quoted), edits, line_end, truncate, encoding)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "police.csv"
        path.write_bytes(data)
        cfg = from_dict({
            "study": {"name": "p", "extraction_date": "2025-06-30", "synthetic": True},
            "sources": [{"name": "police", "kind": "police", "path": "police.csv",
                         "delimiter": ";", "encoding": declared,
                         "identifiers": {"pv_number": "PV_NR"},
                         "columns": {"zone": "ZONE_POL"},
                         "events": {"E11": "DATE_PLAINTE"}}]}, base=Path(folder))
        try:
            result = read_study(cfg)
        except IngestError as exc:
            event("refused: " + str(exc).split(": ", 1)[1][:30])
            assert exc.row is not None, str(exc)
            assert f"row {exc.row}" in str(exc)
            assert "BR." not in str(exc)  # never the content of the file
            return
    t = result.report.table.iloc[0]
    event("read: " + " ".join(k for k in ("quarantined", "continued", "blank") if t[k]))
    assert t["lines"] == _physical_lines(data)
    assert t["lines"] == (t["header"] + t["blank"] + t["continued"] + t["accepted"]
                          + t["quarantined"])
    assert len(result.quarantine) == t["quarantined"]
