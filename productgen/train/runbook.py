"""The one run scaffold every training uses (the GAN, the classifier, the cut-out model, the upscaler): its
budget and bookkeeping (:class:`RunBook`: time, one progress record, checkpoints), resuming from the newest
complete state (:func:`resume_state`), the weight average (:func:`update_ema`), the file names of its state and
log, the one error that stops it (:class:`TrainingError`), and where and on how many threads it runs."""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from productgen.store import weights as weights_io

STATE_NAME = "train_state.pt"
LOG_NAME = "train_log.jsonl"


class TrainingError(ValueError):
    """Training cannot go on (diverged, bad options); the last good checkpoint is kept."""


def check_finite(loss, where: str, fix: str = "lower the learning rate and resume") -> None:
    """Every training's one divergence check: a loss that is not finite raises :class:`TrainingError` naming
    where (``"at step 12"``) and what to do; the last good checkpoint is kept."""
    value = float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)
    if value != value or value in (float("inf"), float("-inf")):
        raise TrainingError(f"training diverged {where} (loss {value}); the last good checkpoint is kept: {fix}")


def check_run_budget(**budget: float | None) -> None:
    """A training run's budget, e.g. ``minutes=..., steps=...``: at least one given, each a positive, finite
    number."""
    if all(value is None for value in budget.values()):
        raise ValueError("give a budget: " + " or ".join(budget))
    for name, value in budget.items():
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value}")


@dataclass
class RunOptions:
    """What every training run has: a budget (wall-clock minutes for this run, or the step to stop at, in all),
    how often it checkpoints and logs, and its seed. The trainers' options extend it."""
    minutes: float | None = None
    steps: int | None = None
    checkpoint_minutes: float = 3.0
    log_every: int = 20
    seed: int = 0

    def __post_init__(self):
        check_run_budget(minutes=self.minutes, steps=self.steps)


def budget_spent(seconds: float, step: int, minutes: float | None, steps: int | None, should_stop=None) -> bool:
    """Whether a run with this budget stops now (after ``seconds`` in this process, at ``step`` in all)."""
    return bool((minutes and seconds >= minutes * 60) or (steps and step >= steps) or (should_stop and should_stop()))


class RunBook:
    """A training loop's bookkeeping: the run's time (``seconds`` of earlier runs plus this one), whether its
    budget is spent, one progress record every ``log_every`` steps (a line of the log, also given to
    ``progress``: the loop's values plus ``seconds``, ``elapsed_s`` and ``eta_s``), a checkpoint every
    ``checkpoint_minutes`` and a last one at the end. ``checkpoint()`` writes the model and its state.

    ``stop_at`` (default ``options.steps``) is the step the run stops at; ``log_first`` also records the first
    step (a live view sees the run start); ``agree`` turns one process's yes/no into all processes' answer
    (distributed training); only the ``lead`` process writes the log and reports progress."""

    def __init__(self, out_dir: str | Path | None, options: RunOptions, step: int, seconds: float,
                 checkpoint: Callable[[], None], progress=None, should_stop=None, stop_at: int | None = None,
                 log_first: bool = False, agree: Callable[[bool], bool] = bool, lead: bool = True):
        self.out_dir = Path(out_dir) if out_dir is not None else None  # None: a run that writes nothing
        self.options, self.first_step, self.earlier = options, step, seconds
        self.checkpoint, self.progress, self.should_stop = checkpoint, progress, should_stop
        self.stop_at = options.steps if stop_at is None else stop_at
        self.log_first, self.agree, self.lead = log_first, agree, lead
        self.started = self.last_checkpoint = time.monotonic()

    def elapsed(self) -> float:
        """Seconds in this process."""
        return time.monotonic() - self.started

    def seconds(self) -> float:
        """Seconds of the whole run, earlier processes included."""
        return self.earlier + self.elapsed()

    def spent(self, step: int) -> bool:
        return self.agree(budget_spent(self.elapsed(), step, self.options.minutes, self.stop_at, self.should_stop))

    def share_done(self, step: int) -> float:
        """How far (0..1) this process is through its budget: by the clock or by the steps, whichever is ahead."""
        minutes, total = self.options.minutes, self.stop_at
        return max(self.elapsed() / (minutes * 60) if minutes else 0.0,
                   (step - self.first_step) / max(1, total - self.first_step) if total else 0.0)

    def eta(self, step: int) -> float | None:
        """Seconds this process has left, from how far it is (None before it has gone anywhere)."""
        done = self.share_done(step)
        return max(0.0, self.elapsed() * (1 - done) / done) if done > 0 else None

    def after_step(self, step: int, record: dict) -> None:
        if self.lead and (step % self.options.log_every == 0 or (self.log_first and step == self.first_step + 1)):
            eta = self.eta(step)
            record = {**record, "seconds": round(self.seconds()), "elapsed_s": round(self.elapsed(), 2),
                      "eta_s": None if eta is None else round(eta, 1)}
            if self.out_dir is not None:
                weights_io.append_jsonl(self.out_dir / LOG_NAME, record)
            if self.progress:
                self.progress(record)
        if self.agree(time.monotonic() - self.last_checkpoint >= self.options.checkpoint_minutes * 60):
            self.checkpoint()
            self.last_checkpoint = time.monotonic()

    def finish(self, step: int) -> None:
        """The last checkpoint (or a first one for a run that took no step and has none yet)."""
        if step > self.first_step or not (self.out_dir and (self.out_dir / weights_io.CONFIG_NAME).is_file()):
            self.checkpoint()


