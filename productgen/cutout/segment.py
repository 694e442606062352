"""Finding the product in a photo: the flood fill of a clean, even backdrop where it can be trusted, else the
cut-out model (``pipeline``), with the merchant's strokes; and the product cropped onto white.

The background is the region of near-border colour that is connected to the
image border. Connectivity is what keeps a white shirt on an off-white backdrop
intact: its outline separates it from the border. Detection runs on a copy of
at most ``WORK_SIDE`` px and the mask is scaled back to full size.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from productgen.io.images import as_pixels

WORK_SIDE = 512
def _small(pixels: np.ndarray) -> tuple[np.ndarray, float]:
    scale = min(1.0, WORK_SIDE / max(pixels.shape[:2]))
    if scale == 1.0:
        return pixels, 1.0
    size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), scale


def border_colour(pixels: np.ndarray) -> tuple[np.ndarray, float]:
    """Median colour of the outermost pixels and their spread (a noise estimate)."""
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]]).astype(np.float64)
    median = np.median(border, axis=0)
    spread = float(np.median(np.abs(border - median).sum(axis=1)))
    return median, spread


def find_background(image: Image.Image, tolerance: float | None = None, refine: bool = False) -> np.ndarray:
    """Bool mask (H, W), True where ``image`` shows background.

    ``tolerance`` is the largest colour distance (sum of absolute RGB differences)
    from the border colour still counted as background; by default it adapts to the
    border's noise. ``refine`` runs OpenCV's GrabCut on the edge band (slower, better
    on soft shadows and hair-thin gaps).
    """
    pixels = as_pixels(image)
    small, _ = _small(pixels)
    colour, spread = border_colour(small)
    if tolerance is None:
        tolerance = float(np.clip(6 * spread + 12, 18, 60))
    distance = np.abs(small.astype(np.int16) - colour.astype(np.int16)).sum(axis=2)
    candidate = (distance <= tolerance).astype(np.uint8)
    count, components = cv2.connectedComponents(candidate, connectivity=4)
    edge_labels = np.unique(np.concatenate([components[0], components[-1], components[:, 0], components[:, -1]]))
    background = np.isin(components, edge_labels[edge_labels != 0])
    if refine and background.any() and (~background).any():
        background = _grabcut(small, background)
    if background.shape != pixels.shape[:2]:
        resized = cv2.resize(background.astype(np.uint8) * 255, (pixels.shape[1], pixels.shape[0]),
                             interpolation=cv2.INTER_LINEAR)
        background = resized > 127
    return background


@dataclass
class Segmentation:
    """Where the product is, how it was found, and how sure we are."""

    background: np.ndarray  # bool (H, W), True = background
    alpha: np.ndarray | None  # float32 (H, W) soft product alpha from the cut-out model; None for a clean backdrop
    method: str  # "backdrop": flood fill of a clean, uniform backdrop; "model": the cut-out model
    confidence: float  # 0..1
    notes: list[str]
    touched: bool = False  # corrected by the merchant's strokes (``productgen.cutout.touchup``)
    doubt: np.ndarray | None = None  # bool, any size with the photo's shape: where kept surface may be (shown)
    dropped: list = field(default_factory=list)  # ``cutout.objects.Dropped``: other objects left out

    @property
    def dropped_note(self) -> str:
        """What was dropped to keep only the product, in words ("" when nothing was)."""
        from productgen.cutout.objects import dropped_note

        return dropped_note(self.dropped)


def clean_backdrop(pixels: np.ndarray, background: np.ndarray) -> bool:
    """Whether the flood fill's answer can be trusted: the photo's whole border is one light, neutral, even
    colour (a studio sweep or a white sheet), and it surrounds the product."""
    small, _ = _small(pixels)
    colour, spread = border_colour(small)
    border = np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]])
    share = background.mean()
    return bool(colour.min() >= 200 and np.ptp(colour) <= 24 and spread <= 12 and border.mean() >= 0.8
                and 0.1 <= share <= 0.97)


def segment(image, refine: bool = False, model=None, strokes=None, keep_points=None,
            remove_points=None) -> Segmentation:
    """The product's mask: the fast flood fill where the backdrop is provably clean (``clean_backdrop``),
    else the cut-out model (``productgen.cutout.network``), whose confidence and doubts come along; of several
    separate objects only the product (``cutout.objects``). ``keep_points``: (x, y) in the photo's pixels, the
    merchant's taps on the product: the object under them is kept (on a clean backdrop too); ``remove_points``,
    taps on what is not product, take what is under them out (a separate object; the network that reads taps
    takes them in whole). ``strokes``
    (``cutout.touchup.Strokes``): the merchant's corrections, applied to either, and the doubts measured again."""
    pixels = as_pixels(image)
    touching = strokes is not None and not strokes.empty
    flood = find_background(pixels, refine=refine)
    clean = clean_backdrop(pixels, flood)
    if clean and not touching and not keep_points and not remove_points:
        return Segmentation(flood, None, "backdrop", 1.0, [])
    from productgen.cutout.pipeline import cutout

    if clean:
        mask, method = backdrop_mask(pixels, flood, keep_points, remove_points=remove_points), "backdrop"
    else:
        mask, method = cutout(pixels, model, keep_points=keep_points, remove_points=remove_points), "model"
    if touching:
        from productgen.cutout.touchup import touched_mask

        mask = touched_mask(pixels, mask, strokes)
    return Segmentation(mask.alpha < 0.5, mask.alpha, method, mask.confidence, list(mask.notes), mask.touched,
                        mask.doubt, list(mask.dropped))


