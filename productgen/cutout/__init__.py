"""The cut-out: segmentation network, the pipeline that finds a product in a photo, its training data."""
