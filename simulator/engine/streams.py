"""Named random streams.

Every source of randomness in a run (arrivals, household composition, each task
type's durations, exits, reunification, ...) draws from its own stream. A stream
is seeded from the scenario seed, the replication number and the stream's *name*
(hashed), never from its position in a list. Adding a task type, or changing
staffing, therefore leaves every other stream's draws unchanged: two scenarios
run with the same seed see the same arrivals (common random numbers).

Draws are taken from numpy in blocks and handed out one at a time, which is far
faster than one numpy call per draw and keeps the sequence fully deterministic.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Callable

import numpy as np

from simulator.scenario.distributions import (
    Distribution,
    Exponential,
    Fixed,
    Lognormal,
    Triangular,
)

# A sampler's blocks grow from _FIRST_BLOCK to _BLOCK draws: most streams (a rare task
# type's durations) need a few values in a run, and a full first block cost more than
# they did; a few streams need many.
_FIRST_BLOCK = 32
_BLOCK = 2048

Sampler = Callable[[], float]


def seed_sequence(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of stream `name` in replication `replication` of a run seeded `seed`."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    name_words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return np.random.SeedSequence([seed, replication, *name_words])


class Stream:
    """One named stream: buffered draws from one numpy generator.

    `uniform()` draws from U[0, 1), `exponential()` from the exponential with mean 1;
    each is a `buffered` sampler.
    """

    __slots__ = ("exponential", "generator", "name", "uniform")

    def __init__(self, name: str, generator: np.random.Generator) -> None:
        self.name = name
        self.generator = generator
        self.uniform = self.buffered(lambda g, n: g.random(n))
        self.exponential = self.buffered(lambda g, n: g.standard_exponential(n))

    def poisson(self, lam: float) -> int:
        """A Poisson count with mean `lam` (unbuffered: rare, per month or household)."""
        return int(self.generator.poisson(lam))

    def choice(self, cumulative: list[float]) -> int:
        """Index i drawn with probability cumulative[i] - cumulative[i - 1]."""
        u = self.uniform() * cumulative[-1]
        for i, c in enumerate(cumulative):
            if u < c:
                return i
        return len(cumulative) - 1

    def buffered(self, fill: Callable[[np.random.Generator, int], np.ndarray]) -> Sampler:
        """A sampler that hands out, one at a time, values `fill(generator, n)` draws in bulk.

        For a distribution that owns its stream (a task type's durations): numpy draws
        the final values, and each sample costs one small call.
        """
        generator = self.generator
        block: list[float] = []
        i, size = 0, _FIRST_BLOCK

        def draw() -> float:
            nonlocal block, i, size
            if i == len(block):
                block, i = fill(generator, size).tolist(), 0
                size = min(2 * size, _BLOCK)
            i += 1
            return block[i - 1]

        return draw


class Streams:
    """The named streams of one replication; a stream is created on first use."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            generator = np.random.Generator(
                np.random.PCG64(seed_sequence(self.seed, self.replication, name))
            )
            stream = self._streams[name] = Stream(name, generator)
        return stream


def sampler(dist: Distribution, stream: Stream) -> Sampler:
    """A sampler of `dist` (a scenario's distribution) that draws from `stream`."""
    if isinstance(dist, Fixed):
        value = dist.value
        return lambda: value
    if isinstance(dist, Exponential):
        mean, unit = dist.mean_, stream.exponential
        return lambda: mean * unit()
    if isinstance(dist, Lognormal):
        sigma2 = math.log1p((dist.sd / dist.mean_) ** 2)
        mu, sigma = math.log(dist.mean_) - sigma2 / 2, math.sqrt(sigma2)
        return stream.buffered(lambda g, n: g.lognormal(mu, sigma, n))
    if isinstance(dist, Triangular):
        return _triangular(dist.low, dist.mode, dist.high, stream.uniform)
    values, cumulative = list(dist.values), dist.cumulative()
    last, uniform, find = len(values) - 1, stream.uniform, bisect.bisect_right
    return lambda: values[min(find(cumulative, uniform()), last)]


def _triangular(a: float, c: float, b: float, uniform: Sampler) -> Sampler:
    split = (c - a) / (b - a)
    sqrt = math.sqrt

    def sample() -> float:
        u = uniform()
        if u < split:
            return a + sqrt(u * (b - a) * (c - a))
        return b - sqrt((1 - u) * (b - a) * (b - c))

    return sample
