"""Enhance on real phone photos: a before / what-is-kept / after sheet of held-out ``realphotos/`` photos,
with each photo's verdict and cut-out confidence, and a CSV of the same.

    python bench/cutout_sheet.py --data ../shared/data/realphotos [--count 48] [--out bench/results] [--model DIR]

The photos are drawn with a fixed seed from the held-out senders (``productgen/splits/realphotos_val_files.txt``):
five in six from the clothing photos, one in six from the grocery photos. Look at the sheet and count.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.cutout.network import load_cutout  # noqa: E402
from productgen.enhance.studio import Recipe, mask_overlay, process_image  # noqa: E402
from productgen.io.images import open_image  # noqa: E402

TILE = 180
COLOURS = {"pass": (20, 140, 60), "warn": (200, 130, 0), "fail": (200, 30, 30)}


def tile(image: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (TILE, TILE), (255, 255, 255))
    copy = image.convert("RGB").copy()
    copy.thumbnail((TILE, TILE))
    canvas.paste(copy, ((TILE - copy.width) // 2, (TILE - copy.height) // 2))
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the realphotos folder")
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--columns", type=int, default=4, help="photos per row (3 tiles each)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="cutout", help="the cut-out model (a folder, or a name under weights/)")
    args = parser.parse_args()
    model = load_cutout(args.model).fused()
    files = (ROOT / "productgen/splits/realphotos_val_files.txt").read_text().split()
    pick = random.Random(args.seed)
    grocery = [f for f in files if "/grocery/" in f]
    clothing = [f for f in files if "/clothing/" in f]
    chosen = pick.sample(clothing, args.count - args.count // 6) + pick.sample(grocery, args.count // 6)
    rows = (len(chosen) + args.columns - 1) // args.columns
    sheet = Image.new("RGB", (args.columns * 3 * TILE + (args.columns - 1) * 12, rows * (TILE + 22)), "white")
    draw = ImageDraw.Draw(sheet)
    records = []
    for index, name in enumerate(chosen):
        photo = open_image(Path(args.data) / name)
        result = process_image(photo, Recipe(preset="amazon"), model=model)
        found = result.segmentation
        x = (index % args.columns) * (3 * TILE + 12)
        y = (index // args.columns) * (TILE + 22)
        for offset, image in enumerate((photo, mask_overlay(photo, found), result.image)):
            sheet.paste(tile(image), (x + offset * TILE, y))
        label = f"{index + 1}. {result.verdict.upper()}  cut-out {found.confidence:.0%}"
        draw.text((x + 4, y + TILE + 4), label, fill=COLOURS[result.verdict])
        records.append({"number": index + 1, "file": name, "verdict": result.verdict, "method": found.method,
                        "confidence": round(found.confidence, 3), "notes": "; ".join(found.notes),
                        "cutout_rule": result.report[0].status})
        print(f"{index + 1:2d} {name}: {result.verdict} ({found.method}, {found.confidence:.2f}) "
              + "; ".join(found.notes), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sheet.save(out / "realphotos_sheet.jpg", quality=85)
    with open(out / "realphotos_sheet.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    verdicts = [r["verdict"] for r in records]
    print(f"{len(records)} photos: pass {verdicts.count('pass')}, warn {verdicts.count('warn')}, "
          f"fail {verdicts.count('fail')}; sheet in {out / 'realphotos_sheet.jpg'}")


if __name__ == "__main__":
    main()
