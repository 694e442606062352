"""The Enhance pipeline: a recipe (saveable as JSON) applied to one photo or a batch.

photo -> find background -> enhance -> white background (+ shadow) -> frame for
the marketplace -> compliance report -> file. A batch reports every file that
failed with its reason; none is skipped silently.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from PIL import Image

from productgen.cutout.matting import foreground_colours
from productgen.cutout.segment import Segmentation, cutout_verdict, over_white, product_box, segment
from productgen.enhance.filters import EnhanceSettings, apply_enhancements, choose_settings, measure_gains
from productgen.enhance.framing import add_contact_shadow, count_not_white, frame_product, transparent_product
from productgen.enhance.marketplaces import RuleResult, check_compliance, get_preset, preset_key, verdict
from productgen.io.images import ImageError, as_pixels, open_image
from productgen.io.provenance import DISCLOSE, is_ai_generated, save_options

OUTPUT_FORMATS = ("JPEG", "PNG")
MIN_CANVAS, MAX_CANVAS = 100, 3000  # px per side: every marketplace's size fits, one photo takes seconds at most


def _number(name: str, value, low: float, high: float, whole: bool = False):
    """``value`` as a finite number in ``low..high`` (an ``int`` when ``whole``), or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if whole and value != int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return int(value) if whole else float(value)


@dataclass
class Recipe:
    """Everything the Enhance tab sets; the same recipe gives the same result on every photo."""

    enhance: EnhanceSettings = field(default_factory=EnhanceSettings)
    auto: bool = True
    clean_background: bool = True
    refine_edges: bool = False
    shadow: float = 0.0
    preset: str = "amazon"
    fill: float | None = None
    canvas: tuple[int, int] | None = None  # width, height; None: the preset's size
    output_format: str = "JPEG"
    jpeg_quality: int = 92
    transparent: bool = False
    upscaler: str = "model"  # how a small product is enlarged: our x4 model, or "lanczos"

    def __post_init__(self):
        if isinstance(self.enhance, dict):
            self.enhance = EnhanceSettings.from_dict(self.enhance)
        if not isinstance(self.enhance, EnhanceSettings):
            raise ValueError("enhance must be an object of enhancement settings")
        for name in ("auto", "clean_background", "refine_edges", "transparent"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        self.preset = preset_key(self.preset)
        self.shadow = _number("shadow", self.shadow, 0.0, 1.0)
        self.fill = None if self.fill is None else _number("fill", self.fill, 0.1, 1.0)
        self.jpeg_quality = _number("jpeg_quality", self.jpeg_quality, 1, 100, whole=True)
        if not isinstance(self.output_format, str):
            raise ValueError(f"output_format must be JPEG or PNG, got {self.output_format!r}")
        self.output_format = self.output_format.upper().replace("JPG", "JPEG")
        if self.output_format not in OUTPUT_FORMATS:
            raise ValueError(f"output_format must be JPEG or PNG, got {self.output_format!r}")
        if self.canvas is not None:
            if not isinstance(self.canvas, (list, tuple)) or len(self.canvas) != 2:
                raise ValueError(f"canvas must be [width, height] in px, got {self.canvas!r}")
            self.canvas = tuple(_number(f"canvas {side}", value, MIN_CANVAS, MAX_CANVAS, whole=True)
                                for side, value in zip(("width", "height"), self.canvas))
        if self.upscaler not in ("model", "lanczos"):
            raise ValueError(f"upscaler must be model or lanczos, got {self.upscaler!r}")
        if self.transparent and self.output_format != "PNG":
            raise ValueError("a transparent cut-out needs output_format PNG")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Recipe":
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"the recipe is not valid JSON ({error})") from error
        if not isinstance(values, dict):
            raise ValueError("the recipe must be a JSON object")
        known = set(cls.__dataclass_fields__)
        if set(values) - known:
            raise ValueError(f"unknown recipe fields {sorted(set(values) - known)}; known: {sorted(known)}")
        return cls(**values)


