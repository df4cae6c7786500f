"""The rule machinery, grouped by mathematics; it takes sympy objects, never a Spec.

    calculus/     scalar rules: sum, product, chain, known derivatives
    matrix/       matrix expressions, differentials, identification dL = tr(G^T dX), Hessians, tidy
    sample/       sums over i = 1..N, masking, sample statistics, support, rows of a data matrix,
                  the score algebra of a likelihood
    probability/  expectations, integrals of densities, conjugate families
"""
