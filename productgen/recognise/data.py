"""Training data for a classifier that recognises merchants' phone photos, not only catalogue shots.

Every photo, in training as in the app, goes through the same door: ``classifier_view`` cuts the product out
onto white (``cutout.segment.crop_product``) and fits it into the classifier's square. ``build_cache`` does that
once for the catalogue (``products/``), the real phone photos (``realphotos/``) and made-up objects, and keeps
the result in one file, so training epochs cost only the network.

Labels. The catalogue's article types stay as they are (the generators' categories and metrics use them).
A real photo's label can be coarser than ours ("Shoes" is any of seven footwear types), so it becomes the
*set* of our types it allows (``REAL_TYPES``); the loss asks the classifier to put its belief anywhere in
the set. Types merchants need that only the real photos show (dresses, skirts, hats, hoodies, blazers,
long-sleeve tops, baby bodysuits) are added. Photos that are none of our types (dairy cartons held in a
shop, drawn objects) are *outliers*: the loss asks for an even spread over all types, so that "unknown"
shows as low confidence (outlier exposure, Hendrycks et al. 2019).

Splits (the same on every machine): the catalogue's ``products_val_ids.txt``; for ``realphotos/`` the
held-out ``realphotos_val_files.txt`` (by sender, grocery by product, shared with the cut-out model), and a
calibration share of the remaining senders that is never trained on and sets the "unknown" threshold.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from productgen.cutout.data import drawn_product
from productgen.io.catalogue import PRODUCT_SHAPE, held_out
from productgen.io.datasets import display_name, fit_on_white
from productgen.recognise.pipeline import classifier_view, fit_alpha

SPLITS = Path(__file__).resolve().parent.parent / "splits"
SHOES = ("Casual Shoes", "Sports Shoes", "Formal Shoes", "Heels", "Flats", "Sandals", "Flip-flops")
# realphotos/ label -> the set of our types it allows (a label missing here, e.g. "Other", is not used)
REAL_TYPES = {
    "T-Shirt": ("T-shirts",), "Polo": ("T-shirts",), "Shirt": ("Shirts",), "Blouse": ("Tops", "Shirts"),
    "Top": ("Tops",), "Longsleeve": ("Long-sleeve tops",), "Pants": ("Trousers", "Jeans", "Track Pants"),
    "Shorts": ("Shorts",), "Shoes": SHOES, "Dress": ("Dresses",), "Skirt": ("Skirts",),
    "Outwear": ("Jackets",), "Blazer": ("Blazers",), "Hoodie": ("Hoodies", "Sweatshirts"),
    "Hat": ("Hats", "Caps"), "Undershirt": ("Vests",), "Body": ("Baby bodysuits",),
}
NEW_TYPES = ("Dresses", "Skirts", "Hats", "Hoodies", "Blazers", "Long-sleeve tops", "Baby bodysuits")
CATALOGUE_RENAMES = {"Hat": "Hats"}
MIN_CATALOGUE = 40  # fewest catalogue photos for a catalogue-only type (the 30 types of before)
# catalogue photos that are not fashion: never trained on, a test of "unknown"
NON_FASHION_MASTER = ("Personal Care", "Sporting Goods")  # "Free Items" mixes bags and gifts: left out
NON_FASHION_TYPES = ("Umbrellas",)
CALIBRATION_SHARE = 0.12
DRAWN_OUTLIERS = 1500
CACHE_VERSION = 1


def read_lines(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def realphoto_rows(folder: str | Path) -> list[dict]:
    """``labels.csv`` rows with ``sender`` (clothing) and ``split``: train, calibration or validation."""
    folder = Path(folder)
    with open(folder / "clothing_senders.csv", newline="") as handle:
        senders = {row["file"]: row["sender_id"] for row in csv.DictReader(handle)}
    validation = read_lines(SPLITS / "realphotos_val_files.txt")
    with open(folder / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["sender"] = senders.get(row["file"], "")
        if row["file"] in validation:
            row["split"] = "validation"
        elif row["source"] == "clothing" and held_out(row["sender"], CALIBRATION_SHARE, "recognise-calibration"):
            row["split"] = "calibration"
        else:
            row["split"] = "train"
    return rows


def real_types(row: dict) -> tuple[str, ...] | None:
    """Our types a realphotos/ row allows; () for a non-fashion photo (an outlier); None: not used."""
    if row["source"] == "grocery":
        return ()
    return REAL_TYPES.get(row["label"])


def catalogue_rows(folder: str | Path, min_count: int = MIN_CATALOGUE) -> list[dict]:
    """``products/labels.csv`` rows with ``type`` (our name), ``split`` and ``role``: known, non-fashion or
    other (a fashion type with fewer than ``min_count`` photos: neither trained on nor tested)."""
    folder = Path(folder)
    with open(folder / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    validation = read_lines(SPLITS / "products_val_ids.txt")
    counts: dict[str, int] = {}
    for row in rows:
        row["type"] = CATALOGUE_RENAMES.get(row["articleType"], display_name(row["articleType"]))
        counts[row["type"]] = counts.get(row["type"], 0) + 1
    for row in rows:
        row["split"] = "validation" if row["id"] in validation else "train"
        if row["masterCategory"] in NON_FASHION_MASTER or row["articleType"] in NON_FASHION_TYPES:
            row["role"] = "non-fashion"
        elif counts[row["type"]] >= min_count or row["type"] in NEW_TYPES:
            row["role"] = "known"
        else:
            row["role"] = "other"
    return rows


def type_list(catalogue: list[dict], real: list[dict]) -> list[str]:
    """Our types: the catalogue's known types by count (most common first, as before), then the new ones and
    any other type a real photo's label allows; only types some photo shows."""
    counts: dict[str, int] = {}
    for row in catalogue:
        if row["role"] == "known":
            counts[row["type"]] = counts.get(row["type"], 0) + 1
    allowed = {name for row in real for name in real_types(row) or ()}
    types = sorted((n for n in counts if n not in NEW_TYPES), key=lambda name: -counts[name])
    types += [n for n in NEW_TYPES if n in counts or n in allowed]
    return types + sorted(allowed - set(types))


