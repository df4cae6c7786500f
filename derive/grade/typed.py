r"""A student's line as typed, for the feedback sheet and Jupyter: never simplified.

A LaTeX part is re-emitted token by token from our own lexer: every command in
it is one the tables know (``check_commands``), text in ``\text{...}`` is
escaped, and brackets are written plain (``\left(`` closed by ``)`` is fine for
our grammar, not for TeX). Anything else (plain syntax, a line that did not
lex) is shown as escaped typewriter text.
"""

from __future__ import annotations

import re

from derive.errors import DeriveError
from derive.grade.reading import ParsedLine
from derive.parse.lines import detect_syntax

#: Token types written as they are (their values are fixed by the grammar and the tables).
_VERBATIM = frozenset({
    "LETTER", "NUMBER", "GREEK", "WORD", "FUNC", "AMBIFN", "CMD", "WRAPPED", "ACCENTED",
    "ONES", "REL", "PRIME", "SIGN", "BIGOP", "_FRAC", "_SQRT", "_DFRAC", "_DSLASH", "_NABLA",
    "_POW", "_SUB", "_TRANSPOSE", "_LBRACE", "_RBRACE", "_COMMA", "_EQUAL", "FRAC_SHORT",
    "_DNUM", "_DMID", "_INVERSE_TRANSPOSE", "_CIRCLE_POWER", "_BANG", "_BINOM",
    "_BEGIN_CASES", "_END_CASES", "_ROWSEP", "_AMP", "_INT",
})
#: Token types written in a fixed form.
_FIXED = {"_LPAR": "(", "_RPAR": ")", "_LBRACK": "[", "_RBRACK": "]", "_ABS_OPEN": "|",
          "_ABS_CLOSE": "|", "_NORM_OPEN": r"\|", "_NORM_CLOSE": r"\|"}
_MULOPS = {"*": r"\cdot", "/": "/"}
_TEXT = re.compile(r"\\(text|textrm|textit|textbf|mbox)\s*\{([^{}]*)\}")
CONNECTOR = r"\;\Rightarrow\;"


def typed_latex(text: str) -> str | None:
    """The LaTeX of one part as typed (math mode), or None when it is not safe to re-emit."""
    from derive.parse import grammar
    from derive.render import escape_latex

    try:
        grammar.check_commands(text)
        tokens = list(grammar.parser("latex").lex(text))
    except (DeriveError, Exception):  # noqa: BLE001 - any lexer failure means: show as text
        return None
    out: list[str] = []
    end = 0
    for token in [*tokens, None]:
        # words the lexer passes over (\text{otherwise} in a case) are shown, escaped
        start = len(text) if token is None else token.start_pos
        out += [r"\text{" + escape_latex(m.group(2)) + "}"
                for m in _TEXT.finditer(text, end, start)]
        if token is None:
            break
        end = token.end_pos
        kind, value = token.type, str(token)
        if kind in _VERBATIM:
            out.append(value)
        elif kind in _FIXED:
            out.append(_FIXED[kind])
        elif kind == "DIFF":  # the differential of an integral, its variable a name
            out.append(r"\,\mathrm{d}" + value)
        elif kind == "MULOP":
            out.append(_MULOPS.get(value, value))
        elif kind == "TEXT":
            match = _TEXT.match(value)
            out.append(r"\text{" + escape_latex(match.group(2)) + "}" if match else "")
        else:
            return None
    return " ".join(out)


def line_latex(segments: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]) -> str | None:
    """A whole line as typed: its parts joined by ``=`` and its connectors by an arrow."""
    pieces = []
    for connector, parts in segments:
        if connector == "=>":
            pieces.append(CONNECTOR)
        elif connector == "=":
            pieces.append("=")
        typed = [typed_latex(text) for text, _ in parts]
        if any(t is None for t in typed):
            return None
        pieces.append(" = ".join(t for t in typed if t is not None))
    return " ".join(pieces)


def as_typed(line: ParsedLine) -> str | None:
    """The line as the student typed it, in LaTeX; None for a plain-syntax line (shown as text)."""
    latex = line.latex if line.error is None else detect_syntax(line.text) == "latex"
    return line_latex(line.segments) if latex else None
