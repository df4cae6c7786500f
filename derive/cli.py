"""The ``derive`` command: options in, one API call, output out.

Nothing here imports sympy at module level, so ``derive --help`` and usage
errors answer at once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from derive.errors import DeriveError, one_line

TOPIC_HELP = "only entries of this topic"
OUT_FORMATS = click.Choice(["pdf", "tex", "html"])
TO_HELP = "what --out gets: .tex and .pdf, .tex only, or .html"


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2
_JSON_ERRORS = False  # set when the command line asks for --json: errors are JSON too


def fail(message: str, code: int = 2) -> NoReturn:
    """One line, on stderr (or ``{"error": ...}`` on stdout with --json), and the exit code."""
    message = one_line(message)
    try:
        if not _JSON_ERRORS:
            raise OSError
        click.echo(json.dumps({"error": message}, ensure_ascii=False))
    except OSError:  # not --json, or stdout is what failed
        if _JSON_ERRORS:
            _quiet_stdout()
        click.echo(f"derive: error: {message}", err=True)
    sys.exit(code)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null: a closed pipe or a full disk must not fail again at exit."""
    global _JSON_ERRORS
    _JSON_ERRORS = False  # errors go to stderr from now on
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _prepare(out: str, pdf: bool, instead: str = ", or use --to tex") -> None:
    """Before any work: the output folder is a writable folder, and TeX is there if needed."""
    from derive.files import output_folder
    from derive.pdf import require_tex

    output_folder(Path(out))
    if pdf:
        require_tex(instead)


def _stop_now(message: str, code: int) -> NoReturn:
    """Exit at once after an interrupt: every cleanup has run as the exception unwound, and
    tearing down sympy, numpy and scipy would take another second."""
    from derive.files import sweep

    sweep()  # what a worker killed in the middle of its cleanup left in the temporary folder
    click.echo(message, err=True)
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    os._exit(code)


def _show_warning(message: Any, category: Any, *rest: Any, **options: Any) -> None:
    click.echo(f"derive: warning: {' '.join(str(message).split())}", err=True)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


Command = TypeVar("Command", bound=Callable[..., Any])


def budgeted(command: Command) -> Command:
    """Run a command within the CPU and wall-clock budgets of one command (derive.bounded)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from derive.bounded import cpu_budget, wall_budget

        what = f"'derive {command.__name__}'"
        with wall_budget(what=what), cpu_budget(what=what):
            return command(*args, **kwargs)

    return run  # type: ignore[return-value]


class DeriveGroup(click.Group):
    """Turns every failure into one line and its exit code; never a traceback.

    Usage errors are one line too; Ctrl-C and SIGTERM stop the work cleanly (one line,
    exit 2: the contract has no other codes); a closed pipe (``derive list | head``) ends
    quietly.
    """

    def main(self, args: Any = None, *rest: Any, **options: Any) -> Any:
        global _JSON_ERRORS
        from derive.workers import Interrupted, stop_on_sigterm

        argv = list(sys.argv[1:] if args is None else args)
        _JSON_ERRORS = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
        previous = stop_on_sigterm()
        warnings.showwarning = _show_warning
        options["standalone_mode"] = False
        try:
            code = super().main(argv, *rest, **options)
            sys.stdout.flush()
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.ClickException as exc:
            if isinstance(exc, _NO_ARGS_IS_HELP):  # plain `derive`: the help, as it is
                click.echo(exc.format_message())
                sys.exit(0)
            fail(exc.format_message(), exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt, Interrupted):
            _stop_now("derive: interrupted", 2)
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(0)
        except OSError as exc:  # stdout on a full disk, say
            _quiet_stdout()
            from derive.files import describe

            fail(f"cannot write the output: {describe(exc)}")
        finally:
            signal.signal(signal.SIGTERM, previous)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DeriveError as exc:
            fail(str(exc), exc.exit_code)
        except RecursionError:
            fail("the input is nested too deeply")
        except MemoryError:
            fail("the input needs too much memory")
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            raise
        except BrokenPipeError:  # the reader has gone (derive list | head): nothing to say
            _quiet_stdout()
            sys.exit(0)
        except OSError as exc:
            from derive.files import describe

            if exc.filename is None:  # the output stream itself
                _quiet_stdout()
                fail(f"cannot write the output: {describe(exc)}")
            fail(describe(exc))
        except Exception as exc:  # noqa: BLE001 - a bug must still not print a traceback
            if os.environ.get("DERIVE_DEBUG"):
                raise
            fail(f"internal error ({type(exc).__name__}: {exc}); set DERIVE_DEBUG=1 for details")


class ExpressionCommand(click.Command):
    """A command whose one argument is an expression that may start with a minus sign.

    ``derive grad "-log(x)" --wrt x``: a word starting with '-' that is not one of
    the command's options is the expression, not an unknown option.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value, flags = set(), set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                (flags if param.is_flag else takes_value).update(param.opts)
        words, skip = list(args), False
        for k, word in enumerate(words):
            if skip:
                skip = False
                continue
            if word == "--":
                break
            name = word.split("=", 1)[0]
            if name in takes_value:
                skip = "=" not in word
            elif word.startswith("-") and len(word) > 1 and name not in flags:
                return super().parse_args(ctx, [*words[:k], *words[k + 1:], "--", word])
        return super().parse_args(ctx, words)


