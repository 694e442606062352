"""Naming a product's colours as a person names them: on the product's own pixels, after white balance, in the
words people use for clothes.

Three steps, each because a phone photo is not a catalogue photo:

1. **The photo as a person sees it** (``scene_gains``). A white shirt on a bed under a warm lamp is orange-grey
   in the pixels and a navy polo in a dim room is near black; a person discounts both. The gains make the
   photo's bright true neutrals grey (Enhance's ``neutral_pixels`` and ``white_balance_gains``; gently, each
   within 0.8..1.25, as a coloured surface must not cast the product); when nothing in the photo is neutral,
   the surface around the product is taken as white if its cast is one a lamp or daylight gives (yellow to
   blue), never a red carpet or a green wall. Then a dim product and its surroundings are lifted until their
   brightest tones are near white (at most x1.6). A product on a white backdrop is left as it is: its backdrop
   is already white.
2. **The product's pixels only**: the background (the cut-out's mask, else ``find_background``) is left out, so
   a red shirt on white is "Red", not "White".
3. **Names from a vocabulary of clothes** (``PALETTE``, with more typical values in ``SHADES``): each pixel
   takes the nearest name in CIELAB with lightness weighted half (exposure moves lightness far more than hue;
   the textile industry's CMC l:c = 2:1 weighs it so too). Names fall into families (``FAMILY``): the
   product's colours are its largest families, and each family is named from its lit parts (the 70th
   percentile of lightness, the median hue), so the shaded folds of a white shirt do not make it "Grey" nor
   the sheen on a black one "Charcoal".

``dominant_colours`` returns the product's colours as :class:`ColourTag`, largest first; ``local_name`` says a
name in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from productgen.cutout.segment import find_background
from productgen.i18n import locale
from productgen.imageops import apply_gains, neutral_pixels, white_balance_gains

# The names, with a typical sRGB value each: the catalogue's own names (Navy Blue, Maroon...) and those people
# use for clothes that it lacks (Denim Blue, Light Blue, Turquoise).
PALETTE: dict[str, str] = {
    "Black": "#1c1c1c", "Charcoal": "#5e6166", "Grey": "#8a8d91", "White": "#f7f7f5", "Cream": "#efe6cf",
    "Beige": "#d6c3a1", "Khaki": "#b3a176", "Tan": "#c19a6b", "Brown": "#6f4a2f", "Maroon": "#6e1e2b",
    "Red": "#c62b2b", "Pink": "#ef9ab5", "Magenta": "#c0267c", "Purple": "#6a3f97", "Lavender": "#b7a6d8",
    "Navy Blue": "#232d4b", "Blue": "#2f6cc0", "Denim Blue": "#5b7aa6", "Light Blue": "#a7c4e0", "Teal": "#1f7e80",
    "Turquoise": "#3fc1c0", "Green": "#2f8a45", "Olive": "#6b6b30", "Yellow": "#f0cf2e", "Orange": "#ee8a2a",
}
# More typical values for names whose range is wide: a photographed black is seldom darker than #2e2e30, a
# white seldom lighter than #dcdcdc; a royal blue (#1f3fae) is nearer Purple's one value than Blue's.
SHADES: dict[str, tuple[str, ...]] = {
    "Black": ("#2e2e30", "#3c3c3e"), "Grey": ("#a9abae",), "White": ("#dcdcdc",), "Beige": ("#c8b4a0",),
    "Brown": ("#4a3328",), "Red": ("#e0301e",), "Pink": ("#e45a8c", "#e8bcc4"), "Purple": ("#8b59b8",),
    "Navy Blue": ("#1a2238",), "Blue": ("#1f3fae",), "Denim Blue": ("#3e5a85",), "Green": ("#1d5e34", "#7fbf7a"),
    "Olive": ("#55573a",), "Yellow": ("#f2e38c",),
}
# Names that are one colour in different light: a product's colours are its largest families.
FAMILY: dict[str, str] = {
    "Black": "dark", "Charcoal": "dark", "Grey": "light", "White": "light", "Cream": "light",
    "Beige": "brown", "Khaki": "brown", "Tan": "brown", "Brown": "brown",
    "Maroon": "red", "Red": "red", "Pink": "red", "Magenta": "red", "Purple": "purple", "Lavender": "purple",
    "Navy Blue": "blue", "Blue": "blue", "Denim Blue": "blue", "Light Blue": "blue", "Teal": "cyan",
    "Turquoise": "cyan", "Green": "green", "Olive": "green", "Yellow": "warm", "Orange": "warm",
}
LIGHTNESS_WEIGHT = 0.5  # of a lightness difference against a hue or chroma difference
LIT_PERCENTILE = 70  # a family's lightness is that of its lit parts
GAIN_LIMITS = (0.8, 1.25)  # white balance on the photo's neutrals: each channel's gain
SURFACE_GAIN_LIMITS = (0.7, 1.43)  # on the surface, when nothing is neutral (a strong cast, else no need)
MAX_LIFT = 1.6  # exposure: a dim product is lifted at most this much


def _lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8 (N, 3) -> CIELAB (N, 3) with L in 0..100."""
    return cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)


