"""Streamlit page script: see `simulator.app.hockey`."""

from simulator.app import hockey

hockey.page()
