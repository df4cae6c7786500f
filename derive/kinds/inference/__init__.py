"""The 'inference' kind: a confidence interval and a t test on data drawn from a seed.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
