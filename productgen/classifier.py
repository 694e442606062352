"""The product classifier: article type (and gender) from a 64 px photo.

One small residual network serves two jobs: it tags merchants' photos
(Recognise), and its pooled features are the space in which the GAN's quality
is measured (FID, KID, precision/recall, variety), since no pretrained
network can be downloaded here.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from . import weights as weights_io
from .data import ProductImages, spelling_key

IMAGE_SIZE = 64


@dataclass
class ClassifierConfig:
    categories: list[str] = field(default_factory=lambda: ["product"])
    genders: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    widths: tuple[int, ...] = (32, 64, 128, 256)
    image_size: int = IMAGE_SIZE

    @classmethod
    def from_dict(cls, values: dict) -> "ClassifierConfig":
        known = {name for name in cls.__dataclass_fields__}
        values = {key: value for key, value in values.items() if key in known}
        values["widths"] = tuple(values.get("widths", cls.widths))
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
        self.category_head = nn.Linear(widths[-1], len(config.categories))
        self.gender_head = nn.Linear(widths[-1], max(1, len(config.genders)))
        self.colour_head = nn.Linear(widths[-1], max(1, len(config.colours)))
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        x = (images - self.mean) / self.std
        return self.stages(self.stem(x)).mean(dim=(2, 3))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.features(images)
        return self.category_head(h), self.gender_head(h), self.colour_head(h)


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """uint8 ``(N, 3, H, W)`` -> float in [0, 1]."""
    return images.float() / 255.0


def _augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Flip, shift up to 4 px on white, and jitter brightness/contrast a little."""
    n = len(images)
    flip = torch.rand(n, generator=generator) < 0.5
    images = torch.where(flip[:, None, None, None], images.flip(3), images)
    padded = F.pad(images, (4, 4, 4, 4), value=1.0)
    dy, dx = torch.randint(0, 9, (2,), generator=generator).tolist()
    images = padded[:, :, dy:dy + IMAGE_SIZE, dx:dx + IMAGE_SIZE]
    scale = 1 + (torch.rand(n, 1, 1, 1, generator=generator) - 0.5) * 0.3
    shift = (torch.rand(n, 1, 1, 1, generator=generator) - 0.5) * 0.1
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return ((images - mean) * scale + mean + shift).clamp(0, 1)


def _ids(values: list[str] | None, names: list[str], count: int) -> torch.Tensor:
    """Label ids for a secondary head; -100 (ignored) where a value is missing or not in ``names``."""
    if not values:
        return torch.full((count,), -100)
    return torch.tensor([names.index(v) if v in names else -100 for v in values])


def train_classifier(data: ProductImages, genders: list[str] | None, colours: list[str] | None,
                     config: ClassifierConfig, epochs: int = 20, batch_size: int = 128, lr: float = 2e-3,
                     seed: int = 0, log=print, init: ProductClassifier | None = None) -> ProductClassifier:
    """Train on ``data``; ``genders``/``colours`` give one label per image for the secondary heads (or None).
    ``init`` continues from a trained classifier with the same config. Returns the model in eval mode."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = ProductClassifier(config).to(memory_format=torch.channels_last)
    if init is not None:
        if init.config != config:
            raise ValueError("--init: that classifier was trained on other categories, genders, colours or widths; "
                             f"it has {init.config.categories}, widths {init.config.widths}")
        model.load_state_dict(init.state_dict())
    gender_ids = _ids(genders, config.genders, len(data))
    colour_ids = _ids(colours, config.colours, len(data))
    steps_per_epoch = -(-len(data) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch)
    started = time.monotonic()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(data), generator=generator)
        total, correct = 0.0, 0
        for start in range(0, len(data), batch_size):
            index = order[start:start + batch_size]
            images = _augment(to_unit(data.images[index]), generator).contiguous(memory_format=torch.channels_last)
            category_logits, gender_logits, colour_logits = model(images)
            labels = data.labels[index]
            loss = F.cross_entropy(category_logits, labels, label_smoothing=0.1)
            heads = ((gender_logits, gender_ids[index], 0.3), (colour_logits, colour_ids[index], 0.5))
            for logits, ids, weight in heads:
                if (ids >= 0).any():
                    loss = loss + weight * F.cross_entropy(logits, ids, ignore_index=-100, label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(index)
            correct += (category_logits.argmax(1) == labels).sum().item()
        log(f"epoch {epoch + 1}/{epochs}: loss {total / len(data):.3f}, train accuracy "
            f"{correct / len(data):.3f}, {time.monotonic() - started:.0f} s")
    return model.eval()


@torch.no_grad()
def predict(model: ProductClassifier, images: torch.Tensor, batch_size: int = 256) -> dict[str, torch.Tensor]:
    """uint8 images -> ``{"category": probs, "gender": probs, "colour": probs, "features": (N, D)}``."""
    model.eval()
    outputs = {"category": [], "gender": [], "colour": [], "features": []}
    for start in range(0, len(images), batch_size):
        batch = to_unit(images[start:start + batch_size])
        h = model.features(batch)
        outputs["features"].append(h)
        outputs["category"].append(model.category_head(h).softmax(1))
        outputs["gender"].append(model.gender_head(h).softmax(1))
        outputs["colour"].append(model.colour_head(h).softmax(1))
    return {key: torch.cat(value) if value else torch.empty(0) for key, value in outputs.items()}


def category_columns(model: ProductClassifier, names: list[str]) -> list[int]:
    """The classifier's column for each of ``names`` (any spelling); raises if one is unknown."""
    keys = [spelling_key(name) for name in model.config.categories]
    missing = [name for name in names if spelling_key(name) not in keys]
    if missing:
        raise ValueError(f"the classifier does not know {missing}; it knows {model.config.categories}")
    return [keys.index(spelling_key(name)) for name in names]


