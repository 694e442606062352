"""The cut-out: finding the product in a photo (the flood fill of a clean backdrop, else the segmentation
network and its colour fixes), the merchant's corrections, the verdict, and the composites it trains on."""
