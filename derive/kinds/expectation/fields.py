"""The spec fields of an 'expectation' entry: the claims to prove and the names to write them in."""

from derive.catalogue.fields import Key, KindFields, ListOf, Name, NameTable

FIELDS = KindFields({"claim": ListOf(Key(), least=1), "names": NameTable(Name())},
                    required=("claim",))