def backdrop_mask(pixels: np.ndarray, background: np.ndarray, keep_points=None, input_side: int = 320,
                  remove_points=None):
    """The flood fill's answer as a ``cutout.pipeline.Mask`` (sure, with a map at ``input_side`` for the touch-up),
    keeping only the objects under ``keep_points`` (the photo's pixels) when there are any, and not those under
    ``remove_points``."""
    from productgen.cutout.colour_fix import at_size
    from productgen.cutout.objects import choose, photo_points
    from productgen.cutout.pipeline import Mask, map_pixels

    alpha = (~background).astype(np.float32)
    view = map_pixels(pixels, input_side)
    small = at_size(alpha, view.shape)
    points = photo_points(keep_points, pixels.shape[1], pixels.shape[0])
    removes = photo_points(remove_points, pixels.shape[1], pixels.shape[0], "remove")
    choice = choose(small, view, points, removes, main=bool(points)) if points or removes else None
    notes = [choice.doubt] if choice is not None and choice.doubt else []
    if choice is not None and choice.dropped:
        small = np.where(choice.keep, small, 0.0).astype(np.float32)
        gone = cv2.resize((~choice.keep).view(np.uint8), (alpha.shape[1], alpha.shape[0]),
                          interpolation=cv2.INTER_LINEAR)
        alpha = np.where(cv2.dilate(gone, np.ones((3, 3), np.uint8)) > 0, 0.0, alpha).astype(np.float32)
    return Mask(alpha, 1.0, 1, 0.0, notes, small=small, dropped=choice.dropped if choice is not None else [])


