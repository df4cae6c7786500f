"""The spec fields of a 'vanishing' entry: the activation and the number of layers."""

from derive.catalogue.fields import Choice, Integer, KindFields

FIELDS = KindFields({"activation": Choice(("sigmoid", "tanh", "relu")), "layers": Integer(1, 6)})
