"""Algebra of an i.i.d. sample: sums over i = 1..N, statistics, support, the score's solution."""
