"""Photo enhancement filters: pure functions, RGB PIL image in, RGB PIL image of the same size out.

Each checks its arguments and raises ``ValueError`` naming the bad one. Pixel
work runs in OpenCV and NumPy (lookup tables and separable blurs are an order of
magnitude faster than Pillow's filters on large photos); Pillow is for I/O.
Every filter is the identity at its neutral setting (factor 1, amount 0, ...).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import cv2
import numpy as np
from PIL import Image

WHITE_BALANCE_SOURCES = ("off", "background", "product")


def _check_range(name: str, value: float, low: float, high: float) -> float:
    if not isinstance(value, (int, float)) or not np.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}")
    return float(value)


def _pixels(image: Image.Image) -> np.ndarray:
    if not isinstance(image, Image.Image):
        raise ValueError(f"image must be a PIL image, got {type(image).__name__}")
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def _lut(image: Image.Image, table: np.ndarray) -> Image.Image:
    table = np.clip(np.rint(table), 0, 255).astype(np.uint8)
    return Image.fromarray(cv2.LUT(_pixels(image), table))


def adjust_brightness(image: Image.Image, factor: float) -> Image.Image:
    """Scale every channel by ``factor`` (0..3; 1 = unchanged)."""
    factor = _check_range("brightness", factor, 0.0, 3.0)
    return _lut(image, np.arange(256) * factor)


def adjust_contrast(image: Image.Image, factor: float) -> Image.Image:
    """Stretch around the image's mean grey by ``factor`` (0..3; 1 = unchanged)."""
    factor = _check_range("contrast", factor, 0.0, 3.0)
    mean = float(cv2.mean(cv2.cvtColor(_pixels(image), cv2.COLOR_RGB2GRAY))[0])
    return _lut(image, (np.arange(256) - mean) * factor + mean)