def _rgb(lab: np.ndarray) -> tuple[int, int, int]:
    rgb = cv2.cvtColor(np.asarray(lab, np.float32).reshape(1, 1, 3), cv2.COLOR_LAB2RGB).reshape(3)
    return tuple(int(v) for v in np.clip(np.rint(rgb * 255), 0, 255))


def _hex_to_rgb(code: str) -> tuple[int, int, int]:
    return tuple(int(code[i:i + 2], 16) for i in (1, 3, 5))


_NAMES = list(PALETTE) + [name for name, codes in SHADES.items() for _ in codes]
_FAMILIES = np.array([FAMILY[name] for name in _NAMES])
_PALETTE_LAB = _lab(np.array([_hex_to_rgb(code) for code in PALETTE.values()]
                             + [_hex_to_rgb(code) for codes in SHADES.values() for code in codes], np.uint8))
_WEIGHT = np.array([LIGHTNESS_WEIGHT, 1.0, 1.0], np.float32)


def _nearest(lab: np.ndarray, family: str | None = None) -> np.ndarray:
    """Index into ``_NAMES`` of the nearest name of each CIELAB colour (N, 3), within ``family`` if given."""
    distance = (((lab[:, None, :] - _PALETTE_LAB[None]) * _WEIGHT) ** 2).sum(2)
    if family is not None:
        distance[:, _FAMILIES != family] = np.inf
    return distance.argmin(1)


def name_colour(rgb) -> str:
    """The vocabulary's name nearest to an sRGB colour."""
    return _NAMES[int(_nearest(_lab(np.asarray(rgb, np.uint8).reshape(1, 3)))[0])]


def local_name(name: str, language: str) -> str:
    """A colour name in ``language`` ("en" or "zh", from the glossary of ``locales/zh-CN.json``); a name the
    glossary lacks stays as it is. Lower-case names ("navy blue", as titles write them) are found too."""
    if language != "zh" or not name:
        return name
    names = locale()["colours"]
    return names.get(name) or names.get(name.title()) or names.get(name.capitalize()) or name


def _balance(pixels: np.ndarray, reference: np.ndarray, limits: tuple[float, float]) -> np.ndarray:
    """Gains that make the brighter half of the ``reference`` pixels grey, each within ``limits``."""
    brightness = pixels.mean(2)
    bright = reference & (brightness >= np.percentile(brightness[reference], 50))
    return np.clip(white_balance_gains(pixels, bright), *limits)


def _surface_balance(pixels: np.ndarray, surface: np.ndarray) -> np.ndarray | None:
    """Gains from the surface the product lies on, when nothing in the photo is neutral but that surface's cast
    is one light gives (yellow to blue: a white sheet under a lamp), not a colour of its own (a red carpet, a
    green wall); else None."""
    surface = surface & (pixels.max(2) < 253) & (pixels.mean(2) > 40)
    if surface.mean() < 0.02:
        return None
    _, red_green, yellow_blue = np.median(_lab(pixels[surface]), axis=0)
    if abs(red_green) > 0.5 * abs(yellow_blue) + 4:
        return None
    return _balance(pixels, surface, SURFACE_GAIN_LIMITS)


