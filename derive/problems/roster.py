"""Student names from a CSV roster: a header row with a 'name' column, or one name per row."""

from __future__ import annotations

import csv
from pathlib import Path

from derive.errors import InputError

MAX_NAME = 120
MAX_BYTES = 1_000_000  # a roster of a few thousand names


def read_roster(path: Path) -> tuple[str, ...]:
    """The names in file order; blank rows are skipped."""
    from derive.files import read_bounded

    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"--roster {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"--roster {path}: not UTF-8 text") from None
    except ValueError as exc:  # more than MAX_BYTES (--roster /dev/zero must not hang)
        raise InputError(f"--roster {path}: {exc}") from None
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"--roster {path}: no names")
    header = [c.strip().lower() for c in rows[0]]
    column, body = (header.index("name"), rows[1:]) if "name" in header else (0, rows)
    names = []
    for line, row in enumerate(body, start=2 if body is not rows else 1):
        name = " ".join(row[column].split()) if column < len(row) else ""
        if not name:
            raise InputError(f"--roster {path}: line {line}: no name")
        if len(name) > MAX_NAME:
            raise InputError(f"--roster {path}: line {line}: longer than {MAX_NAME} characters")
        names.append(name)
    if not names:
        raise InputError(f"--roster {path}: no names below the header")
    return tuple(names)
