"""Run latexmk safely: private folder, no shell escape, restricted files, a timeout.

The first ``file:line: error`` of the log is reported together with the
offending .tex line, and the PDF is moved into place atomically, so a failed
build leaves the previous PDF untouched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from derive.errors import TexError, ToolMissing
from derive.files import private_prefix, write_atomically, write_text_atomically
from derive.texformat import format_for, use_format

LATEXMK = (
    "latexmk",
    "-norc",
    "-pdf",
    "-interaction=nonstopmode",
    "-halt-on-error",
    "-file-line-error",
    "-no-shell-escape",
    "-silent",
)
TIMEOUT = 180
SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01: fixed, so the same input gives the same bytes
_ERROR = re.compile(r"^(?:\./)?([^:\n]+\.tex):(\d+): (.+)$", re.MULTILINE)


def tex_environment() -> dict[str, str]:
    """The environment TeX runs in: restricted file access, reproducible dates."""
    env = dict(os.environ)
    env.update(
        openin_any="p",
        openout_any="p",
        max_print_line="1000",
        SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
        FORCE_SOURCE_DATE="1",
        TEXMFOUTPUT="",
    )
    return env


TOOLS = ("latexmk", "pdflatex")


def missing_tex() -> str | None:
    """The first TeX program that is not on PATH, or None when TeX can run."""
    return next((tool for tool in TOOLS if shutil.which(tool) is None), None)


def have_latexmk() -> bool:
    return missing_tex() is None


def require_tex(instead: str = ", or use --to tex") -> None:
    """Raise ToolMissing, one line, when latexmk or pdflatex cannot be found."""
    tool = missing_tex()
    if tool is not None:
        raise ToolMissing(f"{tool} is not installed (see the README){instead}")


def first_error(log: str, tex_lines: list[str]) -> TexError:
    """The first ``file:line: error`` of a TeX log, with the .tex line it points at."""
    match = _ERROR.search(log)
    if not match:
        tail = [ln for ln in log.splitlines() if ln.startswith("!")]
        return TexError(f"TeX failed: {tail[0] if tail else 'see the log'}", None, log[-2000:])
    line = int(match.group(2))
    source = tex_lines[line - 1].strip() if 0 < line <= len(tex_lines) else ""
    message = f"TeX error at line {line}: {match.group(3).strip()}"
    if source:
        message += f" (in: {source[:120]})"
    return TexError(message, line, log[max(0, match.start() - 500) : match.end() + 1500])


def compile_pdf(tex: str, target: Path, timeout: float = TIMEOUT) -> Path:
    """Compile LaTeX source to ``target`` (a .pdf path); raise TexError on failure.

    The shared preamble comes from a precompiled format (derive.texformat) when
    there is one; a format pdfTeX cannot load is discarded and the document is
    compiled plainly.
    """
    target = Path(target)
    require_tex()
    environment = tex_environment()
    fmt = format_for(tex, environment)
    with tempfile.TemporaryDirectory(prefix=private_prefix("tex")) as folder:
        work = Path(folder)
        (work / "main.tex").write_text(tex, encoding="utf-8")
        ok = _latexmk(work, use_format(work, fmt), environment, timeout)
        if not ok and fmt is not None and not (work / "main.log").exists():
            fmt.unlink(missing_ok=True)  # pdfTeX could not even undump it: a stale format
            ok = _latexmk(work, [], environment, timeout)
        pdf = work / "main.pdf"
        if not ok or not pdf.exists():
            log_path = work / "main.log"
            log = log_path.read_text(errors="replace") if log_path.exists() else ""
            raise first_error(log, tex.splitlines())
        write_atomically(target, pdf.read_bytes())
    return target


def _latexmk(work: Path, options: list[str], environment: dict[str, str], timeout: float) -> bool:
    """Run latexmk on ``work/main.tex``; True when it succeeded."""
    process = subprocess.Popen(
        [*LATEXMK, *options, "main.tex"],
        cwd=work,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise TexError(f"TeX did not finish within {timeout:g} s") from None
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): TeX runs in its own session
        _kill(process)
        raise
    return process.returncode == 0


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


__all__ = ["compile_pdf", "require_tex", "tex_environment", "write_atomically",
           "write_text_atomically"]
