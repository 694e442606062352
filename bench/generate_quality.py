"""Our GAN recipe vs the DCGAN baseline at the same wall-clock budget, on the same data and machine.

Both train at the same time, one CPU thread each (so they share the machine
equally), for ``--minutes``; then both are measured in the product classifier's
features against the held-out split: FID, KID, precision/recall,
class-consistency (ours only: DCGAN is unconditional) and spread.

    python bench/generate_quality.py --data ../shared/data/products --minutes 30
    python bench/generate_quality.py --data ../shared/data/products --skip-train --work DIR   # measure only
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from productgen.gan.metrics import evaluate_generator, evaluate_samples  # noqa: E402
from productgen.gan.sampling import load_generator  # noqa: E402
from productgen.io.datasets import load_product_images  # noqa: E402
from productgen.recognise.network import load_classifier  # noqa: E402

SPLIT = ROOT / "productgen" / "splits" / "products_val_ids.txt"


def data_options(data: Path) -> list[str]:
    return ["--data", str(data / "images"), "--labels", str(data / "labels.csv"), "--label-column", "articleType",
            "--categories", "16", "--aspect", "3:4", "--exclude-ids", str(SPLIT)]


def train_both(data: Path, work: Path, minutes: float) -> None:
    ours = [sys.executable, "-m", "productgen", "train", *data_options(data), "--out", str(work / "ours"),
            "--minutes", str(minutes), "--threads", "1"]
    dcgan = [sys.executable, str(ROOT / "bench" / "dcgan.py"), *data_options(data), "--out", str(work / "dcgan"),
             "--minutes", str(minutes), "--threads", "1"]
    work.mkdir(parents=True, exist_ok=True)
    with open(work / "ours.log", "w") as ours_log, open(work / "dcgan.log", "w") as dcgan_log:
        processes = [subprocess.Popen(ours, cwd=ROOT, stdout=ours_log, stderr=subprocess.STDOUT),
                     subprocess.Popen(dcgan, cwd=ROOT, stdout=dcgan_log, stderr=subprocess.STDOUT)]
        for process in processes:
            if process.wait():
                raise SystemExit(f"training failed: see {work}/*.log")


@torch.no_grad()
def dcgan_samples(folder: Path, count: int, seed: int = 10_000) -> dict[str, torch.Tensor]:
    """DCGAN samples with batch-norm in eval mode and in train mode (batch statistics): both are scored."""
    import dcgan

    generator = dcgan.load(folder)
    z = torch.randn(count, dcgan.Z_DIM, generator=torch.Generator().manual_seed(seed))
    out = {}
    for mode in ("eval", "train"):
        generator.train(mode == "train")
        images = torch.cat([generator(z[i:i + 64]) for i in range(0, count, 64)])
        out[mode] = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder with images/ and labels.csv")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/productgen-bench-quality"))
    parser.add_argument("--skip-train", action="store_true", help="measure the models already in --work")
    parser.add_argument("--per-category", type=int, default=100)
    parser.add_argument("--classifier", default=str(ROOT / "weights" / "classifier"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    if not args.skip_train:
        train_both(args.data, args.work, args.minutes)
    ours = load_generator(args.work / "ours")
    classifier = load_classifier(args.classifier)
    real = load_product_images(args.data / "images", args.data / "labels.csv", "articleType", ours.categories,
                               aspect=0.75, min_per_category=1, only_ids=SPLIT)
    ours_report = evaluate_generator(ours, classifier, real.images, real.labels, args.per_category, 1.0)
    count = args.per_category * len(ours.categories)
    dcgan_reports = {mode: evaluate_samples(classifier, images, None, real.images, real.labels, ours.categories)
                     for mode, images in dcgan_samples(args.work / "dcgan", count).items()}
    mode, dcgan_report = min(dcgan_reports.items(), key=lambda item: item[1].fid)
    print(f"held-out photos: {len(real)} in {len(real.categories)} categories; samples: {count} per model")
    print(f"ours ({ours.info.get('step')} steps, {ours.info.get('images_seen')} images):\n{ours_report.table()}")
    dcgan_info = json.loads((args.work / "dcgan" / "config.json").read_text())
    print(f"DCGAN baseline ({dcgan_info['steps']} steps, {dcgan_info['images_seen']} images; batch norm in {mode} "
          f"mode, the better of the two):\n{dcgan_report.table()}")
    print(f"FID ratio ours / DCGAN = {ours_report.fid / dcgan_report.fid:.3f}")


if __name__ == "__main__":
    main()
