"""A 'gradient' entry's spec fields: an expression (or pieces), the names to differentiate by."""

from derive.catalogue.fields import NAMES, SHAPES, Expr, Flag, KindFields, ListOf, Name

FIELDS = KindFields(
    {
        "expr": Expr(),
        "pieces": ListOf(ListOf(Expr(), 2, single=False, least=2), 16, single=False, least=1),
        "wrt": NAMES,
        "name": Name(),
        "upstream": Name(),
        "shapes": SHAPES,
        "hessian": Flag(),
    },
    required=("wrt",),
    one_of=("expr", "pieces"),
)
