"""The 'moments' kind: E[X], E[X^2] and Var X of a named family, by integration.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
