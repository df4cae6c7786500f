"""Hostile input to `derive check`: no traceback, no hang, a clean error, nothing executed.

The hang guard is a generous alarm (a hang, not a speed target): every case
must come back within ``HANG`` seconds with a report or a DeriveError.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.cli import main
from derive.errors import DeriveError
from derive.grade import check_text

HANG = 60


@contextmanager
def no_hang(seconds: int = HANG):
    def hung(signum, frame):
        raise AssertionError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def outcome(text: str) -> str:
    """'report' or 'error'; anything else (a traceback) fails the test."""
    with no_hang():
        try:
            report = check_text(text)
        except DeriveError as exc:
            assert str(exc) and "\n" not in str(exc)
            return "error"
    assert report.exit_code in (0, 1, 2)
    report.json()
    report.text()
    return "report"


TOKENS = [
    "x", "y", "w", "N", "2", "0", "1.5", "10^{9}", "+", "-", "*", "/", "^", "^{", "}", "{", "(",
    ")", r"\left(", r"\right)", r"\frac{", r"\frac{d}{dx}", r"\frac{\partial}{\partial w}",
    r"\sigma(", r"\log", r"\exp(", "e^{", r"\sqrt{", r"\cdot", r"\,", r"\sum_{i=1}^{N}",
    r"\prod_{i=1}^{N}", "x_i", "_", r"^\top", r"\tanh", "&&", r"\quad", "#", "%", "=", "'",
    "d/dx", "sigmoid(", "log(", "!", "|", r"\input{/etc/passwd}", r"\def\x{}", "__import__",
    "lambda", r"\text{", r"\\", "&", "$", "~",
]

line = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join)
derivation = st.lists(line, min_size=1, max_size=5).map(
    lambda lines: "\n".join([lines[0]] + ["= " + rest for rest in lines[1:]]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(derivation)
def test_token_soup_gives_a_report_or_a_clean_error(text):
    outcome(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_gives_a_report_or_a_clean_error(text):
    outcome(text)


ADVERSARIAL = {
    "tower": "9^9^9^9\n= 1",
    "latex-tower": r"x^{10^{10}}" + "\n= x",
    "exp-tower": r"e^{e^{e^{e^{e^{x}}}}}" + "\n= e^{e^{e^{e^{e^{x}}}}} + 1",
    "big-power": r"(1+x)^{10000}" + "\n= (1+x)^{9999} (1 + x)",
    "big-power-wrong": r"\frac{d}{dx} (1+x)^{10000}" + "\n= 10000 (1+x)^{9998}",
    "huge-sum": r"\sum_{i=1}^{1000000000} x_i" + "\n= 0",
    "deep": "(" * 3000 + "x" + ")" * 3000 + "\n= x",
    "long": "x" + " + x" * 5000 + "\n= x",
    "nested-derivatives": r"\frac{d}{dx}" * 40 + r" \sigma(x)" + "\n= 0",
    "python": "__import__('os').system('touch /tmp/derive-pwned')\n= 0",
    "tex-input": r"\input{/etc/passwd}" + "\n= 0",
    "many-lines": "x\n" + "= x\n" * 400,
    "nul": "x\x00\n= x",
    "division-by-zero": "1/(x-x)\n= 0",
    "lots-of-logs": r"\log(\log(\log(\log(\log(\log(x))))))" + "\n= 0",
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_input(text):
    outcome(text)
    assert not Path("/tmp/derive-pwned").exists()


def test_the_command_never_prints_a_traceback(runner, tmp_path):
    for name, text in ADVERSARIAL.items():
        path = tmp_path / f"{name}.tex"
        path.write_text(text.replace("\x00", "?"))
        with no_hang():
            result = runner.invoke(main, ["check", str(path)])
        assert result.exit_code in (0, 1, 2), (name, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output, name
