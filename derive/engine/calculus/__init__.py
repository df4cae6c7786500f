"""Scalar calculus: derivatives one named rule at a time (sum, product, chain, known ones)."""
