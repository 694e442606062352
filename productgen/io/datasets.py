"""Loading labelled product photos for training and measuring.

A data folder is either one sub-folder per category, or a flat folder plus a
CSV with a file/id column and a label column (``labels.csv`` + ``articleType``
for the shipped catalogue). Images are fitted on white to a square of the
training size and held in memory as one uint8 tensor: the catalogues we train
on (thousands of 64 px images) fit in a few hundred MB.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from productgen.io.images import ImageError, is_image_name, open_image

# Catalogue labels a merchant would not write that way.
DISPLAY_NAMES = {"Tshirts": "T-shirts", "Flip Flops": "Flip-flops", "Innerwear Vests": "Vests"}
ID_COLUMNS = ("file", "filename", "path", "image", "id")


class DataError(ValueError):
    """The data folder or labels cannot be used; the message names the fix."""


def display_name(label: str) -> str:
    return DISPLAY_NAMES.get(label, label)


def spelling_key(name: str) -> str:
    """'T-shirts', 'tshirts' and 'Tshirts' all match."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def parse_aspect(text: str | None) -> float | None:
    """'3:4' -> 0.75 (width / height); None or '' -> None (keep the file's shape)."""
    if not text:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)\s*", text)
    if not match or float(match[2]) == 0 or float(match[1]) == 0:
        raise DataError(f"--aspect must look like 3:4 (width:height), got {text!r}")
    return float(match[1]) / float(match[2])


