"""One GAN training loop, used for full training and for fine-tuning.

The loop reads top to bottom: sample a batch, update the discriminator, update
the generator, update the EMA generator, adapt the augmentation, report. It
talks to its caller only through :class:`Callbacks` (progress, preview, stop)
and writes checkpoints atomically into the model folder, so a killed run
resumes from the last complete checkpoint with its step count.
"""
from __future__ import annotations

import math
import sys
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
from torch.nn import functional as F

from productgen.gan.augment import AdaptiveProbability, diff_augment
from productgen.gan.networks import GANConfig
from productgen.gan.runs import TrainingRun, load_run, save_gan, transfer
from productgen.gan.sampling import recalibrate_batchnorm
from productgen.io.datasets import ProductImages
from productgen.store import weights as weights_io
from productgen.train import distributed as parallel
from productgen.train.runbook import (
    STATE_NAME,
    RunBook,
    RunOptions,
    TrainingError,
    check_finite,
    check_run_budget,
    default_device,
    set_threads,
    update_ema,
)

CATEGORY_SAMPLING = ("sqrt", "uniform")


@dataclass
class TrainOptions(RunOptions):
    """A GAN run's options; its budget may also be ``kimg``, thousands of images shown in all."""
    batch_size: int = 64
    lr_generator: float = 1e-4
    lr_discriminator: float = 4e-4
    betas: tuple[float, float] = (0.0, 0.99)
    class_loss_weight: float = 0.5
    category_sampling: str = "sqrt"  # how often each category is drawn: "sqrt" of its photo count, or "uniform"
    ema_beta: float = 0.999
    ada_target: float = 0.6
    ada_images_to_full: int = 100_000
    frozen_discriminator_blocks: int = 0
    kimg: float | None = None
    checkpoint_minutes: float = 2.0
    preview_every: int = 100
    weights_dtype: str = "float16"

    def __post_init__(self):
        check_run_budget(minutes=self.minutes, steps=self.steps, kimg=self.kimg)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.category_sampling not in CATEGORY_SAMPLING:
            raise ValueError(f"category_sampling must be one of {CATEGORY_SAMPLING}, got {self.category_sampling!r}")


@dataclass
class Progress:
    step: int
    images_seen: int
    loss_discriminator: float
    loss_generator: float
    augment_probability: float
    elapsed_s: float
    eta_s: float | None


@dataclass
class Callbacks:
    """Hooks the loop calls; all optional. ``should_stop`` is polled once per step."""

    progress: Callable[[Progress], None] | None = None
    preview: Callable[[int, torch.Tensor], None] | None = None
    checkpoint: Callable[[int, Path], None] | None = None
    should_stop: Callable[[], bool] | None = None


