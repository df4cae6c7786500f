"""Algebra of an i.i.d. sample: sums over i = 1..N, statistics, support, the score's solution.

    statistics.py   the sample's notation (x_i, N) and order statistics
    sums.py         sum algebra, one named move at a time; masking.py statistics as symbols
    support.py      where one observation lives; rows.py sums over the rows of a data matrix
    likelihood.py   one observation's model, the log-likelihood, the scores
    optimality.py   the scores solved, and the proof that it is a maximum
"""