def fit_on_white(image: Image.Image, size: int, aspect: float | None = None) -> Image.Image:
    """Resize ``image`` to fit a ``size`` square (optionally reshaped to ``aspect``) and pad on white."""
    width, height = image.size
    if aspect is not None:
        width, height = aspect, 1.0
    scale = size / max(width, height)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if hasattr(image, "draft"):
        image.draft("RGB", (new_size[0] * 2, new_size[1] * 2))
    resized = image.convert("RGB").resize(new_size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    canvas = Image.new("RGB", (size, size), (255, 255, 255))
    canvas.paste(resized, ((size - new_size[0]) // 2, (size - new_size[1]) // 2))
    return canvas


@dataclass
class ProductImages:
    """Images ``(N, 3, S, S)`` uint8, their category ids, the category names and what was skipped."""

    images: torch.Tensor
    labels: torch.Tensor
    categories: list[str]
    ids: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    def counts(self) -> dict[str, int]:
        tally = Counter(self.labels.tolist())
        return {name: tally.get(index, 0) for index, name in enumerate(self.categories)}

    def summary(self) -> str:
        counts = ", ".join(f"{name} {count}" for name, count in self.counts().items())
        text = f"{len(self)} images in {len(self.categories)} categories ({counts})"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} unreadable file(s), e.g. {self.skipped[0][0]}: {self.skipped[0][1]}"
        return text


def _read_ids(path: str | Path | None) -> set[str] | None:
    if path is None:
        return None
    return {line.strip() for line in Path(path).read_text().splitlines() if line.strip()}


def _find_file(root: Path, value: str) -> Path | None:
    for folder in (root, root / "images"):
        candidate = folder / value
        if candidate.suffix and candidate.is_file():
            return candidate
        for suffix in (".jpg", ".jpeg", ".png", ".webp"):
            if (folder / f"{value}{suffix}").is_file():
                return folder / f"{value}{suffix}"
    return None


def _rows_from_csv(root: Path, labels: Path, label_column: str, extra_columns: tuple[str, ...]):
    with open(labels, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if label_column not in columns:
            raise DataError(f"{labels.name} has no column {label_column!r}; choose --label-column from {columns}")
        id_column = next((c for c in ID_COLUMNS if c in columns), None)
        if id_column is None:
            raise DataError(f"{labels.name} needs a file column named one of {list(ID_COLUMNS)}; it has {columns}")
        for row in reader:
            extras = {column: row.get(column, "") for column in extra_columns}
            yield row[id_column], _find_file(root, row[id_column]), row[label_column].strip(), extras


def _rows_with_one_label(root: Path, category: str):
    for path in sorted(root.rglob("*")):
        if path.is_file() and is_image_name(path.name) and not path.name.startswith("."):
            yield path.stem, path, category, {}


def _rows_from_folders(root: Path):
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and is_image_name(path.name):
                yield path.stem, path, folder.name, {}


def _choose(counts: Counter, categories, min_per_category: int) -> list[str]:
    if categories is None or isinstance(categories, int):
        ranked = [name for name, count in counts.most_common() if count >= min_per_category]
        if not ranked:
            found = ", ".join(f"{name} ({count})" for name, count in counts.most_common(5))
            raise DataError(f"no category has at least {min_per_category} images (found {found}): add photos of "
                            "the category")
        return ranked[:categories] if isinstance(categories, int) else ranked
    by_key = {spelling_key(name): name for name in counts}
    by_key.update({spelling_key(display_name(name)): name for name in counts})
    chosen = []
    for wanted in categories:
        if spelling_key(wanted) not in by_key:
            raise DataError(f"no images of category {wanted!r}; the data has {sorted(counts)}")
        chosen.append(by_key[spelling_key(wanted)])
    return chosen


def load_product_images(
    data: str | Path,
    labels: str | Path | None = None,
    label_column: str = "category",
    categories: list[str] | int | None = None,
    size: int = 64,
    aspect: float | None = None,
    min_per_category: int = 10,
    only_ids: str | Path | None = None,
    exclude_ids: str | Path | None = None,
    extra_columns: tuple[str, ...] = (),
    single_category: str | None = None,
    prepare=None,
) -> ProductImages:
    """Read a labelled image folder into memory.

    ``categories`` is a list of names (any spelling), an int (the N most common) or
    None (all with at least ``min_per_category`` images). ``aspect`` reshapes every
    photo to that width/height ratio before padding (the shipped catalogue was
    squashed from 3:4 to square). ``single_category`` labels every image under ``data`` with that
    name (no sub-folders or CSV needed). Unreadable files are skipped and listed in
    ``skipped``; an empty folder, a missing column or a category with too few
    images raises :class:`DataError`. ``prepare`` (image -> image) runs on each photo first, e.g.
    ``cutout.segment.product_on_white`` to cut products out of phone photos.
    """
    root = Path(data)
    if not root.is_dir():
        raise DataError(f"data folder {root} does not exist; pass --data a folder of images")
    if single_category:
        rows = list(_rows_with_one_label(root, single_category))
    elif labels is not None:
        rows = list(_rows_from_csv(root, Path(labels), label_column, extra_columns))
    else:
        rows = list(_rows_from_folders(root))
    if not rows:
        hint = "check --labels and the file names" if labels else "put each category's photos in its own sub-folder"
        raise DataError(f"no labelled images found in {root}; {hint}")
    keep, drop = _read_ids(only_ids), _read_ids(exclude_ids) or set()
    rows = [r for r in rows if (keep is None or r[0] in keep) and r[0] not in drop]
    chosen = _choose(Counter(r[2] for r in rows), categories, min_per_category)
    index = {name: i for i, name in enumerate(chosen)}
    return _decode(rows, index, size, aspect, min_per_category, extra_columns, prepare)


def _decode(rows, index, size, aspect, min_per_category, extra_columns, prepare=None) -> ProductImages:
    arrays, label_ids, ids, skipped = [], [], [], []
    extra = {column: [] for column in extra_columns}
    for row_id, path, label, extras in rows:
        if label not in index:
            continue
        if path is None:
            skipped.append((row_id, "file not found"))
            continue
        try:
            image = open_image(path)
            image = fit_on_white(prepare(image) if prepare else image, size, aspect)
        except ImageError as error:
            skipped.append((path.name, str(error)))
            continue
        arrays.append(np.asarray(image))
        label_ids.append(index[label])
        ids.append(row_id)
        for column in extra_columns:
            extra[column].append(extras[column])
    counts = Counter(label_ids)
    short = [f"{name} ({counts.get(i, 0)})" for name, i in index.items() if counts.get(i, 0) < min_per_category]
    if short:
        raise DataError(
            f"too few readable images for {', '.join(short)}; each category needs at least "
            f"{min_per_category}: add photos or leave those categories out"
        )
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    names = [display_name(name) for name in index]
    return ProductImages(images, torch.tensor(label_ids), names, ids, skipped, extra)


def make_split(labels: str | Path, label_column: str, fraction: float = 0.15, seed: int = 0) -> list[str]:
    """Ids of a held-out split: ``fraction`` of every label's rows, drawn with ``seed`` (stable, sorted)."""
    if not 0 < fraction < 1:
        raise DataError(f"--fraction must be between 0 and 1, got {fraction}")
    with open(labels, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or label_column not in rows[0]:
        raise DataError(f"{Path(labels).name} has no column {label_column!r}")
    id_column = next(c for c in ID_COLUMNS if c in rows[0])
    random = np.random.default_rng(seed)
    chosen = []
    for label in sorted({row[label_column] for row in rows}):
        ids = sorted(row[id_column] for row in rows if row[label_column] == label)
        count = int(round(len(ids) * fraction))
        chosen.extend(random.choice(ids, size=count, replace=False).tolist() if count else [])
    return sorted(chosen, key=lambda value: (len(value), value))
