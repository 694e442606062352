"""Product-only training photos for the generator: no wearer, no surface, 3:4 on white.

Two sources, both written as 96x128 PNGs on white into ``<out>/<split>/<category>/`` with a ``manifest.csv``:

* the catalogue (``products/``) without the photos worn by a model (:func:`is_worn`);
* the real clothing photos (``realphotos/``) cut out onto white by our cut-out model, kept only when the
  Enhance report's cut-out rule passes (the model is sure and saw no kept surface) and the cut-out is not worn.

The split follows the project's: catalogue ids in ``splits/products_val_ids.txt`` and the held-out
real-photo senders (``cutout.training.realphoto_split``) go to ``val``, never trained on.
"""
from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from productgen.cutout.segment import crop_product, cutout_verdict, find_background
from productgen.io.catalogue import PRODUCT_SHAPE, WORN_SKIN_SHARE, skin_share
from productgen.io.datasets import display_name

SPLITS = Path(__file__).resolve().parent.parent / "splits"
SHAPE = (96, 128)  # width, height: the catalogue's 3:4
# catalogue articleType -> the generator's category (anything else is left out)
CATALOGUE_TYPES = {
    "Tshirts": "T-shirts", "Shirts": "Shirts", "Casual Shoes": "Casual Shoes", "Tops": "Tops",
    "Sports Shoes": "Sports Shoes", "Watches": "Watches", "Handbags": "Handbags", "Heels": "Heels",
    "Sunglasses": "Sunglasses", "Wallets": "Wallets", "Sweaters": "Sweaters", "Flip Flops": "Flip-flops",
    "Sweatshirts": "Sweatshirts", "Sandals": "Sandals", "Belts": "Belts", "Kurtas": "Kurtas",
    "Trousers": "Trousers", "Jeans": "Trousers", "Jackets": "Jackets", "Shorts": "Shorts", "Dresses": "Dresses",
    "Skirts": "Skirts", "Caps": "Hats",
}
# realphotos/ clothing label -> the generator's category ("Shoes" mixes five catalogue types: left out)
REAL_TYPES = {
    "T-Shirt": "T-shirts", "Polo": "T-shirts", "Shirt": "Shirts", "Top": "Tops", "Blouse": "Tops",
    "Longsleeve": "Long-sleeve tops", "Pants": "Trousers", "Shorts": "Shorts", "Dress": "Dresses",
    "Skirt": "Skirts", "Outwear": "Jackets", "Blazer": "Blazers", "Hoodie": "Hoodies", "Hat": "Hats",
}
APPAREL = "Apparel"
MANIFEST = "manifest.csv"
FIELDS = ("split", "category", "source", "file", "kept", "reason", "skin_share", "cutout_confidence")


@dataclass
class Entry:
    """One shared photo's fate: where it went and why."""

    split: str
    category: str
    source: str  # "catalogue" or "realphotos"
    file: str  # path relative to its data folder
    kept: bool
    reason: str
    skin_share: float
    cutout_confidence: float = 1.0


def on_white_3x4(pixels: np.ndarray) -> Image.Image:
    """``pixels`` (any shape, on white) padded on white to 3:4 and resized to :data:`SHAPE`."""
    height, width = pixels.shape[:2]
    target_width = max(width, round(height * SHAPE[0] / SHAPE[1]))
    target_height = max(height, round(target_width * SHAPE[1] / SHAPE[0]))
    canvas = np.full((target_height, target_width, 3), 255, np.uint8)
    top, left = (target_height - height) // 2, (target_width - width) // 2
    canvas[top:top + height, left:left + width] = pixels
    return Image.fromarray(canvas).resize(SHAPE, Image.Resampling.LANCZOS, reducing_gap=2.0)


def is_worn(pixels: np.ndarray, apparel: bool) -> tuple[bool, float]:
    """Whether a catalogue photo (on white) shows its product worn by a model, and the skin share of its product
    pixels (the flood fill of the white backdrop). A model shows as skin (more than ``WORN_SKIN_SHARE`` of the
    product pixels) or as a body the frame cuts at the top (trousers shot from the waist down, with a shirt
    and no skin). Leather and wood are skin-coloured too, so outside apparel both signs must show.
    Measured against 617 photos labelled by eye: ``bench/worn_detector.py``."""
    product = ~find_background(pixels)
    share = skin_share(pixels, product)
    cut_at_top = bool(product[0].any())
    worn = (share > WORN_SKIN_SHARE or cut_at_top) if apparel else (share > WORN_SKIN_SHARE and cut_at_top)
    return worn, share


# categories worn on the body: a photo or a generated image of one may show the wearer
WEARABLE = ("T-shirts", "Shirts", "Tops", "Kurtas", "Sweaters", "Sweatshirts", "Long-sleeve tops", "Trousers",
            "Shorts", "Jackets", "Dresses", "Skirts", "Hats", "Hoodies", "Blazers")


