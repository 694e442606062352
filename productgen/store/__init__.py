"""Model folders: loading and saving weights, the model registry, the Hub, model cards."""
