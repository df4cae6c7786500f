"""A 'backprop' entry's spec fields: a forward pass, its shapes, the names to differentiate by."""

from derive.catalogue.fields import NAMES, SHAPES, Expr, KindFields, ListOf, Name, NameTable

FIELDS = KindFields(
    {
        "forward": ListOf(Expr(), least=1),
        "wrt": NAMES,
        "shapes": SHAPES,
        "name": Name(),
        "upstream": Name(),
        "deltas": NameTable(Name()),
        "simplex": ListOf(Name()),
        "inline": ListOf(Name()),
    },
    required=("forward", "wrt", "shapes"),
)
