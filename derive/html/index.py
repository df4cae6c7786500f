"""``index.html``: the worksheets of a build, by topic."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from derive.catalogue.spec import Spec
from derive.pdf import write_text_atomically
from derive.render import render_html


def title_html(spec: Spec) -> Any:
    """The entry's title with its backticked maths as MathML (over the entry's shapes); a
    title without maths is plain text (no parser, no sympy: a cached build stays light)."""
    if "`" not in spec.title:
        return spec.title
    from derive.html.worksheet import rich_html
    from derive.richtext import spec_shapes

    return rich_html(spec.title, spec_shapes(spec.get("shapes")))


def index_context(specs: Sequence[Spec], heading: str, href: str = "{id}.html",
                  nav: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """Entries grouped by topic, topics in their first appearance's order."""
    topics: dict[str, list[dict[str, str]]] = {}
    for spec in specs:
        topics.setdefault(spec.topic, []).append(
            {"id": spec.id, "title": title_html(spec), "href": href.format(id=spec.id)})
    return {
        "heading": heading,
        "entries_count": len(specs),
        "topics": [{"name": name, "entries": entries} for name, entries in topics.items()],
        "nav": list(nav),
    }


def index_html(specs: Sequence[Spec], templates: Path | None = None, **kwargs: Any) -> str:
    """The index page's HTML."""
    context = index_context(specs, kwargs.pop("heading", "Worksheets"), **kwargs)
    return render_html("index.html.j2", context, templates)


def write_index(specs: Sequence[Spec], out: Path, templates: Path | None = None) -> Path:
    """Write ``OUT/index.html`` linking every given entry's ``<id>.html``."""
    path = out / "index.html"
    write_text_atomically(path, index_html(specs, templates))
    return path