@dataclass
class Processed:
    image: Image.Image
    settings: EnhanceSettings
    report: list[RuleResult]
    warnings: list[str]
    segmentation: Segmentation | None = None
    ai_generated: bool = False  # the photo carried the AI label: the output carries it too
    enlarged_by: str | None = None  # "model" or "lanczos" when the product was enlarged more than 1.5x


    @property
    def verdict(self) -> str:
        return verdict(self.report)

    @property
    def heading(self) -> str:
        """How the report reads at a glance: "fail" (a rule failed), "cutout" (not ready: check the cut-out; a
        doubt about the cut-out is never read as a pass, whatever the other rules say), "warn" or "pass"."""
        if self.verdict == "fail":
            return "fail"
        if any(result.rule == "Cut-out" and result.status != "pass" for result in self.report):
            return "cutout"
        return self.verdict

    @property
    def problems(self) -> list[RuleResult]:
        """The rules that did not pass, in the report's order: what a heading's count counts and its list shows."""
        return [result for result in self.report if result.status != "pass"]


def process_image(photo: Image.Image, recipe: Recipe, icc_profile: bytes | None = None, model=None,
                  ai_generated: bool | None = None, strokes=None, keep_points=None,
                  name_dropped: bool = True, remove_points=None) -> Processed:
    """Run the whole pipeline on one photo (any size; processed at full resolution). ``model`` is the cut-out
    model for photos without a clean backdrop (the shipped one by default). ``ai_generated`` (by default: read
    from the opened photo's metadata) keeps the AI label on the result and adds a rule to disclose it.
    ``strokes`` (``cutout.touchup.Strokes``): the merchant's corrections to the cut-out of this photo.
    ``keep_points``: (x, y) in the photo's pixels, taps on the product: of several objects, the one under them is
    kept; ``remove_points``, taps on what is not product, take it out. Other objects the cut-out dropped are
    named by the product classifier when it is sure of them (``name_dropped``), else by where they are."""
    if ai_generated is None:
        ai_generated = isinstance(photo, Image.Image) and is_ai_generated(photo)
    preset = get_preset(recipe.preset)
    pixels = as_pixels(photo)  # the steps below pass arrays; one PIL image is made at the end
    found = segment(pixels, refine=recipe.refine_edges, model=model, strokes=strokes, keep_points=keep_points,
                    remove_points=remove_points)
    if name_dropped and found.dropped:
        from productgen.enhance.dropped import name_objects

        name_objects(pixels, found.dropped)
    background, alpha = found.background, found.alpha
    settings = settings_for(pixels, found) if recipe.auto else recipe.enhance
    warnings = [f"check the cut-out: {note}" for note in found.notes] + ([found.dropped_note] if found.dropped else [])
    box = product_box(background)
    if box is None:
        warnings.append("no product found: the photo looks like plain background")
        gains = None
    else:
        # only the product's box reaches the canvas, so only it is enhanced (with a margin for the sharpening
        # kernel); white balance is measured on the whole photo first
        gains = measure_gains(pixels, settings, background)
        margin = 2 + (math.ceil(3 * settings.sharpen_radius) if settings.sharpen_amount else 0)
        rows = slice(max(0, box[1] - margin), min(pixels.shape[0], box[3] + margin))
        columns = slice(max(0, box[0] - margin), min(pixels.shape[1], box[2] + margin))
        pixels, background = pixels[rows, columns], background[rows, columns]
        alpha = alpha[rows, columns] if alpha is not None else None
    image = apply_enhancements(pixels, settings, background, gains=gains)
    if alpha is not None and recipe.clean_background:
        # the model's soft edge: the product's own colour estimated there (``cutout.matting``: no fringe of the
        # surface), then blended onto white, so the outline is anti-aliased with no halo of the old surface
        image, background = over_white(foreground_colours(image, alpha), alpha), alpha < SOFT_EDGE
    # framing trims to the product and whitens the background it keeps (when asked): no separate pass
    framed = frame_product(image, background, recipe.canvas or preset.canvas, recipe.fill or preset.fill,
                           upscaler=recipe.upscaler, whiten=recipe.clean_background)
    image, background = framed.image, framed.background
    warnings += framed.warnings
    leftover = background_left(image, background)
    if recipe.shadow and not recipe.transparent:
        image = add_contact_shadow(image, background, recipe.shadow)
    pixels = image
    image = Image.fromarray(pixels)
    # the verdict re-detects the background on the result, as a marketplace would see it, rather than
    # trusting the mask the pipeline painted white; the cut-out's own doubts are a rule of their own
    report = [cutout_rule(found), leftover, sharpness_rule(framed)]
    # the fill is measured on the product the pipeline kept, not on whatever the result shows (a kept surface)
    report += check_compliance(image, preset, recipe.output_format, None, icc_profile, pixels=pixels,
                               product=~background)
    if ai_generated:
        report.insert(0, RuleResult("AI label", "warn", DISCLOSE, "productgen"))
    if recipe.transparent:
        image = transparent_product(image, background)
    enlarged_by = "model" if framed.upscaled_by_model else "lanczos" if framed.scale > 1.5 else None
    return Processed(image, settings, report, warnings, found, ai_generated, enlarged_by)


