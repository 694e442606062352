"""The product's own colour at its soft edge, so that nothing of the surface shows on white.

Along the outline the cut-out's alpha is between 0 and 1, and the photo's pixel there is a mix of the product and
the surface: ``I = a F + (1 - a) B``. Blending that pixel onto white keeps the surface's share of it, and on a red
bedspread a denim jacket gets a red fringe. Matting tools estimate the foreground colour ``F`` first and blend it
instead; we do it by blur fusion (Forte and Pitié, "Approximate Fast Foreground Colour Estimation", ICIP 2021):
the mean product colour and the mean surface colour around each pixel, weighted by alpha, and the pixel's
residual shared out by alpha. Two passes, a wide one and a narrow one; box blurs only, so it costs milliseconds
and needs no model.
"""
from __future__ import annotations

import cv2
import numpy as np

SOFT = (0.004, 0.996)  # alpha strictly between these is an edge pixel whose colour is estimated
# the two passes' box radii as shares of the picture's longer side: 45 and 3 px at 2000 px, boxes of 91 and 7 (the
# paper's boxes are 90 and 6 px wide on its 1-2 megapixel pictures)
WIDE, NARROW = 0.0225, 0.0015
WORK_SIDE = 768  # the local means are smooth: they are taken on a copy at most this large, the blend at full size


def _blurred(values: np.ndarray, radius: int) -> np.ndarray:
    size = 2 * radius + 1
    return cv2.blur(values, (size, size), borderType=cv2.BORDER_REFLECT)


def _means(foreground: np.ndarray, background: np.ndarray, alpha: np.ndarray, radius: int):
    """The alpha-weighted mean product colour and the (1 - alpha)-weighted mean surface colour around each pixel."""
    weight = _blurred(alpha, radius)[:, :, None]
    near_product = _blurred(foreground * alpha[:, :, None], radius) / (weight + 1e-5)
    near_surface = _blurred(background * (1 - alpha)[:, :, None], radius) / (1 - weight + 1e-5)
    return near_product, near_surface


def _fused(image: np.ndarray, alpha: np.ndarray, near_product: np.ndarray, near_surface: np.ndarray) -> np.ndarray:
    """Blur fusion's estimate: the product's mean colour near the pixel plus its share of the pixel's residual."""
    a = alpha[..., None]
    return np.clip(near_product + a * (image - a * near_product - (1 - a) * near_surface), 0.0, 1.0)


def _at(values: np.ndarray, rows: np.ndarray, columns: np.ndarray, scale: tuple[float, float]) -> np.ndarray:
    """``values`` (h, w, 3) sampled bilinearly at the pixel centres (``rows``, ``columns``) of the full-size picture,
    which ``values`` shows ``scale`` (rows, columns) times as large: (n, 3)."""
    count, width = len(rows), 1024  # cv2.remap takes maps under 32767 px a side: the points laid out in rows
    height = -(-count // width)
    x = np.zeros(height * width, np.float32)
    y = np.zeros(height * width, np.float32)
    x[:count] = (columns + 0.5) * scale[1] - 0.5
    y[:count] = (rows + 0.5) * scale[0] - 0.5
    sampled = cv2.remap(values, x.reshape(height, width), y.reshape(height, width), cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
    return sampled.reshape(-1, values.shape[2])[:count]


def foreground_colours(pixels: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``pixels`` (uint8 RGB, (h, w, 3)) with each soft-edge pixel (float ``alpha`` between ``SOFT``'s 0.004 and
    0.996) replaced by the product's estimated colour there; every other pixel is returned as it is. The local means
    are taken around the edge's box on a copy at most ``WORK_SIDE`` px (they are smooth); each edge pixel is then
    blended at full size."""
    if pixels.ndim != 3 or pixels.shape[2] != 3 or alpha.shape != pixels.shape[:2]:
        raise ValueError(f"foreground_colours takes an (h, w, 3) picture and its (h, w) alpha, got {pixels.shape} "
                         f"and {alpha.shape}")
    if not np.issubdtype(alpha.dtype, np.floating):
        raise ValueError(f"alpha must be float (1 = product), got {alpha.dtype}")
    alpha = np.clip(np.nan_to_num(alpha.astype(np.float32, copy=False)), 0.0, 1.0)
    soft = (alpha > SOFT[0]) & (alpha < SOFT[1])
    if not soft.any():
        return pixels
    rows, columns = np.nonzero(soft.any(axis=1))[0], np.nonzero(soft.any(axis=0))[0]
    longest = max(pixels.shape[:2])
    reach = max(3, round(WIDE * longest))
    top, bottom = max(0, rows[0] - reach), min(pixels.shape[0], rows[-1] + reach + 1)
    left, right = max(0, columns[0] - reach), min(pixels.shape[1], columns[-1] + reach + 1)
    box = pixels[top:bottom, left:right]
    part = np.ascontiguousarray(alpha[top:bottom, left:right])
    factor = min(1.0, WORK_SIDE / max(part.shape))
    small_image, small_alpha = box, part
    if factor < 1.0:
        size = (max(1, round(part.shape[1] * factor)), max(1, round(part.shape[0] * factor)))
        small_image = cv2.resize(box, size, interpolation=cv2.INTER_AREA)
        small_alpha = cv2.resize(part, size, interpolation=cv2.INTER_AREA)
    small_image = small_image.astype(np.float32) / 255.0
    wide, narrow = max(2, round(WIDE * longest * factor)), max(1, round(NARROW * longest * factor))
    near_product, near_surface = _means(small_image, small_image, small_alpha, wide)
    first = _fused(small_image, small_alpha, near_product, near_surface)
    near_product, near_surface = _means(first, near_surface, small_alpha, narrow)
    edge_rows, edge_columns = np.nonzero(soft[top:bottom, left:right])
    scale = (small_alpha.shape[0] / part.shape[0], small_alpha.shape[1] / part.shape[1])
    estimate = _fused(box[edge_rows, edge_columns].astype(np.float32) / 255.0, part[edge_rows, edge_columns],
                      _at(near_product, edge_rows, edge_columns, scale),
                      _at(near_surface, edge_rows, edge_columns, scale))
    result = pixels.copy()
    result[edge_rows + top, edge_columns + left] = np.rint(estimate * 255.0).astype(np.uint8)
    return result
