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


def split_justification(raw: str) -> tuple[str, str]:
    """``(expression, justification)`` of one line, the expression as written (leading ``=`` kept).

    A TeX comment (from an unescaped ``%``) is dropped first; so is a trailing ``\\\\``.
    """
    comment = _TEX_COMMENT.search(raw)
    line = raw[: comment.start()] if comment else raw
    marker = _justification(line)
    expression, justification = (
        (line[: marker.start()], line[marker.end() :]) if marker else (line, "")
    )
    return _TRAILING.sub("", expression.rstrip()), _TRAILING.sub("", justification.strip()).strip()


def _justification(line: str) -> re.Match[str] | None:
    r"""Where the justification starts: the first marker outside a ``cases`` environment
    (``1, \quad x > 0`` inside one is a row)."""
    from derive.parse.cases import BEGIN, END

    spans = []
    for begin in BEGIN.finditer(line):
        end = END.search(line, begin.end())
        spans.append((begin.end(), end.start() if end else len(line)))
    return next((m for m in _JUSTIFICATION.finditer(line)
                 if not any(a <= m.start() < b for a, b in spans)), None)


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


# "so", "\Rightarrow", "=>": the equation after it follows from the one before.
_CONNECTOR = re.compile(
    r"\\(?:Rightarrow|Longrightarrow|implies|iff|Leftrightarrow|Longleftrightarrow|therefore)"
    r"(?![A-Za-z])|<=>|=>|⇒|⇔|∴|\\text\s*\{\s*(?:so|hence|thus|therefore)\s*,?\s*\}"
    r"|(?<![A-Za-z\\])(?:so|hence|thus|therefore)(?![A-Za-z])")
_OPENING, _CLOSING = "([{", ")]}"


def _depths(text: str) -> list[int]:
    """The bracket depth before each character (TeX's escaped braces count as brackets too;
    so does a ``cases`` environment, whose ``=`` and ``&`` belong to its rows)."""
    from derive.parse.cases import BEGIN, END

    opening = {m.end() - 1 for m in BEGIN.finditer(text)}
    closing = {m.start() for m in END.finditer(text)}
    depths, depth = [], 0
    for k, char in enumerate(text):
        if char in _CLOSING or k in closing:
            depth = max(depth - 1, 0)
        depths.append(depth)
        if char in _OPENING or k in opening:
            depth += 1
    return depths


def _without_alignment(text: str) -> str:
    """Alignment ``&`` signs as spaces, except the ones that split a case from its condition."""
    from derive.parse.cases import BEGIN, END

    inside = [0] * (len(text) + 1)
    for begin in BEGIN.finditer(text):
        end = END.search(text, begin.end())
        stop = end.start() if end else len(text)
        inside[begin.end():stop] = [1] * (stop - begin.end())
    return "".join(" " if c == "&" and not inside[k] else c for k, c in enumerate(text))


def split_relations(expression: str) -> list[tuple[str, list[tuple[str, int]]]]:
    r"""The segments of a line: ``(connector, [(part, offset), ...])``.

    A connector (``\Rightarrow``, ``=>``, ``so``; "=" when the line starts with ``=``,
    "" when it starts with neither) opens each segment; the parts are the texts
    between top-level ``=`` signs, with their offsets in ``expression``. Alignment
    ``&`` signs count as spaces.
    """
    text = _without_alignment(expression)
    depths = _depths(text)
    cuts = [(m.start(), m.end(), "=>") for m in _CONNECTOR.finditer(text) if not depths[m.start()]]
    segments: list[tuple[str, list[tuple[str, int]]]] = []
    starts = [(0, "")] + [(end, kind) for _, end, kind in cuts]
    ends = [start for start, _, _ in cuts] + [len(text)]
    for (begin, connector), end in zip(starts, ends, strict=True):
        parts = _split_equals(text, depths, begin, end)
        if not connector and len(parts) == 1 and not parts[0][0]:
            continue  # nothing before the line's first connector
        if not connector and not parts[0][0]:
            connector, parts = "=", parts[1:]
        segments.append((connector, parts))
    return segments


def _split_equals(text: str, depths: list[int], begin: int, end: int) -> list[tuple[str, int]]:
    parts, start = [], begin
    for k in range(begin, end):
        if text[k] != "=" or depths[k]:
            continue
        if text[k - 1 : k] in ("<", ">", "!", "=") or text[k + 1 : k + 2] in ("=", ">"):
            continue
        parts.append((text[start:k], start))
        start = k + 1
    parts.append((text[start:end], start))
    stripped = []
    for part, offset in parts:
        lead = len(part) - len(part.lstrip())
        stripped.append((part.strip(), offset + lead))
    return stripped
