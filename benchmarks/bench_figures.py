"""The planner figures' cost in one process, and whether two runs drew the same pixels.

Run as ``python benchmarks/bench_figures.py [--rounds N]``: runs the baseline's 10
replications once, then times, over `--rounds` rounds (the first untimed), building the
seven planner figures (`simulator.reporting.figures.planner_figure`), drawing and encoding
them as PNG (`simulator.reporting.png`), and `weekly_bands` of every weekly series; and
PNG encoding of the drawn figures by Pillow's encoder (as matplotlib's `savefig` uses
it) and by `png.encode`, at zlib's levels 1, 3 and 6 and ISA-L's 0, 1 and 2; and a
figure at the app's 100 dpi by `savefig` and by `png.save`. Prints medians and the
fastest round. To compare two trees, run it with each in turn (``PYTHONPATH=OTHER_TREE python
benchmarks/...``): the machine is shared, so alternate them and compare medians.

``python benchmarks/bench_figures.py --artists [--rounds N]`` instead says where drawing
the figures goes, by kind of artist (axes, text, legends, patches, collections, lines).

``python benchmarks/bench_figures.py --instructions`` counts instead the instructions of
one round of building, drawing and encoding the seven figures, with valgrind's callgrind
(a few minutes; steady where the machine's speed is not): two children load the same
tables, draw the figures once untimed and then one or three rounds; the difference of
their counts, halved, is a round's. Run it under each build (``PYTHONPATH=``) to compare.

``python benchmarks/bench_figures.py --first [--rounds N]`` instead draws one figure
three times in each of N children forked as the run forks its figure workers, and prints
the wall time and page faults of each drawing: what a worker's first figure costs more.

``python benchmarks/bench_figures.py --compare A B`` decodes every PNG under folder A and
its namesake under B and says whether their pixels are identical (exit 1 if any differ):
e.g. the results folders of ``caseload run`` by two builds, to check that a change meant
to leave the figures alone did.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from functools import partial
from pathlib import Path


def compare(a: Path, b: Path) -> int:
    """Print, for each PNG under `a`, whether its namesake under `b` has the same pixels."""
    import numpy as np
    from PIL import Image

    differing = 0
    found = sorted(a.rglob("*.png"))
    for left in found:
        right = b / left.relative_to(a)
        same = right.exists() and np.array_equal(
            np.asarray(Image.open(left)), np.asarray(Image.open(right))
        )
        differing += not same
        print(f"{'same' if same else 'DIFFERENT'}  {left.relative_to(a)}")
    print(f"{len(found)} figures, {differing} differing")
    return 1 if differing or not found else 0


def _baseline() -> tuple[object, object]:
    """The baseline's 10 replications (in this process) and their planner figures' inputs."""
    import simulator as cl
    from simulator.analysis.mechanisms import mechanisms
    from simulator.reporting.drawing import Planner

    scenario = cl.load_scenario("baseline")
    results = cl.run(scenario, replications=10, workers=1)
    sim = scenario.simulation
    planner = Planner(
        results.weekly,
        results.by_task,
        title=scenario.name,
        warmup_end=sim.warmup_end,
        stress_threshold=scenario.stress.threshold,
        counts=results.counts,
        mechanisms=mechanisms(scenario),
        run_days=(sim.start_date, sim.last_day),
    )
    return results, planner


def timings(rounds: int) -> None:
    """Time building, drawing and encoding the planner figures, and the weekly bands."""
    import simulator as cl
    from simulator.reporting import figures, png

    results, planner = _baseline()
    names = planner.names()
    series = sorted(results.weekly["metric"].unique())
    built, drawn, bands = [], [], []
    for k in range(rounds + 1):
        started = time.perf_counter()
        made = [figures.planner_figure(planner, name) for name in names]
        middle = time.perf_counter()
        for figure in made:
            figures.save(figure, io.BytesIO())
        ended = time.perf_counter()
        for metric in series:
            cl.weekly_bands(results, metric)
        if k:  # the first round loads what the others find loaded
            built.append(middle - started)
            drawn.append(ended - middle)
            bands.append((time.perf_counter() - ended) / len(series))
    print(f"{len(names)} figures of the baseline's 10 replications, {rounds} rounds: "
          "median (fastest)")  # fmt: skip
    for what, seconds in (("building", built), ("drawing and PNG", drawn)):
        print(f"  {what:16} {statistics.median(seconds):.3f} s ({min(seconds):.3f})")
    print(f"  weekly_bands     {1000 * statistics.median(bands):.2f} ms a series "
          f"({1000 * min(bands):.2f}), over {len(series)} series")  # fmt: skip
    pixels = [png.pixels(figure, figures.DPI) for figure in made]  # settled by `save`
    encoders = {  # Pillow's as savefig uses it, and `png.encode` by zlib and by ISA-L
        f"Pillow     at zlib level {level}": partial(_pillow_png, level=level)
        for level in (1, 3, 6)
    } | {
        f"png.encode at zlib level {level}": partial(
            png.encode, dpi=figures.DPI, compress=partial(zlib.compress, level=level)
        )
        for level in (1, 3, 6)
    }
    if png.deflate is not png.zlib_deflate:
        from isal import isal_zlib

        encoders |= {
            f"png.encode at ISA-L level {level}": partial(
                png.encode, dpi=figures.DPI, compress=partial(isal_zlib.compress, level=level)
            )
            for level in (0, 1, 2)
        }
    for name, encode in encoders.items():
        spent, size = [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            size = sum(len(encode(rgba)) for rgba in pixels)
            spent.append(time.perf_counter() - started)
        print(f"  PNG by {name}: {statistics.median(spent):.3f} s for the {len(pixels)}, "
              f"{size / 1e6:.2f} MB")  # fmt: skip
    print(f"  (`png.save` compresses by {_deflate_name(png)})")
    app_dpi(planner, rounds)


def app_dpi(planner: object, rounds: int) -> None:
    """Drawing and encoding each figure at the app's 100 dpi, by `savefig` (as the app did)
    and by `png.save` (ticks settled, rows unfiltered; as `simulator.app.figures.image`
    does), figures built anew for each, in turn: median milliseconds a figure."""
    from simulator.app.show import FIGURE_DPI
    from simulator.reporting import figures, png

    ways = {
        "savefig": lambda fig, out: fig.savefig(out, format="png", dpi=FIGURE_DPI),
        "png.save": lambda fig, out: png.save(fig, out, FIGURE_DPI),
    }
    spent: dict[str, list[float]] = {way: [] for way in ways}
    names = planner.names()  # type: ignore[attr-defined]
    for k in range(rounds + 1):
        for way, draw in ways.items():
            total = 0.0
            for name in names:
                figure = figures.planner_figure(planner, name)  # type: ignore[arg-type]
                started = time.perf_counter()
                draw(figure, io.BytesIO())
                total += time.perf_counter() - started
            if k:
                spent[way].append(total / len(names))
    print(f"  at the app's {FIGURE_DPI} dpi, drawing and PNG a figure: " + ", ".join(
        f"{way} {1000 * statistics.median(s):.0f} ms" for way, s in spent.items()))  # fmt: skip


def first_figure(repeats: int) -> None:
    """What a figure worker's first figure costs more than its next: in children forked
    from this process (as `caseload run` forks its figure workers, with the collector's
    objects frozen), one figure drawn three times; the wall time and the page faults
    (minor: mostly memory shared with this process copied as Python touches it) of each."""
    import gc
    import resource

    from simulator.reporting import figures

    _, planner = _baseline()
    name = "utilisation.png"
    gc.freeze()
    rows: list[list[tuple[float, int]]] = []
    for _ in range(repeats):
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # the child: draw, report through the pipe, leave at once
            out = []
            for _ in range(3):
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                started = time.perf_counter()
                figures.save(figures.planner_figure(planner, name), io.BytesIO())
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
                out.append(f"{time.perf_counter() - started} {faults}")
            os.write(write, " ".join(out).encode())
            os._exit(0)
        os.close(write)
        os.waitpid(child, 0)
        values = os.read(read, 1000).split()
        os.close(read)
        rows.append([(float(values[i]), int(values[i + 1])) for i in range(0, 6, 2)])
    print(f"{name} drawn three times in each of {repeats} forked children: median")
    for draw in range(3):
        seconds = statistics.median(row[draw][0] for row in rows)
        faults = statistics.median(row[draw][1] for row in rows)
        print(f"  drawing {draw + 1}: {1000 * seconds:.0f} ms, {faults:,.0f} page faults")
    extra = statistics.median(row[0][0] - row[1][0] for row in rows)
    print(f"  the first costs {1000 * extra:.0f} ms more than the second")


# the kinds of artist whose drawing `artists` times (each one's own and its parts')
ARTIST_KINDS = {
    "axes' tick marks, tick labels and axis labels": ("matplotlib.axis", "Axis"),
    "text of any kind (tick labels too)": ("matplotlib.text", "Text"),
    "legends": ("matplotlib.legend", "Legend"),
    "patches (bars, spans, the figure's face)": ("matplotlib.patches", "Patch"),
    "collections (bands, hatching, error bars)": ("matplotlib.collections", "Collection"),
    "lines (tick marks and grid lines too)": ("matplotlib.lines", "Line2D"),
}


def artists(rounds: int) -> None:
    """Where drawing the seven figures goes, by kind of artist: each figure built anew and
    drawn once at the planner resolution (as in a run, so making the tick marks counts),
    `rounds` times after one untimed round; medians of the rounds. A kind's time includes
    its parts' (an axis's tick labels are text too), so the rows overlap."""
    import importlib

    from simulator.reporting import figures, png

    _, planner = _baseline()
    names = planner.names()
    spent: dict[str, float] = {}

    def timed(kind: str, draw: object) -> object:
        def draw_timed(self: object, renderer: object, *args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return draw(self, renderer, *args, **kwargs)  # type: ignore[operator]
            finally:
                spent[kind] = spent.get(kind, 0.0) + time.perf_counter() - started

        return draw_timed

    for kind, (module, name) in ARTIST_KINDS.items():
        cls = getattr(importlib.import_module(module), name)
        cls.draw = timed(kind, cls.draw)
    totals: list[float] = []
    shares: dict[str, list[float]] = {kind: [] for kind in ARTIST_KINDS}
    for k in range(rounds + 1):
        made = [figures.planner_figure(planner, name) for name in names]
        spent.clear()
        started = time.perf_counter()
        for figure in made:
            png.settle_ticks(figure)
            png.pixels(figure, figures.DPI)
        total = time.perf_counter() - started
        if k:
            totals.append(total)
            for kind in ARTIST_KINDS:
                shares[kind].append(spent.get(kind, 0.0) / total)
    print(f"drawing the {len(names)} figures once, {rounds} rounds: median "
          f"{statistics.median(totals):.3f} s; by kind of artist, median share:")  # fmt: skip
    for kind, values in shares.items():
        print(f"  {statistics.median(values):6.1%}  {kind}")


def _round(planner: object) -> None:
    """Build, draw and encode the figures of `planner` once, as a run writes them (as
    builds before `figures.save` did, under one of them)."""
    from simulator.reporting import figures, png

    def before(figure: object, out: io.BytesIO) -> None:
        png.save(figure, out, figures.DPI, figures.PNG_COMPRESSION)  # type: ignore[arg-type]

    save = getattr(figures, "save", before)
    for name in planner.names():  # type: ignore[attr-defined]
        save(figures.planner_figure(planner, name), io.BytesIO())


def count_child(tables: Path, rounds: int) -> int:
    """In a child under callgrind: load the pickled planner `tables`, draw one round
    (loading what the first figure loads), then `rounds` more."""
    planner = pickle.loads(tables.read_bytes())
    for _ in range(1 + rounds):
        _round(planner)
    return 0


def instructions() -> int:
    """Print the instructions of one round of the seven figures, counted by callgrind."""
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: no count")
        return 1
    _, planner = _baseline()
    counts = {}
    with tempfile.TemporaryDirectory() as folder:
        tables = Path(folder) / "planner.pickle"
        tables.write_bytes(pickle.dumps(planner))
        for rounds in (1, 3):
            child = [sys.executable, __file__, "--count-child", str(tables), str(rounds)]
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *child]
            env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
            found = re.search(r"Collected : (\d+)", done.stderr)
            if found is None:
                print(f"callgrind printed no count:\n{done.stderr[-2000:]}")
                return 1
            counts[rounds] = int(found.group(1))
    per_round = (counts[3] - counts[1]) / 2
    print(f"{len(planner.names())} figures of the baseline's 10 replications: "
          f"{per_round / 1e9:.3f} billion instructions a round (building, drawing, PNG; "
          f"callgrind, {counts[1]:,} and {counts[3]:,} for 1 and 3 rounds after one)")  # fmt: skip
    return 0


def _pillow_png(rgba: object, level: int) -> bytes:
    """The pixels `rgba` as PNG bytes by Pillow's encoder at zlib's `level`."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgba).save(out, format="png", compress_level=level)  # type: ignore[arg-type]
    return out.getvalue()


