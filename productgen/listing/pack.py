"""One photo's listing pack: the photo through the cut-out, Enhance (``enhance.studio``) and Recognise
(``recognise.pipeline``), the enhanced image written to a folder, and the merchant's corrections.

Importing this module imports no torch: the app builds its Listing tab from it. Recognise is imported when a
photo is recognised.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from productgen.enhance.marketplaces import RuleResult, get_preset
from productgen.enhance.studio import MAX_CANVAS, MIN_CANVAS, Recipe, process_image, read_photo, save_result
from productgen.io.images import ImageError

UNKNOWN = "unknown"  # recognise.pipeline.UNKNOWN, spelled here so that this module needs no torch
# household goods (and the groceries' packages) are a group the merchant can pick: none is one of the
# classifier's types, so a product of this group, or one the merchant types, gets no gender
HOUSEHOLD = ("Mug", "Cup", "Glass", "Bottle", "Jar", "Carton", "Can", "Box", "Bowl", "Plate", "Vase", "Lamp",
             "Candle")
MAX_CATEGORY_CHARS = 60
MAX_TITLE_CHARS = 255  # Shopify's limit on a product title
PREVIEW_SIDE = 640  # the before/after previews the app shows (the enhanced image itself is full size)


def listing_recipe(preset: str = "shopify") -> Recipe:
    """The recipe a listing starts from: Auto settings per photo, a white background, framed for ``preset``, and
    any enlargement by Lanczos (milliseconds) rather than the upscaler model (seconds per photo)."""
    return Recipe(preset=preset, upscaler="lanczos")


def canvas_for(photo_size: tuple[int, int], recipe: Recipe, enlarge: bool = False) -> tuple[int, int] | None:
    """The canvas (width, height) of one photo's listing image. A recipe with its own canvas, or ``enlarge``,
    keeps the recipe's (the marketplace's recommended size). Otherwise the square side is the photo's longer
    side, so the product is kept near its own size, raised to the smallest size the marketplace *requires*
    (a recommended size is left to its report) and never above the recommended one: a small photo is enlarged
    only when the marketplace needs it."""
    if recipe.canvas is not None or enlarge:
        return recipe.canvas
    preset = get_preset(recipe.preset)
    required = [rule for rule in preset.rules if rule.required]
    if any(rule.check == "size" for rule in required):
        return None  # an exact size is required (Taobao's 800 x 800): the preset's canvas
    least = max([rule.limits["min"] for rule in required if rule.check in ("longest_side", "shortest_side")],
                default=MIN_CANVAS)
    side = min(max(photo_size), min(preset.canvas))
    side = min(MAX_CANVAS, max(side, least, MIN_CANVAS))
    return side, side


@dataclass
class Pack:
    """One photo's listing. ``recognised`` is the model's answer; ``recognition`` the one with the merchant's
    category (the same object until they correct it)."""

    file: str  # the photo's name as uploaded
    image: str = ""  # the enhanced image's file name (in the listing's folder and ZIP); "" when the photo failed
    reason: str = ""  # why the photo could not be listed ("" when it was)
    recognised: object | None = None  # recognise.pipeline.Recognition
    recognition: object | None = None
    verdict: str = "error"  # the marketplace check of the enhanced image: pass, warn or fail
    report: list[RuleResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Enhance's warnings and the recognition's doubts
    edited: bool = False  # the merchant chose the category
    title_override: str = ""  # the merchant's own title
    seconds: dict[str, float] = field(default_factory=dict)  # where this photo's time went

    @property
    def ok(self) -> bool:
        return self.recognition is not None

    @property
    def category(self) -> str:
        """The category of the listing ("unknown" when the model knows none of its types; "" when it failed)."""
        return self.recognition.category if self.ok else ""

    @property
    def status(self) -> str:
        """ok, check, unknown (the model's answer), edited (the merchant's) or error."""
        if not self.ok:
            return "error"
        return "edited" if self.edited else self.recognition.status

    @property
    def certainty(self) -> float | None:
        """The probability the model gives the category of this listing; None when the model did not choose it
        (unknown, or set by the merchant)."""
        if not self.ok or self.edited or self.recognition.unknown:
            return None
        return self.recognition.categories[0][1]

    @property
    def gender(self) -> str | None:
        """The gender the title names: only for a type the classifier knows, on a photo whose gender it can
        read (``recognise.pipeline``); never for an unknown or non-fashion product."""
        return self.recognition.words.get("gender") if self.ok else None

    def listing(self, language: str = "en") -> tuple[str, str, list[str]]:
        """(title, alt text, tags) in ``language``; the merchant's title replaces the suggested one."""
        if not self.ok:
            return "", "", []
        title, alt_text, tags = self.recognition.listing(language)
        return self.title_override or title, alt_text, tags


