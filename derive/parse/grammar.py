"""The lark parsers for the plain and the LaTeX syntax: built once, their errors made ours.

Two small post-lexers sit between lark's lexer and parser: one tells an opening
``|`` from a closing one, the other types LaTeX commands from the tables in
:mod:`derive.parse.tables` (so the grammar lists no command names).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from importlib.resources import files

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken
from lark.lark import PostLex

from derive.errors import ParseError
from derive.parse.limits import position
from derive.parse.notation import nearest
from derive.parse.tables import LATEX_COMMAND_TYPES, LATEX_FUNCTIONS

_WRAPPED = re.compile(r"\\([A-Za-z]+)\*?\s*"
                      r"(?:\{\s*(\\?[A-Za-z][A-Za-z0-9]*)\s*\}|(\\[A-Za-z]+|[A-Za-z]))")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
# A word in \mathrm{...} (or \text, \mathit) with a bracket after it: written as a function.
_APPLIED_WORD = re.compile(
    r"\\(?:mathrm|mathit|text|textrm|textit)\s*\{\s*([A-Za-z]{2,})\s*\}\s*(?=\(|\\left\s*\()")

#: Token types after which a bare ``|`` closes an absolute value rather than opening one.
_OPERAND_ENDS = frozenset(
    {
        "NAME",
        "NUMBER",
        "LETTER",
        "GREEK",
        "WORD",
        "_RPAR",
        "_RBRACK",
        "_RBRACE",
        "_DOT_T",
        "_TRANSPOSE",
        "_ABS_CLOSE",
        "FRAC_SHORT",
        "ACCENTED",
        "_NORM_CLOSE",
        "ONES",
    }
)
#: Bars that open and close alike (``|x|``, ``\|x\|``): opening type -> closing type.
_BARS = {"_ABS_OPEN": "_ABS_CLOSE", "_NORM_OPEN": "_NORM_CLOSE"}
_CLOSING = {close: open_ for open_, close in _BARS.items()}
_BARE_BARS = frozenset({"|", r"\vert", r"\|", r"\Vert"})


def wrapped_word(token: str) -> tuple[str, str]:
    r"""``\operatorname{ReLU}`` -> ``("operatorname", "ReLU")``; ``\mathbf x`` -> ``("mathbf",
    "x")``."""
    match = _WRAPPED.match(token)
    if match is None:  # the grammar only makes WRAPPED tokens that match
        raise ValueError(token)
    return match.group(1), match.group(2) or match.group(3)


class _Bars(PostLex):
    """Retypes a bare ``|`` as a closing bar when one is open and an operand ends before it."""

    always_accept = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return self._bars(stream)

    @staticmethod
    def _bars(stream: Iterator[Token]) -> Iterator[Token]:
        depth = dict.fromkeys(_BARS, 0)
        previous = ""
        for token in stream:
            closing = _BARS.get(token.type)
            bare = closing is not None and token.value in _BARE_BARS
            if bare and depth[token.type] and previous in _OPERAND_ENDS:
                token = Token.new_borrow_pos(closing, token.value, token)
            if token.type in _BARS:
                depth[token.type] += 1
            elif token.type in _CLOSING:
                opening = _CLOSING[token.type]
                depth[opening] = max(depth[opening] - 1, 0)
            previous = token.type
            yield token


class _LatexCommands(_Bars):
    r"""Types each ``\command`` from the tables; keeps ``\text{...}`` only as a subscript."""

    always_accept = ("CMD", "WRAPPED")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return self._bars(_differentials(self._commands(stream)))

    @staticmethod
    def _commands(stream: Iterator[Token]) -> Iterator[Token]:
        before, previous = "", ""
        for token in stream:
            if token.type == "CMD":
                kind = LATEX_COMMAND_TYPES.get(token.value[1:], "CMD")  # check_commands ran
                if kind == "IGNORE":
                    continue
                if kind == "BAR":
                    kind = "_ABS_OPEN"
                token = Token.new_borrow_pos(kind, token.value, token)
            elif token.type == "WRAPPED":
                wrapper, word = wrapped_word(token.value)
                is_function = wrapper == "operatorname" or (
                    wrapper == "mathrm" and word in LATEX_FUNCTIONS
                )
                token = Token.new_borrow_pos("FUNC" if is_function else "WORD", token.value, token)
            elif token.type == "TEXT" and not (
                previous == "_SUB" or (previous == "_LBRACE" and before == "_SUB")
            ):
                continue
            elif token.type == "NUMBER" and previous in ("_RPAR", "_RBRACK"):
                # Students write (1 - \sigma(u)) 2x: a number after a bracket multiplies.
                yield Token.new_borrow_pos("MULOP", "*", token)
            before, previous = previous, token.type
            yield token


def _is_d(token: Token) -> bool:
    r"""``d`` or ``\mathrm{d}``: the start of a differential inside an integral."""
    if token.type == "LETTER":
        return token.value == "d"
    return (token.type == "WORD" and token.value.startswith("\\")
            and wrapped_word(token.value)[1] == "d")


def _differentials(stream: Iterator[Token]) -> Iterator[Token]:
    r"""Inside ``\int``, ``d`` followed by a letter (``dx``, ``d\theta``, ``\mathrm{d}x``) is one
    DIFF token naming the variable: it ends the innermost open integral."""
    open_integrals, held = 0, None
    for token in stream:
        if held is not None:
            if token.type in ("LETTER", "GREEK"):
                open_integrals -= 1
                yield Token.new_borrow_pos("DIFF", token.value, held)
                held = None
                continue
            yield held
            held = None
        if token.type == "_INT":
            open_integrals += 1
        elif open_integrals and _is_d(token):
            held = token
            continue
        yield token
    if held is not None:
        yield held


_POSTLEXERS = {"plain": _Bars, "latex": _LatexCommands}
_PARSERS: dict[str, Lark] = {}


def parser(syntax: str) -> Lark:
    """The LALR parser for ``syntax`` ("plain" or "latex"), built on first use.

    Building the tables takes 0.1-0.3 s, loading them from lark's cache 10 ms, so
    they are cached in the user's own cache folder (not the shared temporary one,
    since lark's cache is a pickle); ``DERIVE_NO_CACHE=1`` turns that off.
    """
    built = _PARSERS.get(syntax)
    if built is None:
        grammar = files("derive.parse").joinpath(f"{syntax}.lark").read_text(encoding="utf-8")
        built = Lark(
            grammar,
            parser="lalr",
            lexer="basic",
            postlex=_POSTLEXERS[syntax](),
            propagate_positions=True,
            maybe_placeholders=True,
            cache=_cache_file(syntax),
        )
        _PARSERS[syntax] = built
    return built


def _cache_file(syntax: str) -> str | bool:
    """A file in the user's cache (derive.files.cache_root) that only this user can write,
    else False."""
    from derive.files import cache_root

    if os.environ.get("DERIVE_NO_CACHE"):
        return False
    folder = cache_root()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return False
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    private = not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if not (folder.is_absolute() and owned and private and os.access(folder, os.W_OK)):
        return False
    return str(folder / f"{syntax}-grammar.lark-cache")


def check_commands(text: str) -> None:
    r"""Reject a LaTeX command that no table knows, naming it (``unknown command '\foo'``),
    and a word applied like a function that is none (``\mathrm{softmax}(z)``)."""
    for match in _COMMAND.finditer(text):
        name = match.group(1)
        if name not in LATEX_COMMAND_TYPES:
            line, column = position(text, match.start())
            known = nearest(name, [*LATEX_COMMAND_TYPES, *LATEX_FUNCTIONS])
            raise ParseError(f"unknown command '\\{name}'{known}", line, column, text)
    _check_cases(text)
    for match in _APPLIED_WORD.finditer(text):
        word = match.group(1)
        if word not in LATEX_FUNCTIONS:
            line, column = position(text, match.start())
            raise ParseError(f"unknown function '{word}'{nearest(word, LATEX_FUNCTIONS)}",
                             line, column, text)


def _check_cases(text: str) -> None:
    r"""Each ``\begin{cases}`` closed by an ``\end{cases}`` after it, and no other."""
    from derive.parse.cases import BEGIN, END

    marks = sorted([(m.start(), 1) for m in BEGIN.finditer(text)]
                   + [(m.start(), -1) for m in END.finditer(text)])
    opened: list[int] = []
    for at, step in marks:
        if step < 0 and not opened:
            line, column = position(text, at)
            raise ParseError(r"\end{cases} without a \begin{cases} before it", line, column, text)
        opened = opened + [at] if step > 0 else opened[:-1]
    if opened:
        line, column = position(text, opened[-1])
        raise ParseError(r"\begin{cases} is never closed by \end{cases}", line, column, text)


def parse_tree(text: str, syntax: str) -> Tree:
    """The lark tree of ``text``; any lark error becomes a one-line :class:`ParseError`."""
    try:
        return parser(syntax).parse(text)
    except UnexpectedCharacters as err:
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        shown = char if char.isprintable() else repr(char)[1:-1]
        raise ParseError(f"unexpected character '{shown}'", err.line, err.column, text) from None
    except (UnexpectedToken, UnexpectedEOF) as err:
        token = getattr(err, "token", None)
        if token is None or token.type == "$END" or not token.value:
            line, column = position(text, len(text.rstrip()))
            raise ParseError("unexpected end of input", line, column, text) from None
        value = token.value if len(token.value) <= 20 else token.value[:17] + "..."
        raise ParseError(f"unexpected '{value}'", token.line, token.column, text) from None
    except LarkError as err:  # any other lark failure is still the input's fault
        raise ParseError(f"cannot parse: {type(err).__name__}", 1, 1, text) from None
