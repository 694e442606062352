"""The x4 upscaler: network and tiled pipeline, its training pairs (patches) and training."""
