"""A 'descent' entry's spec fields: the method, the objective, its variable, the unrolling."""

from derive.catalogue.fields import Choice, Expr, Integer, KindFields, Name

FIELDS = KindFields(
    {
        "method": Choice(("gd", "momentum", "newton", "weight-decay")),
        "expr": Expr(),
        "var": Name(),
        "unroll": Integer(1, 6),
    },
    required=("expr", "var"),
)
