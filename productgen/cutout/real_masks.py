"""Our own masks of real phone photos (``data/real_masks``, made and checked by eye; ``data/README.md``) as cut-out
training material, and the rule that keeps their held-out part honest: a run that trains on them leaves every
photo of a held-out mask's sender (or grocery product) out of its pseudo-labels, corners and shop photos too.
"""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from productgen.cutout.data import Product

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "data" / "real_masks"


def read_rows(masks_dir: str | Path = DEFAULT_FOLDER) -> list[dict]:
    """The rows of ``real_masks.csv`` (file, mask, kind, split, tools, note)."""
    path = Path(masks_dir) / "real_masks.csv"
    if not path.is_file():
        raise ValueError(f"{masks_dir} holds no real_masks.csv: give the data/real_masks folder")
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def without_held_out(files: list[str], realphotos_dir: str | Path, masks_dir: str | Path = DEFAULT_FOLDER) -> list[str]:
    """``files`` less every photo whose sender (or grocery product) has a held-out mask: what a run that reports
    the held-out masks' IoU may train on in any form."""
    from productgen.cutout.training import realphoto_groups

    groups = realphoto_groups(realphotos_dir)
    held = {groups.get(row["file"]) for row in read_rows(masks_dir) if row["split"] == "held_out"}
    return [name for name in files if groups.get(name) not in held]


def labelled_photos(realphotos_dir: str | Path, masks_dir: str | Path = DEFAULT_FOLDER, split: str = "train",
                    longest: int = 640) -> list[Product]:
    """The photos of ``split`` with our masks, at most ``longest`` px, as products whose alpha is the mask
    (softened over a pixel, as the catalogue's are)."""
    photos = []
    for row in read_rows(masks_dir):
        if row["split"] != split:
            continue
        image = Image.open(Path(realphotos_dir) / row["file"]).convert("RGB")
        mask = Image.open(Path(masks_dir) / row["mask"]).convert("L")
        if mask.size != image.size:
            raise ValueError(f"{row['mask']} is {mask.size[0]}x{mask.size[1]}, its photo {image.size[0]}x"
                             f"{image.size[1]}")
        scale = min(1.0, longest / max(image.size))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        pixels = np.asarray(image.resize(size, Image.LANCZOS))
        alpha = np.asarray(mask.resize(size, Image.BILINEAR), np.float32) / 255.0
        photos.append(Product(pixels, cv2.GaussianBlur(alpha, (0, 0), 0.5)))
    return photos
