"""Streamlit page script: see `simulator.app.predict`."""

from simulator.app import predict

predict.page()
