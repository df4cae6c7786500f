"""A QTI 2.1 content package (``qti.zip``): one assessmentItem per variant, a test, a manifest.

Each graded number is a float ``textEntryInteraction`` whose response processing
adds a point when the answer lies within the release's tolerance (written as an
absolute margin, so every engine reads it alike) and shows the typical mistake's
hint when the answer is that mistake's number; the worked solution is modal
feedback. Maths is MathML (QTI 2.1 allows it in item bodies), printed from the
manifest's prose segments. A problem without a number is an ``extendedTextInteraction``
marked by hand. The test has one section per problem that selects one of its variants, so
each student gets one. The zip is byte-reproducible (fixed times and order).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from derive.pdf import write_atomically
from derive.problems.lmsxml import number, xml_environment
from derive.problems.printers import mathml, prose_mathml
from derive.problems.quiz import Item, Part, by_problem, items

STAMP = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no build time in the bytes
TEST = "test.xml"


def item_href(item: Item) -> str:
    return f"items/{item.ident}.xml"


def _part(k: int, part: Part) -> dict[str, Any]:
    mistake = None
    if part.mistake is not None:
        mistake = {"value": number(part.mistake.value), "margin": number(part.mistake.margin),
                   "hint": part.mistake.hint, "feedback": f"MISTAKE_{k}"}
    return {"response": f"RESPONSE_{k}", "label": mathml(part.label),
            "value": number(part.value),
            "margin": number(part.margin), "mistake": mistake}


def item_xml(item: Item, templates: Path | None = None) -> str:
    env = xml_environment(templates)
    return env.get_template("qti_item.xml.j2").render(
        item=item, question=prose_mathml(item.question), solution=prose_mathml(item.solution),
        parts=[_part(k, p) for k, p in enumerate(item.parts, start=1)])


def package_files(seed: int, records: Sequence[Mapping[str, Any]],
                  templates: Path | None = None) -> dict[str, str]:
    """Every file of the package by its path in the zip, in the order they are stored."""
    env = xml_environment(templates)
    found = items(seed, records)
    ident = f"derive-{seed}"
    refs = [{"ident": i.ident, "href": item_href(i)} for i in found]
    sections = [{"ident": f"{ident}-p{n}", "title": f"Problem {n}: {group[0].title}",
                 "refs": [{"ident": i.ident, "href": item_href(i)} for i in group]}
                for n, group in by_problem(found).items()]
    files = {"imsmanifest.xml": env.get_template("qti_manifest.xml.j2").render(
        ident=ident, test_href=TEST, items=refs)}
    files[TEST] = env.get_template("qti_test.xml.j2").render(ident=ident, seed=seed,
                                                            sections=sections)
    for item in found:
        files[item_href(item)] = item_xml(item, templates)
    return files


def zip_bytes(files: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def write_qti(path: Path, seed: int, records: Sequence[Mapping[str, Any]],
              templates: Path | None = None) -> Path:
    write_atomically(path, zip_bytes(package_files(seed, records, templates)))
    return path

