"""The spec fields of an 'integral' entry: the integrand, its variable and the bounds."""

from derive.catalogue.fields import AnyOf, Expr, KindFields, Name, Number

BOUND = AnyOf((Number(-1e9, 1e9), Expr(200)))  # a number, or an expression such as 'oo' or 'a'

FIELDS = KindFields(
    {"integrand": Expr(), "var": Name(), "lower": BOUND, "upper": BOUND},
    required=("integrand", "var", "lower", "upper"),
)
