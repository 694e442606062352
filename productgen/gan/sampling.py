"""Generating product images from a trained generator: the pipeline behind the Generate tab and CLI.

``load_generator(path).sample(category="Watches", n=8, seed=1, variety=0.8)``
returns PIL images. Each image's noise depends only on (seed, index), so the
same seed gives the same images whatever ``n`` is, and any saved image can be
re-made from the metadata written into its PNG.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from productgen.gan.networks import MODEL_VERSION, GANConfig, Generator
from productgen.io.datasets import spelling_key
from productgen.io.provenance import png_info, save_options
from productgen.limits import OUTPUT_SIZES
from productgen.store import weights as weights_io
from productgen.store.loading import cached, load_model

BATCH = 32  # images drawn (and enlarged) at once: memory stays bounded for any n


@torch.no_grad()
def recalibrate_batchnorm(generator: Generator, batches: int = 8, batch_size: int = 64,
                          device: torch.device | str = "cpu", seed: int = 0) -> None:
    """Re-measure the batch-norm statistics of ``generator`` (an EMA copy has none of its own)."""
    norms = [m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    saved = [(m.momentum, m.training) for m in norms]
    random = torch.Generator().manual_seed(seed)
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average over the batches below
        norm.train()
    for _ in range(batches):
        z = torch.randn(batch_size, generator.config.z_dim, generator=random).to(device)
        labels = torch.randint(generator.config.num_classes, (batch_size,), generator=random).to(device)
        generator(z, labels)
    for norm, (momentum, training) in zip(norms, saved):
        norm.momentum = momentum
        norm.train(training)


def noise_for(seed: int, index: int, z_dim: int) -> torch.Tensor:
    """The noise vector of image ``index`` of ``seed``: independent of how many are drawn."""
    state = np.random.SeedSequence([int(seed), int(index)]).generate_state(2)
    random = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
    return torch.randn(z_dim, generator=random)


def save_png(image: Image.Image, path: str | Path, metadata: dict | None = None) -> Path:
    """Save ``image`` as PNG, with the provenance text of ``metadata`` or of ``image.info``."""
    metadata = metadata if metadata is not None else image.info.get("productgen", {})
    description = (f"AI-generated product image ({metadata.get('category', 'product')}), made by productgen; "
                   "not a photograph")
    image.save(path, format="PNG", pnginfo=png_info(metadata, description), compress_level=1)
    return Path(path)


def read_provenance(path: str | Path) -> dict:
    """The productgen metadata written into a PNG by :func:`save_png`."""
    with Image.open(path) as image:
        text = dict(getattr(image, "text", {}))
    return {key.split(":", 1)[1]: value for key, value in text.items() if key.startswith("productgen:")}


@dataclass
class ProductGenerator:
    """A loaded generator plus its name; the public way to sample images."""

    generator: Generator
    name: str = "model"
    info: dict = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def categories(self) -> list[str]:
        return list(self.generator.config.categories)

    def category_index(self, category: str) -> int:
        keys = [spelling_key(name) for name in self.categories]
        if spelling_key(category) not in keys:
            raise ValueError(f"unknown category {category!r}; this model knows {', '.join(self.categories)}")
        return keys.index(spelling_key(category))

    @property
    def image_size(self) -> int:
        """The size the network draws at (64 or 128 px); larger sizes are enlarged by the upscaler."""
        return self.generator.config.image_size

    @torch.no_grad()
    def sample_tensor(self, labels: list[int] | torch.Tensor, noise: torch.Tensor, variety: float) -> torch.Tensor:
        """uint8 images (N, 3, S, S) at the drawn size S for category ids (or category weights) ``labels`` and
        noise ``(N, z_dim)``."""
        if not 0.0 <= variety <= 1.0:
            raise ValueError(f"variety must be between 0 and 1, got {variety}")
        z = (noise * variety).to(self.device)
        images = self.generator(z, torch.as_tensor(labels, device=self.device)).float()
        config = self.generator.config
        if config.image_size == 128 and config.top_style == "transposed":
            images = degrid(images)
        return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()

    def sample(self, category: str | None = None, n: int = 8, seed: int = 0, variety: float = 1.0,
               size: int | None = None, upscaler: str = "model") -> list[Image.Image]:
        """``n`` images of ``category`` (all categories in turn when None), ``size`` px square (default: the size
        the generator draws at): drawn at the generator's own size and enlarged by the x4 upscaler
        (``upscaler="lanczos"``: plain resampling, faster and softer) or shrunk. Each image's
        ``info["productgen"]`` holds the metadata that reproduces it. For many images use :meth:`iter_samples`,
        which holds one batch at a time."""
        return [image for batch in self.iter_samples(category, n, seed, variety, size, upscaler) for image in batch]

    def iter_samples(self, category: str | None = None, n: int = 8, seed: int = 0, variety: float = 1.0,
                     size: int | None = None, upscaler: str = "model",
                     batch_size: int = BATCH) -> Iterator[list[Image.Image]]:
        """:meth:`sample`'s images, ``batch_size`` at a time: memory stays bounded for any ``n``. The images are
        those of :meth:`sample` whatever the batch size (a batch of another size may round a level apart)."""
        size = size or self.image_size
        if n < 1:
            raise ValueError(f"n (how many) must be at least 1, got {n}")
        if size not in OUTPUT_SIZES:
            raise ValueError(f"size must be one of {OUTPUT_SIZES}, got {size}")
        fixed = None if category is None else self.category_index(category)
        for start in range(0, n, batch_size):
            indices = range(start, min(n, start + batch_size))
            labels = [i % len(self.categories) if fixed is None else fixed for i in indices]
            noise = torch.stack([noise_for(seed, i, self.generator.config.z_dim) for i in indices])
            images = to_size(tensor_to_images(self.sample_tensor(labels, noise, variety)), size, upscaler)
            for index, label, image in zip(indices, labels, images):
                image.info["productgen"] = {"model": self.name, "category": self.categories[label], "seed": seed,
                                            "index": index, "variety": variety, "size": size,
                                            "drawn_at": self.image_size}
            yield images

    def interpolate(self, seeds: tuple[int, int], categories: tuple[str, str], frames: int = 16,
                    variety: float = 1.0, size: int = 256, upscaler: str = "model") -> list[Image.Image]:
        """Frames that morph from (seeds[0], categories[0]) to (seeds[1], categories[1])."""
        if frames < 2:
            raise ValueError(f"frames must be at least 2, got {frames}")
        first, last = (noise_for(seed, 0, self.generator.config.z_dim) for seed in seeds)
        label_a, label_b = (self.category_index(name) for name in categories)
        steps = torch.linspace(0, 1, frames)
        noise = torch.stack([slerp(first, last, float(t)) for t in steps])
        weights = torch.zeros(frames, len(self.categories))
        weights[:, label_a] += 1 - steps
        weights[:, label_b] += steps
        images = self.sample_tensor(weights, noise, variety)
        return to_size(tensor_to_images(images), size, upscaler)


DEGRID_RADIUS = 2  # the phases' local means are taken over 5x5 of each phase (10x10 px of the image)


def degrid(images: torch.Tensor) -> torch.Tensor:
    """``images`` (N, C, H, W, float; H and W even) without the 2 px grid a stride-2 transposed convolution draws.

    The 128 px stage of the generators trained before ``GANConfig.top_style`` "resize" is such a convolution: each
    of the four pixel phases (even or odd row, even or odd column) gets its own slight offset, a cross-hatch the
    x4 upscaler enlarges into diamonds at 512 px. Each phase is brought to the local mean of all four (means over
    ``DEGRID_RADIUS``), so only the period-2 pattern goes; edges and prints wider than it stay. On the shipped 128
    px model it also measures better: FID 6.24 -> 6.10, KID x1000 13.80 -> 12.57 (12 categories, 128 px)."""
    result = images.clone()
    size = 2 * DEGRID_RADIUS + 1
    phases = [(row, column) for row in (0, 1) for column in (0, 1)]
    means = {phase: torch.nn.functional.avg_pool2d(
        torch.nn.functional.pad(images[:, :, phase[0]::2, phase[1]::2], (DEGRID_RADIUS,) * 4, mode="replicate"),
        size, stride=1) for phase in phases}
    overall = sum(means.values()) / 4
    for row, column in phases:
        result[:, :, row::2, column::2] -= means[(row, column)] - overall
    return result


def to_size(images: list[Image.Image], size: int, upscaler: str = "model") -> list[Image.Image]:
    """Generated images at ``size`` px: enlarged by the upscaler (one pass, or Lanczos), or shrunk by Lanczos."""
    from productgen.upscale.upscaler import lanczos, upscale_many

    if not images or size == images[0].width:
        return images
    if size < images[0].width:
        return [lanczos(image, (size, size)) for image in images]
    # one pass of the network, not averaged with its mirror image (``upscale.upscaler.MIRROR``): the average
    # buys phone photos 0.25 dB of their real detail, which a generated image does not have, at twice the
    # time (16 images, 128 -> 512 px: 2.6 s instead of 1.1 s on one thread)
    return upscale_many(images, (size, size), upscaler, mirror=False)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between two Gaussian noise vectors (keeps their typical length)."""
    cos = torch.dot(a, b) / (a.norm() * b.norm())
    angle = torch.arccos(cos.clamp(-1 + 1e-7, 1 - 1e-7))
    if angle.abs() < 1e-4:
        return torch.lerp(a, b, t)
    return (torch.sin((1 - t) * angle) * a + torch.sin(t * angle) * b) / torch.sin(angle)


