"""The GAN's networks: a class-conditional generator and a projection discriminator.

Both are pure ``nn.Module``s built from a :class:`GANConfig`; they know nothing of
files, devices or training. The layout follows DCGAN (four stride-2 transposed
convolutions from 4x4 to 64x64) so that sampling costs the same as the classic
baseline (a 128 px model adds one grown stage on top: see ``Generator``), with two changes that make it
conditional and stable:

* the generator's batch norms take their gain and bias from the category
  (conditional batch norm), so every layer knows what it is drawing;
* the discriminator is spectrally normalised, scores real/fake with a projection
  head (Miyato & Koyama 2018), sees the spread of each group of same-category
  images (minibatch standard deviation) so that per-category collapse is easy to
  spot, and carries an auxiliary category head whose loss keeps categories apart.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm

MODEL_VERSION = 1
IMAGE_SIZES = (64, 128)  # 128: the 64 px networks with one grown stage on top (see ``Generator``)
TOP_STYLES = ("resize", "transposed")


@dataclass
class GANConfig:
    """Everything needed to rebuild the networks; saved as ``config.json``."""

    categories: list[str] = field(default_factory=lambda: ["product"])
    image_size: int = 64
    z_dim: int = 128
    generator_width: int = 48
    discriminator_width: int = 32
    stddev_group: int = 4
    top_width: int = 32  # channels of the grown 64 px feature map (128 px models only)
    # how the grown stage enlarges: "resize" (bilinear, then a 3x3 conv: no checkerboard) or "transposed"
    # (4x4 stride-2 transposed convs, the first 128 px models: a 2 px grid that an upscaler turns into diamonds)
    top_style: str = "resize"
    version: int = MODEL_VERSION

    def __post_init__(self):
        if self.image_size not in IMAGE_SIZES:
            raise ValueError(f"image_size must be one of {IMAGE_SIZES} for this architecture, got {self.image_size}")
        if not self.categories:
            raise ValueError("categories must name at least one category")
        if self.top_style not in TOP_STYLES:
            raise ValueError(f"top_style must be one of {TOP_STYLES}, got {self.top_style!r}")

    @property
    def num_classes(self) -> int:
        return len(self.categories)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "GANConfig":
        known = {name for name in cls.__dataclass_fields__}
        values = {key: value for key, value in values.items() if key in known}
        values.setdefault("top_style", "transposed")  # saved before the key existed: the first 128 px layout
        return cls(**values)


class ConditionalBatchNorm(nn.Module):
    """Batch norm whose per-channel gain and bias are looked up by category."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        gain = embed(self.gain, labels)[:, :, None, None]
        bias = embed(self.bias, labels)[:, :, None, None]
        return self.norm(x) * gain + bias


def embed(table: nn.Embedding, labels: torch.Tensor) -> torch.Tensor:
    """Look up category ids, or mix rows when ``labels`` holds float weights ``(N, classes)``."""
    if labels.is_floating_point():
        return labels.to(table.weight.dtype) @ table.weight
    return table(labels)


class Generator(nn.Module):
    """Noise ``(N, z_dim)`` + category ids ``(N,)`` -> images ``(N, 3, S, S)`` in [-1, 1], S = ``image_size``.

    ``labels`` may also be float category weights ``(N, classes)``, to blend categories. A 128 px generator is
    the 64 px one with a stage on top (progressive growing with a skip output, as in StyleGAN2): the 64 px
    colours are enlarged and a new branch from the 32 px features adds the 128 px detail. That branch's last
    layer starts at zero, so a grown generator first draws exactly its 64 px parent enlarged.
    """

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        width, classes = config.generator_width, config.num_classes
        channels = [width * 8, width * 4, width * 2, width]
        self.label_embedding = nn.Embedding(classes, config.z_dim)
        self.project = nn.Linear(config.z_dim * 2, channels[0] * 16)
        self.project_norm = ConditionalBatchNorm(channels[0], classes)
        self.upsamples = nn.ModuleList(
            nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False) for c_in, c_out in zip(channels, channels[1:])
        )
        self.norms = nn.ModuleList(ConditionalBatchNorm(c, classes) for c in channels[1:])
        self.to_rgb = nn.ConvTranspose2d(channels[-1], 3, 4, 2, 1)
        if config.image_size == 128:
            top, resize = config.top_width, config.top_style == "resize"
            self.top_upsample = (nn.Conv2d(channels[-1], top, 3, 1, 1, bias=False) if resize
                                 else nn.ConvTranspose2d(channels[-1], top, 4, 2, 1, bias=False))
            self.top_norm = ConditionalBatchNorm(top, classes)
            self.top_conv = nn.Conv2d(top, top, 3, 1, 1, bias=False)
            self.top_conv_norm = ConditionalBatchNorm(top, classes)
            self.top_to_rgb = nn.Conv2d(top, 3, 3, 1, 1) if resize else nn.ConvTranspose2d(top, 3, 4, 2, 1)
            nn.init.zeros_(self.top_to_rgb.weight)
            nn.init.zeros_(self.top_to_rgb.bias)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = torch.cat([z, embed(self.label_embedding, labels)], dim=1)
        x = self.project(x).view(len(z), -1, 4, 4)
        x = F.relu(self.project_norm(x, labels))
        for upsample, norm in zip(self.upsamples, self.norms):
            x = F.relu(norm(upsample(x), labels))
        colours = self.to_rgb(x)
        if self.config.image_size == 128:
            resize = self.config.top_style == "resize"
            top = F.relu(self.top_norm(self.top_upsample(twice(x) if resize else x), labels))
            top = F.relu(self.top_conv_norm(self.top_conv(top), labels))
            colours = twice(colours) + self.top_to_rgb(twice(top) if resize else top)
        return torch.tanh(colours)


