"""KL(N(mu1, s1^2) || N(mu2, s2^2)) by integration: log-ratio, substitution, normal moments.

The integrals over the real line are :class:`QuadratureIntegral` nodes: they
stay unevaluated while parameters are symbols, and become a 30-digit number by
mpmath quadrature once every parameter is a number. That is how each step is
verified numerically at random parameters, without sympy's slow symbolic
Gaussian integration.
"""

from __future__ import annotations

import sympy as sp

from derive import numeric
from derive.assumptions import parse_assumptions, symbols_for
from derive.catalogue.spec import Spec
from derive.functions import normal_pdf
from derive.kinds.base import Kind, derivation_of
from derive.kinds.integral.kind import DefiniteIntegral, check_recipe
from derive.kinds.kl.fields import FIELDS
from derive.model import Derivation, Result, Section, Step
from derive.printing import Label
from derive.prose import Prose, math, tex

DIGITS = 27


class QuadratureIntegral(sp.Integral):
    """A definite integral evaluated by quadrature when it has no free parameters."""

    def doit(self, **hints) -> sp.Expr:
        if self.free_symbols:
            exact = _gaussian_moments(self)
            return self if exact is None else exact
        try:
            value = numeric.value_at(sp.Integral(*self.args), {}, digits=DIGITS)
        except numeric.Unevaluable:
            return self
        return sp.Float(value, DIGITS)

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.doit()._eval_evalf(prec)


def _gaussian_moments(integral: sp.Integral) -> sp.Expr | None:
    """Exact value of a polynomial times phi(a x + c) over the real line, else None.

    With z = a x + c: the integral is E[P((z - c)/a)] / |a| for z standard
    normal, and E[z^k] is (k - 1)!! for even k, 0 for odd k.
    """
    (x, a_, b_), = integral.limits
    if not (a_ == -sp.oo and b_ == sp.oo):
        return None
    # Densities are positive, so the log of a product splits; log phi(u) = -u^2/2 - log sqrt(2 pi).
    function = sp.expand(sp.expand_log(integral.function, force=True))
    function = function.xreplace({g: -g.args[0].args[0] ** 2 / 2 - sp.log(2 * sp.pi) / 2
                                  for g in function.atoms(sp.log)
                                  if isinstance(g.args[0], normal_pdf)})
    terms = sp.Add.make_args(sp.expand(function))
    if len(terms) > 1:
        parts = [_gaussian_moments(QuadratureIntegral(t, *integral.limits)) for t in terms]
        return None if None in parts else sp.Add(*parts)
    densities = [f for f in sp.Mul.make_args(function) if isinstance(f, normal_pdf)]
    if len(densities) != 1:
        return None
    arg = densities[0].args[0]
    a, c = sp.diff(arg, x), arg.subs(x, 0)
    rest = sp.cancel(function / densities[0])
    if a.has(x) or a == 0 or not rest.is_polynomial(x):
        return None
    z = sp.Dummy("z")
    poly = sp.Poly(sp.expand(rest.subs(x, (z - c) / a)), z)
    moment = {k: (sp.factorial2(k - 1) if k % 2 == 0 else 0) for k in range(poly.degree() + 1)}
    return sp.Add(*[coeff * moment[k] for (k,), coeff in poly.terms()]) / sp.Abs(a)


def _line(f: sp.Expr, x: sp.Symbol) -> QuadratureIntegral:
    return QuadratureIntegral(f, (x, -sp.oo, sp.oo))