SOFT_EDGE = 0.1  # alpha below this is background when framing; between it and 1 the edge is blended


def settings_for(pixels, found: Segmentation) -> EnhanceSettings:
    """The settings Auto picks, measured on the same mask the pipeline uses."""
    return choose_settings(pixels, found.background, clean_backdrop=found.method == "backdrop")


def background_left(pixels, background) -> RuleResult:
    """Whether what the cut-out calls background is white on the result: a kept surface (white background off,
    or a halo) fails, however white the canvas's border is."""

    area = int(background.sum())
    left = count_not_white(pixels, background) if area else 0
    share = left / area if area else 0.0
    status = "pass" if share <= 0.005 else "fail"
    return RuleResult("Background removed", status, f"{share:.1%} of the background is not white", "productgen")


def cutout_rule(found: Segmentation) -> RuleResult:
    """The cut-out as a rule of the report: a doubtful one is "check the cut-out" (warn) or a fail, never a pass
    (``cutout.segment.cutout_verdict``)."""
    status, measured = cutout_verdict(found)
    return RuleResult("Cut-out", status, measured, "productgen")


def sharpness_rule(framed) -> RuleResult:
    """How the product reached its size: shrunk or kept (pass), enlarged by the upscaler model within x4
    (pass, said), or enlarged past what the method does well (warn: soft)."""
    if framed.scale <= 1.5:
        how = "kept at its size" if 0.95 <= framed.scale <= 1.05 else \
            f"{'enlarged' if framed.scale > 1 else 'shrunk'} {framed.scale:.2g}x"
        return RuleResult("Sharpness", "pass", f"product {how}", "productgen")
    method = "by our upscaler model" if framed.upscaled_by_model else "by Lanczos resampling"
    measured = f"product enlarged {framed.scale:.1f}x {method}"
    if framed.warnings:
        return RuleResult("Sharpness", "warn", measured + ": it will look soft; use a larger photo", "productgen")
    return RuleResult("Sharpness", "pass", measured, "productgen")


def save_result(image: Image.Image, path, recipe: Recipe, ai_generated: bool = False):
    """Write ``image`` (to a path or file object) in the recipe's format (JPEG quality, or PNG) as sRGB; with
    ``ai_generated`` the file carries the AI label (``productgen.io.provenance``)."""
    label = save_options(recipe.output_format, ai_generated)
    if recipe.output_format == "JPEG":
        image.convert("RGB").save(path, "JPEG", quality=recipe.jpeg_quality, optimize=True, subsampling=0, **label)
    else:
        image.save(path, "PNG", compress_level=6, **label)
    return Path(path) if isinstance(path, (str, Path)) else path


def output_name(source: str | Path, recipe: Recipe) -> str:
    suffix = ".jpg" if recipe.output_format == "JPEG" else ".png"
    return f"{Path(source).stem}_{recipe.preset}{suffix}"


@dataclass
class BatchRow:
    file: str
    output: str = ""
    verdict: str = ""
    reason: str = ""
    details: str = ""


def read_photo(path: str | Path) -> tuple[Image.Image, bytes | None]:
    photo = open_image(path)
    with Image.open(path) as original:
        icc = original.info.get("icc_profile")
    return photo, icc


def process_files(paths: list[str | Path], recipe: Recipe, out_dir: str | Path,
                  progress: Callable[[int, int, str], None] | None = None,
                  should_stop: Callable[[], bool] | None = None, strokes=None,
                  points: dict[str, list] | None = None) -> list[BatchRow]:
    """Process each photo into ``out_dir``; returns one row per input (failures carry the reason). ``strokes``
    (``cutout.touchup.Strokes``) correct the cut-out of a single photo; ``points`` are the taps on each photo
    (``cutout.taps.Taps``: keep and remove, (x, y) in the photo's pixels), by file name."""
    if strokes is not None and len(paths) != 1:
        raise ValueError(f"strokes correct the cut-out of one photo; {len(paths)} were given")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, used = [], set()
    for number, path in enumerate(paths):
        if should_stop and should_stop():
            rows.extend(BatchRow(Path(p).name, reason="stopped before this file") for p in paths[number:])
            break
        if progress:
            progress(number, len(paths), Path(path).name)
        rows.append(process_one(Path(path), recipe, out_dir, used, strokes, (points or {}).get(Path(path).name)))
    return rows


