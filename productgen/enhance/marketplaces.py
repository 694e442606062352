"""Marketplace image rules as one editable table, and the compliance check that reads it.

Each preset gives the canvas we produce for that marketplace and a list of
rules; each rule names a check, its thresholds and the page it comes from.
To change a rule, edit ``PRESETS``: nothing else hard-codes a marketplace.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from productgen.cutout.segment import find_background, product_box
from productgen.io.images import as_pixels

AMAZON = "https://sellercentral.amazon.com/help/hub/reference/external/G1881"
SHOPIFY = "https://help.shopify.com/en/manual/online-store/images/theme-images"
EBAY = "https://www.ebay.com/help/selling/listings/creating-managing-listings/add-pictures?id=4148"
ETSY = "https://help.etsy.com/hc/en-us/articles/115015663347"
GOOGLE = "https://support.google.com/merchants/answer/6324350"
TAOBAO = "https://rule.taobao.com/detail-11000434.htm"


@dataclass(frozen=True)
class Rule:
    check: str  # one of CHECKS
    limits: dict
    source: str
    required: bool = True  # a failed recommendation is a warning, not a failure


@dataclass(frozen=True)
class Preset:
    name: str
    canvas: tuple[int, int]
    fill: float
    formats: tuple[str, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)


PRESETS: dict[str, Preset] = {
    "amazon": Preset("Amazon (main image)", (2000, 2000), 0.9, ("JPEG", "PNG", "TIFF", "GIF"), (
        Rule("white_background", {"pass": 99.5, "warn": 97.0}, AMAZON),
        Rule("fill", {"min": 0.85}, AMAZON),
        Rule("longest_side", {"min": 1000}, AMAZON, required=False),
        Rule("shortest_side", {"min": 500}, AMAZON),
        Rule("format", {"allowed": ("JPEG", "PNG", "TIFF", "GIF")}, AMAZON),
        Rule("colour_space", {}, AMAZON),
    )),
    "shopify": Preset("Shopify", (2048, 2048), 0.85, ("JPEG", "PNG", "WEBP", "GIF"), (
        Rule("aspect", {"ratios": ((1, 1),)}, SHOPIFY, required=False),
        Rule("size", {"width": 2048, "height": 2048}, SHOPIFY, required=False),
        Rule("format", {"allowed": ("JPEG", "PNG", "WEBP", "GIF")}, SHOPIFY),
    )),
    "ebay": Preset("eBay", (1600, 1600), 0.85, ("JPEG", "PNG", "TIFF", "WEBP"), (
        Rule("longest_side", {"min": 500}, EBAY),
        Rule("longest_side", {"min": 1600}, EBAY, required=False),
        Rule("no_border", {}, EBAY),
        Rule("format", {"allowed": ("JPEG", "PNG", "TIFF", "WEBP", "BMP")}, EBAY),
    )),
    "etsy": Preset("Etsy", (2000, 2000), 0.8, ("JPEG", "PNG", "GIF"), (
        Rule("aspect", {"ratios": ((1, 1), (4, 3), (3, 4))}, ETSY, required=False),
        Rule("longest_side", {"min": 2000}, ETSY, required=False),
        Rule("shortest_side", {"min": 635}, ETSY),
        Rule("format", {"allowed": ("JPEG", "PNG", "GIF")}, ETSY),
    )),
    "google": Preset("Google Merchant Center", (1500, 1500), 0.85, ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"), (
        Rule("shortest_side", {"min": 500}, GOOGLE),
        Rule("no_border", {}, GOOGLE),
        Rule("format", {"allowed": ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")}, GOOGLE),
    )),
    "taobao": Preset("Taobao / Tmall (main image)", (800, 800), 0.85, ("JPEG", "PNG"), (
        Rule("size", {"width": 800, "height": 800}, TAOBAO),
        Rule("white_background", {"pass": 99.5, "warn": 97.0}, TAOBAO),
        Rule("format", {"allowed": ("JPEG", "PNG")}, TAOBAO),
    )),
}


def preset_key(name: str) -> str:
    """The key of a preset named by its key or its display name, in any case ("Amazon" -> "amazon")."""
    text = name.strip().lower() if isinstance(name, str) else ""
    for key, preset in PRESETS.items():
        if text in (key, preset.name.lower()):
            return key
    raise ValueError(f"unknown marketplace preset {name!r}; choose one of {', '.join(PRESETS)}")


def get_preset(name: str) -> Preset:
    return PRESETS[preset_key(name)]


@dataclass
class RuleResult:
    rule: str
    status: str  # "pass", "warn" or "fail"
    measured: str
    source: str

    def row(self) -> list[str]:
        return [self.rule, self.status.upper(), self.measured, self.source]


def _grade(ok: bool, rule: Rule) -> str:
    return "pass" if ok else ("fail" if rule.required else "warn")


def _white_background(rule, image, background, pixels, **_):
    if not background.any():
        return "fail", "no background found around the product"
    # JPEG may round 255 to 254 in flat areas, so 254+ in all channels counts as pure white. The product's
    # anti-aliased outline (a band of 0.4% of the image side) is not background and is left out.
    white_pixels = cv2.inRange(pixels, (254, 254, 254), (255, 255, 255))
    band = max(1, round(max(image.size) * 0.004))
    mask = cv2.erode(background.view(np.uint8), np.ones((2 * band + 1, 2 * band + 1), np.uint8))
    if not cv2.countNonZero(mask):
        mask = background.view(np.uint8)
    white = cv2.countNonZero(cv2.bitwise_and(white_pixels, white_pixels, mask=mask)) / cv2.countNonZero(mask) * 100
    status = "pass" if white >= rule.limits["pass"] else ("warn" if white >= rule.limits["warn"] else "fail")
    return status, f"background {white:.2f}% pure white (255,255,255); needs {rule.limits['pass']}%+"


def _fill(rule, image, background, product=None, **_):
    box = product_box(background if product is None else ~product)
    if box is None:
        return "fail", "no product found (the whole image looks like background)"
    share = max((box[2] - box[0]) / image.width, (box[3] - box[1]) / image.height)
    return _grade(share >= rule.limits["min"], rule), \
        f"product fills {share * 100:.0f}% of the frame; needs {rule.limits['min'] * 100:.0f}%+"


def _longest_side(rule, image, **_):
    side = max(image.size)
    return _grade(side >= rule.limits["min"], rule), f"longest side {side} px; needs {rule.limits['min']}+"


def _shortest_side(rule, image, **_):
    side = min(image.size)
    return _grade(side >= rule.limits["min"], rule), f"shortest side {side} px; needs {rule.limits['min']}+"


def _size(rule, image, **_):
    wanted = (rule.limits["width"], rule.limits["height"])
    return _grade(image.size == wanted, rule), f"{image.width}x{image.height} px; wants {wanted[0]}x{wanted[1]}"


def _aspect(rule, image, **_):
    ratios = rule.limits["ratios"]
    ok = any(abs(image.width * h - image.height * w) <= 0.01 * image.height * w for w, h in ratios)
    names = " or ".join(f"{w}:{h}" for w, h in ratios)
    return _grade(ok, rule), f"aspect {image.width / image.height:.2f}; wants {names}"


def _format(rule, image, file_format=None, **_):
    if file_format is None:
        return "pass", "format chosen at download"
    ok = file_format.upper() in rule.limits["allowed"]
    return _grade(ok, rule), f"{file_format.upper()}; allowed {', '.join(rule.limits['allowed'])}"


def _colour_space(rule, image, icc_profile=None, **_):
    if not icc_profile:
        return "pass", "no embedded profile (read as sRGB)"
    ok = b"sRGB" in icc_profile[:512] or b"sRGB" in icc_profile
    return _grade(ok, rule), "sRGB profile" if ok else "non-sRGB colour profile; convert to sRGB"


def _no_border(rule, image, pixels, **_):
    """A frame: every side's outermost line is one non-white colour that changes within 5% of the side."""
    depth = max(2, min(pixels.shape[:2]) // 20)

    def framed(lines) -> bool:  # lines[0] is the outermost
        edge = lines[0]
        uniform = np.abs(edge - edge.mean(0)).max() < 24 and edge.mean() < 235
        return uniform and any(np.abs(line.mean(0) - edge.mean(0)).sum() > 30 for line in lines[1:depth])

    def inward(strip):  # the strip's lines from the outermost inwards, as int16
        return list(strip.astype(np.int16))

    sides = [inward(pixels[:depth]), inward(pixels[::-1][:depth]), inward(pixels[:, :depth].transpose(1, 0, 2)),
             inward(pixels[:, ::-1][:, :depth].transpose(1, 0, 2))]
    border = min(pixels.shape[:2]) > 4 and all(framed(lines) for lines in sides)
    return _grade(not border, rule), "a coloured border frames the photo" if border else "no border"


CHECKS = {"white_background": _white_background, "fill": _fill, "longest_side": _longest_side,
          "shortest_side": _shortest_side, "size": _size, "aspect": _aspect, "format": _format,
          "colour_space": _colour_space, "no_border": _no_border}


def check_compliance(image: Image.Image, preset: Preset | str, file_format: str | None = None,
                     background: np.ndarray | None = None, icc_profile: bytes | None = None,
                     pixels: np.ndarray | None = None, product: np.ndarray | None = None) -> list[RuleResult]:
    """Check ``image`` against every rule of ``preset``; ``background`` is found if not given. ``pixels`` is
    ``image`` as an RGB uint8 array when the caller has one (it saves converting a large image again).
    ``product`` (bool, the image's size): where the kept product is, when the caller knows; the fill is measured
    on it alone (a kept surface or a second object does not count), the background rules on what the image
    shows."""
    preset = get_preset(preset) if isinstance(preset, str) else preset
    pixels = as_pixels(image) if pixels is None else pixels
    if background is None:
        background = find_background(pixels)
    results = []
    for rule in preset.rules:
        status, measured = CHECKS[rule.check](rule, image=image, background=background, file_format=file_format,
                                              icc_profile=icc_profile, pixels=pixels, product=product)
        results.append(RuleResult(rule.check.replace("_", " "), status, measured, rule.source))
    return results


def verdict(results: list[RuleResult]) -> str:
    """'pass', 'warn' or 'fail': the worst of the results."""
    statuses = {result.status for result in results}
    return "fail" if "fail" in statuses else ("warn" if "warn" in statuses else "pass")
