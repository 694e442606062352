"""Photo enhancement filters (pure functions, RGB image in, RGB image of the same size out), and the settings
that chain them (``EnhanceSettings``, chosen per photo by ``choose_settings``).

An image is a PIL image or an (H, W, 3) uint8 array, and comes back as the same
type (pipelines pass arrays between steps and convert once).

Each checks its arguments and raises ``ValueError`` naming the bad one. Pixel
work runs in OpenCV and NumPy (lookup tables and separable blurs are an order of
magnitude faster than Pillow's filters on large photos); Pillow is for I/O.
Every filter is the identity at its neutral setting (factor 1, amount 0, ...).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import cv2
import numpy as np

from productgen.imageops import (  # noqa: F401 - the white balance's parts, also Enhance's
    ImageLike,
    apply_gains,
    check_range,
    neutral_pixels,
    unsharp_mask,
    white_balance_gains,
)
from productgen.io.images import as_pixels, like

WHITE_BALANCE_SOURCES = ("off", "background", "product", "neutral")


def _lut(image, table: np.ndarray):
    table = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    return like(image, cv2.LUT(as_pixels(image), table))


def adjust_brightness(image: ImageLike, factor: float) -> ImageLike:
    """Scale every channel by ``factor`` (0..3; 1 = unchanged)."""
    factor = check_range("brightness", factor, 0.0, 3.0)
    return _lut(image, np.arange(256) * factor)


def adjust_contrast(image: ImageLike, factor: float) -> ImageLike:
    """Stretch around the image's mean grey by ``factor`` (0..3; 1 = unchanged)."""
    factor = check_range("contrast", factor, 0.0, 3.0)
    mean = float(cv2.mean(cv2.cvtColor(as_pixels(image), cv2.COLOR_RGB2GRAY))[0])
    return _lut(image, (np.arange(256) - mean) * factor + mean)


