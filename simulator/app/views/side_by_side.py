"""Streamlit page script: see `simulator.app.side_by_side`."""

from simulator.app import side_by_side

side_by_side.page()
