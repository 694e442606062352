"""Putting a cut-out product on a marketplace's canvas: the product composited on pure white (its fringe whitened, a
soft contact shadow if asked), measured, and framed to the canvas size, enlarged by the upscaler when small."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from productgen.cutout.segment import product_box
from productgen.io.images import as_pixels, like

WHITE = (255, 255, 255)


FRINGE = 0.006


SHADOW_SIDE = 256  # the contact shadow is drawn and blurred at most this many px on a side, then enlarged


def paint_white(pixels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Set ``pixels`` to (255, 255, 255) where ``mask`` is True, in place (10x faster than numpy indexing)."""
    if mask.size < 64:  # OpenCV reads a scalar as a matrix when the image is tiny
        pixels[mask] = 255
        return pixels
    cv2.bitwise_or(pixels, (255, 255, 255, 0), dst=pixels, mask=np.ascontiguousarray(mask).view(np.uint8))
    return pixels


def whiten_fringe(pixels: np.ndarray, background: np.ndarray, tolerance: int = 24,
                  width: int | None = None) -> np.ndarray:
    """Grow ``background`` into the near-white fringe around the product and paint that fringe white, in place.

    Resizing and JPEG leave a halo of almost-white pixels (240-254) just outside the product's edge; a
    marketplace's checker counts them as off-white background. Only pixels within ``tolerance`` (sum of RGB
    differences) of pure white and connected to the background are taken, at most ``width`` px deep (default
    ``FRINGE`` of the longer side), so a white product behind a darker outline keeps its pixels. Returns the grown mask.
    """
    if width is None:
        width = max(1, round(max(pixels.shape[:2]) * FRINGE))
    # sum of the three channels' distance to 255; saturating at 255 is harmless as tolerance < 255
    distance = cv2.transform(cv2.bitwise_not(pixels), np.ones((1, 3), np.float32))
    near_white = cv2.inRange(distance, 0, tolerance) // 255
    grown = background.view(np.uint8).copy()
    count = cv2.countNonZero(grown)
    kernel = np.ones((3, 3), np.uint8)
    for _ in range(width):  # geodesic dilation: one pixel per pass, only through near-white pixels
        grown = cv2.bitwise_or(cv2.bitwise_and(cv2.dilate(grown, kernel), near_white), grown)
        count, before = cv2.countNonZero(grown), count
        if count == before:
            break
    grown = grown.view(bool)
    paint_white(pixels, grown & ~background)
    return grown


def transparent_product(image: Image.Image, background: np.ndarray, feather: float = 1.0) -> Image.Image:
    """RGBA image: the product on a transparent background, with a ``feather``-px soft edge."""
    product = (~background).astype(np.float32)
    if feather > 0:
        product = np.clip(2 * cv2.GaussianBlur(product, (0, 0), feather) - 0.5, 0, 1)
    alpha = np.rint(product * 255).astype(np.uint8)
    return Image.fromarray(np.dstack([as_pixels(image), alpha]), "RGBA")


def add_contact_shadow(image: Image.Image, background: np.ndarray, strength: float = 0.25) -> Image.Image:
    """A soft grey ellipse under the product's base, drawn on the background only (0..1 strength)."""
    if not 0 <= strength <= 1:
        raise ValueError(f"shadow strength must be between 0 and 1, got {strength}")
    box = product_box(background)
    if box is None or strength == 0:
        return like(image, as_pixels(image))
    left, top, right, bottom = box
    height, width = background.shape
    # drawn and blurred on a copy of at most SHADOW_SIDE px: a soft ellipse has no detail to lose, and a
    # blur of a few hundred px on a 3000 px canvas would take seconds
    scale = min(1.0, SHADOW_SIDE / max(height, width))
    small = (max(1, round(width * scale)), max(1, round(height * scale)))
    shadow = np.zeros((small[1], small[0]), np.float32)
    centre = (round((left + right) / 2 * scale), min(small[1] - 1, round(bottom * scale)))
    axes = (max(1, round((right - left) / 2 * scale)), max(1, round((bottom - top) / 20 * scale)))
    cv2.ellipse(shadow, centre, axes, 0, 0, 360, 1.0, -1)
    shadow = cv2.GaussianBlur(shadow, (0, 0), max(2.0 * scale, axes[1] * 1.5)) * strength
    # enlarged in one OpenCV call, but only the rows and columns the blurred ellipse reaches are multiplied: the
    # rest of a large canvas (most of it) would cost a float copy and a multiply for nothing
    rows, columns = np.nonzero(shadow.max(axis=1) * 255 >= 0.5)[0], np.nonzero(shadow.max(axis=0) * 255 >= 0.5)[0]
    pixels = as_pixels(image).copy()
    if rows.size == 0:
        return like(image, pixels)
    top, bottom = int(rows[0] / scale), min(height, int(np.ceil((rows[-1] + 1) / scale)))
    left, right = int(columns[0] / scale), min(width, int(np.ceil((columns[-1] + 1) / scale)))
    region = cv2.resize(shadow, (width, height), interpolation=cv2.INTER_LINEAR)[top:bottom, left:right]
    region[~background[top:bottom, left:right]] = 0
    patch = pixels[top:bottom, left:right].astype(np.float32) * (1 - region[:, :, None])
    pixels[top:bottom, left:right] = np.clip(np.rint(patch), 0, 255).astype(np.uint8)
    return like(image, pixels)


