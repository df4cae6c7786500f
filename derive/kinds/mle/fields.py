"""The spec fields of an 'mle' entry: one observation's density (``DENSITY``, which 'bayes'
shares) or a log-likelihood, and the parameters to estimate."""

from derive.catalogue.fields import (
    NAMES,
    SHAPES,
    AnyOf,
    Choice,
    Expr,
    FieldType,
    Integer,
    KindFields,
    ListOf,
    Name,
    Text,
)

#: One observation's density, its variable, parameters and support.
DENSITY: dict[str, FieldType] = {
    "density": Expr(),
    "var": Name(),
    "params": NAMES,
    "support": AnyOf((Text(60), ListOf(Expr(200), 2, single=False, least=2))),
    "base_measure": Choice(("1/x!", "binomial(n, x)")),
    "trials": Integer(1, 1000),
    "data": ListOf(Name()),
}

FIELDS = KindFields(
    {
        **DENSITY,
        "log_likelihood": Expr(),
        "shapes": SHAPES,
        "constraint": Expr(),
        "model": Choice(("multivariate-normal",)),
    },
    required=("params",),
)
