"""Check a hand derivation line by line: read, parse, judge each transition, name the mistake.

    report = check_text(r'''\\frac{d}{dx} \\sigma(x^2)
    = \\sigma(x^2)(1 - \\sigma(x^2))''')
    report.first_error   # 2: the chain rule's factor 2x is missing
"""

from __future__ import annotations

from pathlib import Path

from derive.grade.checker import check_lines
from derive.grade.reading import ParsedLine
from derive.grade.report import CheckReport
from derive.grade.source import parse_source, read_file, read_text

__all__ = ["CheckReport", "check_file", "check_text"]


def check_text(text: str) -> CheckReport:
    """Check a derivation given as text; ParseError if its first line does not parse."""
    source = read_text(text)
    lines = parse_source(source)
    first: ParsedLine = lines[0]
    if first.error is not None:
        raise first.error
    return CheckReport(tuple(check_lines(lines, source.assumptions)), source.assumptions)


def check_file(path: str | Path) -> CheckReport:
    """Check the derivation in a file (UTF-8 text, DESIGN's hand-derivation format)."""
    return check_text(read_file(path))