def resume_state(out_dir: Path, resume: bool, unit: str = "step", say=None) -> dict | None:
    """The run's saved state when ``resume`` asks for it and one is there (its newest complete checkpoint),
    said in one line; else None (a new run)."""
    path = Path(out_dir) / STATE_NAME
    if not (resume and path.is_file()):
        return None
    state = weights_io.load_state(path)
    line = f"resuming {out_dir} from {unit} {state[unit]}, its newest complete checkpoint"
    (say or (lambda text: print(text, file=sys.stderr)))(line)
    return state


@torch.no_grad()
def update_ema(average: torch.nn.Module, live: torch.nn.Module, step: int, beta: float) -> None:
    """Move ``average``'s weights toward ``live``'s (an exponential moving average, which draws and scales more
    steadily than the live weights). Early steps average over fewer steps, so the start is not remembered."""
    decay = min(beta, (1 + step) / (10 + step))
    for mine, theirs in zip(average.parameters(), live.parameters()):
        mine.lerp_(theirs, 1 - decay)


def default_device() -> torch.device:
    if torch.cuda.is_available() and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def training_memory_format(model: torch.nn.Module) -> torch.memory_format:
    """The memory format to train ``model`` in: channels-last (faster convolutions on CPU and tensor-core GPUs),
    except where the model has a 1x1 convolution with a stride and 2-15 input channels. With torch 2.14.1 on the
    CPU, oneDNN's weight gradient of that convolution in channels-last writes outside its buffers: the heap is
    corrupted ("double free or corruption"), and with two threads its barrier can spin for ever. Measured
    2026-12-02 with ``Conv2d(4, 8, 1, 2)`` and again 2026-12-08 over 1-48 input channels on 12 images of 64 and
    128 px (`Conv2d(c, 16, 1, 2)`): 2-15 channels crash from 48 px up, 1 and 16 or more never; the 3x3 and 4x4
    convolutions are fine. Only small test-sized models have one (a classifier of widths 8, 8, 16, 16 crashed at
    96 and 128 px); the shipped widths do not."""
    for module in model.modules():
        if (isinstance(module, torch.nn.Conv2d) and module.kernel_size == (1, 1) and module.stride != (1, 1)
                and 1 < module.in_channels < 16):
            return torch.contiguous_format
    return torch.channels_last


def set_threads(threads: int | None) -> None:
    torch.set_num_threads(threads or os.cpu_count() or 1)