@click.group(cls=DeriveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="derive", message="derive %(version)s")
def main() -> None:
    """Step-by-step, machine-verified derivations of deep-learning mathematics."""


@main.command("list")
@click.option("--topic", help=TOPIC_HELP)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def list_command(topic: str | None, as_json: bool) -> None:
    """List the catalogue's entries."""
    from derive import catalogue
    from derive.names import plain_text

    entries = [e for e in catalogue.entries() if topic is None or e.topic == topic]
    if topic is not None and not entries:
        fail(f"--topic {topic}: no such topic (topics: {', '.join(catalogue.topics())})")
    if as_json:
        emit_json(catalogue.listing(entries))
        return
    width = max(len(e.id) for e in entries)
    for e in entries:
        click.echo(f"{e.id:<{width}}  {e.topic:<14}  {plain_text(e.title)}")


@main.command()
@click.argument("entry_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@budgeted
def show(entry_id: str, as_json: bool) -> None:
    """Show one entry's verified derivation."""
    from derive import api

    derivation = api.show(entry_id)
    report(derivation, as_json, check=None)


@main.command()
@click.argument("ids", nargs=-1, metavar="[ID ...]")
@click.option("--all", "build_all", is_flag=True, help="build every catalogue entry")
@click.option(
    "--spec",
    "spec_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="a TOML file of your own entries (repeatable)",
)
@click.option("--to", type=OUT_FORMATS, default="pdf", show_default=True, help=TO_HELP)
@click.option("--out", type=click.Path(), default="output", show_default=True)
@click.option("--jobs", type=click.IntRange(1, 256), default=None, help="parallel jobs [all cores]")
@click.option("--templates", type=click.Path(file_okay=False), help="your own template folder")
@click.option("--no-cache", is_flag=True, help="rebuild even when nothing changed")
def build(
    ids: tuple[str, ...],
    build_all: bool,
    spec_files: tuple[str, ...],
    to: str,
    out: str,
    jobs: int | None,
    templates: str | None,
    no_cache: bool,
) -> None:
    """Build worksheets (.tex, .pdf; or .html and index.html) and check scripts into OUT."""
    from derive import catalogue
    from derive.catalogue.read import read_specs
    from derive.progress import Progress

    if not (ids or build_all or spec_files):
        fail("name entries to build, or use --all or --spec FILE")
    specs = list(catalogue.entries()) if build_all else [catalogue.get(i) for i in ids]
    bad: list[str] = []  # entries the schema refused: reported, and the others still build
    for file in spec_files:
        good, errors = read_specs(Path(file))
        specs.extend(good)
        bad.extend(str(e) for e in errors)
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            fail(
                f"entry '{spec.id}' is named twice (ids must be unique across catalogue and specs)"
            )
        seen.add(spec.id)
    _prepare(out, pdf=to == "pdf")
    from derive.pipeline import build_all as build_entries

    with Progress(len(specs), "building") as progress:
        outcomes = build_entries(
            specs,
            Path(out),
            to=to,
            jobs=jobs,
            templates=Path(templates) if templates else None,
            use_cache=not no_cache,
            progress=progress.advance,
        )
    failed = [o for o in outcomes if not o.ok]
    for message in bad:
        click.echo(f"derive: {message}", err=True)
    for o in failed:
        message = o.error or o.check_line
        named = f"entry '{o.id}'" in message  # the message names its file and entry already
        click.echo(f"derive: {message}" if named else f"derive: {o.id}: {message}", err=True)
    for o in outcomes:
        if o.ok and o.passed is None:
            click.echo(f"derive: {o.id}: check undecided: {o.check_line}", err=True)
    cached = sum(o.cached for o in outcomes)
    total, failures = len(outcomes) + len(bad), len(failed) + len(bad)
    click.echo(
        f"built {total - failures} of {total} entries into {out}"
        f" ({cached} unchanged, {failures} failed)"
    )
    if failures:
        sys.exit(1)


@main.command(cls=ExpressionCommand)
@click.argument("expr")
@click.option("--wrt", multiple=True, required=True, help="variable to differentiate by")
@click.option(
    "--shape", "shapes", multiple=True, metavar="NAME=ROWS,COLS[,STRUCTURE]",
    help="declare a matrix or vector; STRUCTURE (symmetric, spd, diagonal, orthogonal, "
         "column-stochastic) is stated as --assume 'NAME symmetric' states it",
)
@click.option("--assume", multiple=True, help="e.g. 'x > 0'")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--out", type=click.Path(), help="write .tex, .pdf and check script")
@click.option("--to", type=OUT_FORMATS, default="pdf", show_default=True, help=TO_HELP)
@budgeted
def grad(
    expr: str,
    wrt: tuple[str, ...],
    shapes: tuple[str, ...],
    assume: tuple[str, ...],
    as_json: bool,
    out: str | None,
    to: str,
) -> None:
    """Differentiate EXPR step by step, every step verified."""
    from derive import api

    spec = api.grad_spec(expr, list(wrt), shapes=list(shapes), assume=list(assume))
    deliver(spec, as_json, out, to)


@main.command()
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--out", type=click.Path(), help="write a feedback PDF into OUT")
@click.option("--to", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True,
              help="the feedback's format, with --out")
@budgeted
def check(file: str, as_json: bool, out: str | None, to: str) -> None:
    """Check a hand derivation line by line: exit 0 all right, 1 a wrong line, 2 bad input."""
    from derive.grade import check_file  # not derive.api: it loads the whole catalogue

    if out:
        _prepare(out, pdf=to == "pdf", instead="")
    outcome = check_file(Path(file))
    if as_json:
        emit_json(outcome.json())
    else:
        click.echo(outcome.text())
    if out and to == "html":
        from derive.html.checkpage import write_feedback_html

        page = write_feedback_html(outcome, Path(out), Path(file).stem)
        click.echo(f"feedback: {page}", err=as_json)
    elif out:
        from derive.grade.feedback import write_feedback

        pdf = write_feedback(outcome, Path(out), Path(file).stem)
        click.echo(f"feedback: {pdf}", err=as_json)
    sys.exit(outcome.exit_code)


@main.command()
@click.option("--count", type=click.IntRange(min=1), help="problems per set")
@click.option("--seed", type=click.IntRange(min=0), help="the set's random seed")
@click.option(
    "--versions",
    type=click.IntRange(min=1),
    default=None,
    help="versions to write [1, or one per roster name]",
)
@click.option("--topic", help="only problem families of this topic")
@click.option("--out", type=click.Path(), default="output", show_default=True)
@click.option("--jobs", type=click.IntRange(1, 256), default=None, help="parallel jobs [all cores]")
@click.option(
    "--roster",
    type=click.Path(dir_okay=False),
    help="CSV roster as an LMS exports it: one version per student, the name printed on it",
)
@click.option("--moodle", is_flag=True, help="also write moodle.xml (a category per problem)")
@click.option("--qti", is_flag=True, help="also write qti.zip (a QTI 2.1 content package)")
@click.option("--templates", type=click.Path(file_okay=False), help="your own template folder")
@click.option("--to", type=click.Choice(["pdf", "tex"]), default="pdf", show_default=True)
@click.option("--stress", type=click.IntRange(min=1), default=None,
              help="draw, derive and check K variants per family; report, write nothing")
def problems(
    count: int | None,
    seed: int | None,
    versions: int | None,
    topic: str | None,
    out: str,
    jobs: int | None,
    roster: str | None,
    moodle: bool,
    qti: bool,
    templates: str | None,
    to: str,
    stress: int | None,
) -> None:
    """Randomized problem sets with answer keys, every variant verified before release."""
    from derive import api
    from derive.progress import Progress

    if stress is not None:
        from derive.problems.stress import report
        from derive.problems.stress import stress as run_stress

        results = run_stress(stress, topic, jobs)
        click.echo(report(results))
        sys.exit(1 if any(r.failed for r in results) else 0)
    if count is None or seed is None:
        fail("problems: --count and --seed are required (or --stress K)")
    _prepare(out, pdf=to == "pdf")
    total = versions or 1
    if roster:
        from derive.problems.roster import read_students

        total = len(read_students(Path(roster)))
    with Progress(total, "versions") as progress:
        outcome = api.problems(
            count,
            seed,
            versions=versions,
            topic=topic,
            out=out,
            jobs=jobs,
            roster=roster,
            moodle=moodle,
            qti=qti,
            templates=templates,
            to=to,
            progress=progress.advance,
        )
    for version, error in outcome.failed:
        click.echo(f"derive: version {version}: {error}", err=True)
    written = outcome.versions - len(outcome.failed)
    extra = "".join(f", {p.name}" for p in (outcome.moodle, outcome.qti) if p)
    click.echo(
        f"wrote {written} of {outcome.versions} versions of {count} problems into {out}"
        f" (problems-<k>, answers-<k>, manifest.json{extra}; {len(outcome.failed)} failed)"
    )
    if outcome.failed:
        sys.exit(1)


@main.command()
@click.argument("manifest", metavar="MANIFEST")
@click.argument("answers", metavar="ANSWERS.csv")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--out", type=click.Path(), help="write grades.csv and grades.json")
def grade(manifest: str, answers: str, as_json: bool, out: str | None) -> None:
    """Score an LMS export of students' numeric answers with the release's tolerances."""
    from derive.problems.grading import grade_file

    sheet = grade_file(Path(manifest), Path(answers))
    if out:
        _prepare(out, pdf=False)
        written = sheet.write(Path(out))
        click.echo(f"wrote {', '.join(str(p) for p in written)}", err=True)
    if as_json:
        emit_json(sheet.json())
    else:
        click.echo(sheet.text())


@main.command(cls=ExpressionCommand)
@click.argument("density")
@click.option("--var", default="x", show_default=True, help="the variable of the density")
@click.option("--param", "params", multiple=True, required=True, help="a parameter to estimate")
@click.option("--assume", multiple=True, help="e.g. 'mu real', '0 < p < 1', 'x > xm'")
@click.option("--support", help="the variable's support: real, positive, unit,"
              " naturals ({0, 1, ...}), positive-integers ({1, 2, ...}), binary, counts:n,"
              " categories:k, or LOW,HIGH (an interval, e.g. 'xm,inf')")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--out", type=click.Path(), help="write .tex, .pdf and check script")
@click.option("--to", type=OUT_FORMATS, default="pdf", show_default=True, help=TO_HELP)
@budgeted
def mle(density: str, var: str, params: tuple[str, ...], assume: tuple[str, ...],
        support: str | None, as_json: bool, out: str | None, to: str) -> None:
    """Maximum-likelihood estimators for one observation's DENSITY, step by step."""
    from derive import api

    spec = api.mle_spec(density, list(params), var=var, assume=list(assume), support=support)
    deliver(spec, as_json, out, to)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to listen on")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="worker processes that do the work")
@click.option("--allow-origin", "origins", multiple=True, metavar="ORIGIN",
              help="allow browser pages from ORIGIN to call the API (CORS; repeatable)")
@click.option("--cache", type=click.Path(file_okay=False), default=None,
              help="the worksheets' on-disk cache, shared by every server [~/.cache/derive/web]")
@click.option("--budget", type=click.FloatRange(min=0.5), default=20.0, show_default=True,
              help="CPU seconds one request may use")
@click.option("--max-body", type=click.IntRange(min=1024), default=100_000, show_default=True,
              help="bytes a request body may have")
def serve(host: str, port: int, workers: int, origins: tuple[str, ...], cache: str | None,
          budget: float, max_body: int) -> None:
    """Serve the worksheets, a check page, a grad page and the JSON API."""
    from derive.web.server import run

    run(host, port, workers, origins, cache, budget, max_body)


def deliver(spec: Any, as_json: bool, out: str | None, to: str = "pdf") -> None:
    """Derive an ad hoc spec once, run its check script (built into OUT if given), print."""
    from derive import pipeline

    if out:
        _prepare(out, pdf=to == "pdf", instead="")
    derivation, outcome = pipeline.deliver(spec, Path(out) if out else None, to)
    if outcome.error:
        fail(outcome.error, outcome.exit_code)
    check = {"script": str(outcome.check) if out else None, "passed": outcome.passed}
    # JSON keeps the contract's two fields; a terminal also hears why a check could not decide
    report(derivation, as_json, check if as_json else {**check, "line": outcome.check_line})
    if check["passed"] is False:
        sys.exit(1)


def report(derivation: Any, as_json: bool, check: dict | None) -> None:
    """Print a derivation as JSON or as text for a terminal."""
    from derive.kinds import derivation_json
    from derive.textout import derivation_text

    if as_json:
        emit_json(derivation_json(derivation, check))
    else:
        click.echo(derivation_text(derivation, check))


if __name__ == "__main__":
    main()
