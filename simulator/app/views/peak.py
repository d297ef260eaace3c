"""Streamlit page script: see `simulator.app.peak`."""

from simulator.app import peak

peak.page()
