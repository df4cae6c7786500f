"""LaTeX from the project's printer -> MathML, through latex2mathml (a maintained converter).

Only LaTeX that derive produced reaches here: formulas printed by ``derive.printing``
and the project's own text with ``$...$`` and ``\\[...\\]`` maths, whose words went
through ``escape_latex``. What a user typed is shown as escaped text, never converted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree.ElementTree import Element, tostring
from xml.sax.saxutils import unescape

from latex2mathml.converter import convert_to_element
from markupsafe import Markup, escape

from derive.errors import DeriveError
from derive.texscripts import _REPLACEMENTS

#: the inverse of derive.render.escape_latex, plus the text-mode spacing the project writes
_TEXT_ESCAPES = {tex: char for char, tex in _REPLACEMENTS.items()}
_TEXT_ESCAPES.update({"~": "\u00a0", r"\ ": " ", r"\,": "\u2009"})

_PIECES = re.compile(
    r"(?<!\\)\$(?P<inline>.+?)(?<!\\)\$"  # $ ... $
    r"|\\\[(?P<display>.+?)\\\]"  # \[ ... \]
    r"|\{\\fontencoding\{[A-Za-z0-9]+\}\\selectfont (?P<script>[^{}]*)\}"  # another script
    r"|(?P<escape>" + "|".join(re.escape(t) for t in sorted(_TEXT_ESCAPES, key=len, reverse=True))
    + r")",
    re.DOTALL,
)


#: amsmath's aligned is split for the converter (its own macro mechanism, not text surgery)
_PREAMBLE = r"\newenvironment{aligned}{\begin{split}}{\end{split}}"
_UNKNOWN_COMMAND = re.compile(r"<m[ion][^>]*>(\\[A-Za-z]+)")


class MathMLError(DeriveError):
    """LaTeX that the converter could not read (a bug in the printer, never user input)."""


@lru_cache(maxsize=4096)
def mathml(tex: str, display: bool = False) -> Markup:
    """One formula as a ``<math>`` element (block or inline)."""
    try:
        tree = convert_to_element(_PREAMBLE + tex, display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - the converter raises many types
        raise MathMLError(f"cannot convert to MathML: {tex[:80]!r} ({type(exc).__name__})"
                          ) from None
    _tidy(tree)
    if any(e.text == "&" for e in tree.iter()):  # an alignment point outside any environment
        raise MathMLError(f"cannot convert to MathML: a stray '&' in {tex[:80]!r}")
    _as_references(tree)
    out = unescape(tostring(tree, encoding="unicode"))  # as latex2mathml.converter.convert
    if unknown := _UNKNOWN_COMMAND.search(out):  # the converter prints those as text
        raise MathMLError(f"cannot convert to MathML: {unknown.group(1)} in {tex[:80]!r}")
    return Markup(out)


#: '<', '>' and a '&' that does not start one of the converter's character references
_MARKUP = re.compile(r"[<>]|&(?!#x[0-9A-Fa-f]+;)")


def _as_references(tree: Element) -> None:
    """Write markup characters in text and attributes as references, as the converter writes
    its operators: the final ``unescape`` must not turn ``\\text{</math><script>}`` into tags."""
    def quoted(text: str) -> str:
        return _MARKUP.sub(lambda m: f"&#x{ord(m.group(0)):05X};", text)

    for element in tree.iter():
        element.text = quoted(element.text) if element.text else element.text
        element.tail = quoted(element.tail) if element.tail else element.tail
        for key, value in element.attrib.items():
            element.set(key, quoted(value))


#: what makes a bracketed group taller than a line, so that its brackets must stretch
_TALL = frozenset({"mfrac", "munderover", "munder", "mover", "mtable", "msqrt", "mroot"})
_SPACES = {"negativethinmathspace": "-0.1667em"}  # names that are not CSS lengths


def _tidy(tree: Element) -> None:
    """Brackets around one line of maths do not stretch (Chromium pads stretched ones)."""
    for row in tree.iter("mrow"):
        fences = [child for child in row if child.tag == "mo" and child.get("fence") == "true"]
        if fences and not any(node.tag in _TALL for node in row.iter()):
            for fence in fences:
                fence.set("stretchy", "false")
    for space in tree.iter("mspace"):
        width = space.get("width", "")
        space.set("width", _SPACES.get(width, width))


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
        elif match.group("script") is not None:
            out.append(escape(match.group("script")))
        else:
            out.append(escape(_TEXT_ESCAPES[match.group("escape")]))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("".join(out))
