"""Training the product classifier: augmented labelled images, the loss over sets of allowed types, and the
statistics and thresholds that let it answer unknown."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.nn import functional as F

from productgen.io.datasets import ProductImages
from productgen.recognise.network import (
    ClassifierConfig,
    ProductClassifier,
    category_columns,
    category_columns_of,
    predict,
    save_classifier,
    to_unit,
)
from productgen.recognise.unknown import FeatureStats, calibrate
from productgen.store import weights as weights_io
from productgen.train.runbook import (
    STATE_NAME,
    RunBook,
    RunOptions,
    TrainingError,
    check_finite,
    resume_state,
    training_memory_format,
)


@dataclass
class LabelledImages:
    """What the classifier trains on. ``targets`` marks, per image, the set of categories its label allows
    (one for a catalogue photo; "Shoes" allows seven); an all-zero row is an *outlier*, a photo of none of
    the categories, trained towards an even spread (so "unknown" shows as low confidence). ``alphas`` (the
    product's mask) and ``phone_look`` switch on the augmentations that make a catalogue photo look like an
    imperfect cut-out of a phone photo."""

    images: torch.Tensor  # uint8 (N, 3, S, S)
    targets: torch.Tensor  # float (N, C) in {0, 1}
    genders: torch.Tensor  # long (N,), -100 = unknown
    colours: torch.Tensor  # long (N,), -100 = unknown
    alphas: torch.Tensor | None = None  # uint8 (N, 1, S, S)
    phone_look: torch.Tensor | None = None  # bool (N,): add surfaces at the cut-out's edge, casts, blur, noise
    wholes: torch.Tensor | None = None  # uint8 (N, 3, S, S): the uncut photo, shown now and then instead
    blanks: torch.Tensor | None = None  # bool (N,): a patch is now and then blanked to white (a part the cut-out lost)

    def __len__(self) -> int:
        return len(self.images)

    @classmethod
    def from_product_images(cls, data: ProductImages, config: "ClassifierConfig", genders: list[str] | None = None,
                            colours: list[str] | None = None) -> "LabelledImages":
        columns = category_columns_of(config.categories, data.categories)
        targets = torch.zeros(len(data), len(config.categories))
        targets[torch.arange(len(data)), torch.tensor(columns)[data.labels]] = 1.0
        return cls(data.images, targets, _ids(genders, config.genders, len(data)),
                   _ids(colours, config.colours, len(data)))


def _affine(images: torch.Tensor, generator: torch.Generator, strength: float) -> torch.Tensor:
    """Random zoom, shift and a little rotation, filling with white."""
    n = len(images)
    rand = torch.rand(n, 4, generator=generator)
    zoom = 1 + (rand[:, 0] - 0.5) * 0.35 * strength
    angle = (rand[:, 1] - 0.5) * 0.35 * strength
    shift = (rand[:, 2:] - 0.5) * 0.25 * strength
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = zoom * torch.cos(angle), -zoom * torch.sin(angle)
    theta[:, 1, 0], theta[:, 1, 1] = zoom * torch.sin(angle), zoom * torch.cos(angle)
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images - 1, grid, align_corners=False, padding_mode="zeros") + 1


def _blank(images: torch.Tensor, generator: torch.Generator, chosen: torch.Tensor) -> torch.Tensor:
    """Where ``chosen``, a third of the time, a random rectangle of 5-25% of the square turns white, as where a
    cut-out lost part of the product (random erasing, Zhong et al. 2020)."""
    n, _, height, width = images.shape
    rand = torch.rand(n, 5, generator=generator)
    area = 0.05 + 0.2 * rand[:, 0]
    aspect = torch.exp((rand[:, 1] - 0.5) * 1.4)
    h = (area * aspect).sqrt().clamp(max=0.9) * height
    w = (area / aspect).sqrt().clamp(max=0.9) * width
    top = rand[:, 2] * (height - h)
    left = rand[:, 3] * (width - w)
    ys = torch.arange(height).view(1, height, 1)
    xs = torch.arange(width).view(1, 1, width)
    box = ((ys >= top.view(n, 1, 1)) & (ys < (top + h).view(n, 1, 1))
           & (xs >= left.view(n, 1, 1)) & (xs < (left + w).view(n, 1, 1)))
    box = box & (chosen & (rand[:, 4] < 1 / 3)).view(n, 1, 1)
    return torch.where(box[:, None], torch.ones_like(images), images)


def _augment(images: torch.Tensor, generator: torch.Generator, alphas: torch.Tensor | None = None,
             phone_look: torch.Tensor | None = None, textures: torch.Tensor | None = None,
             blanks: torch.Tensor | None = None) -> torch.Tensor:
    """Flip, shift (and with ``phone_look``: zoom, rotate) on white, brightness/contrast; where ``phone_look``
    is set, also a band of a real surface around the product's edge (a cut-out that kept some floor), colour
    casts, blur and noise; where ``blanks`` is set, now and then a white patch (:func:`_blank`)."""
    n = len(images)
    if blanks is not None:
        images = _blank(images, generator, blanks)
    flip = torch.rand(n, generator=generator) < 0.5
    images = torch.where(flip[:, None, None, None], images.flip(3), images)
    if phone_look is None or textures is None or alphas is None:
        padded = F.pad(images, (4, 4, 4, 4), value=1.0)
        dy, dx = torch.randint(0, 9, (2,), generator=generator).tolist()
        images = padded[:, :, dy:dy + images.shape[2], dx:dx + images.shape[3]]
    else:
        alphas = torch.where(flip[:, None, None, None], alphas.flip(3), alphas)
        rand = torch.rand(n, 6, generator=generator)
        surface = to_unit(textures[torch.randint(0, len(textures), (n,), generator=generator)])
        # a band 1-4 px wide around the product (sometimes all of the backdrop) shows the surface
        width = torch.randint(1, 5, (1,), generator=generator).item()
        grown = F.max_pool2d(alphas, 2 * width + 1, 1, width)
        band = torch.where((rand[:, 0] < 0.1)[:, None, None, None], torch.ones_like(alphas), grown)
        band = (band - alphas).clamp(0, 1) * ((rand[:, 0] < 0.45) & phone_look).float()[:, None, None, None]
        images = images * (1 - band) + surface * band
        looked = phone_look[:, None, None, None]
        moved = _affine(images, generator, 1.0)
        images = torch.where(looked, moved, images)
        gains = 1 + (torch.rand(n, 3, 1, 1, generator=generator) - 0.5) * 0.2
        images = torch.where(looked & (rand[:, 1] < 0.5)[:, None, None, None], images * gains, images)
        blurred = F.interpolate(F.avg_pool2d(images, 2), size=images.shape[2:], mode="bilinear",
                                align_corners=False)
        images = torch.where(looked & (rand[:, 2] < 0.25)[:, None, None, None], blurred, images)
        noise = torch.randn(images.shape, generator=generator) * 0.03 * rand[:, 3, None, None, None]
        images = torch.where(looked & (rand[:, 4] < 0.3)[:, None, None, None], images + noise, images)
    scale = 1 + (torch.rand(n, 1, 1, 1, generator=generator) - 0.5) * 0.3
    shift = (torch.rand(n, 1, 1, 1, generator=generator) - 0.5) * 0.1
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return ((images - mean) * scale + mean + shift).clamp(0, 1)


def _ids(values: list[str] | None, names: list[str], count: int) -> torch.Tensor:
    """Label ids for a secondary head; -100 (ignored) where a value is missing or not in ``names``."""
    if not values:
        return torch.full((count,), -100)
    return torch.tensor([names.index(v) if v in names else -100 for v in values])


def set_loss(logits: torch.Tensor, targets: torch.Tensor, smoothing: float = 0.1,
             outlier_weight: float = 0.5) -> torch.Tensor:
    """Cross-entropy with a set of allowed categories per image (-log of the probability of the set), label
    smoothing; an all-zero ``targets`` row (an outlier) is pulled towards the even spread."""
    log_p = logits.log_softmax(1)
    known = targets.sum(1) > 0
    in_set = torch.logsumexp(log_p.masked_fill(targets <= 0, float("-inf")), 1)
    spread = log_p.mean(1)
    in_set = torch.where(known, in_set, torch.zeros_like(in_set))
    loss = torch.where(known, -(1 - smoothing) * in_set - smoothing * spread, -outlier_weight * spread)
    return loss.mean()


def _init_from(model: ProductClassifier, init: ProductClassifier) -> None:
    """Start from a trained classifier: the same body; the heads' rows for the names both know."""
    if tuple(init.config.widths) != tuple(model.config.widths):
        raise ValueError(f"--start-from (--init): that classifier has widths {init.config.widths}, not "
                         f"{model.config.widths}")
    state = {k: v for k, v in init.state_dict().items() if not k.split(".")[0].endswith("_head")}
    model.load_state_dict(state, strict=False)
    with torch.no_grad():
        for head, names, old_names in (("category_head", model.config.categories, init.config.categories),
                                       ("gender_head", model.config.genders, init.config.genders),
                                       ("colour_head", model.config.colours, init.config.colours)):
            new, old = getattr(model, head), getattr(init, head)
            for row, name in enumerate(names):
                if name in old_names:
                    new.weight[row] = old.weight[old_names.index(name)]
                    new.bias[row] = old.bias[old_names.index(name)]


def one_epoch(model: ProductClassifier, data: LabelledImages, optimizer, schedule, generator: torch.Generator,
              batch_size: int, memory_format, textures: torch.Tensor | None, mixup: float, epoch: int
              ) -> tuple[float, int, int]:
    """One pass over ``data`` in a random order; returns (summed loss, right answers, photos with a label)."""
    order = torch.randperm(len(data), generator=generator)
    total, correct, known = 0.0, 0, 0
    for start in range(0, len(data), batch_size):
        index = order[start:start + batch_size]
        batch = data.images[index]
        if data.wholes is not None:  # now and then the uncut photo, as when the cut-out finds nothing
            use_whole = torch.rand(len(index), generator=generator) < 0.12
            batch = torch.where(use_whole[:, None, None, None], data.wholes[index], batch)
        look = data.phone_look[index] if data.phone_look is not None else None
        alphas = to_unit(data.alphas[index]) if data.alphas is not None else None
        blanks = data.blanks[index] if data.blanks is not None else None
        images = _augment(to_unit(batch), generator, alphas, look, textures, blanks)
        blend, partner = 1.0, None
        if mixup > 0 and torch.rand((), generator=generator) < 0.5:
            blend = float(torch.distributions.Beta(mixup, mixup).sample())
            blend = max(blend, 1 - blend)  # the first photo leads (its accuracy is what is counted)
            partner = torch.randperm(len(index), generator=generator)
            images = blend * images + (1 - blend) * images[partner]
        category_logits, gender_logits, colour_logits = model(images.contiguous(memory_format=memory_format))
        targets = data.targets[index]
        loss = 0.0
        for share, rows in ((blend, slice(None)), (1 - blend, partner)):
            if rows is None or share == 0:
                continue
            part = set_loss(category_logits, targets[rows])
            heads = ((gender_logits, data.genders[index][rows], 0.3),
                     (colour_logits, data.colours[index][rows], 0.5))
            for logits, ids, weight in heads:
                if (ids >= 0).any():
                    part = part + weight * F.cross_entropy(logits, ids, ignore_index=-100, label_smoothing=0.1)
            loss = loss + share * part
        check_finite(loss, f"in epoch {epoch + 1}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(index)
        has_label = targets.sum(1) > 0
        hits = targets.gather(1, category_logits.argmax(1, keepdim=True))[:, 0] > 0
        correct += (hits & has_label).sum().item()
        known += has_label.sum().item()
    return total, correct, known


def train_classifier(data: LabelledImages, config: ClassifierConfig, epochs: int = 20, batch_size: int = 128,
                     lr: float = 2e-3, seed: int = 0, log=print, init: ProductClassifier | None = None,
                     textures: torch.Tensor | None = None, out_dir: str | Path | None = None,
                     resume: bool = False, info: dict | None = None, mixup: float = 0.0) -> ProductClassifier:
    """Train on ``data`` (see :class:`LabelledImages`); ``init`` starts from a trained classifier (the heads
    keep the rows of the names both know). With ``out_dir`` the model folder and a resumable state are
    written after every epoch, atomically; ``resume`` continues from that state. ``mixup`` > 0: half the batches
    are blends of two photos (weight ~ Beta(mixup, mixup)), each loss the blend of the two photos' losses
    (Zhang et al. 2018), against learning the training photos by heart. Returns the model in eval mode."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = ProductClassifier(config)
    memory_format = training_memory_format(model)
    model = model.to(memory_format=memory_format)
    if init is not None:
        _init_from(model, init)
    steps_per_epoch = -(-len(data) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch)
    state = resume_state(Path(out_dir), resume, "epoch", log) if out_dir else None
    first_epoch, seconds = 0, 0.0
    if state is not None:
        if state["config"] != asdict(config) or state["epochs"] != epochs:
            raise TrainingError(f"{out_dir}: the saved run has other categories, widths or epochs; start a new one")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        generator.set_state(state["generator"])
        first_epoch, seconds = state["epoch"], state["seconds"]

    def checkpoint():  # after every epoch
        if out_dir:
            model.eval()
            save_classifier(model, out_dir, {**(info or {}), "epoch": epoch, "seconds": round(book.seconds())})
            weights_io.save_state(Path(out_dir) / STATE_NAME, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                "generator": generator.get_state(), "config": asdict(config), "epochs": epochs,
                "epoch": epoch, "seconds": book.seconds()})

    def progress(record: dict):
        log(f"epoch {record['epoch']}/{epochs}: loss {record['loss']:.3f}, train accuracy "
            f"{record['train_accuracy']:.3f}, {record['seconds']:.0f} s")

    book = RunBook(out_dir, RunOptions(steps=epochs, log_every=1, checkpoint_minutes=0), first_epoch, seconds,
                   checkpoint, progress)
    epoch = first_epoch
    while not book.spent(epoch):
        model.train()
        total, correct, known = one_epoch(model, data, optimizer, schedule, generator, batch_size, memory_format,
                                          textures, mixup, epoch)
        epoch += 1
        book.after_step(epoch, {"epoch": epoch, "loss": round(total / len(data), 4),
                                "train_accuracy": round(correct / max(1, known), 4)})
    return model.eval()


def fit_feature_stats(model: ProductClassifier, images: torch.Tensor, targets: torch.Tensor) -> FeatureStats:
    """Where each type's features lie, from training ``images`` and the types their labels allow (``targets``;
    "Shoes" counts for the one the model ranks highest); photos of none of the types are left out."""
    outputs = predict(model, images)
    labelled = targets.sum(1) > 0
    columns = (outputs["category"] * targets).argmax(1)
    return FeatureStats.fit(outputs["features"][labelled], columns[labelled])


def calibrate_unknown(model: ProductClassifier, images: torch.Tensor, share: float = 0.1) -> None:
    """Set the "unknown" thresholds to call ``share`` of these held-out photos of known types unknown."""
    outputs = predict(model, images)
    below, far_above = calibrate(outputs["category"], outputs["features"], model.stats, share)
    model.config.unknown_below = round(below, 4)
    model.config.unknown_far_above = None if far_above is None else round(far_above, 2)


def set_accuracy(model: ProductClassifier, images: torch.Tensor, targets: torch.Tensor) -> dict:
    """Top-1/top-3 (right = a category the label allows), and the "unknown" rate at the model's threshold,
    on ``images``; for outliers (all-zero ``targets``) only the unknown rate means anything."""
    outputs = predict(model, images)
    probs, unknown = outputs["category"], model.unknown(outputs)
    top3 = probs.topk(min(3, probs.shape[1]), dim=1).indices
    hits = targets.gather(1, top3) > 0
    report = {"photos": len(images), "unknown": float(unknown.float().mean())}
    if targets.sum() > 0:
        report["top1"] = float(hits[:, 0].float().mean())
        report["top3"] = float(hits.any(1).float().mean())
        report["top1_answered"] = float(hits[~unknown, 0].float().mean()) if (~unknown).any() else 0.0
    return report


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
