"""A progress bar on a terminal, silence elsewhere."""

from __future__ import annotations

import sys
from typing import Any

import click


class Progress:
    """Counts finished items; draws a click progress bar only when stderr is a terminal."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label = total, label
        self._bar: Any = None

    def __enter__(self) -> Progress:
        if sys.stderr.isatty() and self.total > 1:
            self._bar = click.progressbar(length=self.total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        return self

    def advance(self, _item: Any = None) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
