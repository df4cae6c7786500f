"""KL(N(mu1, s1^2) || N(mu2, s2^2)) by integration: log-ratio, substitution, normal moments.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
