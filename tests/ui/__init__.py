"""Tests of the app (through gradio_client and in a browser)."""
