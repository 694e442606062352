"""Invented people: how many generated images of worn categories show a person (a face, arms, legs).

    python bench/generated_people.py --model default --products ../shared/data/products \
        --product-only ~/.cache/productgen/data/product_only_v2 --count 400 --sheet bench/results/people.png

The detector is a linear probe on the product classifier's features at 128 px (``--size``): logistic
regression fitted on the catalogue's apparel photos of the training split, labelled worn or not by the filter
of the product-only data (``gan.product_data.is_worn``, 211 of 211 worn photos caught on 605 checked by eye), and
on the training senders' real clothes cut out onto white (``--product-only``; no person), so that a real
garment's creases are not taken for a body.
Skin colour alone cannot tell a face from a brown or red garment in a generated image; the probe sees shape.
The script prints the probe's error on the held-out split, on the photos labelled by eye
(``data/worn_by_eye.csv``) and on the held-out real clothes cut out onto white (no person), then draws
``--count`` images spread evenly over the model's worn categories (``gan.product_data.WEARABLE``) at seed 0 and
counts those it flags. The sheet shows every image, flagged ones framed in red, to check by eye.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.gan.product_data import (  # noqa: E402
    APPAREL,
    CATALOGUE_TYPES,
    SPLITS,
    WEARABLE,
    catalogue_pixels,
    is_worn,
    on_white_3x4,
)
from productgen.gan.sampling import image_grid, load_generator  # noqa: E402
from productgen.io.datasets import fit_on_white  # noqa: E402
from productgen.recognise.network import load_classifier, predict  # noqa: E402


def as_tensor(images: list[Image.Image], size: int) -> torch.Tensor:
    arrays = [np.asarray(fit_on_white(image, size)) for image in images]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def catalogue_set(products: Path, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[str]]:
    """Apparel photos of worn categories as the generator sees them, worn labels, held-out flags, files."""
    held = set((SPLITS / "products_val_ids.txt").read_text().split())
    rows = [r for r in csv.DictReader(open(products / "labels.csv", newline=""))
            if r["masterCategory"] == APPAREL and CATALOGUE_TYPES.get(r["articleType"]) in WEARABLE]
    images, worn, files = [], [], []
    for row in rows:
        pixels = catalogue_pixels(products / "images" / f"{row['id']}.jpg")
        worn.append(is_worn(pixels, apparel=True)[0])
        images.append(on_white_3x4(pixels))
        files.append(f"products/images/{row['id']}.jpg")
    held_out = torch.tensor([Path(f).stem in held for f in files])
    return as_tensor(images, size), torch.tensor(worn, dtype=torch.float), held_out, files


class Probe:
    """Logistic regression on standardised classifier features."""

    def __init__(self, features: torch.Tensor, labels: torch.Tensor, steps: int = 500):
        self.mean, self.std = features.mean(0), features.std(0) + 1e-6
        x = (features - self.mean) / self.std
        self.weight = torch.zeros(x.shape[1], requires_grad=True)
        self.bias = torch.zeros((), requires_grad=True)
        optimiser = torch.optim.Adam([self.weight, self.bias], lr=0.01)
        positive = labels.mean().clamp(0.05, 0.95)
        weights = torch.where(labels > 0.5, 0.5 / positive, 0.5 / (1 - positive))  # balanced classes
        for _ in range(steps):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ self.weight + self.bias, labels,
                                                                        weight=weights)
            loss = loss + 1e-3 * self.weight.square().sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

    @torch.no_grad()
    def person(self, features: torch.Tensor) -> torch.Tensor:
        return ((features - self.mean) / self.std @ self.weight + self.bias) > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="generator folder or name under weights/")
    parser.add_argument("--products", required=True, help="the catalogue folder (labels.csv + images/)")
    parser.add_argument("--product-only", help="the product-only set (``product-data``): its held-out real "
                                               "cut-outs are a check that the probe flags no product alone")
    parser.add_argument("--count", type=int, default=400, help="images in all, spread over the worn categories")
    parser.add_argument("--size", type=int, default=128, help="size the probe sees images at")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sheet", help="write a sheet of every image here (flagged ones framed in red)")
    args = parser.parse_args()
    classifier = load_classifier()

    def features(images: torch.Tensor) -> torch.Tensor:
        return predict(classifier, images, size=args.size)["features"]

    images, worn, held_out, files = catalogue_set(Path(args.products), args.size)
    catalogue_features = features(images)
    train_features, train_labels = catalogue_features[~held_out], worn[~held_out]
    real = {}
    if args.product_only:
        for split in ("train", "val"):
            paths = sorted(Path(args.product_only).glob(f"{split}/*/realphotos-*.png"))
            real[split] = features(as_tensor([Image.open(path).convert("RGB") for path in paths], args.size))
        train_features = torch.cat([train_features, real["train"]])
        train_labels = torch.cat([train_labels, torch.zeros(len(real["train"]))])
    probe = Probe(train_features, train_labels)
    called = probe.person(catalogue_features[held_out])
    truth = worn[held_out] > 0.5
    print(f"probe on the held-out catalogue apparel: {(called == truth).float().mean():.1%} right "
          f"({int(truth.sum())} worn, {int((~truth).sum())} product only; worn missed {int((truth & ~called).sum())}"
          f", product only flagged {int((~truth & called).sum())})")
    by_eye = {row["file"]: row["worn"] == "1" for row in csv.DictReader(open(ROOT / "data" / "worn_by_eye.csv"))}
    index = {file: i for i, file in enumerate(files)}
    eyed = [(index[f], w) for f, w in by_eye.items() if f in index and held_out[index[f]]]
    if eyed:
        flags = probe.person(catalogue_features[[i for i, _ in eyed]])
        right = sum(bool(flag) == w for flag, (_, w) in zip(flags, eyed))
        print(f"probe on the held-out photos labelled by eye: {right} of {len(eyed)} right")
    if real:
        flags = probe.person(real["val"])
        print(f"probe on {len(flags)} held-out real clothes cut out onto white (no person): {int(flags.sum())} flagged")
    generator = load_generator(args.model)
    worn_categories = [name for name in generator.categories if name in WEARABLE]
    per = -(-args.count // len(worn_categories))
    shown, total = [], 0
    print(f"{args.model}: {per} images each of {', '.join(worn_categories)}")
    for name in worn_categories:
        samples = generator.sample(name, per, args.seed, 1.0, generator.image_size)
        flags = probe.person(features(as_tensor(samples, args.size))).tolist()
        total += sum(flags)
        print(f"  {name:<18}{sum(flags):>4} of {per} show a person")
        shown += [ImageOps.expand(image, 3, (220, 0, 0) if flag else (255, 255, 255))
                  for image, flag in zip(samples, flags)]
    print(f"in all: {total} of {len(shown)} = {total / len(shown):.1%} show a person")
    if args.sheet:
        image_grid(shown, columns=min(per, 40)).save(args.sheet)
        print(f"sheet: {args.sheet}")


if __name__ == "__main__":
    main()
