"""Recognise on real phone photos, to look at: a sheet of held-out ``realphotos/`` photos, each with what was
recognised (the product cut out), the category or "unknown", the colour swatches and the title; and a CSV.

    python bench/recognise_sheet.py --data ../shared/data/realphotos [--count 24] [--out bench/results]

The photos are drawn with a fixed seed from the held-out senders (``productgen/splits/realphotos_val_files.txt``):
five in six clothing, one in six grocery (cartons, which should be "unknown"). Look at it and count.
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

from cutout_sheet import TILE, tile  # noqa: E402  (bench/ is on the path: this script's folder)

from productgen.io.images import open_image  # noqa: E402
from productgen.recognise.data import realphoto_rows  # noqa: E402
from productgen.recognise.network import load_classifier  # noqa: E402
from productgen.recognise.pipeline import recognise_batch  # noqa: E402

TEXT = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="the realphotos folder")
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--columns", type=int, default=2)
    parser.add_argument("--classifier", default=str(ROOT / "weights" / "classifier"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = [r for r in realphoto_rows(args.data) if r["split"] == "validation"]
    pick = random.Random(args.seed)
    clothing = [r for r in rows if r["source"] == "clothing"]
    grocery = [r for r in rows if r["source"] == "grocery"]
    chosen = pick.sample(clothing, args.count - args.count // 6) + pick.sample(grocery, args.count // 6)
    results = recognise_batch([open_image(args.data / r["file"]) for r in chosen], load_classifier(args.classifier))
    width = args.columns * (2 * TILE + TEXT)
    height = -(-len(chosen) // args.columns) * TILE
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "recognise_sheet.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "label", "category", "status", "top3", "colours", "title"])
        for index, (row, result) in enumerate(zip(chosen, results)):
            x, y = (index % args.columns) * (2 * TILE + TEXT), (index // args.columns) * TILE
            sheet.paste(tile(open_image(args.data / row["file"])), (x, y))
            sheet.paste(tile(result.product), (x + TILE, y))
            label = row["label"].split("/")[1] if row["source"] == "grocery" else row["label"]
            colour = {"ok": (20, 120, 50), "check": (190, 120, 0), "unknown": (90, 90, 90)}[result.status]
            lines = [(f"label: {label}", (0, 0, 0)), (f"{result.category} ({result.status})", colour),
                     ("top 3: " + ", ".join(f"{n} {p:.0%}" for n, p in result.categories)[:48], (60, 60, 60)),
                     (result.title[:44], (0, 0, 0))]
            for line, (text, fill) in enumerate(lines):
                draw.text((x + 2 * TILE + 8, y + 8 + line * 18), text, fill=fill)
            for n, swatch in enumerate(result.colours[:4]):
                sx, sy = x + 2 * TILE + 8 + n * 70, y + 92
                draw.rectangle((sx, sy, sx + 20, sy + 20), fill=swatch.hex, outline=(120, 120, 120))
                draw.text((sx + 24, sy + 4), swatch.name[:7], fill=(0, 0, 0))
            writer.writerow([row["file"], label, result.category, result.status,
                             "; ".join(f"{n} {p:.2f}" for n, p in result.categories),
                             "; ".join(c.label() for c in result.colours), result.title])
    sheet.save(out / "recognise_sheet.jpg", quality=88)
    print(f"wrote {out / 'recognise_sheet.jpg'} and {out / 'recognise_sheet.csv'}")


if __name__ == "__main__":
    main()
