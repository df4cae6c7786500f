"""The 'gradient' kind: d f / d x for each requested variable, scalar or matrix.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
