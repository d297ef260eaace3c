"""Page "Start here": what the app is, how to read its figures, and a 20-minute plan."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.app import show, texts


def page() -> None:
    """The page."""
    st.title("The trainers' room")
    base = show.base_scenario()
    st.markdown(texts.HOME)
    st.markdown(
        f"The pages start from the scenario **{base.name}**"
        + (f": {base.description}" if base.description else ".")
    )
    st.subheader("A 20-minute session")
    plan = pd.DataFrame(texts.SESSION_PLAN, columns=["time", "page", "what to do"])
    st.table(plan.set_index("time"))
