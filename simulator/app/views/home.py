"""Streamlit page script: see `simulator.app.home`."""

from simulator.app import home

home.page()
