"""The command line: ``python -m productgen`` or ``productgen``."""
