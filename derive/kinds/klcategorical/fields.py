"""A 'kl-categorical' entry's spec fields: how many categories, and the divergence's name."""

from derive.catalogue.fields import Integer, KindFields, Name

FIELDS = KindFields({"categories": Integer(2, 6), "name": Name()})
