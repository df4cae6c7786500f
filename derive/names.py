"""The one identifier rule for names a user types, and the one cleaner for free text.

Every name that reaches generated Python or TeX (a spec's ``name``, ``var``,
``wrt``, ``params``, plot variables, shapes, the CLI's ``--wrt``/``--param``/
``--var``/``--shape``, a check file's ``% shape``/``% assume``) passes
``check_name`` where it enters. Free text (titles, notes, roster names) passes
``clean_text``: invisible format characters removed, control characters made spaces.
"""

from __future__ import annotations

import re
import unicodedata

from derive.errors import InputError

NAME_LENGTH = 32
# A Greek letter's name (lambda, Sigma) is such a name too; it prints as the letter.
_NAME = re.compile(rf"[A-Za-z][A-Za-z0-9_]{{0,{NAME_LENGTH - 1}}}")

RULE = "letters, digits and '_', starting with a letter, or a Greek letter's name"

# Zero-width characters, bidi embeddings/overrides/isolates and marks, the BOM, soft hyphen.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def _greek_names() -> dict[str, str]:
    """Each Greek letter a student may type (α, Σ, µ) and the name it stands for (alpha, Mu)."""
    table = {}
    for code in range(0x391, 0x3CA):
        parts = unicodedata.name(chr(code), "").split()
        if len(parts) == 4 and parts[:3] in (["GREEK", "SMALL", "LETTER"],
                                             ["GREEK", "CAPITAL", "LETTER"]):
            word = parts[3].lower().replace("lamda", "lambda")
            table[chr(code)] = word.capitalize() if parts[1] == "CAPITAL" else word
    table["\u03c2"] = "sigma"  # final sigma
    table["\u00b5"] = "mu"  # the micro sign, which keyboards type for mu
    return table


GREEK = _greek_names()
_GREEK = re.compile("[" + "".join(GREEK) + "]")


def greek_as_names(text: str, call: str = "", prefix: str = "") -> str:
    """``text`` with each Greek letter written as its name (α -> alpha), ``prefix`` before it
    (a backslash for LaTeX); σ before a bracket is ``call`` when given (σ(z) -> sigmoid(z))."""
    def name(match: re.Match[str]) -> str:
        letter = match.group(0)
        after = text[match.end():].lstrip()
        if call and letter == "σ" and after.startswith("("):
            return call
        return prefix + GREEK[letter] + (" " if prefix else "")

    return _GREEK.sub(name, text)


def is_digits(text: str) -> bool:
    """True for ASCII digits ('12'): ``str.isdigit`` takes '³' too, which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def is_name(text: object) -> bool:
    """True for a name the identifier rule accepts."""
    return isinstance(text, str) and _NAME.fullmatch(text) is not None


def check_name(text: object, where: str) -> str:
    """The name itself (a Greek letter as its name: α -> alpha), or an InputError
    ``<where>: ... is not a name (<rule>)``."""
    if isinstance(text, str) and is_name(greek_as_names(text)):
        return greek_as_names(text)
    shown = repr(text) if isinstance(text, str) else f"a {type(text).__name__}"
    if isinstance(text, str) and len(text) > NAME_LENGTH and _NAME.match(text):
        raise InputError(f"{where}: {shown[:40]}...: a name has at most {NAME_LENGTH} characters")
    raise InputError(f"{where}: {shown[:60]} is not a name ({RULE})")


def clean_text(text: str) -> str:
    """Text without invisible format characters; control characters and line breaks as spaces."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


def plain_text(text: str) -> str:
    """Free text with the backticks around its maths dropped: the formulas in the plain
    input syntax (``a^T*x``), as a terminal list, JSON and generated Python show titles."""
    return text.replace("`", "")
