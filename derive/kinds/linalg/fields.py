"""The spec fields of a 'linalg' entry: the task and the lecturer's small integer matrices."""

from derive.catalogue.fields import Choice, Integer, KindFields, ListOf

ENTRY = Integer(-10**6, 10**6)
MATRIX = ListOf(ListOf(ENTRY, 4, single=False, least=1), 4, single=False, least=1)

FIELDS = KindFields(
    {
        "task": Choice(("matmul", "determinant", "eigen", "composition")),
        "A": MATRIX,
        "B": MATRIX,
        "x": ListOf(ENTRY, 4, single=False, least=1),
    },
    required=("task", "A"),
)