def catalogue_pixels(path: Path) -> np.ndarray:
    """A catalogue photo un-squashed to 3:4 (its 224x224 file was stretched from 60x80)."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").resize(PRODUCT_SHAPE, Image.Resampling.LANCZOS))


def catalogue_entries(folder: str | Path, out: Path | None = None) -> list[Entry]:
    """Judge every catalogue photo of a generator category; with ``out``, write the kept ones."""
    folder = Path(folder)
    held = {line.strip() for line in (SPLITS / "products_val_ids.txt").read_text().splitlines() if line.strip()}
    with open(folder / "labels.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["articleType"] in CATALOGUE_TYPES]
    entries = []
    for row in rows:
        path = folder / "images" / f"{row['id']}.jpg"
        if not path.is_file():
            continue
        pixels = catalogue_pixels(path)
        worn, share = is_worn(pixels, row["masterCategory"] == APPAREL)
        entry = Entry("val" if row["id"] in held else "train", CATALOGUE_TYPES[row["articleType"]], "catalogue",
                      f"images/{path.name}", not worn, "worn by a model" if worn else "product only", share)
        if entry.kept and out is not None:
            write_image(out, entry, on_white_3x4(pixels))
        entries.append(entry)
    return entries


def judge_real_photo(folder: Path, file: str, category: str, split: str, model, out: Path | None) -> Entry:
    """Cut one real photo out onto white; keep it when the cut-out passes (the verdict of Enhance's report) and no
    wearer shows."""
    with Image.open(folder / file) as image:
        crop = crop_product(image.convert("RGB"), model)
    status, measured = cutout_verdict(crop.segmentation)
    share = skin_share(crop.pixels, crop.alpha > 0.5) if crop.found else 0.0
    if not crop.found:
        reason = "no product found"
    elif status != "pass":
        reason = f"cut-out {status}: {measured}"
    elif share > WORN_SKIN_SHARE:
        reason = "skin in the cut-out (worn or held)"
    else:
        reason = "clean cut-out"
    entry = Entry(split, category, "realphotos", file, reason == "clean cut-out", reason, share,
                  crop.segmentation.confidence)
    if entry.kept and out is not None:
        write_image(out, entry, on_white_3x4(crop.pixels))
    return entry


def real_rows(folder: str | Path) -> list[tuple[str, str, str]]:
    """(file, category, split) of the real clothing photos of a generator category."""
    from productgen.cutout.training import realphoto_split

    folder = Path(folder)
    _, validation = realphoto_split(folder)
    held = set(validation)
    with open(folder / "labels.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["source"] == "clothing" and r["label"] in REAL_TYPES]
    return [(r["file"], REAL_TYPES[r["label"]], "val" if r["file"] in held else "train") for r in rows]


def write_image(out: Path, entry: Entry, image: Image.Image) -> None:
    target = out / entry.split / entry.category / f"{entry.source}-{Path(entry.file).stem}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target)


def write_manifest(out: Path, entries: list[Entry]) -> Path:
    path = out / MANIFEST
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for e in entries:
            writer.writerow([e.split, e.category, e.source, e.file, int(e.kept), e.reason, f"{e.skin_share:.4f}",
                             f"{e.cutout_confidence:.3f}"])
    return path


def summary(entries: list[Entry]) -> str:
    """Kept photos per category and split, and why the rest were left out."""
    kept = Counter((e.category, e.split) for e in entries if e.kept)
    lines = [f"{'category':<18}{'train':>7}{'val':>6}"]
    for category in sorted({e.category for e in entries}, key=lambda c: -kept[(c, "train")]):
        lines.append(f"{display_name(category):<18}{kept[(category, 'train')]:>7}{kept[(category, 'val')]:>6}")
    reasons = Counter((e.source, e.reason.split(":")[0]) for e in entries)
    lines += [f"{source}: {reason}: {count}" for (source, reason), count in sorted(reasons.items())]
    return "\n".join(lines)


def _judge_many(job) -> list[Entry]:
    folder, rows, out = job
    import torch

    from productgen.cutout.network import load_cutout

    torch.set_num_threads(1)
    model = load_cutout()
    return [judge_real_photo(Path(folder), file, category, split, model, out) for file, category, split in rows]


def build(products: str | Path | None, realphotos: str | Path | None, out: str | Path,
          workers: int = 1, progress=None) -> list[Entry]:
    """Write the product-only set into ``out`` from either source (or both); returns every photo's entry."""
    from concurrent.futures import ProcessPoolExecutor

    out = Path(out)
    entries = catalogue_entries(products, out) if products else []
    if realphotos:
        rows = real_rows(realphotos)
        chunks = [rows[i:i + 64] for i in range(0, len(rows), 64)]
        jobs = [(str(realphotos), chunk, out) for chunk in chunks]
        with ProcessPoolExecutor(max(1, workers)) as pool:
            for done, judged in enumerate(pool.map(_judge_many, jobs), 1):
                entries += judged
                if progress:
                    progress(done, len(jobs))
    write_manifest(out, entries)
    return entries
