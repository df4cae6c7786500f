"""The spec fields of a 'sampling' entry: the estimator."""

from derive.catalogue.fields import Key, KindFields

FIELDS = KindFields({"estimator": Key()}, required=("estimator",))
