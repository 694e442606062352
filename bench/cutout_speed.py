"""Cut-out speed: our whole ``cutout()`` (resize, network, colour cut, guided upsampling to full size, colour
edge) on a 2000x2000 and a 500x500 drawn photo and, with ``--photo``, a real phone photo enlarged to 2000x2000,
against one U²-Net-p forward pass at 320x320 (rembg's small model; random weights, timed only), in the same
process, alternating, median of ``--runs``. The drawn photos are clean (the colour cut has nothing to decide and
does not run); a product on a patterned bedspread is the slow case.

    python bench/cutout_speed.py [--threads 2] [--runs 15] [--photo PHOTO]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from u2netp import U2NetP  # noqa: E402

from productgen.cutout.network import load_cutout, parameter_count  # noqa: E402
from productgen.cutout.pipeline import cutout  # noqa: E402


def photo(side: int) -> np.ndarray:
    rng = np.random.default_rng(side)
    pixels = np.clip(rng.normal(140, 30, (side, side, 3)), 0, 255).astype(np.uint8)
    pixels[side // 4: 3 * side // 4, side // 3: 2 * side // 3] = (30, 60, 160)
    return pixels


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--model", default="cutout", help="the cut-out model (a folder, or a name under weights/)")
    parser.add_argument("--photo", help="also time this phone photo enlarged to 2000x2000 (e.g. a realphotos/ "
                        "photo of a product on a patterned bedspread: the colour cut runs on it)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    trained, baseline = load_cutout(args.model), U2NetP().eval()
    ours = trained.fused()  # as the app runs it (cutout.network.cached_cutout)
    photos = {side: photo(side) for side in (2000, 500)}
    tensor = torch.rand(1, 3, 320, 320)
    tasks = {"U2-Net-p forward 320x320": lambda: baseline(tensor),
             "ours, 2000x2000 photo": lambda: cutout(photos[2000], ours),
             "ours, 500x500 photo": lambda: cutout(photos[500], ours)}
    if args.photo:
        from PIL import Image

        photos["phone"] = np.asarray(Image.open(args.photo).convert("RGB").resize((2000, 2000)))
        tasks["ours, the phone photo at 2000x2000"] = lambda: cutout(photos["phone"], ours)
    times = {name: [] for name in tasks}
    with torch.inference_mode():
        for function in tasks.values():
            function()  # warm-up
        for _ in range(args.runs):
            for name, function in tasks.items():
                times[name].append(timed(function))
    base = statistics.median(times["U2-Net-p forward 320x320"])
    print(f"{args.threads} threads, median of {args.runs}; ours {parameter_count(trained):,} parameters, "
          f"U2-Net-p {parameter_count(baseline):,}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name}: {median * 1000:.1f} ms ({median / base:.2f}x the U2-Net-p forward)")


if __name__ == "__main__":
    main()
