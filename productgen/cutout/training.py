"""Training and measuring the cut-out model on composites (see ``cutout.composites``).

The loop reads top to bottom: make a batch of composites, predict, BCE + soft-IoU loss (and BCE on two
deeper side outputs), step, and every few minutes write the model folder and the resumable state
atomically, so a killed run resumes from its last complete checkpoint with its step count.
"""
from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.nn import functional as F

from productgen.cutout.data import load_products, load_surfaces, realphoto_corners
from productgen.cutout.network import CutoutConfig, CutoutNet, save_cutout
from productgen.io.catalogue import held_out
from productgen.store import weights as weights_io
from productgen.train.runbook import STATE_NAME, RunBook, RunOptions, check_finite, resume_state

REALPHOTOS_VAL_SHARE = 0.15
HISTORY = ("started_from", "grown_by", "tap_inputs_added")  # what a run's model card tells of where it began


@dataclass
class CutoutTrainOptions(RunOptions):
    batch_size: int = 16
    side: int = 256  # training composites are side x side; the model runs at input_side later
    lr: float = 2e-3
    lr_end: float | None = None  # if set, the rate falls (cosine) from lr to this over this run's budget
    weight_decay: float = 1e-4

    def __post_init__(self):
        super().__post_init__()
        if self.side % 32 or not 64 <= self.side <= 1024:
            raise ValueError(f"side must be a multiple of 32 in 64..1024, got {self.side}")
        if self.lr_end is not None and not 0 <= self.lr_end <= self.lr:
            raise ValueError(f"the final learning rate must be from 0 to the learning rate ({self.lr}), "
                             f"got {self.lr_end}")

    def rate(self, step: int, done: float) -> float:
        """The learning rate at ``step``, ``done`` (0..1) of the way through this run's budget: a short warm-up,
        then constant, or a cosine fall to ``lr_end``."""
        peak = self.lr if self.lr_end is None else self.lr_end + (self.lr - self.lr_end) * 0.5 * (
            1 + math.cos(math.pi * min(1.0, done)))
        return peak * min(1.0, (step + 1) / 200)


