"""The app's entry point: `streamlit run simulator/app/main.py -- --scenario FILE`
(what `caseload app` does). A start page, the five pages, and the sidebar they share."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator.app import show

VIEWS = Path(__file__).resolve().parent / "views"
FLIGHT = "flight-simulator"  # the page that plays a scenario of its own
PAGES = [  # (file, title, address); the first page is the app's own, at "/"
    ("home.py", "Start here", ""),
    ("peak.py", "The peak", "peak"),
    ("hockey.py", "The hockey stick", "hockey-stick"),
    ("side_by_side.py", "Side by side", "side-by-side"),
    ("flight.py", "The flight simulator", FLIGHT),
    ("predict.py", "Predict, then run", "predict"),
]


def main() -> None:
    """Set up the page, the navigation and the shared sidebar; run the chosen page."""
    st.set_page_config(page_title="caseload: the trainers' room", layout="wide")
    navigation = st.navigation(
        [
            st.Page(VIEWS / file, title=title, url_path=path, default=not path)
            for file, title, path in PAGES
        ]
    )
    show.sidebar(show.flight_scenario() if navigation.url_path == FLIGHT else None)
    show.runner()  # start the warm workers with the first page, not at the first slider
    navigation.run()


# Streamlit runs this file as "__main__". The worker processes (multiprocessing, spawn)
# import it again as "__mp_main__": they must not start an app of their own there.
if __name__ == "__main__":
    main()
