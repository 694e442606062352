"""Naming a product's colours: k-means over its pixels in CIELAB, named from a merchant palette.

The background is left out (see :mod:`productgen.cutout.segment`), so a red shirt
on white is "red", not "white". Names come from ``PALETTE``, matched by
Euclidean distance in CIELAB (CIE76 ΔE), which follows perceived difference
far better than RGB distance.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from productgen.cutout.segment import find_background

# About twenty names merchants and marketplaces use, with a typical sRGB value each.
PALETTE: dict[str, str] = {
    "Black": "#1c1c1c", "Charcoal": "#3b3f45", "Grey": "#8a8d91", "Silver": "#c4c7cc", "White": "#f7f7f5",
    "Cream": "#efe6cf", "Beige": "#d6c3a1", "Khaki": "#b3a176", "Tan": "#c19a6b", "Brown": "#6f4a2f",
    "Maroon": "#6e1e2b", "Red": "#c62b2b", "Pink": "#ef9ab5", "Magenta": "#c0267c", "Purple": "#6a3f97",
    "Lavender": "#b7a6d8", "Navy Blue": "#232d4b", "Blue": "#2f6cc0", "Teal": "#1f7e80", "Green": "#2f8a45",
    "Olive": "#6b6b30", "Yellow": "#f0cf2e", "Orange": "#ee8a2a", "Gold": "#c8a646",
}


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 (N, 3) -> CIELAB (N, 3) with L in 0..100."""
    return cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)


def _hex_to_rgb(code: str) -> tuple[int, int, int]:
    return tuple(int(code[i:i + 2], 16) for i in (1, 3, 5))


# More typical values for names whose range is wide: without them a royal blue (#1e3caa) is nearer Purple's
# one value than Blue's, and a light denim nearer Grey.
SHADES: dict[str, tuple[str, ...]] = {"Blue": ("#1f3fae", "#6d95c9"), "Green": ("#1d5e34", "#7fbf7a"),
                                      "Red": ("#e0301e",), "Pink": ("#e45a8c",), "Purple": ("#8b59b8",)}
_NAMES = list(PALETTE) + [name for name, codes in SHADES.items() for _ in codes]
_PALETTE_LAB = _lab(np.array([_hex_to_rgb(code) for code in PALETTE.values()]
                             + [_hex_to_rgb(code) for codes in SHADES.values() for code in codes], np.uint8))


def name_colour(rgb) -> str:
    """The palette name nearest to an sRGB colour in CIELAB."""
    lab = _lab(np.asarray(rgb, np.uint8).reshape(1, 3))[0]
    return _NAMES[int(np.argmin(((_PALETTE_LAB - lab) ** 2).sum(1)))]


@dataclass
class ColourTag:
    name: str
    hex: str
    share: float  # of the product's pixels

    def label(self) -> str:
        return f"{self.name} {self.share * 100:.0f}%"


def dominant_colours(image: Image.Image, background: np.ndarray | None = None, clusters: int = 4,
                     min_share: float = 0.05, seed: int = 0) -> list[ColourTag]:
    """The product's main colours, largest first; clusters with the same name are merged and
    colours under ``min_share`` of the product are dropped."""
    if clusters < 1:
        raise ValueError(f"clusters must be at least 1, got {clusters}")
    small = image.convert("RGB")
    small.thumbnail((256, 256))
    if background is None or background.shape != (small.height, small.width):
        background = find_background(small)
    pixels = np.asarray(small)[~background] if (~background).sum() >= 16 else np.asarray(small).reshape(-1, 3)
    random = np.random.default_rng(seed)
    if len(pixels) > 20_000:
        pixels = pixels[random.choice(len(pixels), 20_000, replace=False)]
    lab = _lab(pixels)
    count = min(clusters, len(np.unique(pixels, axis=0)))
    cv2.setRNGSeed(seed)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    _, assignment, _ = cv2.kmeans(lab, count, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    tags: dict[str, list] = {}
    for cluster in range(count):
        members = pixels[assignment.ravel() == cluster]
        if not len(members):
            continue
        mean = np.median(members, axis=0).astype(np.uint8)
        name = name_colour(mean)
        entry = tags.setdefault(name, [0, np.zeros(3)])
        entry[0] += len(members)
        entry[1] += mean.astype(np.float64) * len(members)
    result = [ColourTag(name, "#%02x%02x%02x" % tuple(int(v) for v in total / n), n / len(pixels))
              for name, (n, total) in tags.items()]
    result = sorted((tag for tag in result if tag.share >= min_share), key=lambda tag: -tag.share)
    if not result:
        median = np.median(pixels, 0).astype(np.uint8)
        result = [ColourTag(name_colour(median), "#%02x%02x%02x" % tuple(int(v) for v in median), 1.0)]
    return result