def derive_kl_gaussian(spec: Spec) -> Derivation:
    """The closed form of the KL divergence between two univariate Gaussians."""
    assumptions = parse_assumptions([*spec.assume, "sigma1 > 0", "sigma2 > 0"])
    sym = symbols_for(["x", "t", "mu1", "mu2", "sigma1", "sigma2"], assumptions)
    x, t, m1, m2, s1, s2 = (sym[n] for n in ("x", "t", "mu1", "mu2", "sigma1", "sigma2"))
    p = normal_pdf((x - m1) / s1) / s1
    q = normal_pdf((x - m2) / s2) / s2
    integrand = p * sp.log(p / q)
    log_ratio = sp.log(s2 / s1) - ((x - m1) / s1) ** 2 / 2 + ((x - m2) / s2) ** 2 / 2
    start = _line(integrand, x)
    step1 = _line(p * log_ratio, x)
    in_t = sp.log(s2 / s1) - t**2 / 2 + (s1 * t + m1 - m2) ** 2 / (2 * s2**2)
    step2 = _line(normal_pdf(t) * in_t, t)
    moments = {k: _line(t**k * normal_pdf(t), t) for k in (0, 1, 2)}
    gap = sp.Dummy("d")  # mu1 - mu2, kept together in the coefficients
    poly = sp.Poly(sp.expand(in_t.subs(m1 - m2, gap).subs(m1, gap + m2)), t)
    coefficients = [sp.factor_terms(poly.coeff_monomial(t**k)).xreplace({gap: m1 - m2})
                    for k in (0, 1, 2)]
    step3 = sp.Add(*[c * moments[k] for k, c in enumerate(coefficients)])
    step4 = step3.xreplace({moments[0]: 1, moments[1]: 0, moments[2]: 1})
    closed = sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)
    steps = (
        Step(start, step1, "density ratio", Prose.of(
            tex(r"$\log\frac{p}{q} = \log\frac{\sigma_2}{\sigma_1} "
                r"- \frac{(x-\mu_1)^2}{2\sigma_1^2} + \frac{(x-\mu_2)^2}{2\sigma_2^2}$",
                "log(p/q) = log(sigma2/sigma1) - (x - mu1)^2/(2 sigma1^2)"
                " + (x - mu2)^2/(2 sigma2^2)"),
            "; the ",
            tex(r"$\sqrt{2\pi}$", "sqrt(2 pi)"), " cancels")),
        Step(step1, step2, "substitution", Prose.of(
            tex(r"$x = \mu_1 + \sigma_1 t$", "x = mu1 + sigma1 t"), ", ",
            tex(r"$dx = \sigma_1\,dt$", "dx = sigma1 dt"), ", ",
            tex(r"$p(x)\,dx = \varphi(t)\,dt$", "p(x) dx = phi(t) dt"))),
        Step(step2, step3, "linearity of the integral",
             Prose.of("expand in powers of ", math(t))),
        Step(step3, step4, "standard normal moments", Prose.of(
            tex(r"$\varphi$", "phi"), " is a density, ", tex(r"$t\varphi(t)$", "t phi(t)"),
            " is odd, ", tex(r"$\operatorname{Var} = 1$", "Var = 1"))),
        Step(step4, closed, "collect"),
    )
    kl = Label(r"\operatorname{KL}(p\,\|\,q)", "KL(p || q)")
    section = Section(Prose.of("By integration"), start, steps, kl)
    return derivation_of(
        spec,
        input="KL(N(mu1, sigma1^2) || N(mu2, sigma2^2))",
        function=integrand,
        sections=(section,),
        results=(Result("value", kl, closed),),
        symbols=(x, m1, m2, s1, s2),
        assumptions=assumptions,
        details=DefiniteIntegral(x, (-sp.oo, sp.oo), p * log_ratio),
        question=Prose.of(
            "For ", tex(r"$p = \mathcal{N}(\mu_1, \sigma_1^2)$", "p = N(mu1, sigma1^2)"), " and ",
            tex(r"$q = \mathcal{N}(\mu_2, \sigma_2^2)$", "q = N(mu2, sigma2^2)"),
            ", with densities ", math(Label("p(x)", "p(x)"), p), " (",
            tex(r"$\varphi$", "phi"), " the standard normal density), find ",
            tex(r"$\operatorname{KL}(p\,\|\,q) = \int p(x)\log\frac{p(x)}{q(x)}\,dx$",
                "KL(p || q) = int p(x) log(p(x)/q(x)) dx"), ".",
        ),
    )


KIND = Kind("kl-gaussian", FIELDS, derive_kl_gaussian, check_recipe)
