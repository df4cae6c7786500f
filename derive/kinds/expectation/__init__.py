"""The 'expectation' kind: identities of E, Var, Cov.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
