r"""CSV files at the level of bytes: encoding and physical lines.

:func:`survey` reads the bytes once: it refuses UTF-16/UTF-32 exports and NUL bytes,
checks that the whole file decodes in the (configured or detected) encoding, and
counts physical lines (``\n``, ``\r\n`` and a lone ``\r`` each end one line, as
Python's universal newlines do) and whether the file holds double quotes. The
records themselves are located by :mod:`trajectory.io.csvscan` and parsed by pyarrow
(:class:`trajectory.io.readers.SourceReader`), and every physical line is accounted
for in a :class:`LineTally`.

Error messages name the file, line and position, never the content of a cell.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = path.write_bytes(b'id;note\r\n1;"two\nlines"\r\n\r\n2;x\r3;y')
>>> s = survey(path, "auto")
>>> s.lines, s.has_quotes, s.encoding
(6, True, 'utf-8')
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IngestError

__all__ = ["Survey", "LineTally", "survey", "FIELD_LIMIT", "ENCODING_NAMES"]

_BLOCK = 1 << 24
#: Longest record accepted (bytes): a longer one is refused as a runaway quote.
FIELD_LIMIT = 1 << 24
#: Human names of the encodings, for messages.
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with byte-order mark)",
                  "cp1252": "Windows-1252"}
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE,
              codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Survey:
    """What one pass over the bytes of a CSV file found."""

    encoding: str
    lines: int
    has_quotes: bool


@dataclass
class LineTally:
    """Physical lines of a CSV file by what became of them.

    ``header + blank + continued + records == lines``, where ``records`` counts
    records (accepted or quarantined) by their first line and ``continued`` the
    further lines of records with a quoted line break.
    """

    header: int = 0
    blank: int = 0
    continued: int = 0
    records: int = 0
    bad_records: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Scan:
    lines: int = 0
    quotes: bool = False
    last: bytes = b""
    line_start: int = 0  # byte offset where the current line starts
    error: tuple[int, int, int] | None = None  # (line, position in line, byte)


def survey(path: Path, encoding: str) -> Survey:
    """Check the encoding of a CSV file and count its physical lines.

    Parameters
    ----------
    path : pathlib.Path
    encoding : {"auto", "utf-8", "utf-8-sig", "cp1252"}
        ``"auto"``: UTF-8 with BOM, else UTF-8 if the whole file decodes, else
        Windows-1252 if the whole file decodes.

    Raises
    ------
    IngestError
        UTF-16/32 export, NUL bytes, a byte-order mark that contradicts the
        configured encoding, or bytes that the encoding cannot decode (naming the
        line and position of the first one and the encoding that would fit).
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(_WIDE_BOMS):
        raise IngestError(
            "the file is a UTF-16 (or UTF-32) text export, which is not supported; save it "
            "again as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) or convert it with "
            "`iconv -f UTF-16 -t UTF-8 in.csv > out.csv`",
            file=str(path), row=1)
    bom = head.startswith(codecs.BOM_UTF8)
    if bom and encoding == "cp1252":
        raise IngestError(
            "the file starts with a UTF-8 byte-order mark but the study config says "
            "encoding = 'cp1252'; set encoding = 'utf-8-sig' (or 'auto') for this source",
            file=str(path), row=1)
    if encoding == "auto":
        candidates = ["utf-8-sig"] if bom else ["utf-8", "cp1252"]
    elif encoding in ("utf-8", "utf-8-sig"):
        candidates = ["utf-8-sig" if bom else "utf-8"]
    else:
        candidates = [encoding]
    scans = []
    for candidate in candidates:
        scan = _scan(path, candidate)
        if scan.error is None:
            return Survey(candidate, scan.lines, scan.quotes)
        scans.append((candidate, scan))
    raise _decode_error(path, encoding, scans)


def _decode_error(path: Path, encoding: str, scans: list[tuple[str, _Scan]]) -> IngestError:
    candidate, scan = scans[0]
    assert scan.error is not None
    line, pos, byte = scan.error
    where = f"byte 0x{byte:02X} at position {pos} of the line"
    if encoding == "auto":
        return IngestError(
            f"the file is neither valid UTF-8 nor valid Windows-1252 ({where}); re-export "
            "it as 'CSV UTF-8', or fix the damaged bytes on this line",
            file=str(path), row=line)
    other = "cp1252" if candidate.startswith("utf-8") else "utf-8"
    fits = _scan(path, other).error is None
    hint = (f"the file looks like {ENCODING_NAMES[other]}: set encoding = '{other}' (or "
            "'auto') for this source in the study config" if fits else
            "the file is neither UTF-8 nor Windows-1252: re-export it as 'CSV UTF-8'")
    return IngestError(
        f"the file is not valid {ENCODING_NAMES[candidate]} as configured ({where}); {hint}",
        file=str(path), row=line)


def _scan(path: Path, encoding: str) -> _Scan:
    """One pass: decode check, NUL bytes, physical lines and quotes."""
    decoder = codecs.getincrementaldecoder("utf-8" if encoding == "utf-8-sig" else encoding)()
    scan = _Scan()
    offset = 0
    first = True
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            if first and encoding == "utf-8-sig" and block.startswith(codecs.BOM_UTF8):
                block_view, skip = block[3:], 3
            else:
                block_view, skip = block, 0
            nul = block.find(b"\x00")
            if nul >= 0:
                line = scan.lines + _count_breaks(block[:nul], scan.last) + 1
                raise IngestError(
                    "the file contains NUL bytes (first on this line): it is a UTF-16 "
                    "export without byte-order mark or not a text file; save it again as "
                    "'CSV UTF-8'",
                    file=str(path), row=line)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(block_view)
            except UnicodeDecodeError as exc:
                at = max(exc.start - len(pending), 0) + skip
                scan.error = _locate(block, at, offset, scan)
                return scan
            scan.quotes = scan.quotes or b'"' in block
            scan.lines += _count_breaks(block, scan.last)
            scan.line_start = _last_line_start(block, offset, scan.line_start)
            scan.last = block[-1:]
            offset += len(block)
            first = False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:  # a multi-byte character cut by the end of the file
        scan.error = (scan.lines + 1, offset - scan.line_start, 0)
        return scan
    if scan.last not in (b"\n", b"\r", b""):
        scan.lines += 1
    return scan


def _count_breaks(data: bytes, previous: bytes) -> int:
    r"""Line ends in ``data``: ``\r\n`` counts once, also across two blocks."""
    n = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if previous == b"\r" and data[:1] == b"\n":
        n -= 1
    return n


def _last_line_start(block: bytes, offset: int, current: int) -> int:
    end = max(block.rfind(b"\n"), block.rfind(b"\r"))
    return offset + end + 1 if end >= 0 else current


def _locate(block: bytes, at: int, offset: int, scan: _Scan) -> tuple[int, int, int]:
    line = scan.lines + _count_breaks(block[:at], scan.last) + 1
    start = _last_line_start(block[:at], offset, scan.line_start)
    return line, offset + at - start + 1, block[at] if at < len(block) else 0
