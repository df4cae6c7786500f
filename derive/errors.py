"""One exception family: every failure the user can cause or see derives from DeriveError."""

from __future__ import annotations

#: a word of a message longer than this (a pasted value echoed back) is shown shortened
LONGEST_WORD = 200


def _shortened(word: str) -> str:
    return word if len(word) <= LONGEST_WORD else f"{word[:60]}… ({len(word)} characters)"


def one_line(message: object) -> str:
    """A message as the user sees it: its words joined by single spaces, control characters a
    user typed (a terminal escape, say) shown as escapes, not obeyed, and a very long value
    it echoes shortened."""
    text = " ".join(_shortened(word) for word in str(message).split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class DeriveError(Exception):
    """Base of all derive errors; ``str(err)`` is a one-line reason."""

    exit_code = 2


class ParseError(DeriveError):
    """Input text that the grammar does not accept; carries line and column (1-based)."""

    def __init__(self, message: str, line: int = 1, column: int = 1, text: str = "") -> None:
        self.message, self.line, self.column, self.text = message, line, column, text
        super().__init__(f"line {line}, column {column}: {message}")


class LimitError(ParseError):
    """Input that is well formed but too large (length, depth, exponent size)."""


class InputError(DeriveError):
    """Input that parses but makes no sense: an unknown variable, a bad option, a bad spec."""


class NotSupported(InputError):
    """Input that is well formed but that no engine rule covers: 'not supported: <what>'."""


class ShapeError(InputError):
    """Operands whose matrix shapes do not fit together."""


class VerificationError(DeriveError):
    """A step that could be neither proved nor refuted, or that was refuted."""

    exit_code = 1

    def __init__(self, message: str, entry: str = "", step: int | None = None) -> None:
        self.entry, self.step = entry, step
        where = f"{entry}: " if entry else ""
        where += f"step {step}: " if step is not None else ""
        super().__init__(f"{where}{message}")


class BudgetExceeded(DeriveError):
    """A bounded symbolic operation ran out of time or memory."""


class TooManySteps(BudgetExceeded):
    """A derivation that needs more rule applications than its step budget."""


class OutOfBudget(DeriveError):
    """A command (or one entry of a build) used up its CPU budget: bad input, exit 2."""


class ToolMissing(DeriveError):
    """A program derive needs (latexmk, pdflatex) is not installed."""


class TexError(DeriveError):
    """TeX failed; carries the first ``file:line: error`` of the log."""

    exit_code = 1

    def __init__(self, message: str, line: int | None = None, log_excerpt: str = "") -> None:
        self.line, self.log_excerpt = line, log_excerpt
        super().__init__(message)


class ScriptFallback(UserWarning):
    """Text in a script the installed TeX fonts lack, written in transliteration instead."""
