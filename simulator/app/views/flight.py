"""Streamlit page script: see `simulator.app.flight`."""

from simulator.app import flight

flight.page()
