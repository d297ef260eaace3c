"""Seeds of the runs of a batch: common random numbers, or a seed of each point's own.

Every run of replication r is seeded with the batch's seed and the number r, whatever
its point (common random numbers, the default): since every random stream of the model
is named and seeded from (seed, replication, name), replication r of two points sees the
same arrivals, households, exits and task durations wherever the points agree, and the
difference between points is due to what changed, not to luck. Without common random
numbers each point gets a seed of its own, derived from the batch's seed and the point's
number. Either way a run's seed depends on the batch only, never on which worker runs it
or when, so results are identical whatever the executor and the number of workers.
"""

from __future__ import annotations

import numpy as np


def run_seed(seed: int, point: int, *, common: bool = True) -> int:
    """The seed of every run of design point `point` in a batch seeded `seed`."""
    if common:
        return seed
    return int(np.random.SeedSequence([seed, point]).generate_state(1)[0])
