"""Colour names against names given by eye: real phone photos through the whole Recognise pipeline.

    python bench/colour_names.py --realphotos ../shared/data/realphotos [--wrong]

``data/colours_by_eye.csv`` names each photo's main colour as a person would (and, where it is honestly
ambiguous, an ``also`` name; several are joined by ";"). Each photo goes through ``recognise_batch``, as the app
reads it (cut-out, classifier, colours, text), and the colour the title is made of (``words["colour"]``) is
right when it is the eye's colour or an also name. Both sides are first mapped through ``SAME_NAME``, so a
synonym ("Navy Blue" and "Navy", "Maroon" and "Burgundy") is not counted as a miss. Prints the share right on
the ``held_out`` rows (the photos of the held-out senders and products, never tuned on) and on the ``tune`` rows.

With ``--products``, also the catalogue's products on white (the val split of ``productgen/splits``, whose
``baseColour`` is one of ``CATALOGUE_NAMES``): the share whose title colour is the catalogue's, so a change for
phone photos can be seen not to move the names of products already on white.
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
from productgen.io.images import open_image  # noqa: E402
from productgen.recognise.network import load_classifier  # noqa: E402
from productgen.recognise.pipeline import recognise_batch  # noqa: E402

# the catalogue's colour names a product on white is checked against (its metals, "Multi" and rare names are not)
CATALOGUE_NAMES = ("Black", "White", "Blue", "Grey", "Brown", "Red", "Green", "Navy Blue", "Purple", "Pink", "Beige",
                   "Maroon", "Yellow", "Olive", "Orange", "Cream", "Tan", "Charcoal", "Khaki", "Magenta", "Lavender",
                   "Teal", "Off White", "Burgundy", "Turquoise Blue")
# names that mean the same colour to a person: scored as one
SAME_NAME = {"navy blue": "navy", "dark blue": "navy", "maroon": "burgundy", "wine": "burgundy", "gray": "grey",
             "off white": "cream", "ivory": "cream", "turquoise blue": "turquoise", "aqua": "turquoise",
             "denim": "denim blue", "sky blue": "light blue", "fuchsia": "magenta"}


def same_name(name: str) -> str:
    name = " ".join(name.lower().split())
    return SAME_NAME.get(name, name)


def read_labels(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["accepted"] = {same_name(n) for n in [row["colour"], *row["also"].split(";")] if n.strip()}
    return rows


def catalogue_check(products: Path, model, count: int) -> None:
    from productgen.recognise.data import catalogue_rows

    rows = [r for r in catalogue_rows(products) if r["split"] == "validation" and r["role"] == "known"
            and r["baseColour"] in CATALOGUE_NAMES][:count]
    said = []
    for start in range(0, len(rows), 32):
        photos = [open_image(products / "images" / f"{r['id']}.jpg") for r in rows[start:start + 32]]
        said += [result.words["colour"] or "" for result in recognise_batch(photos, model, aspect=0.75)]
    right = sum(same_name(r["baseColour"]) == same_name(name) for r, name in zip(rows, said))
    print(f"catalogue products on white ({len(rows)} of the val split): title colour is the catalogue's "
          f"baseColour for {right} ({right / max(len(rows), 1):.1%})")
    misses = Counter((same_name(r["baseColour"]), same_name(name)) for r, name in zip(rows, said)
                     if same_name(r["baseColour"]) != same_name(name))
    print("  most missed (catalogue -> said): " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in misses.most_common(8)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realphotos", required=True, type=Path, help="the shared realphotos/ folder")
    parser.add_argument("--labels", type=Path, default=ROOT / "data" / "colours_by_eye.csv")
    parser.add_argument("--classifier", default=str(ROOT / "weights" / "classifier"))
    parser.add_argument("--products", type=Path, help="the shared products/ folder: also check products on white")
    parser.add_argument("--catalogue-count", type=int, default=400, help="how many catalogue photos to check")
    parser.add_argument("--wrong", action="store_true", help="list every photo named wrong")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = read_labels(args.labels)
    model = load_classifier(args.classifier)
    started = time.perf_counter()
    for start in range(0, len(rows), 16):
        chunk = rows[start:start + 16]
        results = recognise_batch([open_image(args.realphotos / row["file"]) for row in chunk], model)
        for row, result in zip(chunk, results):
            row["said"] = result.words["colour"] or ""
            row["right"] = same_name(row["said"]) in row["accepted"]
    seconds = time.perf_counter() - started
    print(f"{len(rows)} photos named by eye ({args.labels.name}), {seconds / len(rows):.2f} s a photo")
    for split in ("held_out", "tune"):
        part = [row for row in rows if row["split"] == split]
        right = sum(row["right"] for row in part)
        print(f"  {split}: {right} of {len(part)} right ({right / max(len(part), 1):.1%})")
        misses = Counter((same_name(row["colour"]), same_name(row["said"])) for row in part if not row["right"])
        print("    most missed (eye -> said): " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in misses.most_common(8)))
    if args.products:
        catalogue_check(args.products, model, args.catalogue_count)
    if args.wrong:
        for row in rows:
            if not row["right"]:
                print(f"  {row['split']:8s} {row['file']}: eye {row['colour']}"
                      f"{' / ' + row['also'] if row['also'] else ''}, said {row['said']}")


if __name__ == "__main__":
    main()
