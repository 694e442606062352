"""How well the worn-photo filter of the product-only generator data does, against catalogue photos labelled
by eye (``data/worn_by_eye.csv``: worn = any part of a person shows): 200 apparel photos drawn at random, and
the 417 apparel photos the first filter (skin alone) kept.

    python bench/worn_detector.py --shared ../shared/data

A worn photo that slips through teaches the generator to draw people; a product-only photo that is flagged
is only one photo fewer. The filter is ``gan.product_data.is_worn``.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.gan.product_data import catalogue_pixels, is_worn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", required=True, help="the shared data folder (holds products/)")
    parser.add_argument("--labels", default=str(ROOT / "data" / "worn_by_eye.csv"))
    args = parser.parse_args()
    rows = list(csv.DictReader(open(args.labels, newline="")))
    for sample in ("random", "kept-by-skin", None):
        print(f"\n== {sample or 'all'} ==")
        report([row for row in rows if sample in (None, row["sample"])], Path(args.shared))


def report(rows: list[dict], shared: Path) -> None:
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for row in rows:
        worn, _ = is_worn(catalogue_pixels(shared / row["file"]), apparel=True)  # every labelled photo is apparel
        counts[(worn, row["worn"] == "1")] += 1
    worn, product = counts[(True, True)] + counts[(False, True)], counts[(True, False)] + counts[(False, False)]
    kept = counts[(False, True)] + counts[(False, False)]
    print(f"{worn + product} photos by eye: {worn} worn, {product} product only")
    print(f"worn photos flagged (recall):        {counts[(True, True)]}/{worn} = {counts[(True, True)] / worn:.1%}")
    print(f"worn photos that slip through:       {counts[(False, True)]}/{worn}")
    print(f"product-only photos kept:            {counts[(False, False)]}/{product} = "
          f"{counts[(False, False)] / max(1, product):.1%}")
    print(f"kept photos that are product only:   {counts[(False, False)]}/{kept} = "
          f"{counts[(False, False)] / max(1, kept):.1%}")


if __name__ == "__main__":
    main()
