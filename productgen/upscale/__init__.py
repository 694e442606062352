"""The x4 upscaler: network, tiled pipeline and training."""
