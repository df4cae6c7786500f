"""LaTeX from the project's printer -> MathML, through latex2mathml (a maintained converter).

Only LaTeX that derive produced reaches here: formulas printed by ``derive.printing``
and the project's own text with ``$...$`` and ``\\[...\\]`` maths, whose words went
through ``escape_latex``. What a user typed is shown as escaped text, never converted.
"""

from __future__ import annotations

import re
from functools import lru_cache

from latex2mathml.converter import convert
from markupsafe import Markup, escape

from derive.errors import DeriveError
from derive.render import _REPLACEMENTS

#: the inverse of derive.render.escape_latex, plus the text-mode spacing the project writes
_TEXT_ESCAPES = {tex: char for char, tex in _REPLACEMENTS.items()}
_TEXT_ESCAPES.update({"~": "\u00a0", r"\ ": " ", r"\,": "\u2009", "``": "\u201c", "''": "\u201d"})

_PIECES = re.compile(
    r"(?<!\\)\$(?P<inline>.+?)(?<!\\)\$"  # $ ... $
    r"|\\\[(?P<display>.+?)\\\]"  # \[ ... \]
    r"|(?P<escape>" + "|".join(re.escape(t) for t in sorted(_TEXT_ESCAPES, key=len, reverse=True))
    + r")",
    re.DOTALL,
)


_UNKNOWN_COMMAND = re.compile(r"<m[ion][^>]*>(\\[A-Za-z]+)")


class MathMLError(DeriveError):
    """LaTeX that the converter could not read (a bug in the printer, never user input)."""


@lru_cache(maxsize=4096)
def mathml(tex: str, display: bool = False) -> Markup:
    """One formula as a ``<math>`` element (block or inline)."""
    try:
        out = convert(tex, display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - the converter raises many types
        raise MathMLError(f"cannot convert to MathML: {tex[:80]!r} ({type(exc).__name__})"
                          ) from None
    if unknown := _UNKNOWN_COMMAND.search(out):  # the converter prints those as text
        raise MathMLError(f"cannot convert to MathML: {unknown.group(1)} in {tex[:80]!r}")
    return Markup(out)


def latex_text(text: str) -> Markup:
    """The project's LaTeX text (words, ``$...$``, ``\\[...\\]``) as HTML with MathML."""
    out: list[str] = []
    last = 0
    for match in _PIECES.finditer(text):
        out.append(escape(text[last:match.start()]))
        if match.group("inline") is not None:
            out.append(mathml(match.group("inline")))
        elif match.group("display") is not None:
            out.append(mathml(match.group("display"), display=True))
        else:
            out.append(escape(_TEXT_ESCAPES[match.group("escape")]))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("".join(out))
