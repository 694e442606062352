"""Training material for the cut-out model: catalogue products with their masks (a catalogue photo's backdrop
is white, so its mask comes free from ``find_background``), drawn products, real surfaces and corners of real
phone photos, and pseudo-labelled real photos. ``composites`` lays them out into training pictures.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from productgen.cutout.segment import find_background
from productgen.io.catalogue import PRODUCT_SHAPE, WORN_SKIN_SHARE, apparel_ids, held_out, skin_share


@dataclass
class Product:
    pixels: np.ndarray  # uint8 (H, W, 3)
    alpha: np.ndarray  # float32 (H, W)


def load_products(folder: str | Path, ids: set[str] | None = None, exclude: set[str] | None = None,
                  limit: int | None = None, skip_worn: bool = False) -> list[Product]:
    """Catalogue photos as products with their masks; photos whose mask is implausible are left out.

    With ``skip_worn``, so are clothes worn by a model (an apparel photo with skin among its product pixels): on
    white, the flood fill's mask holds the wearer's face, arms and hands too, which taught the cut-out that skin is
    product, while a merchant's hand holding the product is not."""
    products = []
    clothing = apparel_ids(folder) if skip_worn else set()
    for path in sorted(Path(folder).glob("*.jpg")):
        if (ids is not None and path.stem not in ids) or (exclude and path.stem in exclude):
            continue
        pixels = np.asarray(Image.open(path).convert("RGB").resize(PRODUCT_SHAPE, Image.LANCZOS))
        product = ~find_background(pixels)
        share = product.mean()
        border = np.concatenate([product[0], product[-1], product[:, 0], product[:, -1]]).mean()
        if not 0.04 <= share <= 0.95 or border > 0.25:
            continue
        if path.stem in clothing and skin_share(pixels, product) > WORN_SKIN_SHARE:
            continue
        # one pixel in from the flood fill's edge: no white halo is pasted with the product
        inner = cv2.erode(product.view(np.uint8), np.ones((3, 3), np.uint8))
        alpha = cv2.GaussianBlur(inner.astype(np.float32), (0, 0), 0.6)
        products.append(Product(pixels, alpha))
        if limit and len(products) >= limit:
            break
    return products


def drawn_product(rng: np.random.Generator) -> Product:
    """A made-up object (ellipse, box, rounded box or polygon) with a colour, shading and a surface pattern:
    objects of no catalogue type (mugs, boxes, bottles) that the model must cut out too."""
    height, width = PRODUCT_SHAPE[1], PRODUCT_SHAPE[0]
    mask = np.zeros((height, width), np.uint8)
    centre = (width // 2, height // 2)
    axes = (int(width * rng.uniform(0.25, 0.48)), int(height * rng.uniform(0.25, 0.48)))
    kind = rng.integers(4)
    if kind == 0:
        cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 1, -1)
    elif kind == 1:
        cv2.rectangle(mask, (centre[0] - axes[0], centre[1] - axes[1]), (centre[0] + axes[0], centre[1] + axes[1]),
                      1, -1)
    elif kind == 2:
        radius = int(min(axes) * rng.uniform(0.2, 0.6))
        inner = (centre[0] - axes[0] + radius, centre[1] - axes[1] + radius, centre[0] + axes[0] - radius,
                 centre[1] + axes[1] - radius)
        cv2.rectangle(mask, inner[:2], inner[2:], 1, -1)
        for x, y in ((inner[0], inner[1]), (inner[2], inner[1]), (inner[0], inner[3]), (inner[2], inner[3])):
            cv2.circle(mask, (x, y), radius, 1, -1)
        cv2.rectangle(mask, (inner[0] - radius, inner[1]), (inner[2] + radius, inner[3]), 1, -1)
        cv2.rectangle(mask, (inner[0], inner[1] - radius), (inner[2], inner[3] + radius), 1, -1)
    else:
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 9)))
        points = np.stack([centre[0] + axes[0] * np.cos(angles), centre[1] + axes[1] * np.sin(angles)], 1)
        cv2.fillPoly(mask, [points.astype(np.int32)], 1)
    colour = rng.uniform(0, 255, 3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    shade = 1 + rng.uniform(-0.3, 0.3) * (xx / width - 0.5) + rng.uniform(-0.3, 0.3) * (yy / height - 0.5)
    pixels = colour * shade[:, :, None]
    if rng.random() < 0.5:  # stripes or print
        period = rng.uniform(6, 30)
        stripes = (np.sin((xx * np.cos(rng.uniform(0, 3)) + yy) / period * 2 * np.pi) > 0)[:, :, None]
        pixels = np.where(stripes, pixels, rng.uniform(0, 255, 3) * shade[:, :, None])
    pixels = pixels + cv2.GaussianBlur(rng.normal(0, 10, (height, width)).astype(np.float32), (0, 0), 1)[:, :, None]
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.6)
    return Product(np.clip(pixels, 0, 255).astype(np.uint8), alpha)


