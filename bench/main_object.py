"""Keeping only the main product on composed scenes: held-out catalogue products cut out and laid on held-out real
surfaces, with a second product beside the main one, a large object cut by the frame behind it ("furniture", here
a third product enlarged and run off the top corner), or both. For each scene: is the main product kept whole, is
every other object dropped, and is each dropped object named by the right place ("at the left", "at the right",
"behind")? The same cut-out without the choice (``main_only=False``) is the baseline, in the same run.

    python bench/main_object.py --data ../shared/data [--count 60] [--seed 0] [--side 480] [--model M]

Scenes are laid out with a fixed seed: the main product near the middle (height 40-55% of the scene), the
second one at the left or right with a gap of 4-8% of the scene between them (height 22-35%; it may run off the
side of the frame), the furniture at a top corner, half out of the frame, above the main product. No shadows are
drawn.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.cutout.network import load_cutout  # noqa: E402
from productgen.cutout.pipeline import cutout  # noqa: E402
from productgen.cutout.training import CompositeSources  # noqa: E402
from productgen.io.datasets import _read_ids  # noqa: E402

KINDS = ("beside", "furniture", "both")


def fitted(product, height: float):
    """(pixels float32, alpha (h, w, 1)) of ``product`` (``cutout.data.Product``) cut to its box and scaled to
    ``height`` px, at the catalogue's 3:4 shape again (its photos were squashed to a square)."""
    rows, columns = np.nonzero(product.alpha > 0.5)
    crop = slice(rows.min(), rows.max() + 1), slice(columns.min(), columns.max() + 1)
    pixels, alpha = product.pixels[crop], product.alpha[crop]
    scale = height / pixels.shape[0]
    size = (max(2, round(pixels.shape[1] * scale * 0.75)), max(2, round(height)))
    return (cv2.resize(pixels, size, interpolation=cv2.INTER_AREA).astype(np.float32),
            cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)[:, :, None])


def place(canvas, truth, piece, centre):
    """Paste ``piece`` (``fitted``) with its centre at ``centre`` (x, y px); parts outside the canvas are cut, and
    what it covers of the objects in ``truth`` is theirs no more. Returns its mask on the canvas."""
    pixels, alpha = piece
    height, width = alpha.shape[:2]
    left, top = int(centre[0] - width / 2), int(centre[1] - height / 2)
    side_h, side_w = canvas.shape[:2]
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(side_h, top + height), min(side_w, left + width)
    if y1 <= y0 or x1 <= x0:
        return np.zeros(canvas.shape[:2], bool)
    part = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
    canvas[y0:y1, x0:x1] = canvas[y0:y1, x0:x1] * (1 - alpha[part]) + pixels[part] * alpha[part]
    mask = np.zeros(canvas.shape[:2], bool)
    mask[y0:y1, x0:x1] = alpha[part][:, :, 0] > 0.5
    for other in truth:
        other &= ~mask
    return mask


def scene(rng, sources, kind: str, side: int):
    """(picture, main mask, [(other mask, where it is)])."""
    surface = sources.surfaces[rng.integers(len(sources.surfaces))]
    canvas = cv2.resize(surface, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
    canvas *= np.linspace(1.08, 0.9, side, dtype=np.float32)[:, None, None]  # uneven room light
    products = [sources.products[i] for i in rng.choice(len(sources.products), 3, replace=False)]
    truth, others = [], []
    if kind in ("furniture", "both"):
        right = rng.random() < 0.5
        centre = (side * (0.95 if right else 0.05), side * rng.uniform(0.0, 0.08))
        mask = place(canvas, truth, fitted(products[2], side * rng.uniform(0.62, 0.72)), centre)
        truth.append(mask)
        others.append((mask, "behind"))
    height = side * rng.uniform(0.4, 0.55)
    main = place(canvas, truth, fitted(products[0], height), (side * rng.uniform(0.45, 0.55), side * 0.95 - height / 2))
    truth.append(main)
    if kind in ("beside", "both"):
        columns = np.flatnonzero(main.any(axis=0))
        piece = fitted(products[1], side * rng.uniform(0.22, 0.35))
        height, width = piece[1].shape[:2]
        gap = side * rng.uniform(0.04, 0.08)
        left_side = rng.random() < 0.5 if kind == "beside" else not right
        x = columns.min() - gap - width / 2 if left_side else columns.max() + gap + width / 2
        mask = place(canvas, truth, piece, (x, side * 0.95 - height / 2))  # may run off the side of the frame
        truth.append(mask)
        others.append((mask, "at the left" if left_side else "at the right"))
    picture = np.clip(canvas, 0, 255).astype(np.uint8)
    return picture, main, [(mask, where) for mask, where in others if mask.sum() > 50]


def judge(product, dropped, main, others, everything):
    """(main kept whole, every other dropped, every other the network had kept dropped and named by its place)."""
    kept = (product & main).sum() >= 0.8 * main.sum()
    gone = all((product & mask).sum() < 0.2 * mask.sum() for mask, _ in others)
    held = [where for mask, where in others if (everything & mask).sum() >= 0.2 * mask.sum()]
    named = gone and all(any(item.where == where for item in dropped) for where in held)
    return kept, gone, named


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the shared data folder (products/, backgrounds/)")
    parser.add_argument("--count", type=int, default=60, help="scenes of each kind")
    parser.add_argument("--side", type=int, default=480)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="cutout", help="cut-out model folder or name (default: the shipped one)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = Path(args.data)
    val_ids = _read_ids(ROOT / "productgen/splits/products_val_ids.txt")
    sources = CompositeSources.load(data / "products" / "images", data / "backgrounds", None, validation=True,
                                    product_ids=val_ids, skip_worn=True)
    model = load_cutout(args.model).fused()
    rng = np.random.default_rng(args.seed)
    print(f"{args.count} scenes of each kind ({args.side} px): held-out products on {len(sources.surfaces)} held-out "
          "surfaces")
    started = time.perf_counter()
    for kind in KINDS:
        counts = np.zeros(5, int)
        for _ in range(args.count):
            picture, main_mask, others = scene(rng, sources, kind, args.side)
            everything = cutout(picture, model, main_only=False).product
            chosen = cutout(picture, model)
            kept, gone, named = judge(chosen.product, chosen.dropped, main_mask, others, everything)
            held_more = any((everything & mask).sum() >= 0.2 * mask.sum() for mask, _ in others)
            baseline = (everything & main_mask).sum() >= 0.8 * main_mask.sum() and not held_more
            counts += [baseline, kept and gone, kept, named and kept, held_more]
        total = args.count
        print(f"  {kind}: main kept and others dropped {counts[1]}/{total} (without the choice {counts[0]}/{total}; "
              f"the network's mask held another object in {counts[4]}); main kept {counts[2]}/{total}; "
              f"and every object the network had kept dropped and named by its place {counts[3]}/{total}")
    print(f"({(time.perf_counter() - started) / (3 * args.count):.2f} s per scene, both cut-outs)")


if __name__ == "__main__":
    main()
