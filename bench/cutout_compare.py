"""Two cut-out models side by side on the same held-out real photos, to look at: for each photo, the photo, then
for each model what is kept (background as a chequerboard) and the Amazon result, with verdict and confidence.

    python bench/cutout_compare.py --data ../shared/data/realphotos --model runs/cutoutN [--against cutout]
        [--kind grocery|clothing] [--count 48] [--seed 2] [--out bench/results/cutout_compare]

The photos are drawn with ``random.Random(seed).sample`` from the held-out files of that kind
(``productgen/splits/realphotos_val_files.txt``); 12 photos a page, written as ``<out>_<page>.png``.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cutout_sheet import COLOURS, TILE, tile  # noqa: E402

from productgen.cutout.network import load_cutout  # noqa: E402
from productgen.enhance.studio import Recipe, mask_overlay, process_image  # noqa: E402
from productgen.io.images import open_image  # noqa: E402

PER_PAGE, COLUMNS = 12, 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the realphotos folder")
    parser.add_argument("--model", required=True, help="the candidate cut-out model (B)")
    parser.add_argument("--against", default="cutout", help="the model to compare with (A; default: shipped)")
    parser.add_argument("--kind", default="grocery", choices=("grocery", "clothing"))
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "cutout_compare"))
    args = parser.parse_args()
    files = [f for f in (ROOT / "productgen/splits/realphotos_val_files.txt").read_text().split()
             if f"/{args.kind}/" in f]
    files = random.Random(args.seed).sample(files, min(args.count, len(files)))
    models = [load_cutout(args.against).fused(), load_cutout(args.model).fused()]
    rows = []
    for number, name in enumerate(files, 1):
        photo = open_image(Path(args.data) / name)
        tiles, verdicts = [tile(photo)], []
        for model in models:
            result = process_image(photo, Recipe(preset="amazon"), model=model)
            tiles += [tile(mask_overlay(photo, result.segmentation)), tile(result.image)]
            verdicts.append((result.verdict, result.segmentation.confidence))
        rows.append((number, tiles, verdicts))
        print(f"{number:2d} {name}: A {verdicts[0][0]} {verdicts[0][1]:.2f}, B {verdicts[1][0]} "
              f"{verdicts[1][1]:.2f}", flush=True)
    width = 5 * TILE + 16
    for page in range(0, len(rows), PER_PAGE):
        chunk = rows[page:page + PER_PAGE]
        sheet = Image.new("RGB", (COLUMNS * width, (len(chunk) + COLUMNS - 1) // COLUMNS * (TILE + 18)), "white")
        draw = ImageDraw.Draw(sheet)
        for index, (number, tiles, verdicts) in enumerate(chunk):
            x, y = index % COLUMNS * width, index // COLUMNS * (TILE + 18)
            for offset, image in enumerate(tiles):
                sheet.paste(image, (x + offset * TILE, y))
            draw.text((x + 2, y + TILE + 3), str(number), fill=(0, 0, 0))
            for k, (verdict, confidence) in enumerate(verdicts):
                draw.text((x + (1 + 2 * k) * TILE + 2, y + TILE + 3), f"{'AB'[k]} {verdict} {confidence:.0%}",
                          fill=COLOURS[verdict])
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        sheet.save(f"{args.out}_{page // PER_PAGE}.png")
    passes = [sum(v[k][0] == "pass" for _, _, v in rows) for k in (0, 1)]
    print(f"{len(rows)} photos: passes A ({args.against}) {passes[0]}, B ({args.model}) {passes[1]}; "
          f"pages {args.out}_*.png")


if __name__ == "__main__":
    main()
