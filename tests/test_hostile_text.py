"""Text a user naturally types: Latin, Greek and Cyrillic names typeset; other scripts fall back.

Invisible characters (zero width, bidi controls) are removed where text enters;
a script the installed fonts lack is written in transliteration with a warning,
never a failed build.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import pipeline, texscripts
from derive.catalogue.read import spec_from_table
from derive.errors import ScriptFallback
from derive.names import clean_text

from .conftest import pdf_text

LATIN = "Łódź, Zoë, naïve, Ærøskøbing, Škoda"
GREEK = "Ελληνικά άλφα, Λόγος"
CYRILLIC = "Градиентный спуск, ёжик"


def entry(**fields):
    table = {"id": "scripts", "title": "t", "topic": "t", "kind": "gradient", "expr": "x^3",
             "wrt": "x", **fields}
    return spec_from_table(table, "course.toml", 1)


@pytest.mark.tex
def test_latin_greek_and_cyrillic_names_typeset(tmp_path):
    spec = entry(title=f"{GREEK} / {CYRILLIC}", notes=[LATIN, f"Студент: {CYRILLIC}"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScriptFallback)
        outcome = pipeline.build(spec, tmp_path)
    assert outcome.ok, outcome
    text = " ".join(pdf_text(outcome.pdf).split())
    for words in (LATIN, GREEK, CYRILLIC):
        assert " ".join(words.split()) in text


@pytest.mark.tex
def test_a_script_the_fonts_lack_is_a_warning_and_a_readable_fallback(tmp_path):
    spec = entry(title="नमस्ते and 你好", notes=["שלום"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScriptFallback)
        outcome = pipeline.build(spec, tmp_path)
    assert outcome.ok, outcome
    said = " ".join(str(w.message) for w in caught if w.category is ScriptFallback)
    assert all(script in said for script in ("Devanagari", "Cjk", "Hebrew")), said
    text = pdf_text(outcome.pdf)
    assert "nmste and NiHao" in text and "slvm" in text


def test_without_the_greek_and_cyrillic_fonts_those_fall_back_too(monkeypatch):
    bare = texscripts.Coverage(texscripts.coverage().base, {})
    monkeypatch.setattr(texscripts, "coverage", lambda: bare)
    with pytest.warns(ScriptFallback, match="Greek"):
        assert texscripts.escape_latex("Λόγος & x_1") == r"Logos \& x\_1"
    assert bare.encodings == "T1"


def test_invisible_characters_are_removed_where_text_enters():
    spec = entry(title="Bi\u200bas\u202e of\u2066 the\ufeff estimator", notes=["a\u200db"])
    assert spec.title == "Bias of the estimator"
    assert spec.notes == ("ab",)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_escapes_to_latex_without_specials_left_bare(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScriptFallback)
        out = texscripts.escape_latex(clean_text(text))
    # Every backslash, brace and % in the output is one the escaper wrote.
    stripped = out
    for made in (r"\textbackslash{}", r"\textasciitilde{}", r"\textasciicircum{}",
                 r"\textless{}", r"\textgreater{}", r"\&", r"\%", r"\$", r"\#", r"\_", r"\{",
                 r"\}", r"\fontencoding{T2A}\selectfont ", r"\fontencoding{LGR}\selectfont "):
        stripped = stripped.replace(made, "")
    stripped = stripped.replace("{", "", out.count(r"\fontencoding")).replace(
        "}", "", out.count(r"\fontencoding"))
    assert not any(c in stripped for c in "\\%&$#_{}~^<>"), (text, out)


# --- MathML: text inside a formula stays text ----------------------------------------------


@pytest.mark.parametrize("text", ["</math><script>alert(1)</script>", "a & b", "<b>bold</b>",
                                  "x]]><!--", "&amp;lt;", '"><img src=x onerror=alert(1)>'])
def test_markup_in_a_formulas_text_stays_text_in_mathml(text):
    """The converter's output is unescaped once (its operators are character references): a
    tag written inside \\text{} must come out as characters, not as markup."""
    import xml.etree.ElementTree as ET

    from derive.html.mathml import mathml

    out = str(mathml(rf"x + \text{{{text}}}"))  # raw: escape_latex would write \textless
    tree = ET.fromstring(out)  # well-formed: one <math> element
    tags = {e.tag.split("}")[-1] for e in tree.iter()}
    assert tags <= {"math", "mrow", "mi", "mo", "mtext", "mspace"}, tags
    shown = "".join(tree.itertext()).replace("\u00a0", " ")
    assert text in shown, shown
