"""The product classifier: article type (and gender, colour) from a small photo (64-96 px).

One small residual network serves two jobs: it tags merchants' photos
(Recognise), and its pooled features are the space in which the GAN's quality
is measured (FID, KID, precision/recall, variety), since no pretrained
network can be downloaded here.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from productgen.io.datasets import spelling_key
from productgen.recognise.unknown import FeatureStats, is_unknown
from productgen.store import weights as weights_io
from productgen.store.loading import cached, load_model

IMAGE_SIZE = 64


@dataclass
class ClassifierConfig:
    categories: list[str] = field(default_factory=lambda: ["product"])
    genders: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    widths: tuple[int, ...] = (32, 64, 128, 256)
    # more residual blocks (stride 1) after each stage's first; they start as the identity (see ``_deepen``)
    extra_blocks: tuple[int, ...] = (0, 0, 0, 0)
    image_size: int = IMAGE_SIZE
    # a photo is "unknown" (none of the categories) when its certainty is below ``unknown_below`` (0 = never)
    # or its features lie further than ``unknown_far_above`` from every type's (None = not asked; see
    # ``productgen.recognise.unknown``); both set on held-out photos by ``calibrate_unknown``
    unknown_below: float = 0.0
    unknown_far_above: float | None = None

    @classmethod
    def from_dict(cls, values: dict) -> "ClassifierConfig":
        known = {name for name in cls.__dataclass_fields__}
        values = {key: value for key, value in values.items() if key in known}
        values["widths"] = tuple(values.get("widths", cls.widths))
        values["extra_blocks"] = tuple(values.get("extra_blocks", (0,) * len(values["widths"])))
        return cls(**values)


class ResidualBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.norm1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.norm1(self.conv1(x)))
        return F.relu(self.norm2(self.conv2(h)) + self.shortcut(x))


def _deepen(block: ResidualBlock) -> ResidualBlock:
    """A block that starts as the identity on its (non-negative) input: its last norm's scale is 0, so a model
    grown from a trained one (``--start-from``) starts where that one was."""
    nn.init.zeros_(block.norm2.weight)
    return block


class ProductClassifier(nn.Module):
    """Images ``(N, 3, 64, 64)`` in [0, 1] -> logits of category, gender and main colour;
    ``features`` -> ``(N, D)``."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        widths = config.widths
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        self.stages = nn.Sequential(ResidualBlock(widths[0], widths[0], 1),
                                    *(ResidualBlock(a, b, 2) for a, b in zip(widths, widths[1:])))
        # kept apart from ``stages`` so a model without them has the same parameter names (``--start-from``)
        self.deeper = nn.ModuleDict({str(stage): nn.Sequential(*(_deepen(ResidualBlock(width, width, 1))
                                                                 for _ in range(count)))
                                     for stage, (width, count) in enumerate(zip(widths, config.extra_blocks))
                                     if count})
        self.category_head = nn.Linear(widths[-1], len(config.categories))
        self.gender_head = nn.Linear(widths[-1], max(1, len(config.genders)))
        self.colour_head = nn.Linear(widths[-1], max(1, len(config.colours)))
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.stats: FeatureStats | None = None  # where each type's features lie, saved beside the weights

    def features(self, images: torch.Tensor) -> torch.Tensor:
        x = self.stem((images - self.mean) / self.std)
        for stage, block in enumerate(self.stages):
            x = block(x)
            if str(stage) in self.deeper:
                x = self.deeper[str(stage)](x)
        return x.mean(dim=(2, 3))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.features(images)
        return self.category_head(h), self.gender_head(h), self.colour_head(h)

    def unknown(self, outputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """(N,) bool: which photos of ``predict``'s ``outputs`` are none of the model's types."""
        return is_unknown(outputs["category"], outputs["features"], self.config.unknown_below, self.stats,
                          self.config.unknown_far_above)


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """uint8 ``(N, 3, H, W)`` -> float in [0, 1]."""
    return images.float() / 255.0


@torch.no_grad()
def predict(model: ProductClassifier, images: torch.Tensor, batch_size: int = 256,
            size: int | None = None) -> dict[str, torch.Tensor]:
    """uint8 images -> ``{"category": probs, "gender": probs, "colour": probs, "features": (N, D)}``, seen at
    ``size`` px (default: the size the classifier was trained at; its features are pooled over the image)."""
    model.eval()
    outputs = {"category": [], "gender": [], "colour": [], "features": []}
    size = size or model.config.image_size
    for start in range(0, len(images), batch_size):
        batch = to_unit(images[start:start + batch_size])
        if batch.shape[-1] != size or batch.shape[-2] != size:  # e.g. 64 px generator samples
            batch = F.interpolate(batch, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        h = model.features(batch)
        outputs["features"].append(h)
        outputs["category"].append(model.category_head(h).softmax(1))
        outputs["gender"].append(model.gender_head(h).softmax(1))
        outputs["colour"].append(model.colour_head(h).softmax(1))
    return {key: torch.cat(value) if value else torch.empty(0) for key, value in outputs.items()}


def category_columns_of(known: list[str], names: list[str]) -> list[int]:
    """The column of each of ``names`` (any spelling) among ``known``; raises if one is unknown."""
    keys = [spelling_key(name) for name in known]
    missing = [name for name in names if spelling_key(name) not in keys]
    if missing:
        raise ValueError(f"the classifier does not know {missing}; it knows {known}")
    return [keys.index(spelling_key(name)) for name in names]


def category_columns(model: ProductClassifier, names: list[str]) -> list[int]:
    """The classifier's column for each of ``names`` (any spelling); raises if one is unknown."""
    return category_columns_of(model.config.categories, names)


def save_classifier(model: ProductClassifier, out_dir: str | Path, info: dict) -> None:
    weights_io.save_model(out_dir, "classifier", model.state_dict(), asdict(model.config), info)
    if model.stats is not None:
        model.stats.save(out_dir)


def cached_classifier(name_or_path: str | Path = "classifier") -> ProductClassifier:
    """The shipped (or named) classifier from the one model cache (read-only afterwards)."""
    return cached(load_classifier, name_or_path)


def load_classifier(name_or_path: str | Path = "classifier") -> ProductClassifier:
    folder, config, state = load_model(name_or_path, "classifier")
    model = ProductClassifier(ClassifierConfig.from_dict(config["architecture"]))
    model.load_state_dict(state)
    model.stats = FeatureStats.load(folder)
    return model.eval()

