r"""The corpus written the ways students hand it in (align*, $$, \[ \], named first lines,
dL/dw, \nabla_w L, primes, justifications): every clean file passes, every mistake is caught
at its line. The default tier draws a few dozen files; ``-m slow`` a few hundred.
``python -m tests.test_check_formats`` prints the counts of the slow tier."""

from __future__ import annotations

import collections
import itertools

import pytest

from tests.corpus_formats import NAMINGS, WRAPPERS, Formatted, formatted, verdict

DEFAULT_ENTRIES = ("sigmoid", "squared-error-w", "partial-derivatives", "least-squares",
                   "mle-gaussian-mean", "softmax-ce-matrix")
DEFAULT_FILES = 40
SLOW_ENTRIES = ("softplus", "gelu", "silu", "mse-batch", "bce-logits", "sigmoid-squared-error",
                "mc-quadratic-form", "gradient-2d", "layer-sigmoid", "logsumexp",
                "mle-bernoulli", "mle-poisson", "softmax-cross-entropy", "softmax-ce-matrix",
                "huber")
SLOW_SEED = 3


def _sample(ids: tuple[str, ...], seed: int, count: int | None) -> list[Formatted]:
    drawn = list(formatted(ids, seed))
    if count is None or len(drawn) <= count:
        return drawn
    step = len(drawn) / count  # spread over the entries and the mistakes, clean copies kept
    chosen = {int(k * step) for k in range(count)}
    return [f for k, f in enumerate(drawn) if k in chosen or f.line is None]


def _failures(files: list[Formatted]) -> list[str]:
    return [f"{f.id} {f.syntax} {f.mistake} ({f.style}): {outcome}\n{f.text}"
            for f in files if (outcome := verdict(f)) not in ("clean passed", "caught")]


def test_formatted_default():
    files = _sample(DEFAULT_ENTRIES, 0, DEFAULT_FILES)
    assert len(files) >= 30
    assert sum(f.line is None for f in files) >= 6  # clean copies in both syntaxes
    assert _failures(files) == []


def test_the_draw_is_seeded_and_keeps_each_mistake_on_its_line():
    first = list(itertools.islice(formatted(("sigmoid",), 5), 8))
    again = list(itertools.islice(formatted(("sigmoid",), 5), 8))
    assert first == again
    for f in first:
        if f.line is not None:
            assert 1 <= f.line <= len(f.text.splitlines())


@pytest.mark.slow
def test_formatted_slow():
    files = _sample(SLOW_ENTRIES, SLOW_SEED, None)
    styles = collections.Counter((f.style.wrapper, f.style.naming) for f in files)
    assert {w for w, _ in styles} == set(WRAPPERS) and {n for _, n in styles} == set(NAMINGS)
    assert len(files) >= 300
    assert _failures(files) == []


def main() -> None:
    counts: collections.Counter[str] = collections.Counter()
    for f in _sample(SLOW_ENTRIES, SLOW_SEED, None):
        counts[verdict(f).split(":")[0]] += 1
    print(dict(counts))


if __name__ == "__main__":
    main()
