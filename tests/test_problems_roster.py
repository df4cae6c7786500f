"""Rosters as LMSs export them: headers, joined names, ids and e-mails, encodings, hostile files."""

from __future__ import annotations

import string
import unicodedata
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.errors import InputError, ScriptFallback
from derive.problems.roster import MAX_BYTES, Student, read_students
from derive.problems.table import neutral

ANA = Student("Ana García", None, "ana@example.org")

CASES = {
    "moodle": ("First name,Surname,Email address\nAna,García,ana@example.org\n", "utf-8",
               [ANA]),
    "moodle-bom": ("First name,Surname,Email address\nAna,García,ana@example.org\n",
                   "utf-8-sig", [ANA]),
    "moodle-german-latin1": ("Vorname;Nachname;E-Mail-Adresse\nAna;García;ana@example.org\n"
                             "Jürgen;Müller;jm@example.de\n", "latin-1",
                             [ANA, Student("Jürgen Müller", None, "jm@example.de")]),
    "moodle-french-cp1252": ("Prénom,Nom,Adresse de courriel\nAna,García,ana@example.org\n",
                             "cp1252", [ANA]),
    "moodle-grades-export": ('"First name","Last name","ID number","Institution","Department",'
                             '"Email address","Quiz: Set 1 (Real)"\n'
                             '"Ana","García","s-17","","","ana@example.org","-"\n', "utf-8",
                             [Student("Ana García", "s-17", "ana@example.org")]),
    "canvas": ('Student,ID,SIS User ID,SIS Login ID,Section,Set 1 (123)\n'
               '    Points Possible,,,,,10\n"García, Ana",4711,A-1,ana,S1,\n', "utf-8",
               [Student("Ana García", "A-1", None)]),
    # a course without SIS: Canvas's own ID is kept; the row of hand-posted assignments skipped
    "canvas-manual-posting-no-sis": (
        'Student,ID,SIS User ID,SIS Login ID,Section,Set 1 (123),Current Score\n'
        ',,,,,Manual Posting,\n    Points Possible,,,,,10,(read only)\n'
        '"García, Ana",4711,,,S1,,\n"Student, Test",4712,,,S1,,\n', "utf-8",
        [Student("Ana García", "4711", None), Student("Test Student", "4712", None)]),
    "blackboard-utf16-tabs": ("Last Name\tFirst Name\tUsername\tStudent ID\tLast Access\n"
                              "García\tAna\tagarcia\t555\t2026-01-01\n", "utf-16",
                              [Student("Ana García", "555", None)]),
    "name-like-header": ("Student's full name,e-mail\nAna García,ana@example.org\n", "utf-8",
                         [ANA]),
    "no-header": ("Ana García\n\n  Bob   Ray \n", "utf-8",
                  [Student("Ana García"), Student("Bob Ray")]),
    "no-header-name-like-student": ("Nameer Khan\nAna García\n", "utf-8",
                                    [Student("Nameer Khan"), Student("Ana García")]),
    "studentname-header": ("StudentName,Username\nAna García,ag\n", "utf-8",
                           [Student("Ana García", "ag")]),
    "bidi-and-zero-width": ("Name\nAna\u200b Gar\u202ecía\u2066\n", "utf-8",
                            [Student("Ana García")]),
    "utf16-le-without-mark": ("Name\nAna García\n", "utf-16-le", [Student("Ana García")]),
    "crlf": ("Name,Email\r\nAna García,ana@example.org\r\n", "utf-8", [ANA]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lms_exports(tmp_path, case):
    text, encoding, expected = CASES[case]
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    assert list(read_students(path)) == expected


@pytest.mark.parametrize("content, message", [
    (b"Foo,Bar\n1,2\n", "no name column among the columns 'Foo', 'Bar'"),
    (b"Email address,ID number\nana@example.org,17\n",
     "no name column among the columns 'Email address', 'ID number'"),
    (b"Name\n", "no names below the header"),
    (b"", "no names"),
    (b"\x00\x01\x02\x03\xff\xfe\x00garbage" * 50, "not a text file"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "not a text file"),
    (b"Name\n" + b"x" * 20_000 + b"\n", "a cell longer than"),
    (b"Name\n\xe2\x80\x8b\n", "no names below the header"),  # a zero-width name is blank
    (b"First name,Surname,Email\n\nAna,Garcia,a@x.org\n,\xe2\x80\xae,b@x.org\n", "line 4: no name"),
])
def test_bad_rosters_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_students(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_huge_roster_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(InputError, match="at most"):
        read_students(path)


@pytest.mark.parametrize("cell, safe", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("Ana", "Ana"), ("", ""),
])
def test_formula_injection_is_neutralised_in_csv_cells(cell, safe):
    assert neutral(cell) == safe


_PIECES = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    list(",;\t\"\n\r=+-@|\\{}$&%#_^~\u200b\u200f\u202e\u2066\ufeff\x00\x1b")
    + ["Name", "Email", "First name", "Surname", "Student", "ID", "Points Possible",
       "=cmd|' /C calc'!A0", "\\input{/etc/passwd}", "Ana,García"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(_PIECES, max_size=60).map("".join),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "raw"]),
       raw=st.binary(max_size=200))
def test_any_roster_gives_clean_students_or_one_line_error(tmp_path, text, encoding, raw):
    path = tmp_path / "roster.csv"
    data = raw if encoding == "raw" else text.encode(encoding, errors="replace")
    path.write_bytes(data)
    try:
        students = read_students(path)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"--roster {path}")
        return
    assert students
    from derive.problems.sheets import problems_tex
    from derive.render import escape_latex

    for s in students[:3]:  # the name on the sheet: escaped in one pass, nothing else
        with warnings.catch_warnings():  # a script the fonts lack is transliterated, by design
            warnings.simplefilter("ignore", ScriptFallback)
            tex = problems_tex([], 1, 1, s.name, 7)
            assert f"\\textbf{{Name:}} {escape_latex(s.name)}\\par" in tex
    for s in students:
        for value in (s.name, s.id or "x", s.email or "x"):
            assert value == value.strip() and "  " not in value
            assert not any(unicodedata.category(c)[0] == "C" for c in value), repr(value)
        assert 0 < len(s.name) <= 120


def test_hostile_names_reach_the_sheet_escaped(tmp_path):
    """LaTeX specials and formula starts in a roster name: escaped on the sheet, kept as text."""
    from derive.problems.sheets import problems_tex

    tex = problems_tex([], 1, 1, r"=cmd|x \input{/etc/passwd} $5 & {_} ~^%#", 7)
    assert r"\input{/etc/passwd}" not in tex
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex or r"\textbackslash input" in tex


def test_printable_names_survive_unchanged(tmp_path):
    names = ["Zoë Ångström", "Łukasz Żółć", "محمد علي", "李 小龍", "O'Brien-Smith",
             string.ascii_letters[:20]]
    path = tmp_path / "roster.csv"
    path.write_text("Name\n" + "\n".join(names) + "\n", encoding="utf-8")
    assert [s.name for s in read_students(path)] == names