def process_one(path: Path, recipe: Recipe, out_dir: Path, used: set[str], strokes=None,
                taps=None) -> BatchRow:
    """One photo of a batch into ``out_dir`` under a name not yet in ``used``; a failure is a row with its reason.
    ``taps`` (``cutout.taps.Taps``): the merchant's taps on it."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    try:
        photo, icc = read_photo(path)
        result = process_image(photo, recipe, icc, strokes=strokes, keep_points=taps.keep if taps else None,
                               remove_points=taps.remove if taps else None)
    except (ImageError, ValueError, OSError) as error:
        return BatchRow(path.name, verdict="error", reason=str(error))
    name = output_name(path, recipe)
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 1
    while name in used:
        name, number = f"{stem}_{number}{suffix}", number + 1
    used.add(name)
    save_result(result.image, out_dir / name, recipe, result.ai_generated)
    details = "; ".join(f"{r.rule}: {r.status} ({r.measured})" for r in result.report if r.status != "pass")
    return BatchRow(path.name, name, result.verdict, "; ".join(result.warnings), details)


def write_report(rows: list[BatchRow], path: str | Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["file", "output", "verdict", "reason", "details"])
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
    return Path(path)


def preview(image: Image.Image, side: int = 1024) -> Image.Image:
    """A copy no larger than ``side`` px, for showing; the full photo is what gets processed. A large image is
    first reduced by whole-pixel box averaging, then resampled by Lanczos (a 3000 px result: 0.20 -> 0.08 s)."""
    scale = side / max(image.size)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)


def mask_overlay(photo: Image.Image, found: Segmentation | None, side: int = 768) -> Image.Image:
    """A preview of ``photo`` in which what the pipeline treats as background shows as a chequerboard over a pale
    grey copy of the photo (what is kept keeps its colours). A red tint hid itself on the red bedspreads of
    merchants' photos; a chequerboard reads as "gone" on any photo, and the red and green of the Enhance tab's
    brush show on it. Kept patches that look like the surface (``found.doubt``) are tinted and outlined in yellow;
    objects dropped to keep only the product (``found.dropped``) are outlined in blue."""
    import cv2
    import numpy as np

    small = preview(photo, side).convert("RGB")
    pixels = np.asarray(small).astype(np.float32)
    if found is None:
        return small
    product = found.alpha if found.alpha is not None else (~found.background).astype(np.float32)
    product = cv2.resize(product.astype(np.float32), small.size, interpolation=cv2.INTER_AREA)[:, :, None]
    rows, columns = np.indices(pixels.shape[:2])
    square = max(6, round(max(small.size) / 64))
    checker = np.where(((rows // square + columns // square) % 2 == 0), 238.0, 198.0)[:, :, None]
    grey = pixels.mean(axis=2, keepdims=True)
    gone = checker * 0.7 + grey * 0.3
    shown = pixels * product + gone * (1 - product)
    if found.doubt is not None:  # the kept patches that look like the surface: tinted yellow, outlined
        doubt = cv2.resize(found.doubt.view(np.uint8), small.size, interpolation=cv2.INTER_NEAREST)
        ring = cv2.morphologyEx(doubt, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        inside = doubt > 0
        shown[inside] = shown[inside] * 0.6 + np.array([250.0, 204.0, 21.0]) * 0.4
        shown[ring] = (250.0, 204.0, 21.0)
    for item in found.dropped:  # the objects dropped to keep only the product: outlined in blue, tap one to keep it
        region = cv2.resize(item.region.view(np.uint8), small.size, interpolation=cv2.INTER_NEAREST)
        shown[cv2.morphologyEx(region, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0] = (37.0, 99.0, 235.0)
    return Image.fromarray(np.rint(shown).clip(0, 255).astype(np.uint8))


def side_by_side(before: Image.Image, after: Image.Image, side: int = 1024) -> tuple[Image.Image, Image.Image]:
    """Before and after at the same preview size (the slider needs equal sizes)."""
    after_small = preview(after, side).convert("RGB")
    canvas = Image.new("RGB", after_small.size, (255, 255, 255))
    small = preview(before, max(after_small.size)).convert("RGB")
    small.thumbnail(after_small.size)
    canvas.paste(small, ((canvas.width - small.width) // 2, (canvas.height - small.height) // 2))
    return canvas, after_small

