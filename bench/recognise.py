"""Recognise on the held-out split: top-1/top-3 accuracy, colour-name accuracy vs ``baseColour``, photos/s.

    python bench/recognise.py --data ../shared/data/products

The catalogue photos were squashed from 3:4 to square; they are reshaped back
(``--aspect 3:4``) as in training. Speed is the whole pipeline per photo
(decode, classify, colours, text) on this CPU.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from productgen.classifier import accuracy_report, load_classifier  # noqa: E402
from productgen.data import load_product_images  # noqa: E402
from productgen.imageio import open_image  # noqa: E402
from productgen.recognise import recognise_batch  # noqa: E402

SPLIT = ROOT / "productgen" / "splits" / "products_val_ids.txt"
TOP16 = ["T-shirts", "Shirts", "Casual Shoes", "Tops", "Kurtas", "Sports Shoes", "Watches", "Handbags", "Heels",
         "Sunglasses", "Wallets", "Sweaters", "Flip-flops", "Sweatshirts", "Sandals", "Belts"]


def colour_accuracy(data_dir: Path, model, limit: int | None) -> None:
    ids = SPLIT.read_text().split()
    labels = {row["id"]: row for row in csv.DictReader(open(data_dir / "labels.csv", encoding="utf-8"))}
    ids = [i for i in ids if labels[i]["baseColour"] in model.config.colours][:limit]
    head_hits, palette_hits, confusion = 0, 0, Counter()
    started = time.perf_counter()
    for start in range(0, len(ids), 64):
        chunk = ids[start:start + 64]
        images = [open_image(data_dir / "images" / f"{i}.jpg") for i in chunk]
        for photo_id, result in zip(chunk, recognise_batch(images, model, aspect=0.75)):
            truth = labels[photo_id]["baseColour"]
            head_hits += result.main_colour[0] == truth
            palette_hits += result.colours[0].name == truth
            if result.main_colour[0] != truth:
                confusion[(truth, result.main_colour[0])] += 1
    seconds = time.perf_counter() - started
    print(f"main colour vs baseColour on {len(ids)} held-out photos (colours the model knows): "
          f"colour head {head_hits / len(ids):.1%}, nearest palette colour of the largest cluster "
          f"{palette_hits / len(ids):.1%}")
    print("most confused (label -> said): " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in confusion.most_common(8)))
    print(f"speed: {len(ids) / seconds:.1f} photos/s through the whole pipeline ({torch.get_num_threads()} threads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder with images/ and labels.csv")
    parser.add_argument("--classifier", default=str(ROOT / "weights" / "classifier"))
    parser.add_argument("--limit", type=int, help="at most this many photos for the colour check")
    args = parser.parse_args()
    model = load_classifier(args.classifier)
    held_out = load_product_images(args.data / "images", args.data / "labels.csv", "articleType",
                                   model.config.categories, aspect=0.75, min_per_category=1, only_ids=SPLIT)
    for name, subset in (("16 most common types", TOP16), (f"all {len(model.config.categories)} types", None)):
        report = accuracy_report(model, held_out, subset)
        within = (f" (choosing among these {len(subset)} only: top-1 {report['top1_within']:.1%}, top-3 "
                  f"{report['top3_within']:.1%})") if subset else ""
        print(f"{name}: top-1 {report['top1']:.1%}, top-3 {report['top3']:.1%} on {report['photos']} photos{within}; "
              f"most confused: {', '.join(report['confused'][:5])}")
    colour_accuracy(args.data, model, args.limit)


if __name__ == "__main__":
    main()
