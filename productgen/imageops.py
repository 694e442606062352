"""Image operations more than one capability uses: the unsharp mask (Enhance's sharpening, and the upscaler's after
the network), the white balance's parts (Enhance's, and Recognise's before it names colours) and the range check
every filter's argument goes through."""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from productgen.io.images import as_pixels, like

ImageLike = Image.Image | np.ndarray  # every operation takes and returns either


def check_range(name: str, value: float, low: float, high: float) -> float:
    if not isinstance(value, (int, float)) or not np.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}")
    return float(value)


def unsharp_mask(image: ImageLike, amount: float, radius: float = 1.0, threshold: int = 0,
                 luma: bool = False) -> ImageLike:
    """Sharpen: add ``amount`` (0..5) of the detail above a Gaussian blur of ``radius`` px (0.1..50),
    only where the detail exceeds ``threshold`` levels (0..255). With ``luma``, the detail is the brightness's
    (Rec. 601 luma) and is added to the three channels alike, so the colours' edges are not sharpened: no
    colour fringes, and less noise than sharpening each channel."""
    amount = check_range("sharpen amount", amount, 0.0, 5.0)
    radius = check_range("sharpen radius", radius, 0.1, 50.0)
    threshold = check_range("sharpen threshold", threshold, 0, 255)
    pixels = as_pixels(image)
    if amount == 0:
        return like(image, pixels)
    if luma:
        brightness = cv2.cvtColor(pixels.astype(np.float32), cv2.COLOR_RGB2GRAY)
        detail = brightness - cv2.GaussianBlur(brightness, (0, 0), radius)
        if threshold > 0:
            detail[np.abs(detail) <= threshold] = 0
        sharpened = pixels + amount * detail[:, :, None]
        return like(image, np.clip(np.rint(sharpened), 0, 255).astype(np.uint8))
    blurred = cv2.GaussianBlur(pixels, (0, 0), radius)
    sharpened = cv2.addWeighted(pixels, 1 + amount, blurred, -amount, 0)
    if threshold > 0:  # per channel, as in Pillow: keep the original where the detail is below the threshold
        np.copyto(sharpened, pixels, where=cv2.absdiff(pixels, blurred) <= threshold)
    return like(image, sharpened)


def white_balance_gains(image: ImageLike, reference: np.ndarray | None, target: float | None = None) -> np.ndarray:
    """Per-channel gains that make the ``reference`` pixels (bool mask, or all) neutral.

    With ``target`` (e.g. 255 for a background meant to be white) the reference's
    brightest channel mean maps to it; otherwise the mean grey is kept.
    """
    pixels = as_pixels(image)
    mask = reference.view(np.uint8) if reference is not None and reference.any() else None
    means = np.maximum(np.array(cv2.mean(pixels, mask=mask)[:3]), 1.0)
    level = target if target is not None else means.mean()
    return np.clip(level / means, 0.5, 2.0)


def apply_gains(image, gains):
    gains = np.asarray(gains, dtype=np.float64)
    if gains.shape != (3,) or not np.all(np.isfinite(gains)) or (gains <= 0).any():
        raise ValueError(f"white balance gains must be three positive numbers, got {gains.tolist()}")
    table = np.clip(np.rint(np.arange(256)[:, None] * gains[None, :]), 0, 255).astype(np.uint8)
    return like(image, cv2.LUT(as_pixels(image), table.reshape(256, 1, 3)))


def neutral_pixels(image: ImageLike, step: int = 1) -> np.ndarray:
    """Bool mask of the photo's near-grey pixels that are neither dark nor blown out: the true neutrals a
    white balance may be measured on (a coloured backdrop or product has none)."""
    hsv = cv2.cvtColor(np.ascontiguousarray(as_pixels(image)[::step, ::step]), cv2.COLOR_RGB2HSV)
    return (hsv[:, :, 1] < 40) & (hsv[:, :, 2] > 70) & (hsv[:, :, 2] < 250)
