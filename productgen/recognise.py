"""Recognising products in photos: category, gender, colours, a title, alt text and tags.

``recognise(image)`` returns a :class:`Recognition`; ``recognise_files`` does a
batch and ``write_csv`` writes the table merchants paste into their catalogue.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .background import find_background
from .classifier import ProductClassifier, load_classifier, predict
from .colours import ColourTag, dominant_colours
from .data import fit_on_white
from .imageio import ImageError, open_image

# Names that read better in a sentence than the catalogue's plural labels.
SINGULAR = {"T-shirts": "T-shirt", "Shirts": "shirt", "Tops": "top", "Kurtas": "kurta", "Watches": "watch",
            "Handbags": "handbag", "Wallets": "wallet", "Sweaters": "sweater", "Sweatshirts": "sweatshirt",
            "Belts": "belt", "Jackets": "jacket", "Backpacks": "backpack", "Caps": "cap", "Ties": "tie",
            "Kurtis": "kurti", "Dresses": "dress", "Skirts": "skirt", "Clutches": "clutch", "Mufflers": "muffler",
            "Vests": "vest", "Briefs": "briefs"}
GENDER_WORDS = {"Men": "men's", "Women": "women's", "Boys": "boys'", "Girls": "girls'", "Unisex": "unisex"}
UNSURE_BELOW = 0.4


@dataclass
class Recognition:
    categories: list[tuple[str, float]]  # top 3, most likely first
    gender: tuple[str, float] | None
    main_colour: tuple[str, float] | None  # from the classifier's colour head
    colours: list[ColourTag]  # dominant colours of the product's pixels
    title: str
    alt_text: str
    tags: list[str] = field(default_factory=list)

    @property
    def category(self) -> str:
        return self.categories[0][0]

    @property
    def unsure(self) -> bool:
        return self.categories[0][1] < UNSURE_BELOW

    def csv_row(self, file: str) -> dict:
        return {"file": file, "category": self.category, "confidence": f"{self.categories[0][1]:.3f}",
                "other_categories": "; ".join(f"{n} {p:.2f}" for n, p in self.categories[1:]),
                "gender": self.gender[0] if self.gender else "",
                "colours": "; ".join(f"{c.name} {c.hex} {c.share:.2f}" for c in self.colours),
                "title": self.title, "alt_text": self.alt_text, "tags": ", ".join(self.tags)}


CSV_FIELDS = ["file", "category", "confidence", "other_categories", "gender", "colours", "title", "alt_text", "tags"]


def _noun(category: str) -> str:
    word = SINGULAR.get(category, category)
    return word if word[:2] == "T-" else word.lower()


def describe(category: str, gender: str | None, colour: str | None) -> str:
    """'Navy blue men's shirt' from its parts (each optional but the category)."""
    words = [colour.lower() if colour else None, GENDER_WORDS.get(gender or ""), _noun(category)]
    text = " ".join(w for w in words if w)
    return text[0].upper() + text[1:]


def _top(probs: torch.Tensor, names: list[str], k: int) -> list[tuple[str, float]]:
    values, indices = probs.topk(min(k, len(names)))
    return [(names[i], float(v)) for v, i in zip(values.tolist(), indices.tolist())]


def recognise_batch(images: list[Image.Image], classifier: ProductClassifier | None = None,
                    aspect: float | None = None) -> list[Recognition]:
    """Recognise several photos in one classifier pass. ``aspect`` reshapes squashed catalogue photos."""
    classifier = classifier or load_classifier()
    config = classifier.config
    tensors = torch.stack([torch.from_numpy(np.asarray(fit_on_white(image, config.image_size, aspect)).copy())
                           .permute(2, 0, 1) for image in images])
    outputs = predict(classifier, tensors)
    results = []
    for index, image in enumerate(images):
        categories = _top(outputs["category"][index], config.categories, 3)
        gender = _top(outputs["gender"][index], config.genders, 1)[0] if config.genders else None
        main = _top(outputs["colour"][index], config.colours, 1)[0] if config.colours else None
        small = image.convert("RGB")
        small.thumbnail((256, 256))
        colours = dominant_colours(small, find_background(small))
        results.append(_compose(categories, gender, main, colours))
    return results


def _compose(categories, gender, main, colours) -> Recognition:
    colour_name = main[0] if main and main[1] >= 0.35 else (colours[0].name if colours else None)
    gender_name = gender[0] if gender and gender[1] >= 0.6 else None
    title = describe(categories[0][0], gender_name, colour_name)
    others = [c.name.lower() for c in colours[1:3] if colour_name and c.name.lower() != colour_name.lower()]
    alt = title + (f" with {' and '.join(others)} details" if others else "") + ", on a white background"
    tags = [categories[0][0].lower()] + ([colour_name.lower()] if colour_name else []) + others
    if gender_name:
        tags.append(gender_name.lower())
    return Recognition(categories, gender, main, colours, title, alt, list(dict.fromkeys(tags)))


def recognise(image: Image.Image, classifier: ProductClassifier | None = None) -> Recognition:
    """Category (top 3), gender, colours, title, alt text and tags of one product photo."""
    return recognise_batch([image], classifier)[0]


@dataclass
class FileResult:
    file: str
    result: Recognition | None
    error: str = ""


def recognise_files(paths: list[str | Path], classifier: ProductClassifier | None = None,
                    batch_size: int = 32, progress=None) -> list[FileResult]:
    """Recognise every file; unreadable files get an error message instead of a result."""
    classifier = classifier or load_classifier()
    results: list[FileResult] = []
    for start in range(0, len(paths), batch_size):
        chunk = [FileResult(Path(p).name, None) for p in paths[start:start + batch_size]]
        opened, good = [], []
        for item, path in zip(chunk, paths[start:start + batch_size]):
            try:
                opened.append(open_image(path))
                good.append(item)
            except ImageError as error:
                item.error = str(error)
        for item, result in zip(good, recognise_batch(opened, classifier) if opened else []):
            item.result = result
        results.extend(chunk)
        if progress:
            progress(min(start + batch_size, len(paths)), len(paths))
    return results


def write_csv(results: list[FileResult], path: str | Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, CSV_FIELDS + ["error"])
        writer.writeheader()
        for item in results:
            row = item.result.csv_row(item.file) if item.result else {"file": item.file}
            writer.writerow({**row, "error": item.error})
    return Path(path)
