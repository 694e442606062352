"""Fine-tuning a trained GAN on a merchant's own photos (20-200 of them), with the same training loop.

Transfer recipe: every weight of the base model is kept; categories the base
already knows keep their embeddings, new ones start at the mean of the known
ones; learning rates are halved; the discriminator's two blocks nearest the
pixels are frozen (Freeze-D, Mo et al. 2020); adaptive augmentation reacts four
times faster and the EMA is shorter, so a small set neither collapses nor is
copied in the few minutes a CPU allows.
"""
from __future__ import annotations

import math
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch

from productgen.gan.runs import TrainingRun, load_run, transfer
from productgen.gan.training import Callbacks, TrainOptions, open_run
from productgen.io.datasets import ProductImages
from productgen.limits import (  # shown by the app before torch
    GOOD_PHOTOS,
    MIN_PHOTOS,
    SPACE_CPU_MINUTES,
    lower_this_thread,
    on_cpu_space,
)
from productgen.store import weights as weights_io
from productgen.train.runbook import TrainingError, default_device

MIN_FREE_BYTES = 200 * 1024 * 1024
# every fine-tune stops at this wall-clock limit, whatever its budget (a Space without a GPU sets 5)
MAX_MINUTES = float(os.environ.get("PRODUCTGEN_FINETUNE_MAX_MINUTES", "60"))
MAX_STEPS = 20_000


