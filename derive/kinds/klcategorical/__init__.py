"""The 'kl-categorical' kind: KL(p || softmax(z)) between categorical distributions.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
