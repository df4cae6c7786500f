"""Handouts as a lecturer writes them: textbook forms, no line twice, nothing off the page."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp

from derive import catalogue
from derive.api import grad_spec
from derive.checkcode import formatted, with_helpers
from derive.engine.calculus.shape import factored_fraction, shape_steps, sigmoid_form
from derive.functions import sigmoid
from derive.parse import parse_expression
from derive.pdf import LATEXMK, tex_environment
from derive.pipeline import derive, render
from derive.plots import plot_context
from derive.printing import latex
from derive.richtext import assumption_tex
from derive.texbreak import LINE, latex_lines, tex_width
from derive.texformat import format_for, use_format
from derive.textout import maths
from derive.verify import compare
from derive.worksheet import worksheet_context
from tests.derived import derived

FORMS = tomllib.loads((Path(__file__).parent / "data" / "textbook_forms.toml").read_text())
IDS = [s.id for s in catalogue.entries()]
#: how much wider than its reference a printed result may be (the textbook-form measure).
ALLOWANCE = 1.10
SIGN_TWICE = re.compile(r"[+-] +- ")
OVERFULL = re.compile(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)")

x, y, z, w, b = sp.symbols("x y z w b", real=True)
p = sp.Symbol("p", positive=True)


def _rows(section: dict) -> list[str]:
    head = " ".join([section["start"], *section["start_more"]])
    return [head] + [" ".join([step["tex"], *step["more"]]) for step in section["steps"]]


@pytest.mark.parametrize("entry", IDS)
def test_no_line_twice_and_textbook_form(entry):
    derivation = derived(entry)
    context = worksheet_context(derivation, "", "check.py")
    for section in context["sections"]:
        rows = _rows(section)
        assert all(a != b for a, b in zip(rows, rows[1:], strict=False)), (section["title"], rows)
        # a sign is printed once: never "a + -b" or "a - -b" (the minus of an inner product)
        assert not any(SIGN_TWICE.search(row) for row in rows), (section["title"], rows)
    for name, reference in FORMS.get(entry, {}).items():
        result = derivation.result(name)
        printed = latex(result.expr)
        wanted = parse_expression(reference, syntax="plain")
        known = {s.name for s in derivation.symbols}
        if {s.name for s in wanted.free_symbols} <= known:  # else names the sheet introduces
            mapping = {s: next(t for t in derivation.symbols if t.name == s.name)
                       for s in wanted.free_symbols}
            assert compare(result.expr, wanted.xreplace(mapping)).equal, reference
        ratio = tex_width(printed) / tex_width(latex(wanted))
        assert ratio <= ALLOWANCE, f"{name}: {printed} is {ratio:.2f} x the textbook form"
        assert printed == latex(wanted), f"{name}: {printed}, not the textbook {reference}"


def test_every_reference_names_an_entry():
    assert FORMS and all(entry in IDS and forms for entry, forms in FORMS.items())


def _overfull(tex: str, folder: Path) -> list[float]:
    """The overfull boxes of the sheet as a build typesets it: with the precompiled format
    of its preamble (derive.texformat), which also halves the time of each of 104 runs."""
    (folder / "main.tex").write_text(tex)
    environment = tex_environment()
    options = use_format(folder, format_for(tex, environment))
    subprocess.run([*LATEXMK, *options, "main.tex"], cwd=folder, env=environment,
                   capture_output=True, timeout=120, check=False)
    log = (folder / "main.log").read_text(errors="replace")
    return [float(v) for v in OVERFULL.findall(log) if float(v) > 1.0]


@pytest.mark.tex
@pytest.mark.slow
@pytest.mark.parametrize("entry", IDS)
def test_nothing_off_the_page(entry, tmp_path):
    tex, _ = render(derived(entry))
    assert _overfull(tex, tmp_path) == []


LONG_INPUTS = [
    ("(sigmoid(w1*x1 + w2*x2 + w3*x3 + w4*x4 + w5*x5 + b) - y)^2", "w1"),
    ("log(1 + exp(-y*(w1*x1 + w2*x2 + w3*x3 + w4*x4 + w5*x5 + w6*x6 + b)))", "w3"),
    ("tanh(tanh(tanh(tanh(w*x + b))))", "w"),
    ("(a*x^5 + b*x^4 + c*x^3 + d*x^2 + e*x + f)/(x^4 + x^3 + x^2 + x + 1)", "x"),
]


@pytest.mark.tex
@pytest.mark.slow
@pytest.mark.parametrize("expr,wrt", LONG_INPUTS)
def test_long_user_inputs_stay_on_the_page(expr, wrt, tmp_path):
    tex, _ = render(derive(grad_spec(expr, wrt)))
    assert _overfull(tex, tmp_path) == []


@pytest.mark.parametrize("before,after", [
    (sp.exp(z) / (1 + sp.exp(z)), sigmoid(z)),
    (-y * x * sp.exp(-y * w * x) / (1 + sp.exp(-y * w * x)), -y * x * sigmoid(-y * w * x)),
    (sp.exp(-x) / (1 + sp.exp(-x)) ** 2, sigmoid(x) * (1 - sigmoid(x))),
    (1 / (1 + sp.exp(-z)), sigmoid(z)),
])
def test_sigmoid_from_exp(before, after):
    assert sigmoid_form(before) == after
    assert compare(before, after).equal


def test_fraction_factored_positive_on_the_unit_interval():
    shaped = factored_fraction((y - p) / (p**2 - p), frozenset({p}))
    assert latex(shaped) == r"\frac{p - y}{p \left(1 - p\right)}"
    assert compare(shaped, (y - p) / (p**2 - p)).equal


def test_softmax_outputs_are_named_and_sum_to_one():
    z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)
    total = sp.exp(z1) + sp.exp(z2) + sp.exp(z3)
    steps = shape_steps((-sp.exp(z2) - sp.exp(z3)) / total)
    assert [s.rule for s in steps] == ["name the softmax outputs", "probabilities sum to one"]
    assert latex(steps[-1].after) == "p_{1} - 1"
    assert all(compare(s.before, s.after).equal for s in steps)


def test_long_sums_break_at_their_operators():
    terms = sum(sp.Symbol(f"w_{k}") * sp.Symbol(f"x_{k}") ** 2 for k in range(1, 40))
    w_1 = sp.Symbol("w_1")
    lines = latex_lines(sp.Derivative(terms, w_1), LINE)
    assert len(lines) > 1 and all(tex_width(line) <= LINE * 1.05 for line in lines[1:])
    assert lines[1].lstrip().startswith("+")


@pytest.mark.parametrize("sentence,tex", [
    ("a > 0", "$a > 0$"),  # a name, not the article
    ("n is an integer", r"$n \in \mathbb{Z}$"),
    ("a is positive", "$a > 0$"),
    ("lambda > 0", r"$\lambda > 0$"),
    ("0 < p < 1", "$0 < p < 1$"),
    ("n integer", r"$n \in \mathbb{Z}$"),
    ("mu real", r"$\mu \in \mathbb{R}$"),
    ("x >= 0", r"$x \ge 0$"),
])
def test_assumptions_are_typeset_as_maths(sentence, tex):
    assert assumption_tex(sentence) == tex


def test_terminal_text_is_unicode_maths_not_sympy_repr():
    xs, i = sp.IndexedBase("x"), sp.Symbol("i", integer=True)
    n = sp.Symbol("N", integer=True, positive=True)
    mu = sp.Symbol("mu", real=True)
    shown = maths(sp.Sum((xs[i] - mu) ** 2, (i, 1, n)) / n + sigmoid(z))
    assert "Sum(" not in shown and "x[i]" not in shown and "**" not in shown
    assert "∑ᵢ" in shown and "μ" in shown and "σ(z)" in shown


def test_check_scripts_define_the_helpers_they_call(tmp_path):
    source = ("import numpy as np\n\n\ndef f(z):\n    return sigmoid(z) - softplus(z)\n\n\n"
              "print(f(0.0))\n")
    done = formatted(with_helpers(source))
    assert all(len(line) <= 88 for line in done.splitlines())
    script = tmp_path / "check.py"
    script.write_text(done)
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert abs(float(ran.stdout) - (0.5 - 0.6931471805599453)) < 1e-12


def _points(coords: str) -> list[tuple[float, float]]:
    return [tuple(map(float, p.strip("()").split(","))) for p in coords.split()]


def test_depth_plot_is_the_bound_at_each_depth():
    derivation = derived("vanishing-sigmoid")
    plot = plot_context(derivation)
    first, second = (_points(c["coords"]) for c in plot["curves"])
    assert plot["ymode"] == "log" and len(first) == 12
    assert all(abs(y - 0.25**n) < 1e-5 * 0.25**n for n, y in first)  # |w| = 1: (1/4)^L (6 digits)
    assert all(abs(y - 1.0) < 1e-5 for _, y in second)  # |w| = 4 just keeps the bound at 1


def test_bayes_plot_posterior_is_the_normalised_product():
    derivation = derived("bayes-beta-bernoulli")
    curves = plot_context(derivation)["curves"]
    prior, likelihood, posterior = (_points(c["coords"]) for c in curves)
    xs = [x for x, _ in posterior]
    area = sum((b - a) * (y1 + y2) / 2 for (a, y1), (b, y2) in zip(posterior, posterior[1:],
                                                                   strict=False))
    assert abs(area - 1) < 1e-3
    product = [p * q for (_, p), (_, q) in zip(prior, likelihood, strict=True)]
    scale = posterior[40][1] / product[40]
    assert all(abs(y - scale * v) < 1e-4 for (_, y), v in zip(posterior, product, strict=True))
    assert xs[0] > 0 and xs[-1] < 1


def test_softmax_jacobian_entries_in_the_outputs():
    zs = sp.symbols("z1 z2 z3", real=True)
    total = sum(sp.exp(v) for v in zs)
    own = shape_steps(sp.diff(sp.exp(zs[0]) / total, zs[0]))
    other = shape_steps(sp.diff(sp.exp(zs[0]) / total, zs[2]))
    assert latex(own[-1].after) == r"p_{1} \left(1 - p_{1}\right)"
    assert latex(other[-1].after) == r"- p_{1} p_{3}"
    assert all(compare(s.before, s.after).equal for s in own + other)


# --- the space: expressions a user could type, through the shaping moves and the layout ------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from derive.errors import DeriveError  # noqa: E402

ATOMS = st.sampled_from(["x", "w", "b", "y", "2", "0.5", "exp(x)", "exp(-w*x)", "exp(z1)",
                         "exp(z2)"])
UNARY = ["sigmoid({})", "log(1 + {})", "exp({})", "tanh({})", "({})^2", "1/(1 + {})",
         "softplus({})", "-{}"]
BINARY = ["{} + {}", "{} - {}", "{}*{}", "{}/(1 + exp({}))", "exp({})/(exp({}) + exp(z2))"]


def _expression(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return ATOMS
    smaller = _expression(depth - 1)
    return st.one_of(
        smaller,
        st.builds(lambda f, a: f.format(a), st.sampled_from(UNARY), smaller),
        st.builds(lambda f, a, b: f.format(a, b), st.sampled_from(BINARY), smaller, smaller),
    )


@pytest.mark.slow
@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_expression(3), st.sampled_from(["x", "w"]))
def test_typed_expressions_end_proved_and_readable(expr, wrt):
    """Every draw ends in a verified derivation whose sheet repeats no line and whose long
    lines were broken, or in a clear one-line refusal."""
    try:
        derivation = derive(grad_spec(expr, wrt))
    except DeriveError as exc:
        assert "\n" not in str(exc)
        return
    assert all(s.verified in {"symbolic", "numeric"} for s in derivation.steps)
    context = worksheet_context(derivation, "", "check.py")
    for section in context["sections"]:
        rows = _rows(section)
        assert all(a != b for a, b in zip(rows, rows[1:], strict=False))
        for step in section["steps"]:
            if step["more"]:  # a broken line: each piece narrower than the whole
                assert all(tex_width(p) < tex_width(step["whole"]) for p in step["more"])


def test_exponentials_inside_a_function_are_not_softmax_outputs():
    # found by the generator above: the masked numerator was not a polynomial
    derivation = derive(grad_spec("sigmoid(exp(x)/(exp(x) + exp(z2)))", "x"))
    assert all(s.verified in {"symbolic", "numeric"} for s in derivation.steps)


# --- sheets in textbook form (issue 17, second round) ---------------------------------------


def test_kl_categorical_is_the_textbook_route():
    derivation = derived("kl-categorical")
    (section,) = derivation.sections
    assert [s.rule for s in section.steps] == [
        "chain rule", "softmax derivative", "collect", "probabilities sum to one"]
    assert all(s.verified in {"symbolic", "numeric"} for s in section.steps)
    start = latex(section.start)
    assert r"p_{1} \log{\left(\frac{p_{1}}{q_{1}} \right)}" in start and "e^" not in start
    chain = latex(section.steps[0].after)
    assert r"\frac{p_{1}}{q_{1}}" in chain and r"\frac{\partial q_{1}}{\partial z_{1}}" in chain
    assert all("e^" not in latex(s.after) for s in section.steps)
    assert latex(derivation.result("z1").expr) == "q_{1} - p_{1}"


@pytest.mark.parametrize("count", [2, 4, 6])
def test_kl_categorical_any_number_of_categories(count):
    spec = replace(catalogue.get("kl-categorical"),
                   fields={**catalogue.get("kl-categorical").fields, "categories": count})
    derivation = derive(spec)
    assert latex(derivation.result("z1").expr) == "q_{1} - p_{1}"
    assert len(derivation.function.args) == count


def test_gaussian_substitution_keeps_g_of_mu_plus_sigma_z_times_phi():
    derivation = derived("gaussian-moments")
    mean, second, _ = derivation.sections
    for section, power in ((mean, ""), (second, "^{2}")):
        step = next(s for s in section.steps if s.rule == "substitute")
        assert latex(step.after.function) == (
            rf"\frac{{\left(\sigma z + \mu\right){power} e^{{- \frac{{z^{{2}}}}{{2}}}}}}"
            r"{\sqrt{2 \pi}}")
        summed = latex(next(s for s in section.steps if s.rule == "sum rule").after)
        assert r"\sqrt{\pi}" not in summed.replace(r"\sqrt{2 \pi}", "")  # 1/sqrt(2 pi) whole
    assert all(s.verified in {"symbolic", "numeric"} for s in derivation.steps)


def test_uniform_variance_is_the_length_squared_over_twelve():
    derivation = derived("uniform-moments")
    assert latex(derivation.result("variance").expr) == r"\frac{\left(b - a\right)^{2}}{12}"


@pytest.mark.parametrize("entry", ["least-squares", "least-squares-hessian"])
def test_least_squares_statement_as_typed(entry):
    context = worksheet_context(derived(entry), "", "check.py")
    assert context["statement"] == [r"\left(X w - y\right)^{\top} \left(X w - y\right)"]


def test_typed_matrix_products_stay_flat():
    typed = parse_expression("x^T*A*x", shapes={"x": ("n", 1), "A": ("n", "n")}, as_typed=True)
    assert latex(typed) == r"x^{\top} A x"


@pytest.mark.parametrize("expr", ["-(y*log(p) + (1-y)*log(1-p))", "-y*log(p) - (1-y)*log(1-p)"])
def test_bce_without_a_domain_is_p_minus_y_over_p_one_minus_p(expr):
    # log(p) and log(1 - p) make p a probability: the loss's sign convention gives p - y
    result = derive(grad_spec(expr, "p")).result("p").expr
    assert latex(result) == r"\frac{p - y}{p \left(1 - p\right)}"
    q, t = sp.symbols("q t")
    value = result.subs({sp.Symbol("p", real=True): q, sp.Symbol("y", real=True): t})
    assert value.subs({q: sp.Rational(1, 4), t: 1}) == -4  # -y/p + (1 - y)/(1 - p) at 1/4, 1


def test_linearity_question_states_the_identity_in_maths():
    context = worksheet_context(derived("linearity-of-expectation"), "", "c.py")
    question = str(context["question"])
    assert r"$\mathbb{E}[aX + bY + c] = a\,\mathbb{E}[X] + b\,\mathbb{E}[Y] + c$" in question
    assert "$X$" in question and " X " not in question


def test_listing_shows_the_sheets_own_part_without_empty_tables():
    from derive.kinds import check_script
    from derive.listing import MARK, sheet_listing

    code = check_script(derived("mc-trace-axb"))
    assert MARK in code and "POSITIVE = {}" in code  # the script keeps what its harness reads
    shown = sheet_listing(code, "check_mc-trace-axb.py")
    assert "def f(" in shown and "def main" not in shown and "import" not in shown
    assert "= {}" not in shown and "_TITLE" not in shown
    assert shown.splitlines()[-1].startswith("# ... and the comparison (")
    assert sheet_listing("print(1)\n", "x.py") == "print(1)\n"  # no mark: shown whole


@pytest.mark.slow
@pytest.mark.parametrize("entry", IDS)
def test_every_listing_is_short(entry):
    from derive.kinds import check_script
    from derive.listing import sheet_listing

    shown = sheet_listing(check_script(derived(entry)), f"check_{entry}.py")
    assert "def main" not in shown and len(shown.splitlines()) <= 80, entry
    assert all(len(line) <= 88 for line in shown.splitlines())
    assert "_SCRIPT" not in shown and "_TITLE" not in shown, entry  # the harness's names
    assert "\n\n\n\n" not in shown, entry  # at most two blank lines in a row


a_, b_, n_ = sp.symbols("a b N", positive=True)
lam, eta = sp.symbols("lambda eta", positive=True)


@pytest.mark.parametrize("expr,tex", [
    (2 + x, "x + 2"),  # constants last
    (1 + n_ + a_ + b_, "N + a + b + 1"),
    (a_**2 + a_ * b_ + b_**2, "a^{2} + a b + b^{2}"),  # falling degree in a, then b
    (x**2 + 3 * x + 2, "x^{2} + 3 x + 2"),
    (x - y + 2, "x - y + 2"),
    (1 - p, "1 - p"),  # a leading 1 stays where the rest would start with a minus
    (1 + sp.exp(-x), "1 + e^{- x}"),  # and before a function
    (lam * sp.sign(w), r"\lambda \operatorname{sign}\left(w\right)"),  # Greek parameter first
    (eta * sigmoid(x), r"\eta \sigma\!\left(x\right)"),
    (w + x / (a_ + b_), r"w + \frac{x}{a + b}"),  # the variable before what is added to it
])
def test_term_orders_of_a_textbook(expr, tex):
    assert latex(expr) == tex


def test_l1_and_newton_sheets_in_lecture_order():
    l1 = derived("l1-regularisation").result("w").expr
    assert latex(l1) == r"\lambda \operatorname{sign}\left(w\right) + 2 x \left(w x - y\right)"
    newton = latex(derived("mle-logistic-regression").sections[-1].steps[-1].after)
    assert newton.startswith("w + "), newton


def test_check_code_writes_a_density_as_a_person_does():
    from derive.checkcode import code

    mu, s = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    density = sp.exp(-(x - mu) ** 2 / (2 * s**2)) / (sp.sqrt(2 * sp.pi) * s)
    assert code(density) == "np.exp(-(x - mu)**2 / (2*sigma**2)) / (np.sqrt(2*np.pi) * sigma)"
    assert code(-3 * x / 4) == "-3*x / 4"
    run = subprocess.run([sys.executable, "-c", "import numpy as np; x, mu, sigma = 0.3, 0.1, 1.7; "
                          f"print(float({code(density)}))"], capture_output=True, text=True,
                         check=True)
    assert abs(float(run.stdout) - float(density.subs({x: 0.3, mu: 0.1, s: 1.7}))) < 1e-15


def test_linearity_splits_in_the_order_of_the_sum():
    derivation = derived("linearity-of-expectation")
    split = latex(derivation.sections[0].steps[0].after)
    assert split == (r"\mathbb{E}\left[a X\right] + \mathbb{E}\left[b Y\right]"
                     r" + \mathbb{E}\left[c\right]")


X3 = sp.MatrixSymbol("X", 3, 3)


@pytest.mark.parametrize("expr,tex,text", [
    (sp.Inverse(X3.T), r"X^{-\top}", "X⁻ᵀ"),
    (sp.Transpose(sp.Inverse(X3)), r"X^{-\top}", "X⁻ᵀ"),
    (sp.Transpose(sp.Inverse(X3.T)), r"X^{-1}", "X⁻¹"),
    (sp.MatMul(sp.Determinant(X3), sp.Inverse(X3.T)), r"\det\left(X\right) X^{-\top}",
     "det(X)·X⁻ᵀ"),
])
def test_inverse_transposes_as_a_textbook_writes_them(expr, tex, text):
    assert latex(expr) == tex
    assert maths(expr) == text


def test_a_label_prints_as_written():
    from derive.printing import Label

    assert latex(Label(r"\max_z a'(z)", "max_z a'(z)")) == r"\max_z a'(z)"
    assert r"\max_z a'(z) &=" in render(derived("vanishing-relu"))[0]


def test_a_case_reads_expression_then_bound():
    tex = latex(derived("huber").function)
    assert r"\text{if } \left|{p - y}\right| \leq \delta" in tex and r"\delta \geq" not in tex


def test_bayes_rule_on_the_log_scale_says_const_from_its_first_line():
    section = derived("bayes-normal-normal").sections[0]
    assert latex(section.start).endswith(r"+ \text{const}")
    assert all(latex(step.after).endswith(r"+ \text{const}") for step in section.steps)


def test_the_differential_of_a_transpose_needs_no_brackets():
    from derive.engine.matrix.expressions import MatrixDifferential, direction

    x = sp.MatrixSymbol("x", 3, 1)
    assert latex(MatrixDifferential(x.T, x, direction(x))) == r"\mathrm{d}x^{\top}"
