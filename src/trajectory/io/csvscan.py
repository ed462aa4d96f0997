r"""The record structure of a CSV file, found with array operations on its bytes.

:func:`scan_records` reads a CSV file in blocks and, without a Python loop per line
or per value, finds where every record starts and ends, how many fields it has and
which physical lines it spans. The CSV parser (pyarrow) then only has to parse: the
scan tells it the source line of every record it returns, and its record count is
checked against the scan, so no line can vanish unnoticed.

Quoting follows the parser's rules (RFC 4180 with pyarrow's tolerance): a double
quote opens a quoted value only at the start of a field; inside, ``""`` is a quote
and a single ``"`` closes the value; any other quote is a literal character. The
bytes scanned are those of the file, so the scan is the same for UTF-8 and
Windows-1252 (quote, delimiter and line ends are ASCII in both).

Refusals (:class:`~trajectory.errors.IngestError`, naming the line where the problem
starts, never its content):

* a quote never closed, over several lines (the rest of the file would be one value);
* a multi-line record with the wrong number of fields, or holding a line that splits
  into exactly as many fields as the header (a record swallowed by a quote);
* a record longer than :data:`trajectory.io.csvfile.FIELD_LIMIT` bytes.

A quote left open on the last line only is a malformed record (a truncated line).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = path.write_bytes(b'id;note\r\n1;"two\nlines"\r\n\r\n2;x\r3\n4;5"')
>>> s = scan_records(path, ";", 2)
>>> s.rows.tolist(), s.bad_records
([2, 5, 7], [(6, 'expected 2 fields, found 1')])
>>> s.header, s.blank, s.continued, s.records, s.lines
(1, 1, 1, 4, 7)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import IngestError

__all__ = ["Structure", "scan_records"]

_QUOTE, _LF, _CR, _SPACE, _TAB = 34, 10, 13, 32, 9
_BLOCK = 1 << 23
#: Stray quotes tolerated per block before the file is refused (each costs a pass).
_MAX_STRAY = 500


@dataclass
class Structure:
    """Records of a CSV file by what they are (see :func:`scan_records`).

    ``lines == header + blank + continued + records``; ``rows`` holds the first
    line of each record with the header's number of fields (what the parser returns),
    ``bad_records`` the (line, detail) of the others.
    """

    rows: np.ndarray
    header: int = 0
    blank: int = 0
    continued: int = 0
    records: int = 0
    lines: int = 0
    bad_records: list[tuple[int, str]] = field(default_factory=list)
    unclosed_last: bool = False


def scan_records(path: Path, delimiter: str, ncol: int, *, block: int = _BLOCK) -> Structure:
    """Find the records of a CSV file (see the module docstring).

    Parameters
    ----------
    path : pathlib.Path
    delimiter : str
        One ASCII character.
    ncol : int
        Fields of the header (the records the parser keeps).
    block : int
        Bytes read at a time (a record longer than a block is read whole).

    Returns
    -------
    Structure
    """
    from . import csvfile

    if len(delimiter) != 1 or ord(delimiter) > 127:
        raise IngestError(f"delimiter {delimiter!r} must be one ASCII character",
                          file=str(path))
    delim = ord(delimiter)
    limit = csvfile.FIELD_LIMIT
    rows: list[np.ndarray] = []
    out = Structure(rows=np.array([], dtype=np.int64))
    line0 = 1  # line number of the first byte of ``carry``
    first = True
    carry = b""
    with open(path, "rb") as handle:
        eof = False
        while not eof or carry:
            data = handle.read(block)
            eof = not data
            buf = carry + data
            if not buf:
                break
            try:
                part = _analyse(buf, delim, final=eof)
            except _TooManyStray:
                raise IngestError(
                    f"more than {_MAX_STRAY} quotes inside unquoted values in the lines from "
                    "this one on: the file does not quote its values the CSV way. Export it "
                    "again with values that hold a quote quoted (\"5\"\" inch\")",
                    file=str(path), row=line0) from None
            if part.cut == 0:  # no record ends in the buffer: read on
                if len(buf) > limit + block:
                    raise IngestError(
                        f"a field of the record that starts on this line is longer than "
                        f"{limit >> 20} MiB: probably a quote that is never closed; check "
                        "the quotes on this line", file=str(path), row=line0)
                carry = buf
                continue
            _account(part, out, rows, line0, ncol, first, path, limit)
            line0 += part.breaks + (1 if part.tail_line else 0)
            first = False
            carry = buf[part.cut:]
            if eof:
                break
    out.rows = np.concatenate(rows) if rows else np.array([], dtype=np.int64)
    out.lines = line0 - 1
    return out


@dataclass
class _Part:
    cut: int  # bytes analysed (whole records)
    breaks: int  # line ends in buf[:cut]
    tail_line: bool  # the file ends without a line end after the last record
    starts: np.ndarray  # byte start of each record
    ends: np.ndarray  # byte end (exclusive, line end excluded) of each record
    first: np.ndarray  # first line (0-based within the part) of each record
    last: np.ndarray  # last line (0-based)
    fields: np.ndarray  # fields of each record (delimiters outside quotes + 1)
    blank: np.ndarray  # only spaces, tabs, delimiters and line ends
    empty: np.ndarray  # no byte at all (the parser skips it)
    line_in_delims: np.ndarray  # per line: delimiters inside quotes
    line_cont: np.ndarray  # per line: it continues a record (previous line end quoted)
    unclosed: bool  # the last record (at the end of the file) has an open quote


def _active_quotes(a: np.ndarray, qpos: np.ndarray, delim: int) -> np.ndarray:
    """Quotes that open or close values (literal quotes removed), by the parser's rules."""
    if len(qpos) == 0:
        return qpos
    prev = np.where(qpos > 0, a[np.maximum(qpos - 1, 0)], _LF)
    at_start = (prev == delim) | (prev == _LF) | (prev == _CR)
    active = np.ones(len(qpos), dtype=bool)
    for _ in range(_MAX_STRAY):
        idx = np.flatnonzero(active)
        q = qpos[idx]
        opening = (np.arange(len(q)) & 1) == 0  # even number of active quotes before
        # an opener right after a closing quote is the second half of an escaped ""
        after_close = np.zeros(len(q), dtype=bool)
        after_close[1:] = (q[1:] == q[:-1] + 1) & ~opening[:-1]
        bad = opening & ~at_start[idx] & ~after_close
        if not bad.any():
            return q
        active[idx[np.argmax(bad)]] = False
    raise _TooManyStray


