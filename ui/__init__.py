"""The web app's tabs, built with Gradio and assembled by ``app.py``: one module per tab and ``common`` for what
they share. Only the app imports this package; the core library (``productgen/``) never imports Gradio."""
