"""The spec fields of a 'moments' entry: the named family."""

from derive.catalogue.fields import Key, KindFields

FIELDS = KindFields({"family": Key()}, required=("family",))
