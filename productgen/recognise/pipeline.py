"""Recognising products in photos: category, gender, colours, a title, alt text and tags.

The product is cut out first (``cutout.segment.crop_product``: the cut-out model on a phone photo, a crop on a
clean backdrop), and everything is read from the product alone: the classifier sees it on white, framed as
the catalogue photos are, and the colours come from its pixels, never the bed or floor it lies on. When the
classifier's belief is spread evenly (``recognise.unknown.certainty`` under the threshold set on held-out photos)
the category is ``unknown``: the title falls back to the colours ("White and blue product") and the top 3
are still given for the merchant to pick from.

``recognise(image)`` returns a :class:`Recognition`; ``recognise_files`` does a
batch and ``write_csv`` writes the table merchants paste into their catalogue.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from productgen.cutout.segment import ProductCrop, crop_product
from productgen.io.datasets import fit_on_white
from productgen.io.images import ImageError, open_image
from productgen.recognise.colours import ColourTag, dominant_colours, local_name, scene_gains
from productgen.recognise.network import ProductClassifier, cached_classifier, predict
from productgen.recognise.unknown import certainty

# Names that read better in a sentence than the catalogue's plural labels.
SINGULAR = {"T-shirts": "T-shirt", "Shirts": "shirt", "Tops": "top", "Kurtas": "kurta", "Watches": "watch",
            "Handbags": "handbag", "Wallets": "wallet", "Sweaters": "sweater", "Sweatshirts": "sweatshirt",
            "Belts": "belt", "Jackets": "jacket", "Backpacks": "backpack", "Caps": "cap", "Ties": "tie",
            "Kurtis": "kurti", "Dresses": "dress", "Skirts": "skirt", "Clutches": "clutch", "Mufflers": "muffler",
            "Vests": "vest", "Briefs": "briefs", "Hats": "hat", "Hoodies": "hoodie", "Blazers": "blazer",
            "Long-sleeve tops": "long-sleeve top", "Baby bodysuits": "baby bodysuit"}
GENDER_WORDS = {"Men": "men's", "Women": "women's", "Boys": "boys'", "Girls": "girls'", "Unisex": "unisex"}
UNSURE_BELOW = 0.4  # a studio photo (clean backdrop) under this top-1 probability is "check"
# a phone photo (the cut-out model read it) needs more: the lowest top-1 probability at which the "ok" answers on
# the real photos of the calibration senders are 95% right (`bench/recognise_threshold.py`, cut-out run 8: 95.0%
# at 0.75, 92.2% at 0.6; on the held-out senders 94.8% and 89.7%)
UNSURE_BELOW_PHONE = 0.75
UNKNOWN = "unknown"


@dataclass
class Recognition:
    categories: list[tuple[str, float]]  # top 3, most likely first (kept when the answer is unknown)
    gender: tuple[str, float] | None
    main_colour: tuple[str, float] | None  # from the classifier's colour head
    colours: list[ColourTag]  # dominant colours of the product's pixels
    title: str
    alt_text: str
    tags: list[str] = field(default_factory=list)
    certainty: float = 1.0  # 0 (belief spread evenly: none of the known types) .. 1
    unknown: bool = False  # not one of the classifier's types
    product: Image.Image | None = None  # what was classified: the product cut out onto white
    notes: list[str] = field(default_factory=list)  # doubts about the cut-out
    studio: bool = True  # the photo had a clean backdrop (as the catalogue's): the gender head may speak
    words: dict = field(default_factory=dict)  # what the title is made of: category, gender, colour, others

    def listing(self, language: str = "en") -> tuple[str, str, list[str]]:
        """(title, alt text, tags) in ``language`` ("en" or "zh"), from the same parts."""
        if language != "zh":
            return self.title, self.alt_text, self.tags
        return listing_zh(**self.words)

    @property
    def category(self) -> str:
        return UNKNOWN if self.unknown else self.categories[0][0]

    @property
    def unsure(self) -> bool:
        """Unknown, or the top category under ``UNSURE_BELOW`` (``UNSURE_BELOW_PHONE`` for a phone photo): a
        merchant should check it."""
        return self.unknown or self.categories[0][1] < (UNSURE_BELOW if self.studio else UNSURE_BELOW_PHONE)

    @property
    def status(self) -> str:
        return "unknown" if self.unknown else ("check" if self.unsure else "ok")

    def with_category(self, category: str) -> "Recognition":
        """The same photo with the category a merchant chose (any of the classifier's, or ``unknown``):
        title, alt text and tags follow it."""
        if category == UNKNOWN:
            chosen, unknown = self.categories, True
        else:
            probability = dict(self.categories).get(category, 0.0)
            chosen = [(category, probability)] + [(n, p) for n, p in self.categories if n != category][:2]
            unknown = False
        result = _compose(chosen, self.gender, self.main_colour, self.colours, unknown, self.studio)
        result.certainty, result.product, result.notes = self.certainty, self.product, list(self.notes)
        result.studio = self.studio
        return result

    def csv_row(self, file: str, status: str | None = None, language: str = "en") -> dict:
        title, alt_text, tags = self.listing(language)
        return {"file": file, "category": self.category, "status": status or self.status,
                "confidence": f"{self.categories[0][1]:.3f}", "certainty": f"{self.certainty:.3f}",
                "other_categories": "; ".join(f"{n} {p:.2f}" for n, p in
                                              (self.categories if self.unknown else self.categories[1:])),
                "gender": self.gender[0] if self.gender else "",
                "colours": "; ".join(f"{c.name} {c.hex} {c.share:.2f}" for c in self.colours),
                "title": title, "alt_text": alt_text, "tags": ", ".join(tags)}


CSV_FIELDS = ["file", "category", "status", "certainty", "other_categories", "gender", "colours", "title", "alt_text",
              "tags"]  # ``write_csv`` explains certainty


def _noun(category: str) -> str:
    word = SINGULAR.get(category, category)
    return word if word[:2] == "T-" else word.lower()


def describe(category: str | None, gender: str | None, colour: str | None, second: str | None = None) -> str:
    """'Navy blue men's shirt' from its parts (each optional); without a category: 'White and blue product'."""
    if category is None or category == UNKNOWN:
        colours = " and ".join(c.lower() for c in (colour, second) if c)
        text = f"{colours} product" if colours else "product"
    else:
        words = [colour.lower() if colour else None, GENDER_WORDS.get(gender or ""), _noun(category)]
        text = " ".join(w for w in words if w)
    return text[0].upper() + text[1:]


def _top(probs: torch.Tensor, names: list[str], k: int) -> list[tuple[str, float]]:
    values, indices = probs.topk(min(k, len(names)))
    return [(names[i], float(v)) for v, i in zip(values.tolist(), indices.tolist())]


def fit_alpha(alpha: np.ndarray, size: int) -> np.ndarray:
    """An alpha mask (float, 1 = product) fitted into a ``size`` square as ``fit_on_white`` fits its photo,
    0 on the padding."""
    mask = Image.fromarray(np.rint(np.clip(alpha, 0, 1) * 255).astype(np.uint8), "L")
    scale = size / max(mask.size)
    new_size = (max(1, round(mask.size[0] * scale)), max(1, round(mask.size[1] * scale)))
    canvas = Image.new("L", (size, size), 0)
    canvas.paste(mask.resize(new_size, Image.Resampling.BILINEAR), ((size - new_size[0]) // 2,
                                                                    (size - new_size[1]) // 2))
    return np.asarray(canvas, np.float32) / 255.0


def classifier_view(image, size: int, cutout_model=None, found=None) -> tuple[np.ndarray, np.ndarray, ProductCrop]:
    """(pixels uint8 (size, size, 3), alpha float32 (size, size), crop): the product cut out onto white and
    fitted into the classifier's square, with its alpha fitted the same way (0 on the padding). Training
    (``recognise.data``) and ``recognise`` both see photos through it. ``found``: the photo's segmentation, when
    the caller has it (``crop_product``)."""
    crop = crop_product(image, cutout_model, found=found)
    picture = np.asarray(fit_on_white(Image.fromarray(crop.pixels), size))
    return picture, fit_alpha(crop.alpha, size), crop


def recognise_batch(images: list[Image.Image], classifier: ProductClassifier | None = None,
                    aspect: float | None = None, cutout_model=None, segmentations=None) -> list[Recognition]:
    """Recognise several photos in one classifier pass. ``aspect`` first reshapes photos that were squashed
    to another shape (as the catalogue's were). ``segmentations``: each photo's cut-out (``cutout.segment``)
    when the caller made it already, as the Listing does in Enhance (then ``aspect`` must be None)."""
    if segmentations is not None and (aspect is not None or len(segmentations) != len(images)):
        raise ValueError("segmentations go with photos as they are: one per photo, and no aspect")
    classifier = classifier or cached_classifier()
    config = classifier.config
    views, gains = [], []
    for index, image in enumerate(images):
        if aspect is not None:
            image = image.convert("RGB").resize((round(image.height * aspect), image.height),
                                                Image.Resampling.LANCZOS)
        found = segmentations[index] if segmentations is not None else None
        views.append(classifier_view(image, config.image_size, cutout_model, found))
        gains.append(scene_gains(image, views[-1][2].segmentation.background))  # colours as a person sees them
    tensors = torch.stack([torch.from_numpy(picture.copy()).permute(2, 0, 1) for picture, _, _ in views])
    outputs = predict(classifier, tensors)
    sure, unknowns = certainty(outputs["category"]), classifier.unknown(outputs)
    results = []
    for index, (_, _, crop) in enumerate(views):
        categories = _top(outputs["category"][index], config.categories, 3)
        gender = _top(outputs["gender"][index], config.genders, 1)[0] if config.genders else None
        main = _top(outputs["colour"][index], config.colours, 1)[0] if config.colours else None
        product = Image.fromarray(crop.pixels)
        small = product.copy()
        small.thumbnail((256, 256))
        alpha = np.asarray(Image.fromarray(np.rint(crop.alpha * 255).astype(np.uint8)).resize(small.size))
        colours = dominant_colours(small, alpha < 128, gains=gains[index])
        unknown = bool(unknowns[index])
        notes = [] if crop.found else ["no product was found: the whole photo was read"]
        if crop.found and crop.segmentation.method == "model" and crop.segmentation.confidence < 0.9:
            notes.append("the cut-out is unsure: colours may include some background")
        notes += crop.segmentation.notes
        studio = crop.found and crop.segmentation.method == "backdrop"
        result = _compose(categories, gender, main, colours, unknown, studio)
        result.certainty, result.product, result.notes = float(sure[index]), product, notes
        result.studio = studio
        results.append(result)
    return results


def _compose(categories, gender, main, colours, unknown: bool = False, studio: bool = True) -> Recognition:
    """The text of a recognition. The colour and gender heads were trained and measured on studio photos only:
    they speak only for a photo on a clean backdrop (``enhance.studio``), the colour head only when its name is one of
    the product's own pixel colours. A phone photo's colour is its largest pixel colour (the head called black
    shoes "green", and, even among the shoes' own colours, "brown")."""
    pixel_names = {c.name for c in colours}
    head_ok = main and main[1] >= 0.35 and main[0] in pixel_names and not unknown and studio
    colour_name = main[0] if head_ok else (colours[0].name if colours else None)
    gender_name = gender[0] if gender and gender[1] >= 0.6 and not unknown and studio else None
    others = [c.name.lower() for c in colours[1:3] if colour_name and c.name.lower() != colour_name.lower()]
    others_of_unknown = None
    if unknown:
        others_of_unknown = others[0] if others else None
        title = describe(None, None, colour_name, others_of_unknown)
        others = others[1:]
    else:
        title = describe(categories[0][0], gender_name, colour_name)
    alt = title + (f" with {' and '.join(others)} details" if others else "") + ", on a white background"
    tags = ([] if unknown else [categories[0][0].lower()]) + ([colour_name.lower()] if colour_name else []) + others
    if gender_name:
        tags.append(gender_name.lower())
    words = {"category": None if unknown else categories[0][0], "gender": gender_name, "colour": colour_name,
             "others": others, "second": others_of_unknown}
    return Recognition(categories, gender, main, colours, title, alt, list(dict.fromkeys(tags)), unknown=unknown,
                       words=words)


def listing_zh(category: str | None, gender: str | None, colour: str | None, others: list[str],
               second: str | None = None) -> tuple[str, str, list[str]]:
    """Title, alt text and tags in Simplified Chinese (the glossary of ``locales/zh-CN.json``): colour,
    gender and product type run together as Chinese titles do, "藏青色男士衬衫"; a name missing from the
    glossary stays as it is."""
    from productgen.i18n import locale

    table = locale()
    words = table["listing"]

    def colour_zh(name):
        return local_name(name, "zh") if name else None

    if category is None:
        names = [colour_zh(c) for c in (colour, second) if c]
        title = (words["{a} and {b}"].format(a=names[0], b=names[1]) if len(names) == 2 else "".join(names)) + \
            words["product"]
    else:
        title = (colour_zh(colour) or "") + table["genders"].get(gender or "", "") + \
            table["categories"].get(category, category)
    details = [colour_zh(c) for c in others]
    text = words["{title} with {details} details"].format(
        title=title, details="、".join(details)) if details else title
    alt = words["{text}, on a white background"].format(text=text)
    tags = ([table["categories"].get(category, category)] if category else []) + \
        ([colour_zh(colour)] if colour else []) + details + ([table["genders"][gender]] if gender else [])
    return title, alt, list(dict.fromkeys(tags))


def recognise(image: Image.Image, classifier: ProductClassifier | None = None) -> Recognition:
    """Category (top 3, or ``unknown``), gender, colours, title, alt text and tags of one product photo."""
    return recognise_batch([image], classifier)[0]


@dataclass
class FileResult:
    file: str
    result: Recognition | None
    error: str = ""
    status_override: str = ""  # "edited": a merchant set the category

    @property
    def status(self) -> str:
        return self.status_override or (self.result.status if self.result else "error")


def unreadable(path: str | Path, error: Exception) -> str:
    """Why the file at ``path`` could not be read, in words: a broken link names where it pointed."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        return f"{path.name}: a broken link (it points to {os.readlink(path)}, which does not exist)"
    if isinstance(error, FileNotFoundError):
        return f"{path.name}: the file is gone (moved or deleted while the photos were read)"
    return str(error) if isinstance(error, ImageError) else f"{path.name}: {error}"


def recognise_files(paths: list[str | Path], classifier: ProductClassifier | None = None,
                    batch_size: int = 32, progress=None) -> list[FileResult]:
    """Recognise every file; a file that cannot be read (a broken link, a truncated JPEG) gets the reason
    instead of a result."""
    classifier = classifier or cached_classifier()
    results: list[FileResult] = []
    for start in range(0, len(paths), batch_size):
        chunk = [FileResult(Path(p).name, None) for p in paths[start:start + batch_size]]
        opened, good = [], []
        for item, path in zip(chunk, paths[start:start + batch_size]):
            try:
                opened.append(open_image(path))
                good.append(item)
            except (ImageError, OSError) as error:
                item.error = unreadable(path, error)
        for item, result in zip(good, recognise_batch(opened, classifier) if opened else []):
            item.result = result
        results.extend(chunk)
        if progress:
            progress(min(start + batch_size, len(paths)), len(paths))
    return results


def write_csv(results: list[FileResult], path: str | Path, language: str = "en") -> Path:
    """The tags of ``results`` as CSV: the category stays the model's English name (data for a shop's import),
    the title, alt text and tags are in ``language``. One number says how sure the model is: ``certainty``, the
    probability it gives the category (under ``UNSURE_BELOW_PHONE`` for a phone photo, ``UNSURE_BELOW`` for one
    on a clean backdrop, the status is "check"); blank when the answer is unknown or the merchant set it. The
    gender is the one the title names (none for an unknown product). A file that could not be read is a row with
    its reason in ``error``."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, CSV_FIELDS + ["error"])
        writer.writeheader()
        for item in results:
            row = item.result.csv_row(item.file, item.status, language) if item.result else {"file": item.file}
            if item.result:
                probability = row.pop("confidence")
                row["certainty"] = probability if not item.result.unknown and item.status != "edited" else ""
                row["gender"] = item.result.words.get("gender") or ""
            writer.writerow({**row, "error": item.error})
    return Path(path)
