"""Taps: the merchant points at the product (keep) or at what is not product (remove), and the cut-out network
reads the taps as two more input maps (``CutoutConfig.tap_channels``).

A tap becomes a round bump (a Gaussian of TAP_SIGMA of the photo's longer side) on the keep or the remove map, so
it means the same at any photo size. Training pictures with simulated taps teach what a tap means
(``cutout.tap_pictures``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

TAP_SIGMA = 0.02  # of the photo's longer side: a fingertip on a phone screen
KEEP, REMOVE = 0, 1  # the maps' order


@dataclass
class Taps:
    """A merchant's taps on one photo, (x, y) in its pixels: on the product (``keep``) and on what is not
    (``remove``)."""

    keep: list = field(default_factory=list)
    remove: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.keep or self.remove)


def tap_maps(keep, remove, height: int, width: int) -> np.ndarray:
    """(2, height, width) float32: a bump of height 1 at each keep point (map 0) and remove point (map 1); points
    are (x, y) in pixels of a picture of this size."""
    maps = np.zeros((2, height, width), np.float32)
    sigma = TAP_SIGMA * max(height, width)
    reach = int(3 * sigma) + 1
    for index, points in ((KEEP, keep), (REMOVE, remove)):
        for x, y in points or []:
            x0, x1 = max(0, int(x) - reach), min(width, int(x) + reach + 1)
            y0, y1 = max(0, int(y) - reach), min(height, int(y) + reach + 1)
            if x0 >= x1 or y0 >= y1:
                continue
            yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
            bump = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma * sigma))
            maps[index, y0:y1, x0:x1] = np.maximum(maps[index, y0:y1, x0:x1], bump)
    return maps


def farthest_point(mask: np.ndarray) -> tuple[float, float] | None:
    """The point of ``mask`` (bool) farthest from its edge, (x, y) in pixels: the benchmark's one tap."""
    if not mask.any():
        return None
    distance = cv2.distanceTransform(np.pad(mask, 1).view(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(distance.argmax()), distance.shape)
    return float(x), float(y)


def inside_point(rng: np.random.Generator, mask: np.ndarray) -> tuple[float, float] | None:
    """A tap inside ``mask`` (bool) as a person would put it: half the time the point farthest from the edge,
    otherwise anywhere at least a fifth of that depth inside (never on the outline)."""
    if not mask.any():
        return None
    distance = cv2.distanceTransform(np.pad(mask, 1).view(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    if rng.random() < 0.5:
        y, x = np.unravel_index(int(distance.argmax()), distance.shape)
        return float(x), float(y)
    ys, xs = np.nonzero(distance >= max(1.0, 0.2 * distance.max()))
    pick = rng.integers(len(xs))
    return float(xs[pick]), float(ys[pick])


def outside_point(rng: np.random.Generator, mask: np.ndarray, margin: float = 0.04) -> tuple[float, float] | None:
    """A tap on the surface: a point at least ``margin`` of the side away from ``mask`` (bool)."""
    side = max(mask.shape)
    away = cv2.distanceTransform((~mask).view(np.uint8), cv2.DIST_L2, 5) >= margin * side
    ys, xs = np.nonzero(away)
    if len(xs) == 0:
        return None
    pick = rng.integers(len(xs))
    return float(xs[pick]), float(ys[pick])
