"""The Python API: everything the CLI does, callable from code and Jupyter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from derive import catalogue, pipeline
from derive.catalogue.fields import Problem, Shape, typed_expression
from derive.catalogue.spec import Spec
from derive.errors import InputError
from derive.model import Derivation
from derive.names import check_name, clean_text

if TYPE_CHECKING:
    from derive.grade.report import CheckReport


def _shape_field(shapes: Mapping[str, tuple] | Iterable[str] | None) -> dict[str, str]:
    """Shapes as the spec's table: {'W': 'm,n'}; accepts the CLI's 'W=m,n' strings too."""
    if not shapes:
        return {}
    if isinstance(shapes, Mapping):
        return {
            k: ",".join(str(d) for d in v) if not isinstance(v, str) else v
            for k, v in shapes.items()
        }
    table = {}
    for item in shapes:
        name, sep, dims = item.partition("=")
        if not sep:
            raise InputError(f"--shape {item}: expected NAME=ROWS,COLS")
        if name.strip() in table:
            raise InputError(f"--shape {item}: {name.strip()} is declared twice")
        table[name.strip()] = dims.strip()
    return table


def _checked(option: str, values: Iterable[str]) -> list[str]:
    """The names given to an option, each under the identifier rule."""
    return [check_name(clean_text(v), f"{option} {v}") for v in values]


def _checked_shapes(table: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for name, dims in table.items():
        check_name(name, f"--shape {name}={dims}")
        try:
            out[name] = Shape().read(dims)
        except Problem as exc:
            raise InputError(f"--shape {name}={dims}: {exc}") from None
    return out


def _structured(table: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The checked shapes, and a structure written after one (S=n,n,symmetric) as the
    sentence --assume reads ('S symmetric'): the two spellings mean the same."""
    from derive.kinds.matrixform import shape_structure

    plain, stated = {}, []
    for name, dims in table.items():
        check_name(name, f"--shape {name}={dims}")
        plain[name], sentence = shape_structure(name, dims)
        stated += [sentence] if sentence else []
    return _checked_shapes(plain), stated


def grad_spec(
    expr: str, wrt: str | Sequence[str], shapes=None, assume: Sequence[str] = (), name: str = "f"
) -> Spec:
    """An ad hoc gradient entry for a typed expression."""
    wrt_list = _checked("--wrt", [wrt] if isinstance(wrt, str) else list(wrt))
    fields: dict = {"expr": typed_expression(expr), "wrt": wrt_list,
                    "name": check_name(name, "name")}
    if shapes:
        fields["shapes"], stated = _structured(_shape_field(shapes))
        assume = (*assume, *stated)
    return Spec(
        id="expr",
        title="Gradient of a given expression",
        topic="ad hoc",
        kind="gradient",
        fields=fields,
        assume=tuple(assume),
    )


def grad(
    expr: str, wrt: str | Sequence[str], shapes=None, assume: Sequence[str] = ()
) -> Derivation:
    """Derive, step by step and verified, the gradient of ``expr`` with respect to ``wrt``.

    >>> d = grad("sigmoid(w*x + b)", wrt="w")   # doctest: +SKIP
    """
    return pipeline.derive(grad_spec(expr, wrt, shapes, assume))


def check(path_or_text: str | Path) -> CheckReport:
    r"""Check a hand derivation (a file path, or the text itself) line by line.

    >>> check("d/dx sigmoid(x^2)\n= sigmoid(x^2)*(1 - sigmoid(x^2))").first_error
    2
    """
    from derive.grade import check_file, check_text

    if isinstance(path_or_text, Path):
        return check_file(path_or_text)
    if "\n" not in path_or_text and len(path_or_text) < 4096 and Path(path_or_text).is_file():
        return check_file(path_or_text)
    return check_text(path_or_text)


def mle_spec(density: str, params: str | Sequence[str], var: str = "x",
             assume: Sequence[str] = (), support: str | None = None) -> Spec:
    """An ad hoc maximum-likelihood entry for one observation's typed density."""
    param_list = _checked("--param", [params] if isinstance(params, str) else list(params))
    var = check_name(clean_text(var), f"--var {var}")
    fields = {"density": typed_expression(density), "var": var, "params": param_list}
    from derive.kinds.mle.model import support_field

    bounds, assume = support_field(var, support, assume)
    if bounds is not None:
        fields["support"] = bounds
    return Spec(id="density", title="Maximum-likelihood estimation for a given density",
                topic="ad hoc", kind="mle", fields=fields, assume=tuple(assume))


def mle(density: str, params: str | Sequence[str], var: str = "x",
        assume: Sequence[str] = (), support: str | None = None) -> Derivation:
    """Derive, step by step and verified, the maximum-likelihood estimators of ``params``.

    >>> d = mle("lam*exp(-lam*x)", params="lam")   # doctest: +SKIP
    """
    return pipeline.derive(mle_spec(density, params, var, assume, support))


def show(entry_id: str) -> Derivation:
    """The verified derivation of a catalogue entry."""
    return pipeline.derive(catalogue.get(entry_id))


def build(
    *ids: str,
    out: str | Path = "output",
    to: str = "pdf",
    jobs: int | None = None,
    templates: str | Path | None = None,
) -> list[pipeline.BuildOutcome]:
    """Build catalogue entries (all of them when no id is given) into ``out``."""
    specs = [catalogue.get(i) for i in ids] if ids else list(catalogue.entries())
    folder = Path(templates) if templates else None
    return pipeline.build_all(specs, Path(out), to=to, jobs=jobs, templates=folder)


def problems(
    count: int,
    seed: int,
    versions: int | None = None,
    topic: str | None = None,
    out: str | Path = "output",
    jobs: int | None = None,
    roster: str | Path | None = None,
    moodle: bool = False,
    templates: str | Path | None = None,
    to: str = "pdf",
    progress=None,
    qti: bool = False,
):
    """Write ``versions`` randomized versions of a ``count``-problem set, with answer keys.

    >>> api.problems(6, seed=7, versions=30, out="hw3")   # doctest: +SKIP
    """
    from derive.problems import build_problem_set

    return build_problem_set(
        count,
        seed,
        versions=versions,
        topic=topic,
        out=Path(out),
        jobs=jobs,
        roster=Path(roster) if roster else None,
        moodle=moodle,
        qti=qti,
        templates=Path(templates) if templates else None,
        to=to,
        progress=progress,
    )