class Trainer:
    """Trains a :class:`TrainingRun` on :class:`ProductImages` and checkpoints into ``out_dir``."""

    def __init__(self, run: TrainingRun, data: ProductImages, out_dir: str | Path, options: TrainOptions,
                 device: torch.device | None = None, info: dict | None = None):
        if run.generator.config.categories != data.categories:
            raise TrainingError(f"model categories {run.generator.config.categories} != data {data.categories}")
        group = run.discriminator.config.stddev_group
        if options.batch_size % group:
            raise ValueError(f"batch_size must be a multiple of the model's group size {group}, got "
                             f"{options.batch_size}")
        self.run, self.data, self.options = run, data, options
        self.out_dir = Path(out_dir)
        self.device = device or default_device()
        self.info = dict(info or {})
        self._seconds_before = float(self.info.pop("seconds", 0.0))
        for module in (run.generator, run.discriminator, run.generator_ema):
            # channels-last convolutions are ~1.2-2x faster on CPU and on tensor-core GPUs
            module.to(self.device, memory_format=torch.channels_last)
        self.rank, self.world = parallel.rank_and_world()
        parallel.broadcast_from_first((run.generator, run.discriminator, run.generator_ema), self.world)
        self.ada = AdaptiveProbability(run.augment_probability, options.ada_target, options.ada_images_to_full)
        self._build_optimizers()
        self._by_category = [torch.nonzero(data.labels == c).flatten() for c in range(len(data.categories))]
        self._category_weights = category_weights([len(i) for i in self._by_category], options.category_sampling)
        self._rng = torch.Generator().manual_seed(options.seed + run.step + 1_000_003 * self.rank)
        self._autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if self.device.type == "cuda"
                          else nullcontext())

    def _build_optimizers(self):
        o = self.options
        frozen = list(self.run.discriminator.lower_blocks[: o.frozen_discriminator_blocks].parameters())
        for parameter in frozen:
            parameter.requires_grad_(False)
        trainable = [p for p in self.run.discriminator.parameters() if p.requires_grad]
        self.opt_g = torch.optim.Adam(self.run.generator.parameters(), o.lr_generator, betas=o.betas)
        self.opt_d = torch.optim.Adam(trainable, o.lr_discriminator, betas=o.betas)

    def load_optimizer_state(self, state: dict) -> None:
        self.opt_g.load_state_dict(state["opt_generator"])
        self.opt_d.load_state_dict(state["opt_discriminator"])

    # -- one step -----------------------------------------------------------
    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        size = self.run.discriminator.config.stddev_group  # the discriminator compares images in groups this size
        groups = self.options.batch_size // size
        categories = torch.multinomial(self._category_weights, groups, replacement=True, generator=self._rng)
        labels = categories.repeat(size)  # image i and i + groups share a category (see minibatch_stddev)
        picks = [pool[torch.randint(len(pool), (1,), generator=self._rng)] for pool in
                 (self._by_category[c] for c in labels.tolist())]
        images = self.data.images[torch.cat(picks)].float() / 127.5 - 1.0
        flip = torch.rand(len(images), generator=self._rng) < 0.5
        images = torch.where(flip[:, None, None, None], images.flip(3), images)
        return images.to(self.device, memory_format=torch.channels_last), labels.to(self.device)

    def step(self) -> tuple[float, float]:
        run, o, p = self.run, self.options, self.ada.p
        real, labels = self._batch()
        z = torch.randn(len(labels), run.generator.config.z_dim, device=self.device)
        with self._autocast:
            fake = run.generator(z, labels)
            real_score, real_logits = run.discriminator(diff_augment(real, p), labels)
            fake_score, _ = run.discriminator(diff_augment(fake.detach(), p), labels)
            loss_d = (F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()
                      + o.class_loss_weight * F.cross_entropy(real_logits.float(), labels))
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        parallel.average_gradients(run.discriminator, self.world)
        self.opt_d.step()
        with self._autocast:
            fake_score, fake_logits = run.discriminator(diff_augment(fake, p), labels)
            loss_g = -fake_score.float().mean() + o.class_loss_weight * F.cross_entropy(fake_logits.float(), labels)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        parallel.average_gradients(run.generator, self.world)
        self.opt_g.step()
        update_ema(run.generator_ema, run.generator, run.step, o.ema_beta)
        self.ada.observe(real_score)
        run.step += 1
        run.images_seen += len(labels) * self.world
        if run.step % 4 == 0:
            run.augment_probability = self.ada.p = parallel.mean_value(self.ada.update(), self.world, self.device)
        return loss_d.item(), loss_g.item()

    # -- the loop -----------------------------------------------------------
    def _stop_at(self) -> int | None:
        """The step the budget ends at: ``steps``, or sooner where ``kimg`` (images shown in all) ends first."""
        o, run = self.options, self.run
        ends = [o.steps] if o.steps is not None else []
        if o.kimg is not None:
            per_step = o.batch_size * self.world
            ends.append(run.step + max(0, math.ceil((o.kimg * 1000 - run.images_seen) / per_step)))
        return min(ends) if ends else None

    def train(self, callbacks: Callbacks | None = None) -> TrainingRun:
        """Run until the budget is spent or ``should_stop`` says so; checkpoint at the end."""
        callbacks = callbacks or Callbacks()
        run, first_step = self.run, self.run.step

        def progress(record: dict):
            if callbacks.progress:
                callbacks.progress(Progress(**{name: record[name] for name in Progress.__dataclass_fields__}))

        book = RunBook(self.out_dir, self.options, run.step, self._seconds_before,
                       lambda: self.save_checkpoint(callbacks, book.elapsed()), progress, callbacks.should_stop,
                       stop_at=self._stop_at(), log_first=True, lead=self.rank == 0,
                       agree=lambda value: parallel.any_rank(value, self.world, self.device))
        for module in (run.generator, run.discriminator):
            module.train()
        while not book.spent(run.step):
            loss_d, loss_g = self.step()
            for name, loss in (("D", loss_d), ("G", loss_g)):
                check_finite(loss, f"at step {run.step} (loss {name})", "lower the learning rates and resume")
            book.after_step(run.step, {"step": run.step, "images_seen": run.images_seen,
                                       "loss_discriminator": loss_d, "loss_generator": loss_g,
                                       "augment_probability": run.augment_probability})
            if self.rank == 0 and callbacks.preview and (run.step % self.options.preview_every == 0
                                                         or run.step == first_step + 1):
                callbacks.preview(run.step, self.preview_images())
        self.save_checkpoint(callbacks, book.elapsed())
        return run

    @torch.no_grad()
    def preview_images(self, per_category: int | None = None) -> torch.Tensor:
        """A fixed-seed grid source: ``per_category`` EMA samples of every category (default: 4, or enough for 16
        images when there are few categories), uint8 (N, 3, S, S)."""
        ema = self.run.generator_ema
        classes = ema.config.num_classes
        per_category = per_category or max(4, 16 // classes)
        recalibrate_batchnorm(ema, batches=2, device=self.device)
        seed = torch.Generator().manual_seed(1234)
        z = torch.randn(classes * per_category, ema.config.z_dim, generator=seed).to(self.device)
        labels = torch.arange(classes).repeat_interleave(per_category).to(self.device)
        return to_uint8(ema(z, labels).float().cpu())

    # -- checkpoints --------------------------------------------------------
    def save_checkpoint(self, callbacks: Callbacks | None, run_seconds: float) -> None:
        """Rank 0 writes the model folder and the resumable state; other ranks write nothing."""
        if self.rank != 0:
            return
        run = self.run
        self.info["seconds"] = self._seconds_before + run_seconds
        recalibrate_batchnorm(run.generator_ema, batches=8, device=self.device)
        dtype = getattr(torch, self.options.weights_dtype)
        options = asdict(self.options)  # the whole run's settings, in the card's config and in the state
        save_gan(self.out_dir, run, dtype, {**self.info, "options": options, "step": run.step,
                                            "images_seen": run.images_seen,
                                            "augment_probability": run.augment_probability,
                                            "device": self.device.type})
        weights_io.save_state(self.out_dir / STATE_NAME, {
            "generator": run.generator.state_dict(), "discriminator": run.discriminator.state_dict(),
            "generator_ema": run.generator_ema.state_dict(),
            "opt_generator": self.opt_g.state_dict(), "opt_discriminator": self.opt_d.state_dict(),
            "step": run.step, "images_seen": run.images_seen, "augment_probability": run.augment_probability,
            "seconds": self.info["seconds"], "options": options,
        })
        if callbacks and callbacks.checkpoint:
            callbacks.checkpoint(run.step, self.out_dir)

def category_weights(counts: list[int], sampling: str = "sqrt") -> torch.Tensor:
    """How often each category is drawn for a batch. "sqrt" (of its photo count) shows the big categories
    more often without starving the small ones; "uniform" shows every category equally often, which makes
    the discriminator's category head (and so the generator) work as hard on a small category as a big one."""
    counts = torch.tensor(counts, dtype=torch.float)
    weights = counts.sqrt() if sampling == "sqrt" else (counts > 0).float()
    return weights / weights.sum()


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def open_run(out_dir: str | Path, data: ProductImages, options: TrainOptions, fresh, resume: bool = False,
             info: dict | None = None, device: torch.device | None = None, overwrite: bool = False) -> Trainer:
    """The one way a GAN run starts or resumes (the ``train`` and ``finetune`` commands): with ``resume`` and a model in
    ``out_dir``, its newest complete checkpoint (optimizers too) on the same categories; else ``fresh()`` ->
    (run, info). A new run never replaces a model unless ``overwrite`` (kept as a backup). ``info`` is added
    to the run's record (its config.json)."""
    out_dir = Path(out_dir)
    weights_io.prepare_new_run(out_dir, resume, overwrite)
    if resume and (out_dir / weights_io.CONFIG_NAME).is_file():
        run, recorded = load_run(out_dir)
        print(f"resuming {out_dir} from step {run.step}, its newest complete checkpoint", file=sys.stderr)
        if run.generator.config.categories != data.categories:
            raise TrainingError(f"{out_dir} was trained on {run.generator.config.categories}, not "
                                f"{data.categories}; use the same photos to continue it")
    else:
        run, recorded = fresh()
    optimizer_state = recorded.pop("optimizer_state", None)
    trainer = Trainer(run, data, out_dir, options, device, {**recorded, **(info or {})})
    if optimizer_state:
        trainer.load_optimizer_state(optimizer_state)
    return trainer


def train_gan(data: ProductImages, out_dir: str | Path, minutes: float | None = None, kimg: float | None = None,
              steps: int | None = None, resume: bool = False, seed: int = 0, threads: int | None = None,
              widths: tuple[int, int] = (48, 32), checkpoint_minutes: float = 2.0, command: str = "",
              class_weight: float = 0.5, category_sampling: str = "sqrt", callbacks: Callbacks | None = None,
              device: torch.device | None = None, image_size: int = 64,
              start_from: str | Path | None = None, top_style: str | None = None) -> TrainingRun:
    """Train (or with ``resume``, continue) a GAN on ``data`` into ``out_dir``, with a tqdm bar.

    ``class_weight`` weighs the auxiliary category loss for both networks: higher makes each category more
    recognisable, at some cost in variety. ``category_sampling`` is "sqrt" or "uniform" (see
    :func:`category_weights`). ``start_from`` (a model folder or name under ``weights/``) starts a new run from
    that model's weights (``transfer``: a 64 px model grows to ``image_size`` 128; ``top_style`` rebuilds the
    128 px stage in that layout)."""
    from tqdm import tqdm

    set_threads(threads)
    torch.manual_seed(seed)

    def fresh():
        if start_from is not None:
            base, _ = load_run(weights_io.resolve_model_dir(start_from))
            run = transfer(base, data.categories, image_size, top_style)
            run.augment_probability = base.augment_probability
            return run, {"start_from": str(start_from), "start_from_step": base.step,
                         "start_from_images_seen": base.images_seen}
        config = GANConfig(categories=data.categories, generator_width=widths[0], discriminator_width=widths[1],
                           image_size=image_size, **({"top_style": top_style} if top_style else {}))
        return TrainingRun.fresh(config), {}

    options = TrainOptions(minutes=minutes, kimg=kimg, steps=steps, seed=seed, checkpoint_minutes=checkpoint_minutes,
                           class_loss_weight=class_weight, category_sampling=category_sampling)
    trainer = open_run(out_dir, data, options, fresh, resume, device=device,
                       info={"command": command, "data": data.summary()})
    run = trainer.run
    bar = tqdm(initial=run.step, unit="step", dynamic_ncols=True)

    def progress(report: Progress):
        bar.n = report.step
        bar.set_postfix(D=f"{report.loss_discriminator:.3f}", G=f"{report.loss_generator:.3f}",
                        p=f"{report.augment_probability:.2f}", kimg=f"{report.images_seen / 1000:.1f}")
        if callbacks and callbacks.progress:
            callbacks.progress(report)

    merged = Callbacks(progress, callbacks.preview if callbacks else None,
                       callbacks.checkpoint if callbacks else None, callbacks.should_stop if callbacks else None)
    try:
        return trainer.train(merged)
    finally:
        bar.close()
