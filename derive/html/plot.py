"""A worksheet's plot as SVG coordinates: the same points as the PDF's pgfplots figure."""

from __future__ import annotations

import math
from typing import Any

from derive.html.mathml import mathml
from derive.model import Derivation
from derive.plots import plot_data

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 36
TICKS = 6

Point = tuple[float, float | None]


def nice_ticks(low: float, high: float, count: int = TICKS) -> list[float]:
    """About ``count`` round tick values (1, 2 or 5 times a power of ten) covering [low, high]."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


class _Frame:
    """Maps data coordinates to the SVG's pixels."""

    def __init__(self, points: list[Point]) -> None:
        xs = [x for x, _ in points]
        ys = [y for _, y in points if y is not None and math.isfinite(y)]
        self.x0, self.x1 = min(xs), max(xs)
        self.y0, self.y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
        if self.x1 == self.x0:
            self.x1 = self.x0 + 1.0
        if self.y1 == self.y0:
            self.y0, self.y1 = self.y0 - 1.0, self.y1 + 1.0

    def x(self, value: float) -> float:
        return LEFT + (value - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return TOP + (self.y1 - value) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)

    def polylines(self, points: list[Point]) -> list[str]:
        """SVG ``points`` strings, one per run of defined values."""
        runs: list[list[str]] = [[]]
        for x, y in points:
            if y is None or not math.isfinite(y):
                runs.append([])
            else:
                runs[-1].append(f"{self.x(x):.1f},{self.y(y):.1f}")
        return [" ".join(run) for run in runs if len(run) > 1]


def _label(value: float) -> str:
    return f"{value:.4g}"


def plot_svg(derivation: Derivation) -> dict[str, Any] | None:
    """Everything ``templates/plot.html.j2`` draws, or None when the entry has no plot."""
    data = plot_data(derivation)
    if data is None:
        return None
    every = [p for c in data["curves"] for p in c["points"]]
    every += [p for m in data["marks"] for p in m] + list(data["path"] or [])
    frame = _Frame(every)
    xticks = [t for t in nice_ticks(frame.x0, frame.x1) if frame.x0 <= t <= frame.x1]
    yticks = [t for t in nice_ticks(frame.y0, frame.y1) if frame.y0 <= t <= frame.y1]
    dots = [(frame.x(x), frame.y(y)) for m in data["marks"] for x, y in m if y is not None]
    path = [(frame.x(x), frame.y(y)) for x, y in data["path"] or [] if y is not None]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "box": {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM},
        "xlabel": mathml(data["xlabel"]),
        "xlabel_text": data["xlabel"],
        "xticks": [{"at": frame.x(t), "label": _label(t)} for t in xticks],
        "yticks": [{"at": frame.y(t), "label": _label(t)} for t in yticks],
        "curves": [{"lines": frame.polylines(c["points"]), "legend": mathml(c["label"]),
                    "first": k == 0} for k, c in enumerate(data["curves"])],
        "marks": dots,
        "path": path,
        "path_line": " ".join(f"{x:.1f},{y:.1f}" for x, y in path),
        "range": {"x": (_label(frame.x0), _label(frame.x1)),
                  "y": (_label(frame.y0), _label(frame.y1))},
    }
