"""The fixed vocabulary of rule names, with the words a lecturer writes in the margin."""

from __future__ import annotations

#: rule name -> margin text (LaTeX-safe text mode).
RULES: dict[str, str] = {
    # scalar differentiation
    "constant": "derivative of a constant",
    "variable": "the variable's own derivative is 1",
    "power rule": "power rule",
    "linearity": "linearity and power rule",
    "linear function": r"linearity: $(ax + b)' = a$",
    "sum rule": "sum rule",
    "sum rule, constants drop": "sum rule; a constant term drops",
    "constant multiple": "constant multiple",
    "product rule": "product rule",
    "quotient rule": "quotient rule",
    "chain rule": "chain rule",
    "known derivative": "known derivative",
    "exponential rule": "exponential rule",
    "logarithmic differentiation": "logarithmic differentiation",
    "max rule": r"derivative of $\max$/$\min$",
    "linearity of the sum": "linearity of the sum",
    "piecewise": "piecewise: differentiate each piece",
    "subgradient rule": "subgradient",
    # algebra
    "cancel": "common denominator, cancel common factors",
    "factor": "factor",
    "expand": "expand",
    "combine": "combine into one fraction",
    "collect": "collect terms",
    "sigmoid identity": r"$\sigma(-z) = 1 - \sigma(z)$",
    "tanh identity": r"$\sinh u / \cosh u = \tanh u$",
    "substitute": "substitute",
    "sigmoid from exp": r"$e^{u}/(1 + e^{u}) = \sigma(u)$",
    "softmax from exp": r"$e^{z}/\mathbf{1}^\top e^{z} = \operatorname{softmax}(z)$",
    "name the softmax outputs": "name the softmax outputs",
    "probabilities sum to one": r"$\sum_k p_k = 1$",
    "softmax derivative": "softmax derivative",
    "name the normal functions": r"$\tfrac12(1 + \operatorname{erf}(u/\sqrt2)) = \Phi(u)$, "
                                 r"$e^{-u^2/2}/\sqrt{2\pi} = \varphi(u)$",
    "count the outcomes": r"count each outcome: $n_k$",
    "group the constants": r"$c\log a + c\log b = c\log(ab)$",
    "definition": "definition",
    "named identity": "identity",
    # matrices
    "differential": "take the differential",
    "differential of a product": "differential of a product",
    "linearity of d": r"$d$ is linear: $d\operatorname{tr}(M) = \operatorname{tr}(dM)$",
    "linearity of d (diag)": (
        r"$d$ is linear: $d\operatorname{diag}(v) = \operatorname{diag}(dv)$"
    ),
    "constant factor": r"constants pass through $d$: $d(AXB) = A\,dX\,B$",
    "constant factor (entrywise)": r"constants pass through $d$: $d(A \odot X) = A \odot dX$",
    "number out of the trace": r"$\operatorname{tr}(cA) = c\operatorname{tr}(A)$",
    "transpose": "transpose rule",
    "trace of a scalar": r"a scalar is its own trace",
    "cyclic trace": "cyclic property of the trace",
    "differential of the inverse": r"$d(X^{-1}) = -X^{-1}\,dX\,X^{-1}$",
    "differential of log det": r"$d\log\det X = \operatorname{tr}(X^{-1}dX)$",
    "differential of det": r"$d\det X = \det X\operatorname{tr}(X^{-1}dX)$",
    "elementwise function": r"elementwise: $d f(X) = f'(X)\odot dX$",
    "hadamard trace": (
        r"$\operatorname{tr}(A^\top(B\odot C)) = \operatorname{tr}((A\odot B)^\top C)$"
    ),
    "identify the gradient": r"$dL = \operatorname{tr}(G^\top dX) \Rightarrow \nabla_X L = G$",
    "identify the derivative": r"$dL = g\,ds \Rightarrow \partial L/\partial s = g$ (a scalar $s$)",
    "log of softmax": (
        r"$\log\operatorname{softmax}(z) = z - \mathbf{1}\operatorname{logsumexp}(z)$"
    ),
    "differential of logsumexp": (
        r"$d\operatorname{logsumexp}(z) = p^\top dz$, $p = \operatorname{softmax}(z)$"
    ),
    "differential of the norm": r"$d\|A\| = \operatorname{tr}(A^\top dA)/\|A\|$",
    "power rule (entrywise)": r"entrywise: $d(A^{\circ k}) = k A^{\circ (k-1)} \odot dA$",
    "trace of diag": (
        r"$\operatorname{tr}(F\operatorname{diag}(u)) = \mathbf{1}^\top(I \odot F)\,u$"
    ),
    "hessian": "differentiate the gradient",
    "differential of softmax": r"$dp = (\operatorname{diag}(p) - pp^\top)\,dz$",
    "differential of row softmax": (
        r"each row: $dP = P \odot (dS - (P \odot dS)\mathbf{1}\mathbf{1}^\top)$"
    ),
    "differential of column softmax": (
        r"each column: $dP = P \odot (dS - \mathbf{1}\mathbf{1}^\top(P \odot dS))$"
    ),
    "sum to one": r"$\mathbf{1}^\top y = 1$: $y$ is a probability vector",
    "columns sum to one": r"column-stochastic: $\mathbf{1}^\top T = \mathbf{1}^\top$",
    "cancel entrywise": r"$\operatorname{diag}(v)(v^{\circ -1} \odot u) = u$",
    "entrywise algebra": (
        r"entry by entry, scalar algebra: $(\mathbf{1} - y) \odot p - y \odot "
        r"(\mathbf{1} - p) = p - y$"
    ),
    "hadamard to diag": r"a column times entrywise: $v \odot u = \operatorname{diag}(v)\,u$",
    "identify the hessian": r"$d(\nabla_x L) = H\,dx \Rightarrow \nabla^2_x L = H$",
    # likelihood and Bayes
    "likelihood": "i.i.d. sample: product of densities",
    "log of a product": "log of a product is a sum of logs",
    "log rules": r"$\log(ab) = \log a + \log b$, $\log a^k = k\log a$",
    "split sums": "split the sum",
    "pull out constants": "pull constants out of the sum",
    "sum of a constant": r"$\sum_{i=1}^N c = Nc$",
    "score": "differentiate (the score)",
    "set the score to zero": "set the score to zero",
    "solve": "solve",
    "second-order condition": "second-order condition",
    "lagrange multiplier": "Lagrange multiplier",
    "boundary maximum": "maximum on the boundary",
    "subgradient": "subgradient optimality",
    "bayes rule": "Bayes' rule",
    "drop constants": "drop constants",
    "recognise the kernel": "recognise the kernel",
    "read off": "read off the parameters",
    "newton step": "Newton step",
    "stack the sample": r"stack the sample: the rows of $X$ are $x_i^\top$",
    "symmetric": r"symmetric: $A^\top = A$",
    "orthogonal": r"orthogonal: $Q^\top Q = Q Q^\top = I$",
    "sum of ones": r"$\mathbf{1}^\top\mathbf{1} = N$",
    "log det of a multiple": r"$\det(cA) = c^d\det A$",
    "scatter matrix": r"scatter matrix $S$",
    "precision": r"precision $\Lambda = \Sigma^{-1}$",
    "inverse of a product": r"$(cA)^{-1} = c^{-1}A^{-1}$",
    # probability, linear algebra, optimisation
    "integrate": "integrate",
    "substitution": "substitution",
    "integration by parts": "integration by parts",
    "simplify": "simplify",
    "linearity of the integral": "linearity of the integral",
    "standard normal moments": r"$\int\varphi = 1$, $\int t\varphi = 0$, $\int t^2\varphi = 1$",
    "density ratio": r"log of the density ratio",
    "linearity of expectation": "linearity of expectation",
    "evaluate": "evaluate",
    "cofactor expansion": "cofactor expansion",
    "characteristic polynomial": "characteristic polynomial",
    "update": "update rule",
    # probability and statistics (moments, the expectation operator, inference)
    "odd integrand": "odd integrand over a symmetric range",
    "gaussian integral": r"$\int_{-\infty}^{\infty} e^{-z^2/2}\,dz = \sqrt{2\pi}$",
    "constants out of expectation": "constants come out of the expectation",
    "identically distributed": r"identically distributed: $\mathbb{E}[X_i] = \mu$",
    "independence": r"independence: $\mathbb{E}[X_iX_j] = \mathbb{E}[X_i]\,\mathbb{E}[X_j]$",
    "plug in the data": "plug in the data",
    "quantile": "quantile of the distribution",
    "tail probability": "two-sided tail probability",
    # linear algebra
    "entry formula": r"$(AB)_{ij} = \sum_k A_{ik}B_{kj}$",
    "determinant of a 2x2": r"$\det\begin{pmatrix}a&b\\c&d\end{pmatrix} = ad - bc$",
    "roots": "solve the quadratic",
    "null space": r"null space of $A - \lambda I$",
    "matrix product": "multiply the matrices",
    "composition": r"$(g\circ f)(x) = g(f(x))$",
}


def margin(rule: str) -> str:
    """The margin text for a rule; unknown names are a programming error."""
    return RULES[rule]