def count_not_white(pixels: np.ndarray, where: np.ndarray, level: int = 250) -> int:
    """How many pixels under ``where`` have a channel below ``level`` (OpenCV: a 3000 px canvas in about 20 ms,
    where numpy's ``(pixels < level).any(axis=2)`` took 0.4 s)."""
    white = cv2.inRange(np.ascontiguousarray(pixels), (level,) * 3, (255,) * 3)
    return cv2.countNonZero(cv2.bitwise_and(cv2.bitwise_not(white), np.ascontiguousarray(where).view(np.uint8)))


@dataclass
class Framed:
    image: Image.Image | np.ndarray
    background: np.ndarray
    scale: float  # how much the product was enlarged (>1) or shrunk
    warnings: list[str]
    upscaled_by_model: bool = False  # the enlargement was drawn by the x4 upscaler (``upscale.upscaler``)


# the upscaler's time grows with its input: a product over this is enlarged by Lanczos (shrinking it first so the
# model could take it cost more than it gave: on held-out real photos at x2.4, shrinking to 0.8 of the side
# dropped PSNR from 31.6 to 29.3 dB, below Lanczos's 30.9); at this size the model (with its mirror average) takes
# 3.8 s on one thread of a 2-core AMD EPYC without AVX-512 (2.4 s on two; one pass took 2.0 s and 1.1 s)
MODEL_MAX_PIXELS = 400_000


SOFT_BEYOND = {"lanczos": 2.0, "model": 5.0}  # past these a product looks soft (the model: x4, then <= 1.25x resample)


def frame_product(image, background: np.ndarray, canvas: tuple[int, int], fill: float = 0.85,
                  upscaler: str = "lanczos", whiten: bool = True) -> Framed:
    """Trim to the product, scale it so its longer side fills ``fill`` of the canvas, centre it on white.

    With ``whiten``, the background left inside the trimmed box becomes pure white too, and so does the
    near-white fringe along the product's edge (see ``whiten_fringe``); the trim is then taken again, so a
    halo or faint shadow that turned out to be background does not shrink the product on the canvas.
    With ``upscaler="model"``, an enlargement of more than 1.5x is drawn by the x4 upscaler (``upscale.upscaler``),
    which puts back detail Lanczos smears (a product over ``MODEL_MAX_PIXELS`` goes to Lanczos). Warns when
    the product had to be enlarged more than the method does well (``SOFT_BEYOND``: it will look soft).
    """
    if not 0.1 <= fill <= 1.0:
        raise ValueError(f"fill must be between 0.1 and 1.0, got {fill}")
    width, height = canvas
    if width < 1 or height < 1:
        raise ValueError(f"canvas must be at least 1x1, got {canvas}")
    pixels = as_pixels(image)
    box = product_box(background) or (0, 0, pixels.shape[1], pixels.shape[0])
    crop = pixels[box[1]:box[3], box[0]:box[2]]
    crop_mask = background[box[1]:box[3], box[0]:box[2]]
    scale = min(width * fill / crop.shape[1], height * fill / crop.shape[0])
    if whiten:
        crop = crop.copy()  # whitened in place below; the caller's photo stays as it was
        fringe = max(1, round(max(canvas) * FRINGE / scale))  # FRINGE of the canvas, in the photo's pixels
        crop_mask = whiten_fringe(crop, crop_mask, width=fringe)
        inner = product_box(crop_mask)
        if inner is not None and inner != (0, 0, crop.shape[1], crop.shape[0]):
            rows, columns = slice(inner[1], inner[3]), slice(inner[0], inner[2])
            crop, crop_mask = crop[rows, columns], crop_mask[rows, columns]
            scale = min(width * fill / crop.shape[1], height * fill / crop.shape[0])
    crop_height, crop_width = crop.shape[:2]
    size = (max(1, round(crop_width * scale)), max(1, round(crop_height * scale)))
    by_model = upscaler == "model" and scale > 1.5 and crop_height * crop_width <= MODEL_MAX_PIXELS
    if by_model:
        from productgen.upscale.upscaler import enlarge_pixels  # torch: imported only when a product is enlarged

        resized = enlarge_pixels([np.ascontiguousarray(crop)], size)[0]
    else:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LANCZOS4
        resized = cv2.resize(crop, size, interpolation=interpolation)
    resized_mask = cv2.resize(crop_mask.view(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    if whiten:
        paint_white(resized, resized_mask)
    out = np.full((height, width, 3), 255, np.uint8)
    out_mask = np.ones((height, width), bool)
    left, top = (width - size[0]) // 2, (height - size[1]) // 2
    out[top:top + size[1], left:left + size[0]] = resized
    out_mask[top:top + size[1], left:left + size[0]] = resized_mask
    warnings = []
    limit = SOFT_BEYOND["model" if by_model else "lanczos"]
    if scale > limit:
        warnings.append(f"the product was enlarged {scale:.1f}x to fill the frame and will look soft; "
                        f"use a photo at least {round(max(crop_width, crop_height) * scale / limit)} px "
                        "across the product")
    return Framed(like(image, out), out_mask, scale, warnings, by_model)
