"""The trainers' room: an interactive browser app over the public API (`caseload app`).

A Streamlit app with five pages, each a thin layer that turns sliders into scenario
changes, runs them through `simulator.run` (or pairs two runs with `simulator.pair`) and
draws what comes back. It holds no model logic: every number it shows comes from the
package.

- `main.py`: the entry point Streamlit runs; the sidebar every page shares.
- `views/`: one short script per page, calling its module: `peak`, `hockey`,
  `side_by_side`, `flight`, `predict`.
- `runs.py`: replications kept by what they ran (scenario digest, seed, number); a first
  answer at once, the full answer's replications on warm worker processes (one per core).
- `show.py`: the progressive display (first answer, then the full one) and the sidebar.
- `figures.py`: the figures (dates, units, the 35-45 band, bands labelled in words,
  colour-blind-safe colours); `texts.py`: what the trainer reads out, tooltips.
- `planner.py`: the debrief's comparison plans (the planner, once `caseload plan` lands;
  until then the offered-load instant answer).

Streamlit and Playwright come with the `app` extra: ``pip install -e '.[app]'``.
"""
