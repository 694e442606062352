"""What every capability assumes of the shared data: the catalogue photos' true 3:4 shape, a stable held-out choice
of groups, the catalogue's apparel, and how much of a product is skin (a wearer)."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import cv2
import numpy as np

PRODUCT_SHAPE = (168, 224)  # the catalogue's 60x80 portrait thumbnails were stretched to 224x224: undo it


def held_out(key: str, fraction: float, salt: str = "cutout") -> bool:
    """A stable, seedless choice of a held-out share of groups (the same on every machine)."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


WORN_SKIN_SHARE = 0.04  # an apparel photo whose product pixels are more skin than this shows a wearer


def skin_share(pixels: np.ndarray, product: np.ndarray) -> float:
    """Share of the product's pixels (``product``: bool mask) whose colour is a skin tone (YCrCb box)."""
    ycrcb = cv2.cvtColor(pixels, cv2.COLOR_RGB2YCrCb).astype(np.int16)
    luma, cr, cb = ycrcb[..., 0], ycrcb[..., 1], ycrcb[..., 2]
    skin = (luma > 60) & (cr >= 138) & (cr <= 173) & (cb >= 77) & (cb <= 127)
    return float((skin & product).sum() / max(1, product.sum()))


def apparel_ids(folder: str | Path) -> set[str]:
    """Ids of the catalogue's clothing (masterCategory Apparel) from the ``labels.csv`` beside ``folder``."""
    labels = Path(folder).parent / "labels.csv"
    if not labels.is_file():
        raise ValueError(f"leaving out worn products needs the catalogue's labels: no {labels}")
    with open(labels, newline="") as handle:
        return {row["id"] for row in csv.DictReader(handle) if row.get("masterCategory") == "Apparel"}
