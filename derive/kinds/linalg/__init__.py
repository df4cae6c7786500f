"""Linear algebra on the lecturer's matrices: products, determinants, eigenpairs, composition.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