def over_white(pixels: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``pixels`` composited over white with ``alpha`` (float, 1 = product)."""
    weight = np.clip(alpha, 0.0, 1.0)[:, :, None]
    return np.rint(pixels * weight + 255.0 * (1.0 - weight)).astype(np.uint8)


@dataclass
class ProductCrop:
    """A photo's product on white, cropped to it, with its alpha in the crop's coordinates."""

    pixels: np.ndarray  # uint8 (h, w, 3): the product over white (the whole photo if no product was found)
    alpha: np.ndarray  # float32 (h, w): 1 = product
    segmentation: Segmentation
    found: bool  # False: nothing was found and ``pixels`` is the whole photo


def crop_product(image, model=None, margin: float = 0.04, found: Segmentation | None = None) -> ProductCrop:
    """The photo's product cut out onto white (``segment``) and cropped to it with a ``margin`` (share of its
    size), as the catalogue photos are; a photo on a clean backdrop is only cropped. ``found``: this photo's
    segmentation when it was made already (the Listing's Enhance step), so the cut-out does not run twice."""
    pixels = as_pixels(image)
    if found is not None and found.background.shape != pixels.shape[:2]:
        raise ValueError(f"the segmentation is {found.background.shape[1]}x{found.background.shape[0]} px, "
                         f"the photo {pixels.shape[1]}x{pixels.shape[0]}: it is not this photo's")
    found = found if found is not None else segment(pixels, model=model)
    alpha = found.alpha if found.alpha is not None else (~found.background).astype(np.float32)
    box = product_box(found.background)
    if box is None:
        return ProductCrop(pixels, np.ones(pixels.shape[:2], np.float32), found, False)
    if found.alpha is not None:
        pixels = over_white(pixels, found.alpha)
    pad = round(margin * max(box[2] - box[0], box[3] - box[1]))
    height, width = pixels.shape[:2]
    left, top = max(0, box[0] - pad), max(0, box[1] - pad)
    right, bottom = min(width, box[2] + pad), min(height, box[3] + pad)
    return ProductCrop(np.ascontiguousarray(pixels[top:bottom, left:right]),
                       np.ascontiguousarray(alpha[top:bottom, left:right]), found, True)


def product_on_white(image: Image.Image, model=None, margin: float = 0.04) -> Image.Image:
    """``crop_product`` as a PIL image (the photo itself if no product was found). Fine-tuning prepares
    photos with it, and Recognise classifies what it returns."""
    crop = crop_product(image, model, margin)
    return Image.fromarray(crop.pixels) if crop.found else image


def _grabcut(pixels: np.ndarray, background: np.ndarray) -> np.ndarray:
    band = cv2.dilate(background.astype(np.uint8), np.ones((5, 5), np.uint8)) != \
        cv2.erode(background.astype(np.uint8), np.ones((5, 5), np.uint8))
    mask = np.where(background, cv2.GC_BGD, cv2.GC_FGD).astype(np.uint8)
    mask[band & background] = cv2.GC_PR_BGD
    mask[band & ~background] = cv2.GC_PR_FGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.setRNGSeed(0)  # GrabCut draws on OpenCV's random state: the same photo, the same mask
        cv2.grabCut(np.ascontiguousarray(pixels[:, :, ::-1]), mask, None, bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return background  # too little of one class to model: keep the flood-fill answer
    return (mask == cv2.GC_BGD) | (mask == cv2.GC_PR_BGD)


def product_box(background: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the non-background pixels, exclusive right/bottom; None if none."""
    product = (~background).view(np.uint8)
    if not product.any():
        return None
    left, top, width, height = cv2.boundingRect(product)
    return left, top, left + width, top + height


SURE_CUTOUT = 0.95  # the model's confidence at and above which a cut-out passes (set on the samples of seeds 0-2)


def cutout_verdict(found: Segmentation) -> tuple[str, str]:
    """("pass" | "warn" | "fail", what was measured) of a cut-out: a clean backdrop taken exactly passes; a
    model's cut-out passes only when it is sure and saw no doubt, else "check the cut-out" (warn) or, when the
    product could not be told from the background, fail. What was dropped to keep only the product is said
    last. Enhance's report and the product-only data use it."""
    dropped = "; " + found.dropped_note if found.dropped else ""
    if found.method == "backdrop" and not found.touched and not found.notes:
        return "pass", "clean, even backdrop: taken exactly" + dropped
    how = "clean, even backdrop" if found.method == "backdrop" else f"model confidence {found.confidence:.0%}"
    measured = "; ".join((["corrected by hand"] if found.touched else []) + [how] + found.notes)
    if "no product found" in found.notes or found.confidence < 0.5:
        return "fail", measured + ": the product could not be told from the background" + dropped
    if found.confidence < SURE_CUTOUT or found.notes:
        return "warn", measured + ": check the cut-out" + dropped
    return "pass", measured + dropped