def scene_gains(photo, background: np.ndarray | None = None) -> np.ndarray:
    """Per-channel gains (3,) that show ``photo`` (PIL image or uint8 array) as a person sees it: white balanced
    on its bright true neutrals (else on the surface around the product, when its cast is the light's), and a dim
    product lifted. ``background`` (bool, the photo's shape, True = background) tells the product and its
    surroundings from the rest; without it the whole photo counts."""
    pixels = np.asarray(photo.convert("RGB") if isinstance(photo, Image.Image) else photo)
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise ValueError(f"photo must be an RGB image, got an array of shape {pixels.shape} and {pixels.dtype}")
    if background is not None and background.shape != pixels.shape[:2]:
        raise ValueError(f"background must have the photo's shape {pixels.shape[:2]}, got {background.shape}")
    step = max(1, max(pixels.shape[:2]) // 512)
    small = np.ascontiguousarray(pixels[::step, ::step])
    outside = np.zeros(small.shape[:2], bool) if background is None else background[::step, ::step]
    near = np.ones(small.shape[:2], bool)  # the product and the surface around it, in the same light
    if outside.any() and not outside.all():
        reach = max(3, round(0.08 * max(outside.shape)))
        near = cv2.dilate((~outside).astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)).astype(bool)
    neutral = neutral_pixels(small) | (small.min(2) >= 245)  # a white backdrop is the whitest neutral there is
    if neutral.mean() >= 0.02:  # the brightest of them: a white sheet, a shirt, a carton, not the shadows
        brightness = small.mean(2)
        gains = _balance(small, neutral & (brightness >= np.percentile(brightness[neutral], 80)), GAIN_LIMITS)
    else:
        gains = _surface_balance(small, near & outside)
    gains = np.ones(3) if gains is None else gains
    white = np.percentile(small.mean(2)[near], 99)  # a blown-out white counts: the photo is not dim
    return gains * np.clip(245.0 / max(white, 1.0), 1.0, MAX_LIFT)


@dataclass
class ColourTag:
    name: str
    hex: str
    share: float  # of the product's pixels

    def label(self) -> str:
        return f"{self.name} {self.share * 100:.0f}%"


def dominant_colours(image: Image.Image, background: np.ndarray | None = None, min_share: float = 0.05,
                     gains: np.ndarray | None = None, seed: int = 0) -> list[ColourTag]:
    """The product's main colours, largest first: its largest colour families, each named from its lit parts,
    with the colour it is named from and its share of the product; families under ``min_share`` are dropped.
    ``background`` (bool, the image's shape) marks what is not the product (default: ``find_background``);
    ``gains`` (``scene_gains`` of the photo the image was cut from) are applied first."""
    if not 0 <= min_share < 1:
        raise ValueError(f"min_share must be in 0..1, got {min_share}")
    small = image.convert("RGB")
    if background is None or background.shape != (small.height, small.width):
        small.thumbnail((256, 256))
    if background is None or background.shape != (small.height, small.width):
        background = find_background(small)
    pixels = np.asarray(small)
    if gains is not None:
        pixels = apply_gains(pixels, gains)
    pixels = pixels[~background] if (~background).sum() >= 16 else pixels.reshape(-1, 3)
    if len(pixels) > 20_000:
        pixels = pixels[np.random.default_rng(seed).choice(len(pixels), 20_000, replace=False)]
    lab = _lab(pixels)
    families = _FAMILIES[_nearest(lab)]
    kinds, counts = np.unique(families, return_counts=True)
    tags: list[ColourTag] = []
    for kind, count in sorted(zip(kinds, counts), key=lambda item: -item[1]):
        if count / len(lab) < min_share and tags:
            break
        members = lab[families == kind]
        lit = np.array([np.percentile(members[:, 0], LIT_PERCENTILE), *np.median(members[:, 1:], axis=0)])
        name = _NAMES[int(_nearest(lit[None].astype(np.float32), kind)[0])]  # a family's names are its own
        tags.append(ColourTag(name, "#%02x%02x%02x" % _rgb(lit), count / len(lab)))
    return tags
