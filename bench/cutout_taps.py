"""Taps on held-out pictures: the cut-out's mean IoU with no tap and with one tap inside the product (the point
farthest from its edge, as ``cutout.taps.farthest_point`` finds it in the true mask), for the shipped model and
for a model that reads taps, on three sets never trained on:

- the 400 held-out composites of ``bench/cutout_quality.py`` (the same pictures, seed 1234);
- products in drawn rooms: a wall, a floor and furniture cut by the frame behind a validation product
  (``cutout.taps.room_picture``, held-out surfaces and real-photo corners, seed 99);
- desks and floors with several objects: a validation product and one to three smaller objects beside it
  (other products, drawn mugs and boxes; ``cutout.taps.scene``, seed 77); the truth is the first product only.

"all" pools the three sets. The whole pipeline runs (``cutout.pipeline.cutout``: the network, the choice of
the main object, the colour steps), so a tap is what a merchant's tap does.

    python bench/cutout_taps.py --data ../shared/data --model runs/cutout-taps [--count 400]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.cutout.network import load_cutout  # noqa: E402
from productgen.cutout.pipeline import cutout  # noqa: E402
from productgen.cutout.tap_pictures import room_picture, scene  # noqa: E402
from productgen.cutout.taps import farthest_point  # noqa: E402
from productgen.cutout.training import CompositeSources, held_out_composites, iou  # noqa: E402
from productgen.io.datasets import _read_ids  # noqa: E402


def held_out_sets(sources: CompositeSources, count: int, side: int) -> dict[str, list]:
    """{name: [(picture uint8, true bool mask)]}: the three held-out sets of the module's notes."""
    from productgen.cutout.effects import camera

    sets = {"composites": held_out_composites(sources, count, side)}
    rng = np.random.default_rng(99)
    sets["rooms"] = [(picture, alpha >= 0.5) for picture, alpha in
                     (room_picture(rng, sources, side) for _ in range(count // 2))]
    rng = np.random.default_rng(77)
    scenes = []
    while len(scenes) < count // 2:
        picture, alphas = scene(rng, sources, side)
        if (alphas[0] >= 0.5).sum() >= 0.01 * side * side:  # the product, unless the others hide it
            scenes.append((camera(rng, picture), alphas[0] >= 0.5))
    sets["several objects"] = scenes
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the shared data folder (products/, backgrounds/, realphotos/)")
    parser.add_argument("--model", required=True, help="a cut-out model that reads taps (folder or name)")
    parser.add_argument("--baseline", default="cutout", help="the model to compare with (default: the shipped one)")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--side", type=int, default=320)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = Path(args.data)
    sources = CompositeSources.load(data / "products" / "images", data / "backgrounds", data / "realphotos",
                                    validation=True,
                                    product_ids=_read_ids(ROOT / "productgen/splits/products_val_ids.txt"))
    sets = held_out_sets(sources, args.count, args.side)
    print("held-out pictures (" + ", ".join(f"{name} {len(pictures)}" for name, pictures in sets.items())
          + f"; {args.side} px)")
    for label, name in (("baseline", args.baseline), ("model", args.model)):
        model = load_cutout(name).fused()
        reads = "reads taps" if model.config.tap_channels else "taps choose among its objects"
        print(f"{label}: {name} ({reads})")
        for tapped in (False, True):
            scores, started = {}, time.perf_counter()
            for set_name, pictures in sets.items():
                scores[set_name] = [iou(cutout(picture, model, keep_points=[farthest_point(truth)] if tapped else None)
                                        .product, truth) for picture, truth in pictures]
            pooled = [value for values in scores.values() for value in values]
            took = (time.perf_counter() - started) / len(pooled) * 1000
            print(f"  {'one tap' if tapped else 'no tap '}: " + ", ".join(
                f"{set_name} {np.mean(values):.4f}" for set_name, values in scores.items())
                + f"; all {np.mean(pooled):.4f} ({took:.0f} ms per picture)", flush=True)


if __name__ == "__main__":
    main()