def realphoto_groups(folder: str | Path) -> dict[str, str]:
    """Each ``realphotos/`` file's group, in ``labels.csv``'s order: "clothing:<sender_id>" or
    "grocery:<product>" (the split holds out whole groups)."""
    folder = Path(folder)
    with open(folder / "clothing_senders.csv", newline="") as handle:
        senders = {row["file"]: row["sender_id"] for row in csv.DictReader(handle)}
    with open(folder / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {row["file"]: f"{row['source']}:{senders.get(row['file']) if row['source'] == 'clothing' else row['label']}"
            for row in rows}


def realphoto_split(folder: str | Path) -> tuple[list[str], list[str]]:
    """(train, validation) files of ``realphotos/``: clothing split by ``sender_id``, grocery by product,
    15% held out; the same on every machine."""
    train, validation = [], []
    for name, group in realphoto_groups(folder).items():
        (validation if held_out(group, REALPHOTOS_VAL_SHARE, "realphotos") else train).append(name)
    return train, validation


def soft_iou_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    probability = torch.sigmoid(logits)
    intersection = (probability * target).sum((1, 2, 3))
    union = (probability + target - probability * target).sum((1, 2, 3))
    return (1 - (intersection + 1) / (union + 1)).mean()


def mask_loss(model: CutoutNet, images: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    logits, sides = model(images, side_outputs=True)
    logits = F.interpolate(logits, size=target.shape[-2:], mode="bilinear", align_corners=False)
    loss = F.binary_cross_entropy_with_logits(logits, target) + soft_iou_loss(logits, target)
    for side in sides:
        side = F.interpolate(side, size=target.shape[-2:], mode="bilinear", align_corners=False)
        loss = loss + 0.4 * F.binary_cross_entropy_with_logits(side, target)
    return loss


@dataclass
class CompositeSources:
    products: list
    surfaces: list
    corners: list
    real: list = field(default_factory=list)  # pseudo-labelled real photos (``cutout.data.pseudo_labels``)
    real_share: float = 0.0
    shape_share: float = 0.0
    layered_share: float = 0.0  # composites on a second surface (a bedspread on a bed)
    package_share: float = 0.0  # packages held up in front of a shop shelf (``cutout.packages``)
    prints: list = field(default_factory=list)  # package artwork from real cartons (``carton_prints``)
    shops: list = field(default_factory=list)  # real shop photos for the packages (``shop_photos``)
    shop_share: float = 0.0  # share of the package pictures laid over a real shop photo's carton
    native_share: float = 0.0  # surfaces that are a real photo's corner at its own scale (sharp prints)
    real_products: list = field(default_factory=list)  # ``real`` cut down to their products (``cut_product``)
    real_product_share: float = 0.0  # share of the composites' products taken from ``real_products``
    tap_share: float = 0.0  # pictures with simulated taps (``cutout.taps``), for a network that reads taps
    hanger_share: float = 0.0  # composites hung on a drawn hanger's hook (``effects.hanger``)

    @classmethod
    def load(cls, products_dir, backgrounds_dir, realphotos_dir, validation: bool,
             product_ids: set[str] | None = None, limit: int | None = None,
             skip_worn: bool = False, realphoto_files: list[str] | None = None) -> "CompositeSources":
        """Train sources (catalogue minus ``product_ids``) or validation ones (only ``product_ids``); with
        ``skip_worn``, without the clothes worn by a model (``load_products``); ``realphoto_files``, when
        given, are the real photos whose corners are surfaces (otherwise the split's)."""
        products = load_products(products_dir, ids=product_ids if validation else None,
                                 exclude=None if validation else product_ids, limit=limit, skip_worn=skip_worn)
        surfaces = load_surfaces(backgrounds_dir, validation)
        corners = []
        if realphotos_dir:
            train, held = realphoto_split(realphotos_dir)
            corners = realphoto_corners(realphotos_dir, realphoto_files if realphoto_files is not None else
                                        held if validation else train, limit)
        if not products:
            raise ValueError(f"no usable catalogue photos in {products_dir}")
        return cls(products, surfaces, corners)

    def batch(self, rng: np.random.Generator, size: int, side: int):
        from productgen.cutout.composites import batch

        if self.tap_share:
            from productgen.cutout.tap_pictures import tap_batch

            return tap_batch(rng, self, size, side, self.tap_share)

        return batch(rng, self.products, self.surfaces, self.corners, size, side, **self.mix())

    def mix(self, **changes) -> dict:
        """The keyword arguments of ``composites.composite`` for these sources' recipe, with ``changes``."""
        return {"real": self.real, "real_share": self.real_share, "shape_share": self.shape_share,
                "layered_share": self.layered_share, "package_share": self.package_share, "prints": self.prints,
                "shops": self.shops, "shop_share": self.shop_share, "native_share": self.native_share,
                "real_products": self.real_products, "real_product_share": self.real_product_share,
                "hanger_share": self.hanger_share, **changes}


def train_cutout(sources: CompositeSources, out_dir: str | Path, options: CutoutTrainOptions,
                 config: CutoutConfig | None = None, resume: bool = False, info: dict | None = None,
                 progress=None, should_stop=None, start_from: CutoutNet | None = None) -> CutoutNet:
    """Train (or with ``resume``, continue) a cut-out model into ``out_dir``; returns the model.

    ``start_from`` begins a new run from another model's weights (its architecture, a fresh optimizer), e.g. to
    train the shipped model further on new pictures; a run in ``out_dir`` that can be resumed is refused then.
    """
    out_dir = Path(out_dir)
    weights_io.prepare_new_run(out_dir, resume)  # never a new run over a model; no orphans of a killed one
    state_path = out_dir / STATE_NAME
    if start_from is not None and resume and state_path.is_file():
        raise ValueError(f"{out_dir} already holds a run to resume; start from another model in a new folder")
    model = CutoutNet(start_from.config if start_from is not None else config or CutoutConfig())
    if start_from is not None:
        model.load_state_dict(start_from.state_dict())
    model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), options.lr, weight_decay=options.weight_decay)
    step, seconds = 0, 0.0
    state = resume_state(out_dir, resume)
    if state is not None:
        model = CutoutNet(CutoutConfig.from_dict(state["config"])).to(memory_format=torch.channels_last)
        model.load_state_dict(state["model"])
        optimizer = torch.optim.AdamW(model.parameters(), options.lr, weight_decay=options.weight_decay)
        optimizer.load_state_dict(state["optimizer"])
        step, seconds = state["step"], state["seconds"]
    if sources.tap_share and not model.config.tap_channels:
        raise ValueError("pictures with taps train a network that reads taps: start from one, or add the tap inputs")
    if state is not None and (out_dir / weights_io.CONFIG_NAME).is_file():  # a resumed run keeps its history
        earlier = weights_io.read_json(out_dir / weights_io.CONFIG_NAME).get("training", {})
        info = {**{key: earlier[key] for key in HISTORY if key in earlier}, **(info or {})}
    info = {**(info or {}), "options": asdict(options)}
    rng = np.random.default_rng([options.seed, step])

    def checkpoint():
        save_cutout(model, out_dir, {**info, "step": step, "seconds": round(book.seconds())})
        weights_io.save_state(state_path, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                           "config": asdict(model.config), "step": step, "seconds": book.seconds()})

    book = RunBook(out_dir, options, step, seconds, checkpoint, progress, should_stop)
    model.train()
    while not book.spent(step):
        images, target = sources.batch(rng, options.batch_size, options.side)
        for group in optimizer.param_groups:
            group["lr"] = options.rate(step, book.share_done(step))
        loss = mask_loss(model, images, target)
        check_finite(loss, f"at step {step}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        book.after_step(step, {"step": step, "loss": round(loss.item(), 4)})
    book.finish(step)
    return model.eval()


# -- measuring ----------------------------------------------------------------------------------------------

def boundary_f(predicted: np.ndarray, truth: np.ndarray, tolerance: int = 2) -> float:
    """F-measure of the two outlines, a predicted edge pixel counting if a true one lies within ``tolerance``."""
    kernel = np.ones((3, 3), np.uint8)

    def outline(mask):
        return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_GRADIENT, kernel) > 0

    edge_p, edge_t = outline(predicted), outline(truth)
    if not edge_p.any() and not edge_t.any():
        return 1.0
    near = np.ones((2 * tolerance + 1, 2 * tolerance + 1), np.uint8)
    precision = (edge_p & (cv2.dilate(edge_t.view(np.uint8), near) > 0)).sum() / max(1, edge_p.sum())
    recall = (edge_t & (cv2.dilate(edge_p.view(np.uint8), near) > 0)).sum() / max(1, edge_t.sum())
    return float(2 * precision * recall / max(1e-9, precision + recall))


