"""The Amazon main-image rules over a whole catalogue: share of photos whose result passes.

    python bench/enhance_dataset.py --data ../shared/data/products/images [--preset amazon] [--canvas 1000]

Runs the one-click pipeline on every photo and counts the background and fill
rules (the ones that depend on the photo rather than on the output size). The
canvas is smaller than the preset's by default to save time: both rules are
measured as shares, so they do not depend on it. Writes every failure with its
measured values to bench/results/enhance_dataset_<preset>.csv and a before/after
sheet of random photos to bench/results/enhance_before_after.jpg.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from PIL import Image  # noqa: E402

from productgen.enhance.studio import Recipe, process_image  # noqa: E402
from productgen.io.images import ImageError, open_image  # noqa: E402

RULES = ("white background", "fill")


def check(path: Path, preset: str, canvas: int) -> tuple[str, dict[str, tuple[str, str]]]:
    try:
        result = process_image(open_image(path), Recipe(preset=preset, canvas=(canvas, canvas)))
    except (ImageError, ValueError) as error:
        return path.name, {"open": ("fail", str(error))}
    return path.name, {r.rule: (r.status, r.measured) for r in result.report if r.rule in RULES}


def sheet(paths: list[Path], preset: str, out: Path, side: int = 160) -> None:
    tiles = []
    for path in paths:
        before = open_image(path)
        after = process_image(before, Recipe(preset=preset, canvas=(800, 800))).image
        for image in (before, after):
            tile = Image.new("RGB", (side, side), (200, 200, 200))
            image.thumbnail((side - 4, side - 4))
            tile.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
            tiles.append(tile)
    columns = 8
    grid = Image.new("RGB", (columns * side, -(-len(tiles) // columns) * side), (200, 200, 200))
    for index, tile in enumerate(tiles):
        grid.paste(tile, ((index % columns) * side, (index // columns) * side))
    grid.save(out, quality=85)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder of photos")
    parser.add_argument("--preset", default="amazon")
    parser.add_argument("--canvas", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    paths = sorted(p for p in args.data.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:args.limit]
    started = time.monotonic()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(check, paths, [args.preset] * len(paths), [args.canvas] * len(paths),
                                chunksize=64))
    seconds = time.monotonic() - started
    passed = [name for name, rules in results if all(status == "pass" for status, _ in rules.values())]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    failures = [(name, rules) for name, rules in results if name not in set(passed)]
    with open(out / f"enhance_dataset_{args.preset}.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "rule", "status", "measured"])
        for name, rules in failures:
            for rule, (status, measured) in rules.items():
                if status != "pass":
                    writer.writerow([name, rule, status, measured])
    by_rule = {rule: sum(rules.get(rule, ("", ""))[0] not in ("pass", "") for _, rules in failures) for rule in RULES}
    print(f"{len(passed)} of {len(results)} photos ({len(passed) / len(results):.1%}) pass the {args.preset} "
          f"background and fill rules; failures by rule: {by_rule}; {len(results) / seconds:.1f} photos/s "
          f"with {args.workers} processes")
    print(f"failures with measured values: {out / f'enhance_dataset_{args.preset}.csv'}")
    sheet(random.Random(0).sample(paths, 16), args.preset, out / "enhance_before_after.jpg")
    print(f"before/after sheet: {out / 'enhance_before_after.jpg'}")


if __name__ == "__main__":
    main()
