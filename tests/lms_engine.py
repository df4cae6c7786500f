"""QTI 2.1 items read and scored by pyslet's implementation of the standard, not by our code.

No Python package validates QTI 2.1 against the IMS schemas (PyPI has converters and
authoring kits; the XSDs ship with none). pyslet (the Python package of the learning
standards) implements QTI 2.1: it maps each element of an item onto its class of the
information model, leaving out what the standard does not allow there, and runs response
processing. So an item is checked twice here: every QTI element we wrote must be one that
pyslet kept, and the score and feedback a response gets are pyslet's.
"""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import pyslet.qtiv2.expressions as expressions
    import pyslet.qtiv2.variables as variables
    import pyslet.qtiv2.xml as qtixml

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"

# pyslet 0.7 reads equal's tolerance as one value; QTI 2.1 makes it a list of one or two
# floats ("lower upper"), and pyslet's own evaluation indexes it as a list.
expressions.Equal.XMLATTR_tolerance = ("tolerance", None, None, list)


def _quiet(fn: Any, *args: Any) -> Any:
    with warnings.catch_warnings():  # pyslet calls its own deprecated names
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn(*args)


def read_item(data: bytes) -> Any:
    """The assessmentItem as pyslet reads it."""
    doc = qtixml.QTIDocument()
    _quiet(lambda: doc.read(src=io.BytesIO(data)))
    return doc.root


def _kept(element: Any, counts: Counter) -> None:
    for child in element.get_children():
        if hasattr(child, "get_children"):
            if getattr(child, "ns", None) == QTI_NS:
                counts[child.xmlname] += 1
            _kept(child, counts)


def dropped(data: bytes) -> Counter:
    """The QTI elements of the file that pyslet did not keep: not allowed where they stand."""
    written = Counter(e.tag.split("}", 1)[1] for e in ET.fromstring(data).iter()
                      if e.tag.startswith("{" + QTI_NS + "}"))
    kept = Counter({"assessmentItem": 1})
    _kept(read_item(data), kept)
    return written - kept


def score(data: bytes, responses: dict[str, float | None]) -> tuple[float, set[str]]:
    """SCORE and the FEEDBACK identifiers after pyslet's response processing of the responses."""
    item = read_item(data)
    state = variables.ItemSessionState(item)
    _quiet(state.begin_session)
    state["numAttempts"].set_value(1)
    for declaration in item.ResponseDeclaration:
        name = declaration.identifier
        state[name] = variables.Value.copy_value(state[name + ".DEFAULT"])
        if responses.get(name) is not None:
            state[name].set_value(responses[name])
    _quiet(state.end_attempt)
    feedback = state["FEEDBACK"].value or {}
    return state["SCORE"].value, set(feedback)