def iou(predicted: np.ndarray, truth: np.ndarray) -> float:
    union = (predicted | truth).sum()
    return float((predicted & truth).sum() / union) if union else 1.0


def held_out_composites(sources: CompositeSources, count: int, side: int = 320, seed: int = 1234,
                        native_share: float = 0.0):
    """A fixed set of validation composites: [(picture, bool mask)]; ``native_share`` of them on a real
    photo's corner at its own scale (``cutout.composites._surface``)."""
    from productgen.cutout.composites import composite

    rng = np.random.default_rng(seed)
    pictures = [composite(rng, sources.products, sources.surfaces, sources.corners, side, native_share=native_share)
                for _ in range(count)]
    return [(picture, alpha >= 0.5) for picture, alpha in pictures]


def score_masks(segment, composites) -> dict:
    """Mean IoU, boundary F and MAE of ``segment(picture) -> bool mask`` over ``composites``."""
    ious, fs, errors = [], [], []
    for picture, truth in composites:
        predicted = segment(picture)
        ious.append(iou(predicted, truth))
        fs.append(boundary_f(predicted, truth))
        errors.append(float((predicted != truth).mean()))
    return {"iou": float(np.mean(ious)), "boundary_f": float(np.mean(fs)), "mae": float(np.mean(errors)),
            "count": len(composites)}
