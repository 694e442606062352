"""The cut-out on our own real-photo masks (``data/real_masks``): mean IoU with no tap and with one tap inside the
product (the point of the true mask farthest from its edge), for the shipped model and another, on the masks of
the held-out senders (never trained on; ``--split all`` for every mask), with the kinds that miss most.

    python bench/cutout_real_masks.py --realphotos ../shared/data/realphotos --model runs/cutout-taps

The masks were made with the cut-out model shipped before taps, its taps and strokes, and checked by eye at 480 px
(``data/README.md``): an IoU here is agreement with masks a person accepted, edges included as that model drew them.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.cutout.network import load_cutout  # noqa: E402
from productgen.cutout.pipeline import cutout  # noqa: E402
from productgen.cutout.taps import farthest_point  # noqa: E402
from productgen.cutout.training import iou  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realphotos", required=True, type=Path)
    parser.add_argument("--masks", type=Path, default=ROOT / "data" / "real_masks")
    parser.add_argument("--model", required=True)
    parser.add_argument("--baseline", default="cutout")
    parser.add_argument("--split", default="held_out", choices=["held_out", "train", "all"])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.masks / "real_masks.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if args.split == "all" or row["split"] == args.split]
    pictures = []
    for row in rows:
        photo = np.asarray(Image.open(args.realphotos / row["file"]).convert("RGB"))
        truth = np.asarray(Image.open(args.masks / row["mask"]).convert("L")) > 127
        pictures.append((row["kind"], photo, truth))
    print(f"{len(pictures)} real photos with our masks ({args.split})")
    for label, name in (("baseline", args.baseline), ("model", args.model)):
        model = load_cutout(name).fused()
        print(f"{label}: {name}" + (" (reads taps)" if model.config.tap_channels else ""))
        for tapped in (False, True):
            scores = defaultdict(list)
            for kind, photo, truth in pictures:
                mask = cutout(photo, model, keep_points=[farthest_point(truth)] if tapped else None)
                scores[kind].append(iou(mask.product, truth))
            every = [value for values in scores.values() for value in values]
            worst = sorted(scores.items(), key=lambda item: np.mean(item[1]))[:4]
            print(f"  {'one tap' if tapped else 'no tap '}: mean IoU {np.mean(every):.4f}, median "
                  f"{np.median(every):.4f}, under 0.9: {sum(v < 0.9 for v in every)}; lowest kinds: "
                  + ", ".join(f"{kind} {np.mean(values):.3f} ({len(values)})" for kind, values in worst), flush=True)


if __name__ == "__main__":
    main()
