"""Matrix calculus by differentials: expressions, d pushed in, dL = tr(G^T dX), Hessians, tidy.

    expressions.py    the objects steps hold (differentials, directions, named matrices)
    domain.py         where an expression is defined (a log of entries needs them > 0)
    differentials.py  d pushed from the outside in, one named rule at a time
    identify.py       a differential linear in dX brought to tr(G^T dX)
    gradient.py       the sections dL = ... = tr(G^T dX), so dL/dX = G
    hessian.py        the gradient differentiated once more
    tidy.py           the gradient as a lecturer writes it
    sizes.py          concrete sizes at which the numeric proofs evaluate
"""
