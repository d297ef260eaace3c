"""A drawn matplotlib figure as a PNG file, encoded in under a tenth of the time Pillow takes.

`matplotlib.figure.Figure.savefig` hands the pixels to Pillow, whose PNG encoder tries
all five PNG row filters on every row to pick one. On the planner figures (flat colours,
thin lines, text) that search costs 60 % of the encoding and wins nothing: the rows
unfiltered compress smaller (1.69 MB for the baseline's seven figures at zlib level 3,
against Pillow's 1.86 MB) in 0.09-0.11 s against 0.25-0.27 s (`benchmarks/bench_figures.py`).
So `save` draws the figure with matplotlib's Agg canvas, as `savefig` does, and writes
the same pixels itself: the PNG format (ISO/IEC 15948) needs no more than a header, the
compressed rows and an end. The rows are compressed by `deflate`: Intel's ISA-L (the
`isal` package) at its level 2, a fifth of the time of zlib's level 3 for 8 % more bytes
(0.023 s against 0.123 s, 1.82 MB against 1.69 MB for the seven figures,
`bench_figures.py --rounds 5` on 3 December 2026); where `isal` is
not installed, the standard library's zlib at level 3. Either stream is the zlib format
every PNG reader decodes, to the same pixels. A reader decodes
the RGBA pixels `savefig` writes with matplotlib's default `savefig.*` settings, with the
same physical resolution and "Software" text. Those settings in a user's matplotlibrc
(a transparent or coloured background, a tight bounding box) do not apply: the figures
look the same on every machine.

Before drawing, `save` fixes the figure's axes to the ticks matplotlib would find for
them (`settle_ticks`), which it otherwise finds three times an axis as it draws: the
same pixels in less time. So it is for a finished figure (the run's figures, the app's).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import BinaryIO

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGBA_8BIT = (8, 6)  # bit depth, colour type 6: red, green, blue, alpha
NO_FILTER = 0  # each row's filter-type byte
INCH = 0.0254  # metres
SOFTWARE = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"  # as savefig
IDAT_BYTES = 1 << 20  # the compressed rows go in chunks of at most this (a chunk < 2**31)
ZLIB_LEVEL = 3  # the standard library's, where ISA-L is not installed
ISAL_LEVEL = 2  # ISA-L's levels go from 0 to 3; its 3 takes zlib's time for no fewer bytes

zlib_deflate: Callable[[bytes], bytes] = partial(zlib.compress, level=ZLIB_LEVEL)
try:
    from isal import isal_zlib

    deflate: Callable[[bytes], bytes] = partial(isal_zlib.compress, level=ISAL_LEVEL)
except ImportError:  # a platform without the package's wheels: 5 times slower, as good
    deflate = zlib_deflate


def save(
    fig: Figure,
    target: str | Path | BinaryIO,
    dpi: float,
    compress: Callable[[bytes], bytes] | None = None,
) -> None:
    """Draw the finished `fig` at `dpi` (its ticks settled first: `settle_ticks`) and
    write it as a PNG to `target`, a path or a binary file, with the rows compressed by
    `compress` (default `deflate`); the file is written once the image is encoded, not
    before."""
    settle_ticks(fig)
    data = encode(pixels(fig, dpi), dpi, compress)
    if isinstance(target, (str, Path)):
        Path(target).write_bytes(data)
    else:
        target.write(data)


def pixels(fig: Figure, dpi: float) -> np.ndarray:
    """`fig` drawn at `dpi` by matplotlib's Agg canvas, as `savefig` draws it: its pixels,
    rows x columns x 4 bytes (RGBA). The figure's resolution and canvas are left as they
    were."""
    kept_dpi, kept_canvas = fig.dpi, fig.canvas
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    try:
        canvas.draw()
        return np.asarray(canvas.buffer_rgba())  # keeps the drawn buffer alive
    finally:
        fig.set_dpi(kept_dpi)
        fig.set_canvas(kept_canvas)


def encode(rgba: np.ndarray, dpi: float, compress: Callable[[bytes], bytes] | None = None) -> bytes:
    """An image of `rgba` (rows, columns, 4 bytes; at least one of each) as PNG bytes, its
    resolution `dpi`, the rows compressed by `compress`: a function that gives the zlib
    stream of its bytes (default `deflate`, looked up at each call)."""
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8 or 0 in rgba.shape:
        raise ValueError(f"expected rows x columns x 4 bytes (RGBA), got {rgba.shape} {rgba.dtype}")
    height, width, _ = rgba.shape
    rows = np.empty((height, 1 + 4 * width), dtype=np.uint8)
    rows[:, 0] = NO_FILTER
    rows[:, 1:] = rgba.reshape(height, 4 * width)
    compressed = (compress or deflate)(rows.data)
    per_metre = int(dpi / INCH + 0.5)
    return b"".join(
        (
            SIGNATURE,
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, *RGBA_8BIT, 0, 0, 0)),
            _chunk(b"tEXt", b"Software\x00" + SOFTWARE.encode("latin-1")),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),  # 1: per metre
            *(
                _chunk(b"IDAT", compressed[start : start + IDAT_BYTES])
                for start in range(0, len(compressed), IDAT_BYTES)
            ),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: its length, type, body and the CRC-32 of type and body."""
    crc = zlib.crc32(body, zlib.crc32(kind))
    return b"".join((struct.pack(">I", len(body)), kind, body, struct.pack(">I", crc)))


def settle_ticks(fig: Figure) -> None:
    """Fix every axis of the finished `fig` to the major ticks and labels its locator and
    formatter give now, and leave an axis label that is empty where it is: the same
    pixels, drawn in less time. Drawing an axis, matplotlib asks its locator and
    formatter afresh three times (for the ticks, the label's place and the frame's
    extent; a date locator steps through the calendar each time) and measures the tick
    labels to place a label even where there is none. Call it once the figure is laid out
    and its limits are final, just before drawing it."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not isinstance(axis.get_major_locator(), FixedLocator):
                ticks = axis.get_majorticklocs()
                formatter = axis.get_major_formatter()
                labels = FixedFormatter(formatter.format_ticks(ticks))
                labels.set_offset_string(formatter.get_offset())  # as the formatter left it
                axis.set_major_locator(FixedLocator(ticks))
                axis.set_major_formatter(labels)
            if not axis.label.get_text():
                axis.set_label_coords(0, 0)  # where does not matter: there is nothing to place
