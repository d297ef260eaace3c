"""Batch experiments: a sweep of a base scenario over factors, run in parallel, resumable.

A sweep spec (`spec.py`) names a base scenario and the factors to vary, each a lever
(staffing, policies) or an uncertainty (arrivals, durations); a design (`design.py`)
turns them into points; every (point, replication) is one run, executed serially, on
local processes or on a Dask cluster (`execute.py`, driven by `runner.py`); finished
runs are written to a Parquet dataset as they come (`store.py`) and analysed
afterwards (`analyze.py`, `figures.py`). See docs/sweeps.md.

From Python: `spec.load_sweep(path)`, `runner.run_sweep(...)`, and
`store.load_results(folder)` for the runs as a pandas table.
"""
