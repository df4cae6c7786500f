"""What the tests know of the LMS formats, written from their specifications.

No Python package validates QTI 2.1 against the IMS schemas (PyPI has converters and
authoring kits, none with the XSDs) or Moodle XML (Moodle has no schema), so the rules
the standards state are checked here: QTI 2.1's element order and required attributes,
unique identifiers, every response declared and processed; the MathML 2.0 of its maths
(elements, attributes, arguments; no TeX left as text); and Moodle's own cloze
sub-question syntax (the regular expressions of qtype_multianswer) and category paths
(its split_category_path). Response processing is pyslet's (tests/lms_engine.py).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

# assessmentItem's content in the order of the QTI 2.1 schema (xsd:sequence)
ITEM_ORDER = ["responseDeclaration", "outcomeDeclaration", "templateDeclaration",
              "templateProcessing", "stylesheet", "itemBody", "responseProcessing",
              "modalFeedback"]
ITEM_REQUIRED = ("identifier", "title", "adaptive", "timeDependent")


def local(tag: str) -> str:
    return tag.split("}", 1)[1] if "}" in tag else tag


def check_item(root: ET.Element) -> list[str]:
    """The QTI 2.1 rules one assessmentItem breaks (empty: none)."""
    problems = []
    if root.tag != f"{QTI}assessmentItem":
        return [f"root is {root.tag}"]
    problems += [f"no {a}" for a in ITEM_REQUIRED if a not in root.attrib]
    if not NCNAME.match(root.get("identifier", "")):
        problems.append("identifier is not an NCName")
    order = [ITEM_ORDER.index(local(c.tag)) if local(c.tag) in ITEM_ORDER else -1 for c in root]
    if -1 in order or order != sorted(order):
        problems.append(f"children out of the schema's order: {[local(c.tag) for c in root]}")
    declared = {}
    for d in root:
        if local(d.tag) in ("responseDeclaration", "outcomeDeclaration"):
            ident = d.get("identifier")
            if ident in declared:
                problems.append(f"{ident} declared twice")
            declared[ident] = d
            for attribute in ("identifier", "cardinality"):
                if attribute not in d.attrib:
                    problems.append(f"a declaration without {attribute}")
    responses = {i for i, d in declared.items() if local(d.tag) == "responseDeclaration"}
    interactions = [e for e in root.iter() if local(e.tag).endswith("Interaction")]
    used = {e.get("responseIdentifier") for e in interactions}
    problems += [f"interaction of undeclared {r}" for r in used - responses]
    problems += [f"{r} declared without an interaction" for r in responses - used]
    processing = root.find(f"{QTI}responseProcessing")
    referenced = set()
    if processing is not None:
        for e in processing.iter():
            if local(e.tag) in ("variable", "correct", "setOutcomeValue"):
                referenced.add(e.get("identifier"))
    problems += [f"{r} is referenced but not declared" for r in referenced - set(declared)]
    graded = {r for r in responses if declared[r].get("baseType") == "float"}
    problems += [f"{r} is not processed" for r in graded - referenced]
    for e in root.iter(f"{QTI}textEntryInteraction"):
        parent = [p for p in root.iter() if e in list(p)][0]
        if local(parent.tag) not in ("p", "span", "div", "td", "li"):
            problems.append("textEntryInteraction outside an inline context")
    for fb in root.findall(f"{QTI}modalFeedback"):
        for attribute in ("outcomeIdentifier", "identifier", "showHide"):
            if attribute not in fb.attrib:
                problems.append(f"modalFeedback without {attribute}")
    return problems


# MathML 2.0 (the version QTI 2.1's schema imports): presentation elements and, for those
# latex2mathml writes, their attributes (chapter 3 of the recommendation); token elements
# hold text only; the elements with a fixed number of arguments (3.1.3.2)
_TOKEN = {"mi", "mn", "mo", "mtext", "ms", "mspace", "mglyph"}
_STYLE = {"mathvariant", "mathsize", "mathcolor", "mathbackground"}
MATHML_ATTRIBUTES = {
    "math": {"display", "overflow", "altimg", "alttext"}, "mrow": set(), "mi": _STYLE,
    "mn": _STYLE, "mtext": _STYLE, "ms": _STYLE | {"lquote", "rquote"},
    "mo": _STYLE | {"form", "fence", "separator", "lspace", "rspace", "stretchy", "symmetric",
                    "maxsize", "minsize", "largeop", "movablelimits", "accent"},
    "mspace": {"width", "height", "depth", "linebreak"}, "mglyph": {"alt", "fontfamily", "index"},
    "mfrac": {"linethickness", "numalign", "denomalign", "bevelled"}, "msqrt": set(),
    "mroot": set(), "mstyle": {"scriptlevel", "displaystyle", "scriptsizemultiplier"} | _STYLE,
    "merror": set(), "mpadded": {"width", "lspace", "height", "depth"}, "mphantom": set(),
    "mfenced": {"open", "close", "separators"}, "menclose": {"notation"},
    "msub": {"subscriptshift"}, "msup": {"superscriptshift"},
    "msubsup": {"subscriptshift", "superscriptshift"}, "munder": {"accentunder"},
    "mover": {"accent"}, "munderover": {"accent", "accentunder"}, "mmultiscripts": set(),
    "mprescripts": set(), "none": set(),
    "mtable": {"align", "rowalign", "columnalign", "groupalign", "alignmentscope",
               "columnwidth", "width", "rowspacing", "columnspacing", "rowlines",
               "columnlines", "frame", "framespacing", "equalrows", "equalcolumns",
               "displaystyle", "side", "minlabelspacing"},
    "mtr": {"rowalign", "columnalign", "groupalign"},
    "mtd": {"rowspan", "columnspan", "rowalign", "columnalign", "groupalign"},
    "semantics": set(), "annotation": {"encoding"}, "annotation-xml": {"encoding"},
}
MATHML_ARGUMENTS = {"mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "msubsup": 3, "munder": 2,
                    "mover": 2, "munderover": 3}
_TEX_LEFT = re.compile(r"\\[()\[\]]|\\[A-Za-z]+|\$")  # delimiters or a macro in the text


def check_mathml(root: ET.Element) -> list[str]:
    """The MathML 2.0 rules the maths of a QTI item breaks, and TeX left as text (empty: none)."""
    problems = []
    parents = {child: parent for parent in root.iter() for child in parent}
    for e in root.iter():
        if not e.tag.startswith(MATHML):
            if e.text and _TEX_LEFT.search(e.text) or e.tail and _TEX_LEFT.search(e.tail):
                problems.append(f"TeX left in the text of {local(e.tag)}: {e.text or e.tail!r}")
            continue
        name = local(e.tag)
        if name not in MATHML_ATTRIBUTES:
            problems.append(f"{name} is not a MathML 2.0 element")
            continue
        problems += [f"{name} has no attribute {a}" for a in set(e.attrib) -
                     MATHML_ATTRIBUTES[name]]
        if name == "math":
            if parents[e].tag.startswith(MATHML) or e.get("display") not in ("inline", "block"):
                problems.append("math nested, or with a display that is not inline or block")
        elif e not in parents or not parents[e].tag.startswith(MATHML):
            problems.append(f"{name} outside a math element")
        if name in _TOKEN and len(e):
            problems.append(f"token element {name} holds elements")
        if name in MATHML_ARGUMENTS and len(e) != MATHML_ARGUMENTS[name]:
            problems.append(f"{name} with {len(e)} arguments")
        if name == "mtable" and any(local(c.tag) not in ("mtr", "mlabeledtr") for c in e) or \
                name == "mtr" and any(local(c.tag) != "mtd" for c in e):
            problems.append(f"{name} holds something other than rows of cells")
    return problems


# Moodle's qtype_multianswer syntax (question/type/multianswer/questiontype.php)
_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"  # PHP: (?<!\\|&|&amp;)
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALTERNATIVE = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
_TYPES = r"(NUMERICAL|NM)|(MULTICHOICE|MC)|(SHORTANSWER|SA|MW)"
SUBQUESTION = re.compile(r"\{([0-9]*):(" + _TYPES + "):(" + _ALTERNATIVE + "(~" + _ALTERNATIVE
                         + ")*)\\}", re.S)
_NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL = re.compile(f"^({_NUMBER})(:{_NUMBER})?$", re.S)


def cloze_subquestions(text: str) -> list[dict]:
    """The sub-questions Moodle finds in a cloze question's HTML, as Moodle reads them."""
    found = []
    while (match := SUBQUESTION.search(text)):
        numerical = bool(match.group(3))
        alternatives = []
        rest = match.group(6)
        while (alt := re.match("~?" + _ALTERNATIVE, rest, re.S)):
            answer, feedback = alt.group(3), alt.group(5)
            if feedback is not None:
                feedback = html.unescape(feedback).replace("\\}", "}").replace("\\#", "#")
            fraction = 1.0 if alt.group(1) == "=" else float(alt.group(2) or 0) / 100
            number = NUMERICAL.match(answer) if numerical else None
            alternatives.append({"fraction": fraction, "answer": answer, "feedback": feedback,
                                 "value": float(number.group(1)) if number else None,
                                 "tolerance": float(number.group(6)) if number and
                                 number.group(6) else 0.0})
            rest = rest[len(alt.group(0)):]
            if not alt.group(0):
                break
        found.append({"numerical": numerical, "weight": match.group(1),
                      "alternatives": alternatives})
        text = text.replace(match.group(0), f"{{#{len(found)}}}", 1)
    return found


def category_names(path: str) -> list[str]:
    """The category names Moodle reads from a category path (its split_category_path, less
    the cleaning of HTML tags): '/' separates, '//' is a '/' of a name, each name trimmed."""
    return [name.replace("//", "/").strip() for name in re.split(r"(?<!/)/(?!/)", path)]
