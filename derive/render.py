"""Jinja environments and the derivation -> worksheet context.

Templates hold presentation only: every formula reaches them already printed
by the project's LaTeX printer and marked trusted; every other string (titles
and notes typed by a lecturer) is escaped on output.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path

from derive.errors import InputError
from derive.files import read_bounded
from derive.texscripts import coverage, escape_latex

PACKAGE_DIR = Path(__file__).parent


def builtin_templates() -> Path:
    """The shipped templates: inside the wheel, or the repository's top-level folder."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise InputError("the built-in templates are missing from this installation")


class Trusted(str):
    """LaTeX produced by the project itself; written to .tex as is."""

    __slots__ = ()


_LITERALS = (str, int, float, bool, type(None))


def python_literal(value: Any) -> str:
    """The one way text reaches generated Python: ``repr`` of plain data (str, numbers, lists).

    Non-ASCII characters are escaped too (``ascii``): the script is shown in a
    listing, and listings reads bytes, not UTF-8.
    """
    if isinstance(value, list | tuple):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_literal(k)}: {python_literal(v)}"
                               for k, v in value.items()) + "}"
    if not isinstance(value, _LITERALS):
        raise TypeError(f"not plain data for a Python literal: {type(value).__name__}")
    if isinstance(value, str) and _width(value) > _ONE_LINE:
        return _long_string(value)
    return ascii(str(value) if isinstance(value, str) else value)


_ONE_LINE = 76  # a longer string becomes adjacent literals that black lays out one a line
_PIECE = 64


def _width(text: str) -> int:
    return len(ascii(text)) - 2  # as the script shows it: non-ASCII characters escaped


def _long_string(text: str) -> str:
    """A long string as ``("words " "more words")``, split after spaces (inside a word only
    when it is longer than a line): the same value, and black lays it out within 88 columns."""
    pieces, line = [], ""
    for char in str(text):
        if line and _width(line + char) > _PIECE:
            cut = line.rfind(" ") + 1 or len(line)
            pieces.append(line[:cut])
            line = line[cut:]
        line += char
    pieces.append(line)
    return "(" + " ".join(ascii(piece) for piece in pieces) + ")"


def _finalize_latex(value: Any) -> Any:
    if isinstance(value, Trusted) or not isinstance(value, str):
        return value
    return escape_latex(value)


TEMPLATE_BYTES = 1_000_000


def read_template(folder: Path, path: Path, option: str = "--templates") -> str:
    """A template's text: a regular UTF-8 file inside ``folder`` (a symbolic link may point only
    within it) of at most TEMPLATE_BYTES; else an InputError naming the file.

    A named pipe opened for reading waits forever, and a link to a file outside the folder
    would copy that file into a worksheet: both are refused before anything is opened.
    """
    where = f"{option} {folder}: {path.relative_to(folder)}" if option else str(path)
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(os.path.realpath(folder)):
        raise InputError(f"{where}: a symbolic link to {real}, outside the folder")
    try:
        return read_bounded(path, TEMPLATE_BYTES).decode("utf-8")
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8 text") from None
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


def template_files(folder: Path, option: str = "--templates") -> list[tuple[Path, str]]:
    """Every file under ``folder`` with its text, sorted; any that is not a template's
    (a named pipe, a socket, a device, a link outside) is an InputError naming it."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if not (path.is_dir() and not path.is_symlink()):
            found.append((path, read_template(Path(folder), path, option)))
    return found


class _CheckedLoader(jinja2.FileSystemLoader):
    """Jinja's folder loader, each template read through ``read_template``."""

    def __init__(self, folders: list[str], options: dict[str, str]) -> None:
        super().__init__(folders)
        self.options = options

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if os.path.lexists(path):
                text = read_template(Path(folder), path, self.options.get(folder, ""))
                stamp = _stamp(path)
                return text, os.path.normpath(path), lambda p=path, s=stamp: _stamp(p) == s
        raise jinja2.TemplateNotFound(template)


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


@cache
def _environment(folders: tuple[str, ...], latex_syntax: bool, html: bool = False
                 ) -> jinja2.Environment:
    user = {folders[0]: "--templates"} if len(folders) > 1 else {}
    loader = _CheckedLoader(list(folders), user)
    if html or not latex_syntax:
        # HTML pages: every value escaped unless it is Markup (MathML from derive.html);
        # Python check scripts: nothing escaped, the printer's code as it is.
        python = jinja2.Environment(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=not html,
            autoescape=html,
        )
        python.filters["py"] = python_literal
        return python
    latex = jinja2.Environment(
        loader=loader,
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%%",
        line_comment_prefix="%#",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize_latex,
    )
    # The fontenc option of base.tex.j2: T1 and the other scripts' encodings TeX has here.
    latex.globals["font_encodings"] = lambda: Trusted(coverage().encodings)
    return latex


def environment(
    user_folder: Path | None = None, latex_syntax: bool = True, html: bool = False
) -> jinja2.Environment:
    """Templates from the user's folder first, then the built-in ones."""
    folders = [str(builtin_templates())]
    if user_folder is not None:
        if not Path(user_folder).is_dir():
            raise InputError(f"--templates {user_folder}: not a folder")
        folders.insert(0, str(user_folder))
    return _environment(tuple(folders), latex_syntax, html)


def render_tex(
    template: str | list[str], context: dict[str, Any], user_folder: Path | None = None
) -> str:
    """Render the first template found; undefined values and template errors are clear errors."""
    return _render(environment(user_folder), template, context)


def render_html(
    template: str | list[str], context: dict[str, Any], user_folder: Path | None = None
) -> str:
    """Render an HTML page (``*.html.j2``): autoescaped, MathML passed in as Markup."""
    return _render(environment(user_folder, html=True), template, context)


def _render(env: jinja2.Environment, template: str | list[str], context: dict[str, Any]) -> str:
    names = [template] if isinstance(template, str) else template
    try:
        return env.select_template(names).render(context)
    except jinja2.TemplatesNotFound:
        raise InputError(f"template not found: {' or '.join(names)}") from None
    except jinja2.TemplateNotFound as exc:
        raise InputError(f"template not found: {exc.name}") from None
    except jinja2.TemplateError as exc:
        where = f"{getattr(exc, 'name', None) or template}:{getattr(exc, 'lineno', '?')}"
        raise InputError(f"template error at {where}: {exc.message}") from None
