"""The spec fields of a 'kl-gaussian' entry: none of its own (the two Gaussians are fixed)."""

from derive.catalogue.fields import KindFields

FIELDS = KindFields({})