def pseudo_labels(model, folder: str | Path, files: list[str], min_confidence: float = 0.95,
                  side: int = 320, cleaned: bool = False, cleaned_confidence: float = 0.9) -> list[Product]:
    """Real photos with the mask ``model`` is sure of, as Enhance's verdict would pass it (one object, clear of
    the photo's edge, no surface kept): self-training on the surfaces and light of real phone photos, which
    composites lack. (Without the surface check, masks that kept the bedspread under a product were trained on
    and taught the model to keep it.)

    With ``cleaned``, a photo whose only doubt is surface the network kept is labelled too when the photo's
    colours removed it: after the colour cut (``cutout.colour_fix.colour_cut``) no surface-like patch is left
    (``Mask.surface_kept_cleaned``) and the network was sure of at least ``cleaned_confidence`` of its outline.
    These are the patterned bedspreads the network keeps under a shirt; labelled by the corrected mask, they
    teach it to drop them."""
    from productgen.cutout.pipeline import cutout

    labelled = []
    for name in files:
        pixels = read_image(Path(folder) / name, side)
        mask = cutout(pixels, model)
        if worth_training_on(mask, min_confidence, cleaned, cleaned_confidence):
            labelled.append(Product(pixels, mask.alpha))
    return labelled


def cut_product(photo: Product, margin: float = 0.05) -> Product | None:
    """A pseudo-labelled real photo cut down to its product (the box around the mask, ``margin`` of it more on
    each side), to be laid on other surfaces as the catalogue products are: a garment as phone photos show it
    (laid flat, creased, in room light), where the catalogue's are pressed, lit in a studio or worn. None when
    the mask is empty."""
    ys, xs = np.nonzero(photo.alpha > 0.5)
    if len(xs) == 0:
        return None
    height, width = photo.alpha.shape
    pad_y, pad_x = int((ys.max() - ys.min()) * margin) + 2, int((xs.max() - xs.min()) * margin) + 2
    top, bottom = max(0, ys.min() - pad_y), min(height, ys.max() + pad_y + 1)
    left, right = max(0, xs.min() - pad_x), min(width, xs.max() + pad_x + 1)
    return Product(np.ascontiguousarray(photo.pixels[top:bottom, left:right]),
                   np.ascontiguousarray(photo.alpha[top:bottom, left:right], dtype=np.float32))


def worth_training_on(mask, min_confidence: float = 0.95, cleaned: bool = False,
                      cleaned_confidence: float = 0.9) -> bool:
    """Whether a real photo's ``mask`` (a ``cutout.pipeline.Mask``) is a self-training label: see
    :func:`pseudo_labels`."""
    from productgen.cutout.pipeline import COLOUR_NOTE, SURFACE_KEPT_DOUBT, SURFACE_NOTE

    if mask.touches_border > 0.02 or not 0.05 <= mask.product.mean() <= 0.85:
        return False
    if not mask.notes:
        return mask.confidence >= min_confidence
    return cleaned and set(mask.notes) <= {SURFACE_NOTE, COLOUR_NOTE} and mask.cut_by_colour > 0 \
        and mask.confidence >= cleaned_confidence and mask.surface_kept_cleaned < SURFACE_KEPT_DOUBT


def read_image(path: Path, longest: int = 640) -> np.ndarray:
    image = Image.open(path).convert("RGB")
    image.thumbnail((longest, longest), Image.LANCZOS)
    return np.asarray(image)


def load_surfaces(folder: str | Path, validation: bool) -> list[np.ndarray]:
    """``backgrounds/`` images of the train or the validation groups (a tenth of groups are held out)."""
    folder = Path(folder)
    with open(folder / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [read_image(folder / row["file"]) for row in rows
            if held_out(row["group"], 0.1) == validation]


def realphoto_corners(folder: str | Path, files: list[str], limit: int | None = None) -> list[np.ndarray]:
    """The four corners of real phone photos (floors, beds, sofas, shop shelves): the product is rarely
    there. Each corner is its own picture, stretched into a background later."""
    corners = []
    for name in files[:limit]:
        pixels = read_image(Path(folder) / name, 400)
        size = max(16, min(pixels.shape[:2]) // 5)
        corners += [pixels[:size, :size], pixels[:size, -size:], pixels[-size:, :size], pixels[-size:, -size:]]
    return [np.ascontiguousarray(c) for c in corners]


# -- one composite ------------------------------------------------------------------------------------------
