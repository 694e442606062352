"""Naming the objects the cut-out dropped to keep only the product (``cutout.objects``): each is cut out onto white
and shown to the product classifier, and its guess is kept when the classifier is sure ("Casual Shoes at the
left"); otherwise the object is named by where it is and its size alone. Furniture behind the product (large and
cut by the frame) is not shown to it: the classifier knows products, not chests of drawers."""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

# a guess is said from this top-1 probability: the level at which the classifier's answers on real phone photos are
# 95% right (``recognise.pipeline.UNSURE_BELOW_PHONE``)
SURE_GUESS = 0.75
MARGIN = 0.04  # of the object's size, around it in its picture


def object_picture(pixels: np.ndarray, item) -> Image.Image:
    """The dropped object ``item`` (``cutout.objects.Dropped``) cut from the photo ``pixels`` onto white."""
    height, width = pixels.shape[:2]
    left, top, right, bottom = item.box
    pad_x, pad_y = MARGIN * (right - left), MARGIN * (bottom - top)
    x0, x1 = max(0, int((left - pad_x) * width)), min(width, int(np.ceil((right + pad_x) * width)))
    y0, y1 = max(0, int((top - pad_y) * height)), min(height, int(np.ceil((bottom + pad_y) * height)))
    rows, columns = item.region.shape
    region = item.region[int(y0 / height * rows):max(int(y0 / height * rows) + 1, int(np.ceil(y1 / height * rows))),
                         int(x0 / width * columns):max(int(x0 / width * columns) + 1,
                                                       int(np.ceil(x1 / width * columns)))]
    inside = cv2.resize(region.view(np.uint8) * np.uint8(255), (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    weight = (inside.astype(np.float32) / 255.0)[:, :, None]
    crop = pixels[y0:y1, x0:x1].astype(np.float32)
    return Image.fromarray(np.rint(crop * weight + 255.0 * (1.0 - weight)).astype(np.uint8))


@lru_cache(maxsize=1)
def _shipped_classifier():
    """The shipped classifier, loaded once per process (read-only, shared as the cut-out model is)."""
    from productgen.recognise.network import load_classifier

    return load_classifier()


def name_objects(pixels: np.ndarray, dropped: list, classifier=None) -> None:
    """Set ``guess`` on each of ``dropped`` the classifier (the shipped one by default) is sure of (``SURE_GUESS``,
    not "unknown"); in place. Without the classifier's weights nothing is named."""
    from productgen.recognise.pipeline import recognise_batch
    from productgen.store.weights import WeightsError

    shown = [item for item in dropped if item.where != "behind"]
    if not shown:
        return
    try:
        classifier = classifier or _shipped_classifier()
        results = recognise_batch([object_picture(pixels, item) for item in shown], classifier)
    except (WeightsError, FileNotFoundError):
        return
    for item, result in zip(shown, results):
        name, probability = result.categories[0]
        if not result.unknown and probability >= SURE_GUESS:
            item.guess = name
