"""Students from a roster as an LMS exports it: header recognised, names joined, id/e-mail kept.

Moodle (``First name,Surname,Email address``, also in German, French, Spanish),
Canvas (``Student,ID,SIS User ID,...``, names as ``Last, First``, a
``Points Possible`` row) and Blackboard (``Last Name,First Name,Username,...``)
exports, any CSV with a name-like header, or one name per row without a header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from derive.errors import InputError
from derive.problems.table import read_table

MAX_NAME = 120
MAX_BYTES = 4_000_000
MAX_STUDENTS = 5000

FIRST = {"first name", "firstname", "first", "given name", "given names", "forename",
         "vorname", "prénom", "prenom", "nombre", "nome", "voornaam"}
LAST = {"surname", "last name", "lastname", "last", "family name", "nachname", "nom",
        "nom de famille", "apellido(s)", "apellidos", "apellido", "cognome", "achternaam"}
FULL = {"name", "full name", "fullname", "student", "students", "student name", "display name",
        "sortable name", "participant", "nom complet", "nombre completo", "vollständiger name"}
SORTABLE = {"student", "sortable name"}  # Canvas writes these as "Last, First"
IDS = ("id number", "idnumber", "student id", "student number", "sis user id", "sis id",
       "matrikelnummer", "matriculation number", "id", "user id", "username", "sis login id",
       "login")
EMAILS = {"email", "email address", "e-mail", "e-mail address", "e-mail-adresse", "mail",
          "adresse de courriel", "adresse électronique", "dirección de correo",
          "dirección email"}
SKIPPED_ROWS = {"points possible"}  # Canvas's second row
# Canvas's row below the header when an assignment is posted by hand (older exports: muted);
# it names no student, and its only cells are these markers
MARKERS = {"manual posting", "muted", "(read only)"}


@dataclass(frozen=True)
class Student:
    """One student: the name printed on the sheet, and what identifies them in an LMS."""

    name: str
    id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Columns:
    """Where a header keeps the parts of a student (column indices)."""

    first: int | None = None
    last: int | None = None
    full: int | None = None
    id: int | None = None
    email: int | None = None
    ids: tuple[int, ...] = ()  # every id column, preferred first (``id`` is the first)

    @property
    def has_name(self) -> bool:
        return self.full is not None or self.first is not None or self.last is not None

    @property
    def recognised(self) -> bool:
        return self.has_name or self.id is not None or self.email is not None


def header_key(cell: str) -> str:
    """A header cell compared case- and spacing-blind."""
    return " ".join(cell.casefold().replace("_", " ").strip(" *:").split())


def _name_like(key: str) -> bool:
    """A header word that says name ("Student's full name", "Nom de l'étudiant"), not a login."""
    words = key.replace("'", " ").split()
    return any(w in ("name", "names", "nom") or (w.endswith("name") and len(w) > 4)
               for w in words) and "user" not in key and key not in FIRST | LAST


def header_columns(row: Sequence[str]) -> Columns:
    """The roles of a header row's columns (none recognised: not a header)."""
    keys = [header_key(c) for c in row]

    def first_of(names: Sequence[str]) -> int | None:
        """The first column named by one of ``names`` (in their order of preference)."""
        return next((keys.index(n) for n in names if n in keys), None)

    full = first_of(sorted(FULL))
    if full is None:  # any other name-like header: "Student's name", "Nom de l'étudiant"
        full = next((i for i, k in enumerate(keys) if _name_like(k)), None)
    email = first_of(sorted(EMAILS))
    if email is None:
        email = next((i for i, k in enumerate(keys) if "mail" in k), None)
    ids = tuple(keys.index(n) for n in IDS if n in keys)
    return Columns(first_of(sorted(FIRST)), first_of(sorted(LAST)), full, first_of(IDS), email,
                   ids)


def cell(row: Sequence[str], index: int | None) -> str:
    """The cell at ``index`` (empty when the row is short or there is no such column)."""
    return row[index] if index is not None and index < len(row) else ""


def student_id(row: Sequence[str], columns: Columns) -> str:
    """The row's id: the first id column that is filled in (Canvas's SIS User ID, else its ID)."""
    return next((found for i in columns.ids if (found := cell(row, i))), "")


def marker_row(row: Sequence[str], columns: Columns) -> bool:
    """A row that names no student and holds only Canvas's markers ('Manual Posting')."""
    who = (columns.first, columns.last, columns.full, columns.email, *columns.ids)
    filled = [c.casefold() for c in row if c]
    return not any(cell(row, i) for i in who) and bool(filled) and set(filled) <= MARKERS


def student_name(row: Sequence[str], columns: Columns, keys: Sequence[str]) -> str:
    """The name a row gives: first name and surname joined, Canvas's 'Last, First' turned."""
    if columns.first is not None or columns.last is not None:
        return " ".join(p for p in (cell(row, columns.first), cell(row, columns.last)) if p)
    name = cell(row, columns.full)
    if keys[columns.full] in SORTABLE and name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        name = f"{first} {last}".strip()
    return name


def read_students(path: Path) -> tuple[Student, ...]:
    """The students in file order; blank rows are skipped."""
    where = f"--roster {path}"
    rows = read_table(path, where, MAX_BYTES, MAX_STUDENTS + 2)
    if not rows:
        raise InputError(f"{where}: no names")
    header = rows[0][1]
    columns = header_columns(header)
    listed = ", ".join(f"'{c}'" for c in header[:12])
    if not columns.recognised:
        if max(len(cells) for _, cells in rows) > 1:
            raise InputError(f"{where}: no name column among the columns {listed} (expected "
                             "a header such as 'Name', 'First name' and 'Surname', 'Student')")
        return _students(where, rows, Columns(full=0), ["name"])
    if not columns.has_name:
        raise InputError(f"{where}: no name column among the columns {listed}")
    keys = [header_key(c) for c in header]
    body = [(n, r) for n, r in rows[1:] if not marker_row(r, columns)
            and header_key(student_name(r, columns, keys)) not in SKIPPED_ROWS]
    return _students(where, body, columns, keys)


def _students(where: str, body: list[tuple[int, list[str]]], columns: Columns,
              keys: Sequence[str]) -> tuple[Student, ...]:
    students = []
    for line, row in body:
        name = student_name(row, columns, keys)
        if not name:
            raise InputError(f"{where}: line {line}: no name")
        if len(name) > MAX_NAME:
            raise InputError(f"{where}: line {line}: longer than {MAX_NAME} characters")
        students.append(Student(name, student_id(row, columns) or None,
                                cell(row, columns.email) or None))
    if not students:
        raise InputError(f"{where}: no names below the header")
    if len(students) > MAX_STUDENTS:
        raise InputError(f"{where}: more than {MAX_STUDENTS} students")
    return tuple(students)


def read_roster(path: Path) -> tuple[str, ...]:
    """The names in file order."""
    return tuple(s.name for s in read_students(path))