def adjust_saturation(image: ImageLike, factor: float) -> ImageLike:
    """Blend with the greyscale image by ``factor`` (0 = grey, 1 = unchanged, up to 3)."""
    factor = check_range("saturation", factor, 0.0, 3.0)
    pixels = as_pixels(image)
    grey = cv2.cvtColor(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return like(image, cv2.addWeighted(pixels, factor, grey, 1 - factor, 0))


def adjust_exposure(image: ImageLike, stops: float) -> ImageLike:
    """Brighten (or darken) by photographic stops (-3..3) in linear light; 0 = unchanged."""
    stops = check_range("exposure", stops, -3.0, 3.0)
    linear = (np.arange(256) / 255.0) ** 2.2 * (2.0 ** stops)
    return _lut(image, np.clip(linear, 0, 1) ** (1 / 2.2) * 255)


def adjust_gamma(image: ImageLike, gamma: float) -> ImageLike:
    """Mid-tone curve: ``gamma`` > 1 brightens mid-tones, < 1 darkens (0.2..5; 1 = unchanged)."""
    gamma = check_range("gamma", gamma, 0.2, 5.0)
    return _lut(image, (np.arange(256) / 255.0) ** (1 / gamma) * 255)


def auto_levels(image: ImageLike, clip_percent: float = 0.5, mask: np.ndarray | None = None) -> ImageLike:
    """Set the black and white points from the ``mask`` pixels (the product; all when None), ignoring
    ``clip_percent`` (0..10) at each end. All channels get the same curve, so hues are kept.

    Only a near-black darkest tone is pulled to black and a light brightest tone to white, so a white
    or a dark product keeps its character instead of being stretched to full range.
    """
    clip_percent = check_range("levels clip percent", clip_percent, 0.0, 10.0)
    pixels = as_pixels(image)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    selection = mask.view(np.uint8) if mask is not None and mask.any() else None
    cumulative = np.cumsum(cv2.calcHist([grey], [0], selection, [256], [0, 256]).ravel())
    cumulative /= max(cumulative[-1], 1.0)
    low = float(np.searchsorted(cumulative, clip_percent / 100))
    high = float(np.searchsorted(cumulative, 1 - clip_percent / 100))
    black = low if low <= 60 else 0.0
    white = high if high >= 180 else 255.0
    if white - black < 64:  # a flat image has nothing to stretch
        return like(image, pixels)
    return _lut(image, (np.arange(256) - black) * 255.0 / (white - black))


def denoise(image: ImageLike, strength: float) -> ImageLike:
    """Non-local-means denoising of ``strength`` (0..30; 0 = off). Slow on big photos: opt-in."""
    strength = check_range("denoise strength", strength, 0.0, 30.0)
    if strength == 0:
        return like(image, as_pixels(image))
    return like(image, cv2.fastNlMeansDenoisingColored(as_pixels(image), None, strength, strength, 7, 21))


@dataclass
class EnhanceSettings:
    """The manual controls; ``apply_enhancements`` applies them in a fixed order."""

    white_balance: str = "off"
    levels_clip: float = 0.0
    exposure: float = 0.0
    gamma: float = 1.0
    brightness: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0
    sharpen_amount: float = 0.0
    sharpen_radius: float = 1.0
    sharpen_threshold: int = 0
    denoise: float = 0.0

    def __post_init__(self):
        if self.white_balance not in WHITE_BALANCE_SOURCES:
            raise ValueError(f"white_balance must be one of {WHITE_BALANCE_SOURCES}, got {self.white_balance!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "EnhanceSettings":
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown enhancement settings {sorted(unknown)}; known: {sorted(known)}")
        return cls(**values)


def neutral_gains(image: ImageLike) -> np.ndarray | None:
    """Gains that make the photo's true neutrals grey, gently (each within 0.85..1.18), or None when under
    3% of the photo is neutral: then nothing in it is known to be grey, and a guess would cast the product."""
    step = max(1, max(as_pixels(image).shape[:2]) // 512)
    neutral = neutral_pixels(image, step)
    if neutral.mean() < 0.03:
        return None
    gains = white_balance_gains(np.ascontiguousarray(as_pixels(image)[::step, ::step]), neutral)
    return np.clip(gains, 0.85, 1.18)


def measure_gains(image: ImageLike, settings: EnhanceSettings, background: np.ndarray | None) -> np.ndarray | None:
    """The white-balance gains ``settings`` ask for (None when white balance is off or nothing is neutral)."""
    if settings.white_balance == "background" and background is not None and background.any():
        return white_balance_gains(image, background, target=255.0)
    if settings.white_balance == "neutral":
        return neutral_gains(image)
    if settings.white_balance != "off":
        return white_balance_gains(image, ~background if background is not None else None)
    return None


def apply_enhancements(image: ImageLike, settings: EnhanceSettings, background: np.ndarray | None = None,
                       gains: np.ndarray | None = None) -> ImageLike:
    """Apply ``settings``; ``background`` (bool mask, True = background) guides white balance and levels.

    ``gains`` are white-balance gains measured beforehand (on the whole photo when only a crop of it is
    enhanced); by default they are measured on ``image``.
    """
    product = ~background if background is not None else None
    if settings.denoise:
        image = denoise(image, settings.denoise)
    if gains is None:
        gains = measure_gains(image, settings, background)
    if gains is not None and settings.white_balance != "off":
        image = apply_gains(image, gains)
    if settings.levels_clip:
        image = auto_levels(image, settings.levels_clip, product)
    if settings.exposure:
        image = adjust_exposure(image, settings.exposure)
    steps = [(adjust_gamma, settings.gamma), (adjust_brightness, settings.brightness),
             (adjust_contrast, settings.contrast), (adjust_saturation, settings.saturation)]
    for function, value in steps:
        if value != 1.0:
            image = function(image, value)
    if settings.sharpen_amount:
        image = unsharp_mask(image, settings.sharpen_amount, settings.sharpen_radius, settings.sharpen_threshold)
    return like(image, as_pixels(image))


def choose_settings(image: ImageLike, background: np.ndarray | None = None,
                    clean_backdrop: bool = True) -> EnhanceSettings:
    """Pick settings from the photo: white balance from its background when that is a clean backdrop (else
    from the photo's true neutrals, never from a coloured surface), levels on the product, saturation and
    sharpening scaled to how flat and how large it is."""
    pixels = as_pixels(image)
    longest = max(pixels.shape[:2])
    step = max(1, longest // 512)  # the statistics below need no more than ~512 px a side
    pixels, background = pixels[::step, ::step], background[::step, ::step] if background is not None else None
    has_background = background is not None and background.mean() > 0.05
    product = np.ascontiguousarray(~background).view(np.uint8) if background is not None and (~background).any() \
        else None
    hsv = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2HSV)
    mean_saturation = cv2.mean(hsv, mask=product)[1] / 255.0
    saturation = 1.15 if 0.08 < mean_saturation < 0.5 else 1.0
    white_balance = ("background" if has_background else "product") if clean_backdrop else "neutral"
    return EnhanceSettings(
        white_balance=white_balance,
        levels_clip=0.5,
        saturation=saturation,
        sharpen_amount=0.6 if longest >= 800 else 0.3,
        sharpen_radius=max(0.8, longest / 1500),
        sharpen_threshold=3,
    )