@dataclass
class Example:
    source: str  # catalogue, real, grocery, drawn
    name: str  # file or id
    split: str  # train, calibration, validation
    types: tuple[str, ...]  # () = an outlier
    gender: str = ""
    colour: str = ""
    role: str = "known"  # known, non-fashion, other


def _view_file(job):
    path, size, stretch = job
    torch.set_num_threads(1)
    image = Image.open(path).convert("RGB")
    if stretch:
        image = image.resize(PRODUCT_SHAPE, Image.Resampling.LANCZOS)
    picture, alpha, crop = classifier_view(image, size)
    whole = np.asarray(fit_on_white(image, size))
    return picture, np.rint(alpha * 255).astype(np.uint8), whole, float(crop.segmentation.confidence), crop.found


def build_cache(products: str | Path, realphotos: str | Path, out: str | Path, size: int = 64,
                workers: int = 2, min_count: int = MIN_CATALOGUE, log=print) -> Path:
    """Cut out and fit every photo once; write the tensors and their labels to ``out`` (a torch file).
    ``min_count``: fewest catalogue photos for a catalogue-only type."""
    from multiprocessing import get_context

    products, realphotos = Path(products), Path(realphotos)
    catalogue = catalogue_rows(products, min_count)
    examples, jobs = [], []
    for row in catalogue:
        if row["role"] == "other":
            continue
        examples.append(Example("catalogue", row["id"], row["split"],
                                (row["type"],) if row["role"] == "known" else (), row["gender"],
                                row["baseColour"], row["role"]))
        jobs.append((products / "images" / f"{row['id']}.jpg", size, True))
    real = realphoto_rows(realphotos)
    for row in real:
        types = real_types(row)
        if types is None:
            continue
        examples.append(Example("real" if types else "grocery", row["file"], row["split"], types,
                                role="known" if types else "non-fashion"))
        jobs.append((realphotos / row["file"], size, False))
    log(f"cutting out {len(jobs)} photos with {workers} workers")
    pictures, alphas, wholes, confidence, found = [], [], [], [], []
    with get_context("spawn").Pool(workers) as pool:
        for index, (picture, alpha, whole, sure, ok) in enumerate(pool.imap(_view_file, jobs, chunksize=16)):
            pictures.append(picture)
            alphas.append(alpha)
            wholes.append(whole)
            confidence.append(sure)
            found.append(ok)
            if (index + 1) % 1000 == 0:
                log(f"  {index + 1}/{len(jobs)}")
    rng = np.random.default_rng(7)
    for index in range(DRAWN_OUTLIERS):
        drawn = drawn_product(rng)
        on_white = np.rint(drawn.pixels * drawn.alpha[:, :, None] + 255 * (1 - drawn.alpha[:, :, None]))
        picture, alpha = _fit_drawn(on_white.astype(np.uint8), drawn.alpha, size)
        pictures.append(picture)
        alphas.append(alpha)
        wholes.append(picture)
        confidence.append(1.0)
        found.append(True)
        examples.append(Example("drawn", f"drawn-{index}", "train", (), role="non-fashion"))

    def stack(values):
        array = np.stack(values)
        return torch.from_numpy(array.transpose(0, 3, 1, 2) if array.ndim == 4 else array[:, None]).contiguous()

    cache = {"version": CACHE_VERSION, "size": size, "min_count": min_count, "types": type_list(catalogue, real),
             "images": stack(pictures), "alphas": stack(alphas), "wholes": stack(wholes),
             "confidence": torch.tensor(confidence), "found": torch.tensor(found),
             "examples": [vars(example) for example in examples]}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(cache, out)
    log(f"wrote {len(examples)} examples to {out}")
    return out


