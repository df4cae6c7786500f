"""Probability: the expectation operator, integrals of densities, conjugate families."""
