"""The ``derive`` command: options in, one API call, output out.

Nothing here imports sympy at module level, so ``derive --help`` and usage
errors answer at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from derive.errors import DeriveError

TOPIC_HELP = "only entries of this topic"


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"derive: error: {message}", err=True)
    sys.exit(code)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


class DeriveGroup(click.Group):
    """Turns every DeriveError into one line and its exit code; never a traceback."""

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
        except Exception as exc:  # noqa: BLE001 - a bug must still not print a traceback
            if os.environ.get("DERIVE_DEBUG"):
                raise
            fail(f"internal error ({type(exc).__name__}: {exc}); set DERIVE_DEBUG=1 for details")


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

    entries = [e for e in catalogue.entries() if topic is None or e.topic == topic]
    if topic is not None and not entries:
        fail(f"--topic {topic}: no such topic (topics: {', '.join(catalogue.topics())})")
    if as_json:
        emit_json({"entries": [{"id": e.id, "title": e.title, "topic": e.topic} for e in entries]})
        return
    width = max(len(e.id) for e in entries)
    for e in entries:
        click.echo(f"{e.id:<{width}}  {e.topic:<14}  {e.title}")


@main.command()
@click.argument("entry_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
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
@click.option("--to", type=click.Choice(["pdf", "tex"]), default="pdf", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default="output", show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="parallel jobs [all cores]")
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
    """Build worksheets (.tex, .pdf) and check scripts into OUT."""
    from derive import catalogue
    from derive.catalogue.spec import load_specs
    from derive.progress import Progress

    if not (ids or build_all or spec_files):
        fail("name entries to build, or use --all or --spec FILE")
    specs = list(catalogue.entries()) if build_all else [catalogue.get(i) for i in ids]
    for file in spec_files:
        specs.extend(load_specs(Path(file)))
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            fail(
                f"entry '{spec.id}' is named twice (ids must be unique across catalogue and specs)"
            )
        seen.add(spec.id)
    if to == "pdf":
        from derive.pdf import have_latexmk

        if not have_latexmk():
            fail("latexmk is not installed (see the README), or use --to tex")
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
    for o in failed:
        click.echo(f"derive: {o.id}: {o.error or o.check_line}", err=True)
    cached = sum(o.cached for o in outcomes)
    click.echo(
        f"built {len(outcomes) - len(failed)} of {len(outcomes)} entries into {out}"
        f" ({cached} unchanged, {len(failed)} failed)"
    )
    if failed:
        sys.exit(1)


@main.command()
@click.argument("expr")
@click.option("--wrt", multiple=True, required=True, help="variable to differentiate by")
@click.option(
    "--shape", "shapes", multiple=True, metavar="NAME=ROWS,COLS", help="declare a matrix or vector"
)
@click.option("--assume", multiple=True, help="e.g. 'x > 0'")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--out", type=click.Path(file_okay=False), help="write .tex, .pdf and check script")
def grad(
    expr: str,
    wrt: tuple[str, ...],
    shapes: tuple[str, ...],
    assume: tuple[str, ...],
    as_json: bool,
    out: str | None,
) -> None:
    """Differentiate EXPR step by step, every step verified."""
    from derive import api

    for item in shapes:
        name, sep, dims = item.partition("=")
        if not sep or len(dims.split(",")) != 2 or not name.strip():
            fail(f"--shape {item}: expected NAME=ROWS,COLS")
    spec = api.grad_spec(expr, list(wrt), shapes=list(shapes), assume=list(assume))
    deliver(spec, as_json, out)


@main.command()
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--out", type=click.Path(file_okay=False), help="write a feedback PDF into OUT")
def check(file: str, as_json: bool, out: str | None) -> None:
    """Check a hand derivation line by line: exit 0 all right, 1 a wrong line, 2 bad input."""
    from derive.grade import check_file  # not derive.api: it loads the whole catalogue

    outcome = check_file(Path(file))
    if as_json:
        emit_json(outcome.json())
    else:
        click.echo(outcome.text())
    if out:
        from derive.grade.feedback import write_feedback

        pdf = write_feedback(outcome, Path(out), Path(file).stem)
        click.echo(f"feedback: {pdf}", err=as_json)
    sys.exit(outcome.exit_code)


@main.command()
@click.option("--count", type=click.IntRange(min=1), required=True, help="problems per set")
@click.option("--seed", type=click.IntRange(min=0), required=True, help="the set's random seed")
@click.option(
    "--versions",
    type=click.IntRange(min=1),
    default=None,
    help="versions to write [1, or one per roster name]",
)
@click.option("--topic", help="only problem families of this topic")
@click.option("--out", type=click.Path(file_okay=False), default="output", show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="parallel jobs [all cores]")
@click.option(
    "--roster",
    type=click.Path(dir_okay=False),
    help="CSV of student names: one version each, the name printed on it",
)
@click.option("--moodle", is_flag=True, help="also write moodle.xml of the numeric problems")
@click.option("--templates", type=click.Path(file_okay=False), help="your own template folder")
@click.option("--to", type=click.Choice(["pdf", "tex"]), default="pdf", show_default=True)
def problems(
    count: int,
    seed: int,
    versions: int | None,
    topic: str | None,
    out: str,
    jobs: int | None,
    roster: str | None,
    moodle: bool,
    templates: str | None,
    to: str,
) -> None:
    """Randomized problem sets with answer keys, every variant verified before release."""
    from derive import api
    from derive.progress import Progress

    if to == "pdf":
        from derive.pdf import have_latexmk

        if not have_latexmk():
            fail("latexmk is not installed (see the README), or use --to tex")
    total = versions or 1
    if roster:
        from derive.problems.roster import read_roster

        total = len(read_roster(Path(roster)))
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
            templates=templates,
            to=to,
            progress=progress.advance,
        )
    for version, error in outcome.failed:
        click.echo(f"derive: version {version}: {error}", err=True)
    written = outcome.versions - len(outcome.failed)
    extra = ", moodle.xml" if outcome.moodle else ""
    click.echo(
        f"wrote {written} of {outcome.versions} versions of {count} problems into {out}"
        f" (problems-<k>, answers-<k>, manifest.json{extra}; {len(outcome.failed)} failed)"
    )
    if outcome.failed:
        sys.exit(1)


@main.command()
@click.argument("density")
@click.option("--var", default="x", show_default=True, help="the variable of the density")
@click.option("--param", "params", multiple=True, required=True, help="a parameter to estimate")
@click.option("--assume", multiple=True, help="e.g. 'mu real', '0 < p < 1'")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@click.option("--out", type=click.Path(file_okay=False), help="write .tex, .pdf and check script")
def mle(density: str, var: str, params: tuple[str, ...], assume: tuple[str, ...], as_json: bool,
        out: str | None) -> None:
    """Maximum-likelihood estimators for one observation's DENSITY, step by step."""
    from derive import api

    deliver(api.mle_spec(density, list(params), var=var, assume=list(assume)), as_json, out)


def deliver(spec: Any, as_json: bool, out: str | None) -> None:
    """Derive an ad hoc spec once, run its check script (built into OUT if given), print."""
    from derive import pipeline

    derivation, outcome = pipeline.deliver(spec, Path(out) if out else None)
    if outcome.error:
        fail(outcome.error, 1)
    check = {"script": str(outcome.check) if out else None, "passed": outcome.passed}
    report(derivation, as_json, check)
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
