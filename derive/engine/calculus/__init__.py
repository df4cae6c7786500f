"""Scalar calculus: derivatives one named rule at a time (sum, product, chain, known ones).

    scalar.py       the derivative, rule by rule, then tidied (expansion.py bounds the work)
    integration.py  definite integrals, rule by rule, then evaluated at the bounds
    shape.py        presentation moves: a tidy result in the form a lecturer writes
"""
