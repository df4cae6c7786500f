"""The spec fields of a 'kl-categorical' entry: how many categories, and the loss's name."""

from derive.catalogue.fields import Integer, KindFields, Name

FIELDS = KindFields({"categories": Integer(2, 6), "name": Name()})
