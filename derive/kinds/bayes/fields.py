"""A 'bayes' entry's spec fields: an 'mle' entry's density, a prior, the posterior's family."""

from derive.catalogue.fields import Expr, Key, KindFields
from derive.kinds.mle.fields import DENSITY

FIELDS = KindFields(
    {**DENSITY, "prior": Expr(), "posterior": Key()},
    required=("density", "params", "prior", "posterior"),
)