def _fit_drawn(pixels: np.ndarray, alpha: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A drawn object cropped to itself and fitted as ``classifier_view`` fits a photo: (pixels, uint8 alpha)."""
    ys, xs = np.nonzero(alpha > 0.5)
    if len(ys):
        rows = slice(max(0, ys.min() - 2), ys.max() + 3)
        columns = slice(max(0, xs.min() - 2), xs.max() + 3)
        pixels, alpha = pixels[rows, columns], alpha[rows, columns]
    picture = np.asarray(fit_on_white(Image.fromarray(pixels), size))
    return picture, np.rint(fit_alpha(alpha, size) * 255).astype(np.uint8)


def load_cache(path: str | Path, min_count: int | None = None, size: int | None = None) -> dict:
    cache = torch.load(path, weights_only=True)
    if cache.get("version") != CACHE_VERSION:
        raise ValueError(f"{path} was made by another version of productgen; delete it to build it again")
    if min_count is not None and cache.get("min_count", MIN_CATALOGUE) != min_count:
        raise ValueError(f"{path} was made with --min-per-category {cache.get('min_count', MIN_CATALOGUE)}; "
                         "use that, or another --cache")
    if size is not None and cache["size"] != size:
        raise ValueError(f"{path} holds {cache['size']} px photos, not {size} px; use another --cache")
    return cache


def _targets(examples: list[dict], types: list[str]) -> torch.Tensor:
    targets = torch.zeros(len(examples), len(types))
    for row, example in enumerate(examples):
        for name in example["types"]:
            targets[row, types.index(name)] = 1.0
    return targets


def subset(cache: dict, keep) -> list[int]:
    return [index for index, example in enumerate(cache["examples"]) if keep(example)]


def training_set(cache: dict, config, real_repeats: int = 1, real_look: bool = False):
    """The train split of the cache as :class:`~productgen.recognise.network.LabelledImages`: catalogue photos
    (genders, colours, the phone look), real photos (their uncut version now and then; each ``real_repeats``
    times per epoch) and outliers. ``real_look``: the real photos too get the phone look's zoom, rotation,
    casts, blur, noise and surface band, and now and then a blanked patch (they are few, and learnt by heart
    without it)."""
    from productgen.recognise.training import LabelledImages

    rows = subset(cache, lambda e: e["split"] == "train" and e["role"] != "other"
                  and not (e["source"] == "catalogue" and e["role"] == "non-fashion"))  # a test only
    real_rows = [i for i in rows if cache["examples"][i]["source"] == "real"]
    rows += real_rows * (real_repeats - 1)
    examples = [cache["examples"][i] for i in rows]
    index = torch.tensor(rows)
    genders = torch.tensor([config.genders.index(e["gender"]) if e["gender"] in config.genders else -100
                            for e in examples])
    colours = torch.tensor([config.colours.index(e["colour"]) if e["colour"] in config.colours else -100
                            for e in examples])
    real = torch.tensor([e["source"] in ("real", "grocery") for e in examples])
    phone_look = torch.tensor([e["source"] in ("catalogue", "drawn") for e in examples])
    if real_look:
        phone_look = phone_look | real
    wholes = torch.where(real[:, None, None, None], cache["wholes"][index], cache["images"][index])
    return LabelledImages(cache["images"][index], _targets(examples, config.categories), genders, colours,
                          cache["alphas"][index], phone_look, wholes, blanks=real if real_look else None)


def evaluation_sets(cache: dict, types: list[str], split: str = "validation") -> dict[str, dict]:
    """Held-out groups: ``catalogue`` and ``real`` (known types, with their allowed sets), and the photos
    that are none of our types: ``non-fashion catalogue`` and ``grocery`` (dairy cartons held in a shop)."""
    groups = {"catalogue": lambda e: e["source"] == "catalogue" and e["role"] == "known",
              "real": lambda e: e["source"] == "real",
              "non-fashion catalogue": lambda e: e["source"] == "catalogue" and e["role"] == "non-fashion",
              "grocery": lambda e: e["source"] == "grocery"}
    sets = {}
    for name, keep in groups.items():
        # the catalogue's non-fashion photos are never trained on: all of them test "unknown"
        every = name == "non-fashion catalogue" and split == "validation"
        rows = subset(cache, lambda e, keep=keep, every=every: (every or e["split"] == split) and keep(e))
        if not rows:
            continue
        examples = [cache["examples"][i] for i in rows]
        sets[name] = {"images": cache["images"][torch.tensor(rows)], "targets": _targets(examples, types),
                      "examples": examples}
    return sets


def texture_pool(backgrounds: str | Path, realphotos: str | Path, train_files: list[str], count: int = 3000,
                 size: int = 64, seed: int = 0) -> torch.Tensor:
    """``count`` crops of real surfaces (``backgrounds/`` and the corners of real photos of the train split),
    uint8 (count, 3, size, size), for the "cut-out kept some floor" augmentation."""
    import cv2

    from productgen.cutout.data import load_surfaces, realphoto_corners

    rng = np.random.default_rng(seed)
    surfaces = load_surfaces(backgrounds, validation=False)
    picked = [train_files[i] for i in rng.permutation(len(train_files))[:600]]
    surfaces += realphoto_corners(realphotos, picked)
    crops = []
    for _ in range(count):
        surface = surfaces[rng.integers(len(surfaces))]
        side = int(rng.integers(min(surface.shape[:2]) // 3, min(surface.shape[:2]) + 1))
        top = int(rng.integers(0, surface.shape[0] - side + 1))
        left = int(rng.integers(0, surface.shape[1] - side + 1))
        crops.append(cv2.resize(surface[top:top + side, left:left + side], (size, size),
                                interpolation=cv2.INTER_AREA))
    return torch.from_numpy(np.stack(crops).transpose(0, 3, 1, 2)).contiguous()