def check_budget(kind: str, value, max_minutes: float = MAX_MINUTES) -> tuple[float | None, int | None]:
    """(minutes, steps) for a budget of ``value`` ``kind`` ("minutes" or "steps"); a value that is not a
    finite number in range is refused with the limit named (never clamped silently)."""
    if kind not in ("minutes", "steps"):
        raise ValueError(f"the budget is counted in minutes or steps, not {kind!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"the budget must be a number of {kind}, got {value!r}") from None
    if kind == "minutes":
        if not (math.isfinite(number) and 0 < number <= max_minutes):
            raise ValueError(f"the budget must be more than 0 and at most {max_minutes:g} minutes, got {value}")
        return number, None
    if not (math.isfinite(number) and number == int(number) and 1 <= number <= MAX_STEPS):
        raise ValueError(f"the budget must be a whole number of steps from 1 to {MAX_STEPS}, got {value}")
    return None, int(number)


def finetune_options(minutes: float | None = None, steps: int | None = None, batch_size: int = 32) -> TrainOptions:
    return TrainOptions(batch_size=batch_size, lr_generator=5e-5, lr_discriminator=2e-4, ema_beta=0.99,
                        frozen_discriminator_blocks=2, ada_images_to_full=25_000, minutes=minutes, steps=steps,
                        checkpoint_minutes=1.0, log_every=5, preview_every=25)


def wall_clock_limit() -> float:
    """The wall-clock limit of one fine-tune here, in minutes: ``MAX_MINUTES``, or 5 on a Space without a GPU."""
    return min(MAX_MINUTES, SPACE_CPU_MINUTES) if on_cpu_space() else MAX_MINUTES


def photos_as_data(photos: list[Path], folder_categories: list[str | None], category: str | None,
                   workdir: Path, size: int = 64) -> ProductImages:
    """A merchant's photos as training data at ``size`` px (the base model's), each product cut out onto white:
    ``category`` names them all (a typed name wins), else each photo's ZIP folder does. ``workdir`` receives the
    copies, sorted by category."""
    from productgen.cutout.segment import product_on_white
    from productgen.io.archives import safe_name
    from productgen.io.datasets import load_product_images

    if not photos:
        raise ValueError(f"no photos: upload {GOOD_PHOTOS[0]}-{GOOD_PHOTOS[1]} JPEG/PNG/WebP photos of your product "
                         "(or a ZIP of them)")
    typed = (category or "").strip()
    if not typed and None in folder_categories:
        raise ValueError("name the category of your photos (e.g. 'Mugs'), or upload a ZIP with one folder each")
    folder = Path(workdir) / "photos"
    for index, (path, folder_name) in enumerate(zip(photos, folder_categories)):
        target = folder / safe_name(typed or folder_name) / f"{index:04d}{path.suffix.lower()}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return load_product_images(folder, min_per_category=4, size=size, prepare=product_on_white)


def target_folder(name: str, resume: bool, owner_key: str) -> Path:
    """The folder a fine-tune writes in the user models' folder: a new, free name, or (continuing) a model
    that ``owner_key`` made."""
    if not resume:
        return weights_io.user_models_dir() / weights_io.check_new_model_name(name)
    folder = weights_io.user_models_dir() / (name or "").strip()
    if not weights_io.NAME_PATTERN.match((name or "").strip()) or not folder.is_dir():
        raise ValueError(f"there is no model of yours called {name!r} to continue; untick 'Continue' to make one")
    if not weights_io.is_owner(folder, owner_key):
        raise ValueError(f"the model {name!r} was not made in this browser, so it cannot be continued here; "
                         "untick 'Continue' and give your model a new name")
    return folder


def check_free_disk(folder: Path, needed: int = MIN_FREE_BYTES) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise TrainingError(f"only {free / 2**20:.0f} MB free in {folder}; fine-tuning needs "
                            f"{needed / 2**20:.0f} MB: free some disk space")


def finetune(base_dir: str | Path, data: ProductImages, out_dir: str | Path, minutes: float | None = None,
             steps: int | None = None, resume: bool = False, callbacks: Callbacks | None = None,
             device: torch.device | None = None, command: str = "", overwrite: bool = False,
             data_source: str = "the model owner's own product photos") -> TrainingRun:
    """Fine-tune the model in ``base_dir`` on ``data`` into ``out_dir`` (or continue it with ``resume``).
    A new fine-tune never goes into a folder that holds a model unless ``overwrite`` (which keeps a backup).
    ``data_source`` (where the photos came from) goes into the config, so every card written later says it."""
    if len(data) < MIN_PHOTOS:
        raise TrainingError(f"only {len(data)} usable photos; fine-tuning needs at least {MIN_PHOTOS} "
                            f"({GOOD_PHOTOS[0]}-{GOOD_PHOTOS[1]} work best)")
    out_dir = Path(out_dir)
    check_free_disk(out_dir)

    def fresh():
        base, _ = load_run(weights_io.resolve_model_dir(base_dir))
        run = transfer(base, data.categories)
        run.step = run.images_seen = 0
        return run, {"base": str(base_dir), "base_step": base.step}

    options = finetune_options(minutes, steps, batch_size=32 if len(data) >= 32 else 16)
    trainer = open_run(out_dir, data, options, fresh, resume, device=device or default_device(), overwrite=overwrite,
                       info={"command": command, "data": data.summary(), "finetune": True, "data_source": data_source})
    return trainer.train(callbacks)  # the run's seconds are in every checkpoint's config.json


def quality_report(model_dir: str | Path, data: ProductImages, classifier=None) -> str:
    """FID/KID of the fine-tuned model against the photos it learned from (classifier features), and the
    memorisation check. With a few dozen photos FID is noisy: compare runs on the same photos only."""
    from productgen.gan.metrics import frechet_distance, generate_for_metrics, kernel_distance, memorisation
    from productgen.gan.sampling import load_generator
    from productgen.recognise.network import cached_classifier, predict

    classifier = classifier or cached_classifier()
    generator = load_generator(model_dir)
    per_category = max(16, min(100, 2 * len(data) // len(data.categories)))
    fake, _ = generate_for_metrics(generator, per_category, 1.0)
    fake_features = predict(classifier, fake)["features"].double().numpy()
    real_features = predict(classifier, data.images)["features"].double().numpy()
    fid = frechet_distance(real_features, fake_features)
    kid = kernel_distance(real_features, fake_features, subsets=20, subset_size=min(100, len(data)))
    copies = memorisation(fake_features, real_features)
    return (f"Against the {len(data)} photos it was tuned on ({len(fake)} samples, product-classifier features): "
            f"FID {fid:.1f}, KID x1000 {kid * 1000:.1f}.\n\nMemorisation check: {copies.text()}.")


SHORT_RUN_STEPS = 500  # a fine-tune shorter than this is still drawing blurred shapes


ENDED_EARLY = "It ended early ({why}) after {steps} steps; continue it to go on from there."
SHORT_RUN = ("This was a short run: {steps} steps ({why}). At this point the images are still soft, smeared shapes; "
             "they take the shape, edges and colours of your products over about {low}-{high} steps. Tick "
             "'Continue this model's training' and start again to go on.")
WHY_ENDED = {"stopped": "you stopped it", "limit": "it reached this app's time limit", "budget": "its budget was small"}


def run_note(steps: int, stopped: bool, hit_limit: bool) -> tuple[str, dict] | None:
    """What a merchant should know about how long the run was, as an English template and its values (the app
    translates the template), or None: a run that was stopped, cut by the time limit or short says so, and what
    more training would give (``bench/finetune.py``: 10 minutes on 100 photos brought the samples 9x closer to
    held-out photos than the base model's closest category)."""
    why = WHY_ENDED["stopped" if stopped else "limit" if hit_limit else "budget"]
    if steps >= SHORT_RUN_STEPS:
        return (ENDED_EARLY, {"why": why, "steps": steps}) if stopped or hit_limit else None
    return SHORT_RUN, {"steps": steps, "why": why, "low": SHORT_RUN_STEPS, "high": SHORT_RUN_STEPS * 3}


# the two losses in a merchant's words: the discriminator's and the generator's
LOSS_NAMES = ("checker: telling your photos from made ones", "maker: making images the checker accepts")


def plain_words(report: str) -> str:
    """A quality report (``quality_report``) as a merchant reads it: no metric names; the numbers stay in
    the model card."""
    copied = "FLAGGED" in report
    return ("Look at the samples above: they show how close the new images are to your photos (the measured "
            "numbers are in the model's card). " +
            ("⚠️ Some images look like copies of your photos: train for less time or add more photos."
             if copied else "None of the images is a copy of one of your photos."))


class FinetuneJob:
    """A fine-tune running in a background thread, for UIs: poll ``snapshot()``, call ``stop()``.

    Only one job runs per process (training takes every core); ``start`` raises :class:`TrainingError` while
    another is running. A new model is trained in a hidden staging folder and published under its name by
    one rename when it is done, so no one sees (or can take) a half-made model; continuing a model
    (``resume``) trains in place, where every checkpoint file is replaced atomically. Every job stops at
    ``max_minutes`` of wall-clock time, whatever its budget. ``give_way``, if given, is called before every
    step: a server blocks in it while a visitor's quicker job runs, so a CPU fine-tune does not slow that down
    (the wall-clock limit still counts); with ``background`` the job's thread also runs at a low operating-system
    priority (``limits.lower_this_thread``).
    """

    _lock = threading.Lock()

    def __init__(self, base_dir, data: ProductImages, out_dir, minutes=None, steps=None, resume=False,
                 classifier=None, data_source: str = "the user's uploaded photos", owner: str = "",
                 max_minutes: float = MAX_MINUTES, give_way: Callable[[], object] | None = None,
                 background: bool = False):
        self.base_dir, self.data, self.out_dir = base_dir, data, Path(out_dir)
        self.minutes, self.steps, self.resume = minutes, steps, resume
        self.classifier, self.data_source = classifier, data_source
        self.owner, self.max_minutes, self.give_way, self.background = owner, max_minutes, give_way, background
        self.on_cpu = default_device().type == "cpu"  # a CPU fine-tune slows every other request of the server
        self.losses: list[dict] = []
        self.preview = None
        self.progress = None
        self.error: str | None = None
        self.quality: str = ""  # the numbers, for the model card and the CLI
        self.plain_quality: str = ""  # the same in a merchant's words, for the app
        self.hit_limit = False
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        staging = f".staging-{self.out_dir.name}-{secrets.token_hex(4)}"
        self.work_dir = self.out_dir if resume else self.out_dir.parent / staging

    def start(self) -> "FinetuneJob":
        if not FinetuneJob._lock.acquire(blocking=False):
            raise TrainingError("a fine-tune is already running on this computer; wait for it to finish")
        for leftover in self.out_dir.parent.glob(".staging-*"):  # of a process killed mid-run; we hold the lock
            shutil.rmtree(leftover, ignore_errors=True)
        self._started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _should_stop(self) -> bool:
        if self.give_way and not self._stop.is_set():
            self.give_way()
        if time.monotonic() - self._started >= self.max_minutes * 60:
            self.hit_limit = True
        return self.hit_limit or self._stop.is_set()

    def _run(self) -> None:
        from productgen.gan.card import generator_card

        callbacks = Callbacks(progress=self._on_progress, preview=self._on_preview, should_stop=self._should_stop)
        if self.background:
            lower_this_thread()
        try:
            finetune(self.base_dir, self.data, self.work_dir, self.minutes, self.steps, self.resume, callbacks,
                     command=f"app fine-tune ({self.data.summary()})", data_source=self.data_source)
            if self.owner:
                weights_io.write_owner(self.work_dir, self.owner)
            self.quality = quality_report(self.work_dir, self.data, self.classifier)
            self.plain_quality = plain_words(self.quality)
            generator_card(self.work_dir, self.quality)
            if self.work_dir != self.out_dir:
                weights_io.publish(self.work_dir, self.out_dir)
        except Exception as error:  # noqa: BLE001 - reported to the user; the last good checkpoint stays
            self.error = str(error)
        finally:
            if self.work_dir != self.out_dir:
                shutil.rmtree(self.work_dir, ignore_errors=True)
            FinetuneJob._lock.release()
            self.finished.set()

    @property
    def stopped(self) -> bool:
        """Whether the merchant stopped it (``stop``) before its budget was spent."""
        return self._stop.is_set()

    def note(self) -> tuple[str, dict] | None:
        """``run_note`` for this job, once it has finished."""
        return run_note(self.progress.step if self.progress else 0, self.stopped, self.hit_limit)

    def _on_progress(self, report) -> None:
        self.progress = report
        self.losses.append({"step": report.step, "loss": report.loss_discriminator, "series": LOSS_NAMES[0]})
        self.losses.append({"step": report.step, "loss": report.loss_generator, "series": LOSS_NAMES[1]})

    def _on_preview(self, step: int, images: torch.Tensor) -> None:
        from productgen.gan.sampling import image_grid, tensor_to_images

        shown = tensor_to_images(images[:32])
        self.preview = (step, image_grid(shown, columns=min(8, math.ceil(math.sqrt(len(shown))))))