def save_classifier(model: ProductClassifier, out_dir: str | Path, info: dict) -> None:
    out_dir = Path(out_dir)
    weights_io.save_tensors(out_dir / "model.safetensors", model.state_dict(), torch.float16)
    weights_io.write_json(out_dir / weights_io.CONFIG_NAME,
                          {"kind": "classifier", "architecture": asdict(model.config), "training": info})


def load_classifier(name_or_path: str | Path = "classifier") -> ProductClassifier:
    model_dir = weights_io.resolve_model_dir(name_or_path)
    config_json = weights_io.read_json(model_dir / weights_io.CONFIG_NAME)
    if config_json.get("kind") != "classifier":
        raise weights_io.WeightsError(f"{model_dir} holds a {config_json.get('kind')!r} model, not a classifier")
    model = ProductClassifier(ClassifierConfig.from_dict(config_json["architecture"]))
    model.load_state_dict(weights_io.load_tensors(model_dir / "model.safetensors"))
    return model.eval()


def accuracy_report(model: ProductClassifier, data: ProductImages, subset: list[str] | None = None) -> dict:
    """Top-1/top-3 accuracy on ``data`` (optionally only photos whose category is in ``subset``) and the
    most confused pairs. ``top1``/``top3`` choose among all the classifier's categories; with a ``subset``,
    ``top1_within``/``top3_within`` choose among the subset's categories only."""
    columns = category_columns(model, data.categories)
    truth = torch.tensor(columns)[data.labels]
    keep = torch.ones(len(truth), dtype=torch.bool)
    if subset is not None:
        wanted = set(category_columns(model, subset))
        keep = torch.tensor([int(t) in wanted for t in truth])
    probs = predict(model, data.images[keep])["category"]
    truth = truth[keep]
    top3 = probs.topk(min(3, probs.shape[1]), dim=1).indices
    top1 = top3[:, 0]
    confusions: dict[tuple[str, str], int] = {}
    for actual, called in zip(truth.tolist(), top1.tolist()):
        if actual != called:
            pair = (model.config.categories[actual], model.config.categories[called])
            confusions[pair] = confusions.get(pair, 0) + 1
    worst = sorted(confusions.items(), key=lambda item: -item[1])[:8]
    report = {"photos": int(keep.sum()), "top1": float((top1 == truth).float().mean()),
              "top3": float((top3 == truth[:, None]).any(1).float().mean()),
              "confused": [f"{a} -> {b}: {n}" for (a, b), n in worst]}
    if subset is not None:
        columns = torch.tensor(sorted(wanted))
        within = columns[probs[:, columns].topk(min(3, len(columns)), dim=1).indices]
        report["top1_within"] = float((within[:, 0] == truth).float().mean())
        report["top3_within"] = float((within == truth[:, None]).any(1).float().mean())
    return report
