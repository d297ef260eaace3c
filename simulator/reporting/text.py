"""Fitting text by its measured width: the figures' titles and legends, the council page's
titles. Widths come from the font's glyphs (matplotlib's `TextToPath`), not a count of
characters: a scenario name of wide letters ("WWW...") is three times as wide as one of
narrow ones."""

from __future__ import annotations

import re
from functools import lru_cache

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

POINT = 1 / 72  # inch
BREAK_AFTER = re.compile(r"(?<=[ _.\-])")  # where a line may break: after a space, _, . or -
_TEXT = TextToPath()


def text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width in inches of one line of `text` in the default font at `size` points."""
    return _width(
        text, size, weight, FontProperties(size=size, weight=weight).get_fontconfig_pattern()
    )


@lru_cache(maxsize=4096)  # a figure measures its legend and title texts more than once
def _width(text: str, size: float, weight: str, font: str) -> float:
    """`text_width` in the font named by fontconfig pattern `font` (the cache's key)."""
    width, _, _ = _TEXT.get_text_width_height_descent(text, FontProperties(font), False)
    return float(width) * POINT


def wrap(text: str, size: float, width: float, weight: str = "normal") -> list[str]:
    """`text` in lines no wider than `width` inches at `size` points: broken after a space,
    underscore, dot or hyphen where one is near enough, else within a word (a scenario
    name has no spaces)."""
    lines, line = [], ""
    for piece in BREAK_AFTER.split(text):
        if line and text_width((line + piece).rstrip(), size, weight) > width:
            lines.append(line.rstrip())
            line = piece
        else:
            line += piece
        while len(line) > 1 and text_width(line.rstrip(), size, weight) > width:
            cut = max(
                (k for k in range(1, len(line)) if text_width(line[:k], size, weight) <= width),
                default=1,
            )
            lines.append(line[:cut])
            line = line[cut:]
    return [*lines, line.rstrip()]


def fit_title(text: str, width: float, largest: float, smallest: float) -> tuple[float, list[str]]:
    """A bold title in `width` inches: on one line at the largest size from `largest` down
    to `smallest` (by half points) that fits, else wrapped at `smallest`; (size, lines)."""
    size = largest
    while size > smallest and text_width(text, size, "bold") > width:
        size -= 0.5
    return size, wrap(text, size, width, "bold")
