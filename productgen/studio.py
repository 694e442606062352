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

from .background import add_contact_shadow, cutout, find_background, frame_product, product_box
from .enhance import EnhanceSettings, apply_enhancements, choose_settings, measure_gains
from .imageio import ImageError, as_pixels, open_image
from .marketplaces import RuleResult, check_compliance, get_preset, verdict

OUTPUT_FORMATS = ("JPEG", "PNG")


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

    def __post_init__(self):
        if isinstance(self.enhance, dict):
            self.enhance = EnhanceSettings.from_dict(self.enhance)
        get_preset(self.preset)
        self.output_format = self.output_format.upper().replace("JPG", "JPEG")
        if self.output_format not in OUTPUT_FORMATS:
            raise ValueError(f"output_format must be JPEG or PNG, got {self.output_format!r}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality must be 1..100, got {self.jpeg_quality}")
        if self.canvas is not None:
            self.canvas = tuple(int(side) for side in self.canvas)
            if len(self.canvas) != 2 or not all(100 <= side <= 10_000 for side in self.canvas):
                raise ValueError(f"canvas must be [width, height] between 100 and 10000 px, got {self.canvas}")
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

    @property
    def verdict(self) -> str:
        return verdict(self.report)


def process_image(photo: Image.Image, recipe: Recipe, icc_profile: bytes | None = None) -> Processed:
    """Run the whole pipeline on one photo (any size; processed at full resolution)."""
    preset = get_preset(recipe.preset)
    pixels = as_pixels(photo)  # the steps below pass arrays; one PIL image is made at the end
    background = find_background(pixels, refine=recipe.refine_edges)
    settings = choose_settings(pixels, background) if recipe.auto else recipe.enhance
    warnings = []
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
    image = apply_enhancements(pixels, settings, background, gains=gains)
    # framing trims to the product and whitens the background it keeps (when asked): no separate pass
    framed = frame_product(image, background, recipe.canvas or preset.canvas, recipe.fill or preset.fill,
                           whiten=recipe.clean_background)
    image, background = framed.image, framed.background
    warnings += framed.warnings
    if recipe.shadow and not recipe.transparent:
        image = add_contact_shadow(image, background, recipe.shadow)
    pixels = image
    image = Image.fromarray(pixels)
    # the verdict re-detects the background on the result, as a marketplace would see it, rather than
    # trusting the mask the pipeline painted white
    report = check_compliance(image, preset, recipe.output_format, None, icc_profile, pixels=pixels)
    if recipe.transparent:
        image = cutout(image, background)
    return Processed(image, settings, report, warnings)


def save_result(image: Image.Image, path, recipe: Recipe):
    """Write ``image`` (to a path or file object) in the recipe's format (JPEG quality, or PNG) as sRGB."""
    if recipe.output_format == "JPEG":
        image.convert("RGB").save(path, "JPEG", quality=recipe.jpeg_quality, optimize=True, subsampling=0)
    else:
        image.save(path, "PNG", compress_level=6)
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
                  should_stop: Callable[[], bool] | None = None) -> list[BatchRow]:
    """Process each photo into ``out_dir``; returns one row per input (failures carry the reason)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, used = [], set()
    for number, path in enumerate(paths):
        if should_stop and should_stop():
            rows.extend(BatchRow(Path(p).name, reason="stopped before this file") for p in paths[number:])
            break
        if progress:
            progress(number, len(paths), Path(path).name)
        rows.append(_process_one(Path(path), recipe, out_dir, used))
    return rows


def _process_one(path: Path, recipe: Recipe, out_dir: Path, used: set[str]) -> BatchRow:
    try:
        photo, icc = read_photo(path)
        result = process_image(photo, recipe, icc)
    except (ImageError, ValueError, OSError) as error:
        return BatchRow(path.name, verdict="error", reason=str(error))
    name = output_name(path, recipe)
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 1
    while name in used:
        name, number = f"{stem}_{number}{suffix}", number + 1
    used.add(name)
    save_result(result.image, out_dir / name, recipe)
    details = "; ".join(f"{r.rule}: {r.status} ({r.measured})" for r in result.report if r.status != "pass")
    return BatchRow(path.name, name, result.verdict, "; ".join(result.warnings), details)


def write_report(rows: list[BatchRow], path: str | Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["file", "output", "verdict", "reason", "details"])
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
    return Path(path)


def preview(image: Image.Image, side: int = 1024) -> Image.Image:
    """A copy no larger than ``side`` px, for showing; the full photo is what gets processed."""
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def side_by_side(before: Image.Image, after: Image.Image, side: int = 1024) -> tuple[Image.Image, Image.Image]:
    """Before and after at the same preview size (the slider needs equal sizes)."""
    after_small = preview(after.convert("RGB"), side)
    canvas = Image.new("RGB", after_small.size, (255, 255, 255))
    small = preview(before.convert("RGB"), max(after_small.size))
    small.thumbnail(after_small.size)
    canvas.paste(small, ((canvas.width - small.width) // 2, (canvas.height - small.height) // 2))
    return canvas, after_small