def adjust_saturation(image: Image.Image, factor: float) -> Image.Image:
    """Blend with the greyscale image by ``factor`` (0 = grey, 1 = unchanged, up to 3)."""
    factor = _check_range("saturation", factor, 0.0, 3.0)
    pixels = _pixels(image)
    grey = cv2.cvtColor(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return Image.fromarray(cv2.addWeighted(pixels, factor, grey, 1 - factor, 0))


def adjust_exposure(image: Image.Image, stops: float) -> Image.Image:
    """Brighten (or darken) by photographic stops (-3..3) in linear light; 0 = unchanged."""
    stops = _check_range("exposure", stops, -3.0, 3.0)
    linear = (np.arange(256) / 255.0) ** 2.2 * (2.0 ** stops)
    return _lut(image, np.clip(linear, 0, 1) ** (1 / 2.2) * 255)


def adjust_gamma(image: Image.Image, gamma: float) -> Image.Image:
    """Mid-tone curve: ``gamma`` > 1 brightens mid-tones, < 1 darkens (0.2..5; 1 = unchanged)."""
    gamma = _check_range("gamma", gamma, 0.2, 5.0)
    return _lut(image, (np.arange(256) / 255.0) ** (1 / gamma) * 255)


def unsharp_mask(image: Image.Image, amount: float, radius: float = 1.0, threshold: int = 0) -> Image.Image:
    """Sharpen: add ``amount`` (0..5) of the detail above a Gaussian blur of ``radius`` px (0.1..50),
    only where the detail exceeds ``threshold`` levels (0..255)."""
    amount = _check_range("sharpen amount", amount, 0.0, 5.0)
    radius = _check_range("sharpen radius", radius, 0.1, 50.0)
    threshold = _check_range("sharpen threshold", threshold, 0, 255)
    pixels = _pixels(image)
    if amount == 0:
        return Image.fromarray(pixels)
    blurred = cv2.GaussianBlur(pixels, (0, 0), radius)
    sharpened = cv2.addWeighted(pixels, 1 + amount, blurred, -amount, 0)
    if threshold > 0:  # per channel, as in Pillow: keep the original where the detail is below the threshold
        np.copyto(sharpened, pixels, where=cv2.absdiff(pixels, blurred) <= threshold)
    return Image.fromarray(sharpened)


def white_balance_gains(image: Image.Image, reference: np.ndarray | None, target: float | None = None) -> np.ndarray:
    """Per-channel gains that make the ``reference`` pixels (bool mask, or all) neutral.

    With ``target`` (e.g. 255 for a background meant to be white) the reference's
    brightest channel mean maps to it; otherwise the mean grey is kept.
    """
    pixels = _pixels(image)
    mask = reference.view(np.uint8) if reference is not None and reference.any() else None
    means = np.maximum(np.array(cv2.mean(pixels, mask=mask)[:3]), 1.0)
    level = target if target is not None else means.mean()
    return np.clip(level / means, 0.5, 2.0)


def apply_gains(image: Image.Image, gains) -> Image.Image:
    gains = np.asarray(gains, dtype=np.float64)
    if gains.shape != (3,) or not np.all(np.isfinite(gains)) or (gains <= 0).any():
        raise ValueError(f"white balance gains must be three positive numbers, got {gains.tolist()}")
    pixels = _pixels(image)
    channels = [cv2.LUT(pixels[:, :, i], np.clip(np.rint(np.arange(256) * g), 0, 255).astype(np.uint8))
                for i, g in enumerate(gains)]
    return Image.fromarray(np.dstack(channels))


def auto_levels(image: Image.Image, clip_percent: float = 0.5, mask: np.ndarray | None = None) -> Image.Image:
    """Set the black and white points from the ``mask`` pixels (the product; all when None), ignoring
    ``clip_percent`` (0..10) at each end. All channels get the same curve, so hues are kept.

    Only a near-black darkest tone is pulled to black and a light brightest tone to white, so a white
    or a dark product keeps its character instead of being stretched to full range.
    """
    clip_percent = _check_range("levels clip percent", clip_percent, 0.0, 10.0)
    pixels = _pixels(image)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    chosen = grey[mask] if mask is not None and mask.any() else grey.reshape(-1)
    low, high = np.percentile(chosen, [clip_percent, 100 - clip_percent])
    black = low if low <= 60 else 0.0
    white = high if high >= 180 else 255.0
    if white - black < 64:  # a flat image has nothing to stretch
        return Image.fromarray(pixels)
    return _lut(image, (np.arange(256) - black) * 255.0 / (white - black))


def denoise(image: Image.Image, strength: float) -> Image.Image:
    """Non-local-means denoising of ``strength`` (0..30; 0 = off). Slow on big photos: opt-in."""
    strength = _check_range("denoise strength", strength, 0.0, 30.0)
    if strength == 0:
        return image.convert("RGB")
    return Image.fromarray(cv2.fastNlMeansDenoisingColored(_pixels(image), None, strength, strength, 7, 21))


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


def apply_enhancements(image: Image.Image, settings: EnhanceSettings,
                       background: np.ndarray | None = None) -> Image.Image:
    """Apply ``settings``; ``background`` (bool mask, True = background) guides white balance and levels."""
    product = ~background if background is not None else None
    if settings.denoise:
        image = denoise(image, settings.denoise)
    if settings.white_balance == "background" and background is not None and background.any():
        image = apply_gains(image, white_balance_gains(image, background, target=255.0))
    elif settings.white_balance != "off":
        image = apply_gains(image, white_balance_gains(image, product))
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
    return image.convert("RGB")


def choose_settings(image: Image.Image, background: np.ndarray | None = None) -> EnhanceSettings:
    """Pick settings from the photo: white balance from its background (or product), levels on the product,
    saturation and sharpening scaled to how flat and how large it is."""
    pixels = _pixels(image)
    product = ~background if background is not None and background.any() else None
    has_background = background is not None and background.mean() > 0.05
    hsv = cv2.cvtColor(pixels, cv2.COLOR_RGB2HSV)
    chroma = hsv[:, :, 1][product] if product is not None else hsv[:, :, 1].reshape(-1)
    mean_saturation = float(chroma.mean()) / 255.0 if chroma.size else 0.0
    saturation = 1.15 if 0.08 < mean_saturation < 0.5 else 1.0
    longest = max(image.size)
    return EnhanceSettings(
        white_balance="background" if has_background else "product",
        levels_clip=0.5,
        saturation=saturation,
        sharpen_amount=0.6 if longest >= 800 else 0.3,
        sharpen_radius=max(0.8, longest / 1500),
        sharpen_threshold=3,
    )


def auto_enhance(image: Image.Image, background: np.ndarray | None = None) -> tuple[Image.Image, EnhanceSettings]:
    """One-click enhancement: returns the result and the settings chosen (for the sliders to start from)."""
    settings = choose_settings(image, background)
    return apply_enhancements(image, settings, background), settings