def twice(x: torch.Tensor) -> torch.Tensor:
    """Bilinear 2x enlargement."""
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def minibatch_stddev(x: torch.Tensor, group: int) -> torch.Tensor:
    """Append one channel: the mean feature spread within each group of ``group`` images.

    Batches are laid out so that consecutive groups share a category, so a
    generator that draws one image per category shows a spread near zero.
    """
    n, c, h, w = x.shape
    group = min(group, n)
    if n % group:
        group = 1
    if group == 1:
        return torch.cat([x, torch.zeros(n, 1, h, w, dtype=x.dtype, device=x.device)], dim=1)
    grouped = x.view(group, n // group, c, h, w).float()
    spread = (grouped.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))
    spread = spread.to(x.dtype).repeat(group)[:, None, None, None].expand(n, 1, h, w)
    return torch.cat([x, spread], dim=1)


class Discriminator(nn.Module):
    """Images + category ids -> (real/fake score ``(N,)``, category logits ``(N, classes)``).

    At 128 px the 64 px blocks see the image halved, and a new branch from the full image adds its view of the
    fine detail onto the first block's output, weighed by a gain that starts at zero (so a grown
    discriminator first judges exactly as its 64 px parent did)."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        width, classes = config.discriminator_width, config.num_classes
        channels = [3, width, width * 2, width * 4, width * 8]
        self.blocks = nn.ModuleList(
            spectral_norm(nn.Conv2d(c_in, c_out, 4, 2, 1)) for c_in, c_out in zip(channels, channels[1:])
        )
        self.final = spectral_norm(nn.Conv2d(channels[-1] + 1, channels[-1], 3, 1, 1))
        self.score = spectral_norm(nn.Linear(channels[-1], 1))
        self.projection = spectral_norm(nn.Embedding(classes, channels[-1]))
        self.classify = nn.Linear(channels[-1], classes)
        if config.image_size == 128:
            self.top_blocks = nn.ModuleList([spectral_norm(nn.Conv2d(3, width // 2, 4, 2, 1)),
                                             spectral_norm(nn.Conv2d(width // 2, width, 4, 2, 1))])
            self.top_gain = nn.Parameter(torch.zeros(()))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        if self.config.image_size == 128:
            detail = images
            for block in self.top_blocks:
                detail = F.leaky_relu(block(detail), 0.2)
            x = F.leaky_relu(self.blocks[0](F.avg_pool2d(images, 2)), 0.2) + self.top_gain * detail
            rest = self.blocks[1:]
        else:
            x, rest = images, self.blocks
        for block in rest:
            x = F.leaky_relu(block(x), 0.2)
        x = minibatch_stddev(x, self.config.stddev_group)
        x = F.leaky_relu(self.final(x), 0.2)
        return x.sum(dim=(2, 3))

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(images)
        score = self.score(h).squeeze(1) + (self.projection(labels) * h).sum(dim=1)
        return score, self.classify(h)

    @property
    def lower_blocks(self) -> nn.ModuleList:
        """The convolution blocks nearest the pixels (frozen first when fine-tuning)."""
        if self.config.image_size == 128:
            return nn.ModuleList([*self.top_blocks, *self.blocks])
        return self.blocks
