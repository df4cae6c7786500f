"""A Moodle XML quiz of the numeric problems: one question per version, answers with a tolerance.

Built from the manifest's records alone. The template is rendered with XML
autoescaping; question text is HTML (escaped once for HTML, then by Jinja for
XML) with MathJax delimiters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from derive.pdf import write_text_atomically
from derive.render import environment


@cache
def _xml_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def questions(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The quiz's questions: every numeric answer of every version."""
    found = []
    for record in records:
        who = f" ({record['name']})" if record.get("name") else ""
        for problem in record["problems"]:
            for answer in problem["answers"]:
                numeric = answer.get("numeric", {})
                if "tolerance" not in numeric:
                    continue
                found.append({
                    "name": f"Version {record['version']}{who}, problem {problem['number']}",
                    "text": problem["question"]["html"],
                    "value": repr(numeric["value"]),
                    "tolerance": repr(numeric["tolerance"]),
                })
    return found


def moodle_xml(seed: int, records: Sequence[Mapping[str, Any]],
               templates: Path | None = None) -> str:
    env = _xml_environment(environment(templates, latex_syntax=False).loader)
    return env.get_template("moodle.xml.j2").render(seed=seed, questions=questions(records))


def write_moodle(path: Path, seed: int, records: Sequence[Mapping[str, Any]],
                 templates: Path | None = None) -> Path:
    write_text_atomically(path, moodle_xml(seed, records, templates))
    return path
