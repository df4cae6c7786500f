"""Lines of a hand-derivation file: which syntax a line is in, where its justification starts."""

from __future__ import annotations

import re

# A backslash command or control symbol, or any brace: plain syntax has neither.
_LATEX_MARK = re.compile(r"\\[A-Za-z,;:! |]|[{}]")
# DESIGN "Hand-derivation files": a justification follows &&, \quad or #.
_JUSTIFICATION = re.compile(r"&&|\\q?quad(?![A-Za-z])|#")
_TEX_COMMENT = re.compile(r"(?<!\\)%")
_LEADING = re.compile(r"^\s*&?\s*=\s*&?")
_TRAILING = re.compile(r"(\\\\\s*)+$")


def detect_syntax(text: str) -> str:
    """``"latex"`` if ``text`` has a backslash command or braces (``^{...}``), else ``"plain"``."""
    return "latex" if _LATEX_MARK.search(text) else "plain"


def split_line(raw: str) -> tuple[str, str]:
    """``(expression, justification)`` of one line, without the leading ``=`` (or ``&=``).

    A TeX comment (from an unescaped ``%``) is dropped first, so a comment line
    gives ``("", "")``; a trailing ``\\\\`` line break is dropped too.
    """
    comment = _TEX_COMMENT.search(raw)
    line = raw[: comment.start()] if comment else raw
    marker = _JUSTIFICATION.search(line)
    expression, justification = (
        (line[: marker.start()], line[marker.end() :]) if marker else (line, "")
    )
    expression = _TRAILING.sub("", _LEADING.sub("", expression, count=1).strip())
    justification = _TRAILING.sub("", justification.strip())
    return expression.strip(), justification.strip()
