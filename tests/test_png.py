"""Tests of the PNG writer of the figures (`simulator.reporting.png`): a reader decodes the
pixels it was given, and a figure written by it has the pixels, size and resolution of
the same figure written by matplotlib's `savefig`."""

from __future__ import annotations

import importlib.util
import io
import struct
import sys
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isal import isal_zlib
from matplotlib.figure import Figure
from PIL import Image

from simulator.reporting import png

DPI = 150
COMPRESSORS: list[Callable[[bytes], bytes] | None] = [
    None,  # the default, `png.deflate`
    *(partial(zlib.compress, level=level) for level in range(10)),
    *(partial(isal_zlib.compress, level=level) for level in range(4)),
]


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, body) of every chunk of a PNG, each CRC checked here (Pillow's reader
    lets a wrong one pass in some chunks)."""
    assert data[:8] == png.SIGNATURE
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        found.append((kind, body))
        at += 12 + length
    assert at == len(data)
    return found


def _decoded(data: bytes) -> Image.Image:
    kinds = [kind for kind, _ in _chunks(data)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    image = Image.open(io.BytesIO(data))
    image.load()  # decompresses the rows to their end
    return image


@settings(max_examples=40, deadline=None)
@given(
    height=st.integers(1, 40),
    width=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    compress=st.sampled_from(COMPRESSORS),
)
def test_a_reader_decodes_the_pixels_given(
    height: int, width: int, seed: int, compress: Callable[[bytes], bytes] | None
) -> None:
    rgba = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
    rgba[: height // 2] = rgba[0, 0]  # a flat part, as in a figure, to compress
    image = _decoded(png.encode(rgba, DPI, compress))
    assert image.mode == "RGBA"
    assert np.array_equal(np.asarray(image), rgba)


def test_resolution_and_software_as_savefig_writes_them() -> None:
    image = _decoded(png.encode(np.zeros((2, 3, 4), dtype=np.uint8), DPI))
    assert image.info["dpi"] == pytest.approx((DPI, DPI), abs=0.05)  # whole dots per metre
    assert image.info["Software"].startswith("Matplotlib version")


def test_rows_are_stored_unfiltered() -> None:
    """The choice the module's speed rests on: filter type 0 before every row."""
    rgba = np.full((5, 7, 4), 200, dtype=np.uint8)
    data = png.encode(rgba, DPI)
    rows = zlib.decompress(b"".join(body for kind, body in _chunks(data) if kind == b"IDAT"))
    assert len(rows) == 5 * (1 + 7 * 4)
    assert all(rows[i * (1 + 7 * 4)] == 0 for i in range(5))


def test_a_large_image_is_split_into_chunks_a_reader_joins() -> None:
    rgba = np.random.default_rng(7).integers(0, 256, (700, 700, 4), dtype=np.uint8)
    data = png.encode(rgba, DPI)  # random bytes do not compress: about 2 MB
    idat = [body for kind, body in _chunks(data) if kind == b"IDAT"]
    assert len(idat) >= 2 and max(len(body) for body in idat) <= png.IDAT_BYTES
    assert np.array_equal(np.asarray(_decoded(data)), rgba)


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [
        ((4, 4, 3), np.uint8),
        ((4, 4), np.uint8),
        ((4, 4, 4), np.float32),
        ((0, 4, 4), np.uint8),
        ((4, 0, 4), np.uint8),
    ],
)
def test_other_than_rgba_bytes_is_refused(shape: tuple[int, ...], dtype: type) -> None:
    with pytest.raises(ValueError, match="RGBA"):
        png.encode(np.zeros(shape, dtype=dtype), DPI)


def _figure() -> Figure:
    fig = Figure(figsize=(4.2, 2.5), dpi=72)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2, 3], [1, 3, 2, 4], label="a line")
    ax.fill_between([0, 1, 2, 3], 0, [1, 2, 1, 2], alpha=0.3, hatch="//")
    ax.set_title("Caseload per caseworker, 2026–2028 (æøå)")
    ax.legend()
    return fig


def test_a_figure_has_the_pixels_savefig_draws(tmp_path: Path) -> None:
    """...with matplotlib's default `savefig.*` settings (a user's do not apply to `save`)."""
    fig = _figure()
    with matplotlib.rc_context({k: v for k, v in matplotlib.rcParamsDefault.items()
                                if k.startswith("savefig.")}):  # fmt: skip
        fig.savefig(tmp_path / "savefig.png", dpi=DPI, format="png")
    png.save(fig, tmp_path / "png.png", DPI)
    mine, theirs = (Image.open(tmp_path / name) for name in ("png.png", "savefig.png"))
    assert mine.size == theirs.size == (round(4.2 * DPI), round(2.5 * DPI))
    assert np.array_equal(np.asarray(mine), np.asarray(theirs))
    assert mine.info["dpi"] == pytest.approx(theirs.info["dpi"])
    assert mine.info["Software"] == theirs.info["Software"]


def test_saving_leaves_the_figure_resolution_and_canvas_alone() -> None:
    fig = _figure()
    before, canvas = fig.dpi, fig.canvas
    buffer = io.BytesIO()
    png.save(fig, buffer, DPI)
    assert fig.dpi == before != DPI
    assert fig.canvas is canvas
    assert _decoded(buffer.getvalue()).size == (round(4.2 * DPI), round(2.5 * DPI))


def test_the_rows_are_compressed_by_isal_where_it_is_installed() -> None:
    """isal is a dependency: the figures are compressed by ISA-L, a fifth of zlib's time."""
    assert png.deflate is not png.zlib_deflate
    rows = bytes(range(256)) * 400
    assert png.deflate(rows) == isal_zlib.compress(rows, level=png.ISAL_LEVEL)


def _without_isal(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A fresh copy of `simulator.reporting.png` loaded where `isal` cannot be imported."""
    monkeypatch.setitem(sys.modules, "isal", None)  # `import isal` raises ImportError
    spec = importlib.util.spec_from_file_location("png_without_isal", png.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_isal_the_same_figure_has_the_same_pixels_by_zlib(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fallback = _without_isal(monkeypatch)
    assert fallback.deflate is fallback.zlib_deflate
    fig = _figure()
    ours, theirs = io.BytesIO(), io.BytesIO()
    png.save(fig, ours, DPI)
    fallback.save(fig, theirs, DPI)
    assert ours.getvalue() != theirs.getvalue()  # another compressor...
    assert np.array_equal(  # ...the same image
        np.asarray(_decoded(ours.getvalue())), np.asarray(_decoded(theirs.getvalue()))
    )
