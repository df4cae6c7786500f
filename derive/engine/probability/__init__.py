"""Probability: the expectation operator, integrals of densities, conjugate families.

    expectation.py  E, Var, Cov as sympy objects, and the finite model that checks their steps
    integrals.py    definite integrals of moments, rule by rule
    conjugate.py    conjugate families as data: log-kernel, basis, mean and variance
"""
