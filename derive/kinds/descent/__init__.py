"""The 'descent' kind: gradient descent, momentum, Newton's step and weight decay, unrolled.

``fields.py`` declares an entry's own spec fields (no sympy); ``kind.py`` derives it,
writes its check script and its JSON, ending in ``KIND = Kind(...)``.
"""