def _deflate_name(png: object) -> str:
    """Which compression `png.deflate` is: ISA-L's, or zlib's where isal is missing."""
    if png.deflate is png.zlib_deflate:  # type: ignore[attr-defined]
        return f"zlib at level {png.ZLIB_LEVEL} (isal is not installed)"  # type: ignore[attr-defined]
    return f"ISA-L at level {png.ISAL_LEVEL}"  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="timed rounds (11)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"),
                        help="compare the pixels of the PNGs under A and B instead")  # fmt: skip
    parser.add_argument("--artists", action="store_true",
                        help="where the drawing goes, by kind of artist, instead")  # fmt: skip
    parser.add_argument("--first", action="store_true",
                        help="a forked worker's first figure against its next instead")  # fmt: skip
    parser.add_argument("--instructions", action="store_true",
                        help="count a round's instructions with valgrind instead")  # fmt: skip
    parser.add_argument("--count-child", nargs=2, metavar=("TABLES", "ROUNDS"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.count_child:
        return count_child(Path(args.count_child[0]), int(args.count_child[1]))
    if args.instructions:
        return instructions()
    if args.first:
        first_figure(max(args.rounds, 3))
        return 0
    if args.compare:
        return compare(*args.compare)
    if args.artists:
        artists(args.rounds)
        return 0
    timings(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
