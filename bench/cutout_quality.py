"""Cut-out quality on held-out composites: mean IoU, boundary F-measure (2 px) and MAE of the shipped model
against the flood fill Enhance used before (``find_background``), on the same pictures in one run.

The composites are never seen in training: catalogue products of the validation split
(``productgen/splits/products_val_ids.txt``) on the held-out tenth of ``backgrounds/`` groups and on corners of
the held-out ``realphotos/`` senders, made with the training recipe (scale, rotation, shadows, a finger, light,
blur, noise, JPEG) and a fixed seed; then half as many on the held-out senders' real-photo corners at their own
scale (a rug's or a bedspread's print as sharp as around a product in a phone photo).

With ``--skip-worn`` the validation products are only those a merchant photographs: clothes worn by a model
(whose flood-fill masks hold the wearer's skin) are left out, as ``train-cutout --skip-worn`` leaves them out.
With ``--every-object`` the cut-out keeps every object it finds (``main_only=False``), as it was measured before
it kept only the main product (run 11's 0.9526).

    python bench/cutout_quality.py --data ../shared/data [--count 400] [--side 320] [--skip-worn]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.cutout.network import load_cutout  # noqa: E402
from productgen.cutout.pipeline import cutout  # noqa: E402
from productgen.cutout.segment import find_background  # noqa: E402
from productgen.cutout.training import CompositeSources, held_out_composites, score_masks  # noqa: E402
from productgen.io.datasets import _read_ids  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the shared data folder (products/, backgrounds/, realphotos/)")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--side", type=int, default=320)
    parser.add_argument("--model", default="cutout")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-worn", action="store_true", help="leave out clothes worn by a model")
    parser.add_argument("--every-object", action="store_true",
                        help="keep every object the network finds (cutout(..., main_only=False)), as measured "
                             "before the main-object choice")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = Path(args.data)
    val_ids = _read_ids(ROOT / "productgen/splits/products_val_ids.txt")
    sources = CompositeSources.load(data / "products" / "images", data / "backgrounds", data / "realphotos",
                                    validation=True, product_ids=val_ids, skip_worn=args.skip_worn)
    pictures = held_out_composites(sources, args.count, args.side)
    kind = "validation products not worn by a model" if args.skip_worn else "validation products"
    print(f"{len(pictures)} held-out composites ({args.side} px) of {len(sources.products)} {kind} "
          f"on {len(sources.surfaces)} held-out surfaces and {len(sources.corners)} held-out real-photo corners")
    model = load_cutout(args.model).fused()
    methods = (("flood fill (before)", lambda p: ~find_background(p)),
               ("cut-out model", lambda p: cutout(p, model, main_only=not args.every_object).product))
    for name, segment in methods:
        report(name, segment, pictures)
    # the same products on the held-out senders' rugs, bedspreads and floors as sharp and as large as they lie
    # around a product in a phone photo (the set above stretches a corner 3-5x over the picture: blurred)
    native = held_out_composites(sources, args.count // 2, args.side, seed=4321, native_share=1.0)
    print(f"{len(native)} held-out composites on real-photo corners at their own scale (sharp prints)")
    for name, segment in methods:
        report(name, segment, native)


def report(name, segment, pictures) -> None:
    started = time.perf_counter()
    scores = score_masks(segment, pictures)
    took = (time.perf_counter() - started) / len(pictures) * 1000
    print(f"  {name}: IoU {scores['iou']:.4f}, boundary F {scores['boundary_f']:.3f}, "
          f"MAE {scores['mae']:.3f} ({took:.0f} ms per picture)")


if __name__ == "__main__":
    main()
