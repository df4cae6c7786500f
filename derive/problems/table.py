"""CSV files as LMSs write them: encoding detected, delimiter sniffed, cells cleaned and guarded.

Moodle, Canvas and Blackboard export UTF-8 (with or without a byte-order mark),
UTF-16 with a mark (tab-separated "Excel" exports) or Windows-1252/Latin-1.
A byte-order mark decides; otherwise strict UTF-8; otherwise charset-normalizer
chooses among those encodings (a maintained detector: short Latin-1 names are
easily taken for another code page when every code page is allowed). Cells
lose control, bidi and zero-width characters; cells written back into a CSV
are neutralised against formula injection.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from derive.errors import InputError
from derive.files import BOMS

ENCODINGS = ["utf_8", "utf_16", "utf_32", "cp1252", "latin_1"]  # what LMS exports use
DELIMITERS = ",;\t"
MAX_CELL = 10_000  # characters in one cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")  # what spreadsheets may evaluate


def _decode(data: bytes, where: str) -> str:
    for mark, encoding in BOMS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(f"{where}: not valid {encoding} text") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    unmarked = _unmarked_utf16(data)
    if unmarked:
        return data.decode(unmarked, errors="replace")
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=ENCODINGS).best()
    if best is None:
        raise InputError(f"{where}: not a text file (or an encoding that cannot be told; "
                         "save it as UTF-8 CSV)")
    return str(best)


def _unmarked_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark, which the detector does not tell: ASCII text leaves
    a NUL in every other byte (odd places little-endian, even places big-endian)."""
    if len(data) < 8 or len(data) % 2:
        return None
    odd, even = data[1::2].count(0), data[0::2].count(0)
    half = len(data) // 2
    if odd > 0.6 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.6 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _delimiter(text: str) -> str:
    """The delimiter of the first non-blank line: the most frequent of comma, semicolon, tab."""
    first = next((line for line in text.splitlines() if line.strip(" ,;\t")), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


Row = tuple[int, list[str]]  # the file's line number where the row starts, its cells


def read_table(path: Path, where: str, max_bytes: int, max_rows: int) -> list[Row]:
    """The non-blank rows of a CSV file, each cell cleaned; errors name ``where``."""
    from derive.files import read_bounded

    try:
        data = read_bounded(path, max_bytes)  # bounded: --roster /dev/zero must not hang
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror})") from None
    except ValueError:
        raise InputError(f"{where}: larger than {max_bytes} bytes; at most that is read") from None
    text = _decode(data, where)
    if "\x00" in text:
        raise InputError(f"{where}: not a text file (it holds NUL characters)")
    rows: list[Row] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        line = 1
        for row in reader:
            start, line = line, reader.line_num + 1
            cells = [clean(c) for c in row]
            if not any(cells):
                continue
            if any(len(c) > MAX_CELL for c in cells):
                raise InputError(f"{where}: line {start}: a cell longer than "
                                 f"{MAX_CELL} characters")
            rows.append((start, cells))
            if len(rows) > max_rows:
                raise InputError(f"{where}: more than {max_rows} rows")
    except csv.Error as exc:
        raise InputError(f"{where}: not a CSV file ({exc})") from None
    return rows


def clean(text: str) -> str:
    """NFC, without control, format (bidi, zero-width) or private characters, spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text
                   if unicodedata.category(c)[0] != "C" or unicodedata.category(c) == "Cc")
    return " ".join(kept.split())


def neutral(text: str) -> str:
    """A cell for a CSV a spreadsheet opens: text a formula would start with is quoted."""
    return "'" + text if text.startswith(FORMULA_START) else text