class Clock:
    """Seconds spent in each named stage."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


def make_pack(path: str | Path, recipe: Recipe, folder: str | Path, name: str, classifier=None,
              enlarge: bool = False, previews: str | Path | None = None) -> Pack:
    """The listing pack of the photo at ``path``: enhanced with ``recipe`` (framed per ``canvas_for``) into
    ``folder / name``, and recognised. A file that cannot be read or processed gives a pack with its ``reason``.
    ``previews``: a folder for small before/after JPEGs (``name`` with _before/_after), for the app to show."""
    from productgen.recognise.pipeline import recognise_batch, unreadable

    path, clock = Path(path), Clock()
    try:
        with clock("read"):
            photo, icc = read_photo(path)
        with clock("enhance"):
            framed = replace(recipe, canvas=canvas_for(photo.size, recipe, enlarge))
            result = process_image(photo, framed, icc)
        with clock("recognise"):
            # Recognise reads the product through the cut-out Enhance made (one cut-out per photo, not two; with the
            # recipe's refine_edges, the GrabCut-refined one the merchant sees)
            recognition = recognise_batch([photo], classifier, segmentations=[result.segmentation])[0]
    except (ImageError, ValueError, OSError) as error:
        return Pack(path.name, reason=unreadable(path, error), seconds=clock.seconds)
    with clock("write"):
        save_result(result.image, Path(folder) / name, recipe, result.ai_generated)
        if previews is not None:
            save_previews(photo, result.image, Path(previews), name)
    recognition.product = None  # the pack keeps words, not pictures (it travels between processes)
    # the cut-out's doubts are in the report's Cut-out rule already: the notes add only what it does not say
    said = set(result.segmentation.notes if result.segmentation else [])
    notes = [note for note in dict.fromkeys(result.warnings + recognition.notes)
             if note.removeprefix("check the cut-out: ") not in said]
    return Pack(path.name, name, "", recognition, recognition, result.verdict, result.report, notes,
                seconds=clock.seconds)


def save_previews(before: Image.Image, after: Image.Image, folder: Path, name: str) -> None:
    """Before and after at the same small size (``studio.side_by_side``), as JPEGs the app's slider shows."""
    from productgen.enhance.studio import side_by_side

    folder.mkdir(parents=True, exist_ok=True)
    for picture, part in zip(side_by_side(before, after, PREVIEW_SIDE), ("before", "after")):
        picture.save(preview_path(folder, name, part), "JPEG", quality=85)


def preview_path(folder: str | Path, name: str, part: str) -> Path:
    return Path(folder) / f"{Path(name).stem}_{part}.jpg"


def clean_category(text, known: list[str] | tuple[str, ...] = ()) -> str:
    """A category the merchant chose or typed: spaces tidied, at most ``MAX_CATEGORY_CHARS`` characters, and
    spelled as in ``known`` (or ``HOUSEHOLD``) when it is one of them in another case."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("choose a category from the list or type your own")
    cleaned = "".join(c for c in re.sub(r"\s+", " ", text) if c.isprintable()).strip()
    if len(cleaned) > MAX_CATEGORY_CHARS:
        raise ValueError(f"a category may have at most {MAX_CATEGORY_CHARS} characters; "
                         f"'{cleaned[:20]}...' has {len(cleaned)}")
    spelled = {name.lower(): name for name in (*HOUSEHOLD, *known, UNKNOWN)}
    return spelled.get(cleaned.lower(), cleaned)


def corrected(pack: Pack, category: str | None = None, title: str | None = None,
              fashion: list[str] | tuple[str, ...] = ()) -> Pack:
    """``pack`` with the merchant's ``category`` and/or ``title``. A new category rebuilds the title, alt text and
    tags from it (and drops the merchant's earlier title unless ``title`` is given too); a category that is not
    one of ``fashion`` (the classifier's types) gets no gender. An empty ``title`` goes back to the suggested
    one."""
    if not pack.ok:
        raise ValueError(f"{pack.file} could not be listed ({pack.reason}); there is nothing to correct")
    changed = replace(pack)
    if category is not None:
        category = clean_category(category, fashion)
        answer = pack.recognised if category in fashion else replace(pack.recognised, gender=None)
        changed.recognition = answer.with_category(category)
        changed.recognition.product = None
        changed.edited, changed.title_override = True, ""
    if title is not None:
        text = re.sub(r"\s+", " ", title).strip() if isinstance(title, str) else ""
        if len(text) > MAX_TITLE_CHARS:
            raise ValueError(f"a title may have at most {MAX_TITLE_CHARS} characters; this one has {len(text)}")
        changed.title_override = text
    return changed
