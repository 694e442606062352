"""The training scaffold shared by every model: run options, checkpoints, budgets, devices."""