def build_generator(config: GANConfig, state: dict[str, torch.Tensor], device="cpu") -> Generator:
    generator = Generator(config)
    generator.load_state_dict(state)
    return generator.to(device).eval()


def load_generator(name_or_path: str | Path = "default", device: str | torch.device = "cpu") -> ProductGenerator:
    """Load a generator folder (``config.json`` + ``model.safetensors``), a folder name under ``weights/``,
    or a Hugging Face Hub repo id ``user/name`` (fetched only then, and only when online)."""
    model_dir, config_json, state = load_model(name_or_path, "generator", MODEL_VERSION)
    config = GANConfig.from_dict(config_json["architecture"])
    try:
        generator = build_generator(config, state, device)
    except RuntimeError as error:
        raise weights_io.WeightsError(f"{model_dir}/model.safetensors does not match its config.json") from error
    return ProductGenerator(generator, model_dir.name, config_json.get("training", {}), torch.device(device))


def image_grid(images: list[Image.Image], columns: int | None = None, gap: int = 2) -> Image.Image:
    """Tile same-size images on white, ``columns`` wide (default: about square)."""
    if not images:
        raise ValueError("no images to put in a grid")
    columns = columns or int(np.ceil(np.sqrt(len(images))))
    rows = -(-len(images) // columns)
    width, height = images[0].size
    grid = Image.new("RGB", (columns * (width + gap) - gap, rows * (height + gap) - gap), (255, 255, 255))
    for index, image in enumerate(images):
        grid.paste(image, ((index % columns) * (width + gap), (index // columns) * (height + gap)))
    return grid


def tensor_to_images(batch: torch.Tensor) -> list[Image.Image]:
    """uint8 ``(N, 3, H, W)`` -> PIL images."""
    return [Image.fromarray(pixels.permute(1, 2, 0).numpy()) for pixels in batch]


def save_samples(images: list[Image.Image], folder: str | Path, stem: str = "product") -> tuple[list[Path], Path]:
    """Save sampled images as PNGs with provenance, plus a ZIP of them all; returns (paths, zip path)."""
    from concurrent.futures import ThreadPoolExecutor

    from productgen.io.archives import safe_name, write_zip

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    targets = []
    for number, image in enumerate(images):
        meta = image.info.get("productgen", {})
        name = safe_name(f"{meta.get('category', stem)}_seed{meta.get('seed', 0)}_{meta.get('index', number):03d}")
        targets.append(folder / f"{name.replace(' ', '_')}.png")
    # zlib releases the GIL, so PNG encoding runs in parallel on all cores
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        paths = list(pool.map(save_png, images, targets))
    return paths, write_zip(paths, folder / f"{safe_name(stem)}.zip")


def save_animation(frames: list[Image.Image], path: str | Path, seconds: float = 2.0) -> Path:
    """Write frames as a looping GIF that plays forward and back."""
    # one fast palette per frame; Pillow's default median-cut quantiser takes ~0.3 s a frame
    frames = [frame.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE) for frame in frames]
    sequence = frames + frames[-2:0:-1]
    duration = max(20, int(seconds * 1000 / len(frames)))
    sequence[0].save(path, save_all=True, append_images=sequence[1:], duration=duration, loop=0, optimize=False,
                     **save_options("GIF", True))
    return Path(path)


def cached_generator(name_or_path: str | Path) -> ProductGenerator:
    """A generator from the one model cache (a re-trained model is loaded again). Safe to share: read-only."""
    return cached(load_generator, name_or_path)