class _TooManyStray(Exception):
    pass


def _analyse(buf: bytes, delim: int, *, final: bool) -> _Part:
    a = np.frombuffer(buf, dtype=np.uint8)
    n = len(a)
    q = _active_quotes(a, np.flatnonzero(a == _QUOTE), delim)
    lf = np.flatnonzero(a == _LF)
    cr = np.flatnonzero(a == _CR)
    if len(cr):
        nxt = np.where(cr + 1 < n, a[np.minimum(cr + 1, n - 1)], 0)
        lone = cr[nxt != _LF]
        if not final and len(lone) and lone[-1] == n - 1:
            lone = lone[:-1]  # may be the first half of a CRLF split by the block
        br = np.sort(np.concatenate([lf, lone]))
    else:
        br = lf
    quoted_br = (np.searchsorted(q, br) & 1) == 1
    ends_at = np.flatnonzero(~quoted_br)  # indices (into br) of record-ending breaks
    open_at_end = len(q) % 2 == 1
    if final:
        has_tail = len(br) == 0 or br[-1] < n - 1
        cut = n
        n_breaks = len(br)
        rec_break = ends_at
    else:
        has_tail = False
        if len(ends_at) == 0:
            return _Part(0, 0, False, *(np.array([], dtype=np.int64),) * 5,
                         np.array([], dtype=bool), np.array([], dtype=bool),
                         np.array([], dtype=np.int64), np.array([], dtype=bool), False)
        last = br[ends_at[-1]]
        cut = int(last) + 1
        n_breaks = int(ends_at[-1]) + 1
        rec_break = ends_at
        br = br[:n_breaks]
        quoted_br = quoted_br[:n_breaks]
    # records: end at a break outside quotes; at the end of the file also the tail
    rec_end_pos = br[rec_break]
    starts = np.concatenate([[0], rec_end_pos + 1]).astype(np.int64)
    line_first = np.concatenate([[0], rec_break + 1]).astype(np.int64)
    ends_b = rec_end_pos.astype(np.int64)
    line_last = rec_break.astype(np.int64)
    tail_pending = final and (starts[-1] < n)
    if tail_pending:
        ends_b = np.concatenate([ends_b, [n]])
        line_last = np.concatenate([line_last, [n_breaks - (0 if has_tail else 1)]])
    else:
        starts, line_first = starts[:-1], line_first[:-1]
    # a CRLF's CR belongs to the line end
    crlf = np.zeros(len(ends_b), dtype=bool)
    inside = (ends_b > starts) & (ends_b < n)
    crlf[inside] = (a[np.maximum(ends_b[inside] - 1, 0)] == _CR) & (a[ends_b[inside]] == _LF)
    content_end = ends_b - crlf
    d = np.flatnonzero(a == delim)
    d_quoted = (np.searchsorted(q, d) & 1) == 1
    d_out = d[~d_quoted]
    fields = (np.searchsorted(d_out, content_end) - np.searchsorted(d_out, starts)) + 1
    ws = (a == _SPACE) | (a == _TAB) | (a == _CR) | (a == _LF) | (a == delim)
    ws_cum = np.zeros(n + 1, dtype=np.int32)  # int32: a block is far below 2**31 bytes
    np.cumsum(ws, dtype=np.int32, out=ws_cum[1:])
    blank = (ws_cum[content_end] - ws_cum[starts]) == (content_end - starts)
    empty = content_end == starts
    # per line: delimiters inside quotes, and whether it continues a record
    line_start = np.concatenate([[0], br + 1]).astype(np.int64)
    line_end = np.concatenate([br, [n]]).astype(np.int64)
    if not tail_pending:
        line_start, line_end = line_start[:-1], line_end[:-1]
    d_in = d[d_quoted]
    line_in = np.searchsorted(d_in, line_end) - np.searchsorted(d_in, line_start)
    line_cont = np.concatenate([[False], quoted_br]) if len(line_start) else np.array(
        [], dtype=bool)
    line_cont = line_cont[:len(line_start)]
    return _Part(cut, n_breaks, bool(has_tail), starts, ends_b, line_first, line_last,
                 fields, blank, empty, line_in, line_cont,
                 bool(final and open_at_end))


