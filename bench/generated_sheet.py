"""A sheet of generated products at listing size, one row per category, to look at at 100%.

    python bench/generated_sheet.py --model default --size 512 --per-row 3 --seed 11 --out docs/samples_512.jpg

Each image is drawn at the model's size and enlarged as Generate does it (one pass of the upscaler, or
Lanczos with ``--method lanczos``); the category is written at the left of its row. The sheet is a JPEG to keep
the repository small; the images Generate writes are PNGs marked as AI-generated.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.gan.sampling import load_generator  # noqa: E402

LABEL_WIDTH = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--per-row", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--variety", type=float, default=1.0)
    parser.add_argument("--method", choices=["model", "lanczos"], default="model")
    parser.add_argument("--categories", nargs="+", help="default: all the model's")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    generator = load_generator(args.model)
    names = args.categories or generator.categories
    side, gap = args.size, 8
    sheet = Image.new("RGB", (LABEL_WIDTH + args.per_row * (side + gap), len(names) * (side + gap)), "white")
    draw = ImageDraw.Draw(sheet)
    started = time.monotonic()
    for row, name in enumerate(names):
        images = generator.sample(name, args.per_row, args.seed, args.variety, side,
                                  "model" if args.method == "model" else "lanczos")
        top = row * (side + gap)
        draw.text((12, top + side // 2), name, fill="black", font_size=28)
        for column, image in enumerate(images):
            sheet.paste(image.convert("RGB"), (LABEL_WIDTH + column * (side + gap), top))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=88, optimize=True)
    print(f"{len(names)} categories x {args.per_row} at {side} px from {args.model} "
          f"({generator.image_size} px drawn) in {time.monotonic() - started:.1f} s: {args.out}")


if __name__ == "__main__":
    main()
