"""Colour spill at the cut-out's soft edge: the surface's colour left on the product's rim once it is on white.

Held-out catalogue products (the validation split) are laid on the held-out senders' real-photo corners (rugs,
bedspreads, floors) at their own scale, with the training recipe's placement; the truth is the product's own
pixels blended onto white with its own alpha. Along the edge (alpha between 0.05 and 0.95) it reports how far
the rim's colour is from the product's own colour there (mean error in levels, and the share of edge pixels off by
more than 24 levels in some channel: a fringe one sees), for two ways in the same run:

- plain: the photo's pixel as it is (what Enhance blended onto white before: the surface's share stays);
- foreground estimated: the product's colour estimated first (``cutout.matting``, blur fusion).

Each is also blended onto white and compared with the product blended onto white, on the soft edge's pixels of
the product and of the surface apart.

Both with the true alpha (spill alone) and with the shipped cut-out model's alpha (what a merchant gets). With the
model's alpha most of the error is the mask's own (an edge pixel of the product it made half transparent, or a
pixel of the surface it half kept), which no colour estimate mends; the estimate only takes the surface's colour
out of what is kept.

    python bench/edge_spill.py --data ../shared/data [--count 200] [--side 512] [--sheet OUT.jpg]

``--sheet`` also writes a sheet of held-out real phone photos on colourful surfaces (no truth there): each row a
patch of the product's edge 3x, as shot, blended onto white plain, and with the colour estimated.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.cutout.composites import _place, _surface  # noqa: E402
from productgen.cutout.matting import foreground_colours  # noqa: E402
from productgen.cutout.network import load_cutout  # noqa: E402
from productgen.cutout.pipeline import cutout  # noqa: E402
from productgen.cutout.segment import over_white  # noqa: E402
from productgen.cutout.training import CompositeSources  # noqa: E402
from productgen.io.datasets import _read_ids  # noqa: E402

EDGE = (0.05, 0.95)
VISIBLE = 24  # levels in one channel


def pictures(sources: CompositeSources, count: int, side: int, seed: int = 77):
    """[(picture uint8, alpha float32, product uint8)]: a product on a real surface, and the product's own colours."""
    rng = np.random.default_rng(seed)
    made = []
    for _ in range(count):
        product = sources.products[rng.integers(len(sources.products))]
        pixels, alpha = _place(rng, product, side, large=False)
        colour = pixels[alpha > 0.5].mean(0) if (alpha > 0.5).any() else np.full(3, 128.0)
        surface = _surface(rng, side, sources.surfaces, sources.corners, colour, native_share=1.0)
        a = alpha[:, :, None]
        picture = np.clip(np.rint(surface * (1 - a) + pixels * a), 0, 255).astype(np.uint8)
        made.append((picture, alpha, np.clip(np.rint(pixels), 0, 255).astype(np.uint8)))
    return made


def score(blends: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """(mean absolute error in levels, share of pixels visibly off) over the edge pixels of all ``blends``
    [(result, truth, edge mask)]."""
    errors = np.concatenate([np.abs(result.astype(np.int16) - truth.astype(np.int16))[edge]
                             for result, truth, edge in blends])
    return float(errors.mean()), float((errors.max(axis=1) > VISIBLE).mean())


def real_sheet(realphotos: Path, out: str, rows: int = 6, seed: int = 7) -> None:
    """Edge patches of held-out clothing photos whose surface is colourful (mean channel spread over 45 levels)."""
    import random

    from PIL import Image

    from productgen.cutout.segment import segment
    from productgen.cutout.training import realphoto_split
    from productgen.io.images import as_pixels, open_image

    _, held = realphoto_split(realphotos)
    picks, made = random.Random(seed).sample([name for name in held if "clothing" in name], 60), []
    for name in picks:
        pixels = as_pixels(open_image(realphotos / name))
        found = segment(pixels)
        surface = pixels[found.background]
        if found.alpha is None or not len(surface) or np.ptp(surface, axis=1).mean() < 45:
            continue
        rows_, columns = np.nonzero((found.alpha > 0.1) & (found.alpha < 0.9))
        if len(rows_) < 50:
            continue
        y, x = max(0, rows_[len(rows_) // 3] - 40), max(0, columns[len(rows_) // 3] - 40)
        patches = [pixels, over_white(pixels, found.alpha), over_white(foreground_colours(pixels, found.alpha),
                                                                         found.alpha)]
        row = Image.new("RGB", (740, 240), "white")
        for index, patch in enumerate(patches):
            row.paste(Image.fromarray(patch).crop((x, y, x + 80, y + 80)).resize((240, 240), Image.NEAREST),
                      (250 * index, 0))
        made.append(row)
        if len(made) == rows:
            break
    sheet = Image.new("RGB", (740, 250 * len(made)), "white")
    for index, row in enumerate(made):
        sheet.paste(row, (0, 250 * index))
    sheet.save(out, quality=90)
    print(f"sheet of {len(made)} held-out real photos (as shot | plain | colour estimated): {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the shared data folder (products/, backgrounds/, realphotos/)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--model", default="cutout")
    parser.add_argument("--sheet", help="also write a sheet of real photos' edges here")
    args = parser.parse_args()
    data = Path(args.data)
    if args.sheet:
        real_sheet(data / "realphotos", args.sheet)
    val_ids = _read_ids(ROOT / "productgen/splits/products_val_ids.txt")
    sources = CompositeSources.load(data / "products" / "images", data / "backgrounds", data / "realphotos",
                                    validation=True, product_ids=val_ids, limit=600)
    made = pictures(sources, args.count, args.side)
    print(f"{len(made)} held-out products on held-out real-photo corners at their own scale ({args.side} px)")
    model = load_cutout(args.model).fused()
    for name, alpha_of in (("true alpha", lambda picture, alpha: alpha),
                           ("cut-out model's alpha", lambda picture, alpha: cutout(picture, model).alpha)):
        rim, blends, seconds = [], {True: [], False: []}, 0.0
        for picture, alpha, product in made:
            predicted = alpha_of(picture, alpha)
            soft = (predicted > EDGE[0]) & (predicted < EDGE[1])
            started = time.perf_counter()
            colours = foreground_colours(picture, predicted)
            seconds += time.perf_counter() - started
            truth = over_white(product, alpha)
            for on_product in (True, False):
                edge = soft & ((alpha >= 0.5) if on_product else (alpha < 0.5))
                blends[on_product].append(((over_white(picture, predicted), truth, edge),
                                           (over_white(colours, predicted), truth, edge)))
            rim.append(((picture, product, soft), (colours, product, soft)))
        print(f"  {name} ({1000 * seconds / len(made):.1f} ms per picture for the estimate):")
        if name == "true alpha":
            (before, before_seen), (after, after_seen) = (score([pair[i] for pair in rim]) for i in (0, 1))
            print(f"    the rim's colour against the product's own: mean error {before:.1f} -> {after:.1f} levels, "
                  f"visibly off {before_seen:.1%} -> {after_seen:.1%}")
        for on_product, where in ((True, "the product's pixels"), (False, "the surface's pixels")):
            pairs = blends[on_product]
            if not sum(int(edge.sum()) for (_, _, edge), _ in pairs):
                continue
            (before, before_seen), (after, after_seen) = (score([pair[i] for pair in pairs]) for i in (0, 1))
            print(f"    soft edge on {where} (true alpha {'>=' if on_product else '<'} 0.5), blended onto white "
                  f"against the product on white: mean error {before:.1f} -> {after:.1f} levels, visibly off "
                  f"{before_seen:.1%} -> {after_seen:.1%}")

if __name__ == "__main__":
    main()
