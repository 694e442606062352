"""Sampling and training speed: our generator vs the DCGAN baseline's, measured in the same process.

    python bench/generate_speed.py [--threads 2]

Prints milliseconds per image for batches of 1, 16 and 64 (64 px, no upscaling)
and training images per second, each with the ratio ours / DCGAN.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import dcgan  # noqa: E402

from productgen.gan.networks import GANConfig, Generator  # noqa: E402
from productgen.gan.runs import TrainingRun  # noqa: E402
from productgen.gan.training import Trainer, TrainOptions  # noqa: E402
from productgen.io.datasets import ProductImages  # noqa: E402


def best_of(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


@torch.no_grad()
def sampling_ms(generator, make_inputs, batch: int, repeats: int = 7) -> float:
    inputs = make_inputs(batch)
    return best_of(lambda: generator(*inputs), repeats) / batch * 1000


def training_images_per_s(steps: int = 4) -> tuple[float, float]:
    categories = [f"c{i}" for i in range(16)]
    data = ProductImages(torch.randint(0, 256, (512, 3, 64, 64), dtype=torch.uint8), torch.arange(512) % 16,
                         categories)
    trainer = Trainer(TrainingRun.fresh(GANConfig(categories=categories)), data, "/tmp/productgen-bench-speed",
                      TrainOptions(steps=steps), torch.device("cpu"))
    ours = 64 / best_of(trainer.step, steps)
    generator, discriminator = dcgan.DCGANGenerator(), dcgan.DCGANDiscriminator()
    opt_g = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    real = data.images[:64].float() / 127.5 - 1
    baseline = 64 / best_of(lambda: dcgan.train_step(generator, discriminator, opt_g, opt_d, real), steps)
    return ours, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ours = Generator(GANConfig(categories=[f"c{i}" for i in range(16)])).eval()
    ours = ours.to(memory_format=torch.channels_last)
    baseline = dcgan.DCGANGenerator().eval()
    print(f"threads: {args.threads}")
    for batch in (1, 16, 64):
        mine = sampling_ms(ours, lambda n: (torch.randn(n, 128), torch.randint(16, (n,))), batch)
        theirs = sampling_ms(baseline, lambda n: (torch.randn(n, dcgan.Z_DIM),), batch)
        print(f"sampling, batch {batch:>2}: ours {mine:.2f} ms/image, DCGAN {theirs:.2f} ms/image, "
              f"ratio {mine / theirs:.2f} (below 1 = ours faster)")
    mine, theirs = training_images_per_s()
    print(f"training: ours {mine:.0f} images/s, DCGAN {theirs:.0f} images/s, ratio {mine / theirs:.2f} "
          "(above 1 = ours faster)")


if __name__ == "__main__":
    main()
