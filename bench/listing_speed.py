"""Listing speed: real phone photos through the whole flow (cut-out, Enhance, Recognise, the ZIP), photos per minute
and where the time goes, against today's two tabs (Enhance's default recipe, then Recognise) in the same process.

    python bench/listing_speed.py --data ../shared/data/realphotos [--count 100] [--workers 2] [--detail 20]
                                  [--baseline 10]

1. The flow as the CLI runs it: ``make_listing`` on ``--count`` photos with ``--workers`` processes (their start
   included), wall-clock time and photos per minute.
2. Where the time goes, on ``--detail`` of them in this process (one at a time): the cut-out (Enhance's, and
   Recognise's own), the rest of Enhance, framing and enlarging (the upscaler's step), the classifier and colours,
   and writing the image and the ZIP. Timers are wrapped around the library's own functions; nothing is changed.
3. The baseline on ``--baseline`` of them in this process: Enhance's default recipe (Amazon, the upscaler model)
   with ``studio.process_one``, then ``recognise_files``, as a merchant did with the two tabs. The ratio of the
   baseline's seconds per photo to the flow's (both here, one process) does not depend on what else the machine
   runs; the wall-clock numbers do (the load average is printed).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """``count`` labelled photos of the realphotos folder, drawn at random (clothing and grocery alike)."""
    with open(folder / "labels.csv", newline="", encoding="utf-8") as handle:
        files = sorted(row["file"] for row in csv.DictReader(handle))
    if len(files) < count:
        raise SystemExit(f"error: {folder} has {len(files)} photos; --count is {count}")
    return [folder / name for name in random.Random(seed).sample(files, count)]


@contextmanager
def timed(module, name: str, clock: dict, stage: str):
    """``module.name`` counted into ``clock[stage]`` while the block runs."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            clock[stage] = clock.get(stage, 0.0) + time.perf_counter() - started

    setattr(module, name, wrapper)
    try:
        yield
    finally:
        setattr(module, name, original)


def detail(photos: list[Path], out: Path) -> tuple[float, dict]:
    """The flow on ``photos`` in this process, one photo at a time: (seconds, seconds per part)."""
    from productgen.cutout import segment as cutout_segment
    from productgen.enhance import studio
    from productgen.listing.batch import make_listing

    clock: dict = {}
    with timed(studio, "segment", clock, "cut-out (Enhance)"), \
            timed(cutout_segment, "segment", clock, "cut-out (Recognise)"), \
            timed(studio, "frame_product", clock, "framing and enlarging"):
        started = time.perf_counter()
        listing = make_listing(photos, out, workers=1)
        seconds = time.perf_counter() - started
    stages = listing.stages()
    zipping = time.perf_counter()
    listing.write()
    clock["ZIP and CSV"] = time.perf_counter() - zipping
    clock["rest of Enhance (colour, report)"] = stages["enhance"] - clock["cut-out (Enhance)"] - \
        clock["framing and enlarging"]
    # Recognise reads the product through Enhance's cut-out: a cut-out of its own would be counted here (none is)
    clock["classifier and colours"] = stages["recognise"] - clock.get("cut-out (Recognise)", 0.0)
    clock["reading photos"], clock["writing images"] = stages["read"], stages["write"]
    return seconds, clock


def baseline(photos: list[Path], out: Path) -> float:
    """Seconds for today's way: the Enhance batch (default recipe), then Recognise."""
    from productgen.enhance.studio import Recipe, process_one
    from productgen.recognise.pipeline import recognise_files

    started, used = time.perf_counter(), set()
    for photo in photos:
        process_one(photo, Recipe(), out, used)
    recognise_files(photos)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the realphotos folder of the shared data")
    parser.add_argument("--count", type=int, default=100, help="photos through the whole flow")
    parser.add_argument("--workers", type=int, default=2, help="processes of the flow")
    parser.add_argument("--detail", type=int, default=20, help="photos timed part by part in this process")
    parser.add_argument("--baseline", type=int, default=10, help="photos through today's two tabs")
    args = parser.parse_args()
    from productgen.listing.batch import make_listing
    from productgen.recognise.network import load_classifier

    photos = sample(Path(args.data), args.count)
    load_classifier()  # read from disk once, so neither side pays the first read
    print(f"{len(photos)} photos from {args.data}; {os.cpu_count()} cores; load average at start "
          f"{os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        started = time.perf_counter()
        listing = make_listing(photos, folder / "flow", workers=args.workers)
        wall = time.perf_counter() - started
        failed = sum(not pack.ok for pack in listing.packs)
        print(f"flow: {len(photos)} photos in {wall:.1f} s with {listing.workers} worker(s) = "
              f"{len(photos) / wall * 60:.0f} photos per minute ({failed} could not be listed); target: 100 in "
              f"180 s or less")
        work = listing.stages()
        print("  seconds of work over all workers: " + ", ".join(f"{stage} {s:.1f}" for stage, s in work.items())
              + f" (sum {sum(work.values()):.1f}; wall x workers {wall * listing.workers:.1f})")
        part = photos[: args.detail]
        seconds, clock = detail(part, folder / "detail")
        print(f"where the time goes ({len(part)} photos, one process, {seconds / len(part):.2f} s per photo):")
        for stage, spent in sorted(clock.items(), key=lambda item: -item[1]):
            print(f"  {stage:36s} {spent / len(part) * 1000:6.0f} ms per photo  {spent / seconds:5.1%}")
        few = photos[: args.baseline]
        old = baseline(few, folder / "baseline") / len(few)
        print(f"baseline (Enhance's default recipe with the upscaler model, then Recognise; {len(few)} photos, one "
              f"process): {old:.2f} s per photo; the flow, same process: {seconds / len(part):.2f} s per photo; "
              f"baseline / flow = {old / (seconds / len(part)):.1f}x")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
