"""The 'sampling' kind: estimators in expectation, E[sample mean] = mu and E[sigma_hat^2].

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
