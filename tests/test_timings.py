"""`simulator.timings.covered`: the wall time inside at least one interval (the share of a
command's wait spent simulating, `benchmarks/bench_answer.py`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulator.timings import covered


def test_overlapping_nested_and_apart_intervals_are_counted_once() -> None:
    # [0, 2] and [1, 3] overlap (3 s), [1.5, 2.5] lies inside them, [5, 6] apart (1 s)
    assert covered([(5.0, 6.0), (1.0, 3.0), (1.5, 2.5), (0.0, 2.0)]) == 4.0
    assert covered([]) == 0.0


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20)), max_size=12))
def test_covered_is_the_size_of_the_union(spans: list[tuple[int, int]]) -> None:
    """Against counting unit steps on a grid: integer ends make the union a set of steps."""
    intervals = [(float(start), float(start + length)) for start, length in spans]
    steps = {t for start, end in intervals for t in range(int(start), int(end))}
    assert covered(intervals) == len(steps)
