"""The values the multivariate-normal MLE check script needs, printed by the NumPy printer."""

from __future__ import annotations

from typing import Any

from derive.kinds.mle.model import Estimation
from derive.model import Derivation
from derive.numpyprint import numpy_code

DIM = 3
SAMPLE = 400


def _code(expr: Any) -> str:
    """NumPy code over X, mu, Sigma (or Lambda); the script defines N = X.shape[0]."""
    return numpy_code(expr)


def check_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_mle_mvn.py.j2``."""
    details: Estimation = derivation.details
    scores = details.scores
    return {
        "dim": DIM,
        "size": SAMPLE,
        "covariance": "Sigma" in details.estimators,
        "ell": _code(details.log_likelihood),
        "estimators": {k: _code(e) for k, e in details.estimators.items()},
        "score_mu": _code(scores["mu"]),
        "score_lambda": _code(scores["Lambda"]) if "Lambda" in scores else "",
        "hessian": _code(details.hessian),
    }
