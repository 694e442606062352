"""The baseline we measure against: the unconditional DCGAN of Radford et al. (2015).

ngf = ndf = 64, BCE loss, Adam 2e-4 with betas (0.5, 0.999), batch 64, as in
the blog post the project started from. Run by ``generate_quality.py`` and
``generate_speed.py``; ``python bench/dcgan.py --data ... --minutes 30 --out DIR``
trains it on its own.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from productgen.cli.options import add_data_options, read_data  # noqa: E402
from productgen.store.weights import load_tensors, save_tensors, write_json  # noqa: E402

Z_DIM = 100


class DCGANGenerator(nn.Module):
    def __init__(self, ngf: int = 64):
        super().__init__()
        self.z_dim = Z_DIM
        self.net = nn.Sequential(
            nn.ConvTranspose2d(Z_DIM, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    def __init__(self, ndf: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).flatten()


def init_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def train_step(generator, discriminator, opt_g, opt_d, real: torch.Tensor) -> tuple[float, float]:
    z = torch.randn(len(real), Z_DIM)
    fake = generator(z)
    ones, zeros = torch.ones(len(real)), torch.zeros(len(real))
    loss_d = (F.binary_cross_entropy_with_logits(discriminator(real), ones)
              + F.binary_cross_entropy_with_logits(discriminator(fake.detach()), zeros))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = F.binary_cross_entropy_with_logits(discriminator(fake), ones)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return loss_d.item(), loss_g.item()


def train(images: torch.Tensor, minutes: float, out: Path, seed: int = 0, batch: int = 64) -> int:
    """Train on uint8 ``images`` for ``minutes``; save the generator into ``out``; return the step count."""
    torch.manual_seed(seed)
    generator, discriminator = DCGANGenerator(), DCGANDiscriminator()
    generator.apply(init_weights)
    discriminator.apply(init_weights)
    opt_g = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    started, step = time.monotonic(), 0
    while time.monotonic() - started < minutes * 60:
        real = images[torch.randint(len(images), (batch,))].float() / 127.5 - 1
        loss_d, loss_g = train_step(generator, discriminator, opt_g, opt_d, real)
        step += 1
        if step % 50 == 0:
            print(f"dcgan step {step} D {loss_d:.3f} G {loss_g:.3f} {time.monotonic() - started:.0f}s", flush=True)
    save_tensors(out / "model.safetensors", generator.state_dict())
    write_json(out / "config.json", {"kind": "dcgan-baseline", "steps": step, "minutes": minutes,
                                     "images_seen": step * batch})
    return step


def load(out: Path) -> DCGANGenerator:
    generator = DCGANGenerator()
    generator.load_state_dict(load_tensors(out / "model.safetensors"))
    return generator.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_options(parser)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = read_data(args)
    print(f"dcgan trained {train(data.images, args.minutes, Path(args.out))} steps")


if __name__ == "__main__":
    main()