def _account(part: _Part, out: Structure, rows: list[np.ndarray], line0: int, ncol: int,
             first: bool, path: Path, limit: int) -> None:
    starts, first_line, last_line = part.starts, part.first + line0, part.last + line0
    if first and len(starts):  # the header record
        out.header = int(last_line[0] - first_line[0] + 1)
        keep = slice(1, None)
    else:
        keep = slice(None)
    fields, blank, empty = part.fields[keep], part.blank[keep], part.empty[keep]
    first_line, last_line = first_line[keep], last_line[keep]
    length = (part.ends - part.starts)[keep]
    span = last_line - first_line
    problems: list[tuple[int, IngestError]] = []
    long = np.flatnonzero(length > limit)
    if len(long):
        at = int(first_line[long[0]])
        problems.append((at, IngestError(
            f"a field of the record that starts on this line is longer than "
            f"{limit >> 20} MiB: probably a quote that is never closed; check the quotes "
            "on this line", file=str(path), row=at)))
    multi = np.flatnonzero(span > 0)
    unclosed = -1
    if part.unclosed and len(fields):
        unclosed = len(fields) - 1
        at, end = int(first_line[unclosed]), int(last_line[unclosed])
        if end > at:
            problems.append((at, IngestError(
                f"a quote opened on this line is never closed, so lines {at}-{end} would be "
                f"read as one value; close or remove the quote on line {at} and read the file "
                "again",
                file=str(path), row=at)))
        multi = multi[multi != unclosed]
    if len(multi):
        cont_lines = np.flatnonzero(part.line_cont) + line0
        swallowed_lines = cont_lines[part.line_in_delims[part.line_cont] == ncol - 1] \
            if ncol > 1 else np.array([], dtype=np.int64)
        pos = np.searchsorted(first_line[multi], swallowed_lines, side="right") - 1
        swallowed = np.zeros(len(multi), dtype=bool)
        ok = pos >= 0
        hit = pos[ok]
        swallowed[hit[swallowed_lines[ok] <= last_line[multi][hit]]] = True
        wrong = (fields[multi] != ncol) | swallowed
        if wrong.any():
            j = multi[np.argmax(wrong)]
            at, end = int(first_line[j]), int(last_line[j])
            what = (f"has {int(fields[j])} fields instead of {ncol}" if fields[j] != ncol
                    else "holds lines that look like records of their own")
            problems.append((at, IngestError(
                f"a quoted field opens on this line and runs to line {end}, so the record "
                f"{what}: an unbalanced quote. Close or remove the quote on line {at} (or "
                "double it inside a quoted value) and read the file again",
                file=str(path), row=at)))
    if problems:
        raise min(problems, key=lambda p: p[0])[1]
    good = (fields == ncol) & ~empty
    parsed_blank = good & blank
    not_parsed_blank = blank & ~good
    bad = ~good & ~blank
    if unclosed >= 0:
        good[unclosed] = False
        bad[unclosed] = not blank[unclosed]
    rows.append(first_line[good].astype(np.int64))
    out.blank += int(not_parsed_blank.sum())
    out.continued += int(span.sum())
    out.records += int(good.sum() + bad.sum())
    del parsed_blank
    bad_idx = np.flatnonzero(bad)
    if len(bad_idx):
        details = {unclosed: "a quote opened on this line is never closed (truncated line?)"}
        out.bad_records.extend(
            (int(first_line[i]), details.get(int(i), f"expected {ncol} fields, found "
                                                     f"{int(fields[i])}"))
            for i in bad_idx[:100_000])
        if len(bad_idx) > 100_000:
            raise IngestError(
                f"more than 100,000 records have another number of fields than the header "
                f"({ncol}): the delimiter is probably wrong; set delimiter in [[sources]]",
                file=str(path), row=int(first_line[bad_idx[0]]))
    if unclosed >= 0:
        out.unclosed_last = True
