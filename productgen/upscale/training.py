"""Training and measuring the x4 upscaler (``upscale.upscaler``) on real phone photos.

Pairs are made on the fly: a sharp patch of a real photo is the target; the input is that patch made small the
ways a small image is made in the wild (see ``patches.degrade``). The loop reads top to bottom: L1 alone for the first
``l1_steps`` steps (the network learns to be faithful), then L1 + a feature loss in our own classifier's early
layers + an adversarial loss from a small patch discriminator (the network learns to draw detail instead of
averaging it away). The model written is an exponential moving average of the weights (steadier than the
last step). Every few minutes the model folder and the resumable state are written atomically, so a killed
run resumes from its last complete checkpoint.
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from productgen.store import weights as weights_io
from productgen.train.runbook import STATE_NAME, RunBook, RunOptions, check_finite, resume_state, update_ema
from productgen.upscale.patches import PATCH_SIDE, detail, make_batch
from productgen.upscale.upscaler import UpscaleConfig, UpscaleNet, save_upscaler


@dataclass
class UpscaleTrainOptions(RunOptions):
    batch_size: int = 16
    side: int = 128  # target patches are side x side; inputs side / 4
    lr: float = 4e-4
    gan_lr: float = 1e-4
    l1_steps: int = 6000  # L1 alone first; then the feature and adversarial losses join
    feature_weight: float = 1.0
    adversarial_weight: float = 0.05
    texture_weight: float = 0.0  # local high-frequency energy matched to the target's (``texture_loss``)
    grid_weight: float = 0.0  # a fixed 4-px stamp in the output (``grid_loss``)
    phase_weight: float = 0.0  # fine detail that depends on the position in a 4x4 block (``phase_loss``)
    ema: float = 0.999
    log_every: int = 50

    def __post_init__(self):
        super().__post_init__()
        if self.side % 16 or not 32 <= self.side <= PATCH_SIDE:
            raise ValueError(f"side must be a multiple of 16 in 32..{PATCH_SIDE}, got {self.side}")
        for name in ("feature_weight", "adversarial_weight", "texture_weight", "grid_weight", "phase_weight"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise ValueError(f"{name} must be zero or more")


# -- data ---------------------------------------------------------------------------------------------------

class PatchDiscriminator(nn.Module):
    """Real or upscaled, judged per patch of about 30 px (spectral norm keeps it from running away)."""

    def __init__(self, width: int = 32):
        super().__init__()
        sn = nn.utils.spectral_norm
        self.net = nn.Sequential(
            sn(nn.Conv2d(3, width, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(width, width * 2, 4, 2, 1)), nn.LeakyReLU(0.2),
            sn(nn.Conv2d(width * 2, width * 4, 3, 1, 1)), nn.LeakyReLU(0.2),
            nn.Conv2d(width * 4, 1, 3, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images * 2 - 1)


class FeatureLoss(nn.Module):
    """L1 distance in the early layers (stem and first stage: edges, textures) of our own product classifier,
    frozen; no downloaded VGG."""

    def __init__(self, classifier: str | Path = "classifier"):
        super().__init__()
        from productgen.recognise.network import load_classifier

        model = load_classifier(classifier)
        self.mean, self.std = model.mean, model.std
        self.stem, self.stage = model.stem, model.stages[0]
        for parameter in self.parameters():
            parameter.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):  # always frozen, batch-norm statistics included
        return super().train(False)

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        both = (torch.cat([output, target]) - self.mean) / self.std
        first = self.stem(both)
        second = self.stage(first)
        loss = 0.0
        for features in (first, second):
            mine, theirs = features.chunk(2)
            loss = loss + F.l1_loss(mine, theirs)
        return loss


_LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
_LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)


def _gaussian(sigma: float, radius: int) -> torch.Tensor:
    """A (1, 1, 2r+1, 2r+1) Gaussian kernel that sums to 1."""
    taps = torch.exp(-torch.arange(-radius, radius + 1.0) ** 2 / (2 * sigma ** 2))
    return (torch.outer(taps, taps) / taps.sum() ** 2)[None, None]


_SOFTEN = _gaussian(0.7, 2)


def texture_energy(images: torch.Tensor, window: int = 8) -> torch.Tensor:
    """Local detail: the RMS of the Laplacian of the luma, softened first (Gaussian, sigma 0.7 px), over
    ``window`` x ``window`` cells, in 0..255 units. The softening leaves fabric, grain and print (periods of 3
    px and more) and takes the one-pixel checker away, which a small network can otherwise paint everywhere to
    look detailed (it did, in a first run without it)."""
    luma = (images * _LUMA.to(images)).sum(1, keepdim=True) * 255
    detail = F.conv2d(F.conv2d(luma, _SOFTEN.to(images)), _LAPLACIAN.to(images))
    return (F.avg_pool2d(detail ** 2, window) + 1e-3).sqrt()


def texture_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """How far the output's local detail is from the target's, cell by cell, whatever its phase (a texture
    loss in the spirit of EnhanceNet's): L1 alone averages fabric, grain and print away where their exact
    placement cannot be known from the small input; this asks for as much detail, in the same places.
    Scaled so that a cell of plain colour where the target has ordinary fabric costs about as much as L1."""
    return F.l1_loss(texture_energy(output), texture_energy(target)) / 255


def grid_peaks(output: torch.Tensor, period: int = 4, window: bool = False) -> torch.Tensor:
    """(N, period² - 1): for each image, the power of the luma's spectrum at the frequencies of a fixed
    ``period``-px stamp (multiples of 1 / ``period`` cycles per px, the mean left out) against the mean power
    around each. A pixel-shuffle network can paint the same 4x4 pattern into every block, which looks detailed
    to a texture measure and to the eye is a screen-door grid; real photos, JPEG blocks included, sit near 2.

    With ``window`` the luma is tapered to its edges first (a Hann window) and a peak is compared with the ring
    two bins away (the window spreads a peak over its 8 neighbours): the plain FFT joins the image's top to its
    bottom, and a network trained against it painted a dotted band along the top edge of a product on white to
    cancel the seam's power at the stamp's frequencies."""
    luma = (output * _LUMA.to(output)).sum(1)
    luma = luma - luma.mean((1, 2), keepdim=True)
    height, width = luma.shape[-2:]
    if window:
        luma = luma * (torch.hann_window(height, periodic=False).to(luma)[:, None]
                       * torch.hann_window(width, periodic=False).to(luma)[None, :])
    power = torch.fft.fft2(luma).abs() ** 2  # (N, H, W)
    padded = F.pad(power[:, None], (2, 2, 2, 2), mode="circular")
    if window:
        inner = F.avg_pool2d(padded[:, :, 1:-1, 1:-1], 3, 1)[:, 0] * 9
        around = (F.avg_pool2d(padded, 5, 1)[:, 0] * 25 - inner) / 16  # the ring two bins away
    else:
        around = (F.avg_pool2d(padded, 5, 1)[:, 0] * 25 - power) / 24  # the 24 neighbours, not the peak itself
    rows = torch.arange(0, height, height // period)
    cols = torch.arange(0, width, width // period)
    peaks = power[:, rows][:, :, cols] / (around[:, rows][:, :, cols] + 1e-3)
    return peaks.flatten(1)[:, 1:]  # not the mean (0, 0)


def grid_loss(output: torch.Tensor, allowed: float = 2.5) -> torch.Tensor:
    """How much of a fixed 4 px stamp the output carries (``grid_peaks``, windowed so the image's edges do not
    meet): ratios above ``allowed`` cost their log."""
    return F.relu(torch.log(grid_peaks(output, window=True) + 1e-6) - math.log(allowed)).mean()


_BLUR = _gaussian(1.5, 4)


def block_phase(images: torch.Tensor, period: int = 4) -> torch.Tensor:
    """(N,): ``block_phase_strength`` in torch: how unevenly the fine detail (|luma - its 1.5 px Gaussian blur|)
    falls on the ``period`` x ``period`` positions of a block, their spread over their mean."""
    luma = (images * _LUMA.to(images)).sum(1, keepdim=True)
    fine = (luma - F.conv2d(F.pad(luma, (4, 4, 4, 4), mode="reflect"), _BLUR.to(images))).abs()[:, 0]
    count, height, width = fine.shape
    height, width = height - height % period, width - width % period
    cells = fine[:, :height, :width].reshape(count, height // period, period, width // period, period).mean((1, 3))
    cells = cells.flatten(1)
    return cells.std(1) / (cells.mean(1) + 1e-4)


def phase_loss(output: torch.Tensor, target: torch.Tensor, slack: float = 0.03) -> torch.Tensor:
    """Fine detail that depends on where a pixel sits in the pixel shuffle's 4x4 block more than it does in the
    target (``block_phase``, ``slack`` allowed): the faint dot screen that follows the content, which the
    spectral ``grid_loss`` does not see."""
    return F.relu(block_phase(output) - block_phase(target).detach() - slack).mean()


def _one_image(image: np.ndarray) -> torch.Tensor:
    """A uint8 RGB image as a (1, 3, H, W) tensor in 0..1."""
    return torch.from_numpy(np.array(image)).permute(2, 0, 1)[None].float() / 255


def grid_strength(image: np.ndarray) -> float:
    """The mean of ``grid_peaks`` for one uint8 RGB image (about 2 for a photo; a screen-door grid, 10 and
    more)."""
    return float(grid_peaks(_one_image(image)).mean())


def block_phase_strength(image: np.ndarray) -> float:
    """``block_phase`` of one uint8 RGB image: how unevenly the fine detail falls on the 16 positions of the pixel
    shuffle's 4x4 blocks. A photo and Lanczos sit near 0.05; a dot screen whose dots follow the content (dark on
    light, light on dark) scores 0.4 and more, where ``grid_strength`` misses it: the content spreads the stamp's
    peaks into bands. (Found when a loss asked for 75% of the targets' Laplacian variance: the network drew such a
    screen, "659% detail", grid 2.1.)"""
    return float(block_phase(_one_image(image)))


# -- the loop -----------------------------------------------------------------------------------------------

def train_upscaler(patches: np.ndarray, out_dir: str | Path, options: UpscaleTrainOptions,
                   config: UpscaleConfig | None = None, resume: bool = False, info: dict | None = None,
                   classifier: str | Path = "classifier", progress=None, should_stop=None,
                   init: UpscaleNet | None = None) -> UpscaleNet:
    """Train (or with ``resume``, continue) an upscaler into ``out_dir`` on uint8 ``patches``; returns the
    averaged model. A new run may start from the weights of ``init`` (a trained upscaler; its discriminator
    starts afresh)."""
    out_dir = Path(out_dir)
    weights_io.prepare_new_run(out_dir, resume)  # never a new run over a model; no orphans of a killed one
    state_path = out_dir / STATE_NAME
    config = config or UpscaleConfig()
    step, seconds = 0, 0.0
    state = resume_state(out_dir, resume)
    if state is not None:
        config = UpscaleConfig.from_dict(state["config"])
    if init is not None and state is None:
        config = init.config
    model = UpscaleNet(config)
    if init is not None and state is None:
        model.load_state_dict(init.state_dict())
    discriminator = PatchDiscriminator()
    optimizer = torch.optim.Adam(model.parameters(), options.lr, betas=(0.9, 0.99))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), options.gan_lr, betas=(0.9, 0.99))
    if state is not None:
        model.load_state_dict(state["model"])
        discriminator.load_state_dict(state["discriminator"])
        optimizer.load_state_dict(state["optimizer"])
        d_optimizer.load_state_dict(state["d_optimizer"])
        step, seconds = state["step"], state["seconds"]
    average = copy.deepcopy(model).eval()
    if state is not None:
        average.load_state_dict(state["average"])
    for parameter in average.parameters():
        parameter.requires_grad_(False)
    features = None
    info = {**(info or {}), "options": asdict(options), "patches": len(patches)}
    rng = np.random.default_rng([options.seed, step])

    def checkpoint():
        save_upscaler(average, out_dir, {**info, "step": step, "seconds": round(book.seconds())})
        weights_io.save_state(state_path, {
            "model": model.state_dict(), "average": average.state_dict(),
            "discriminator": discriminator.state_dict(), "optimizer": optimizer.state_dict(),
            "d_optimizer": d_optimizer.state_dict(), "config": asdict(config), "step": step,
            "seconds": book.seconds()})

    book = RunBook(out_dir, options, step, seconds, checkpoint, progress, should_stop)
    model.train()
    while not book.spent(step):
        inputs, targets = make_batch(rng, patches, options.batch_size, options.side, config.scale)
        gan = step >= options.l1_steps and (options.adversarial_weight > 0 or options.feature_weight > 0
                                            or options.texture_weight > 0 or options.grid_weight > 0
                                            or options.phase_weight > 0)
        for group in optimizer.param_groups:  # warm-up; the GAN phase runs at its own, lower rate
            group["lr"] = options.gan_lr if gan else options.lr * min(1.0, (step + 1) / 500)
        output = model(inputs)
        l1 = F.l1_loss(output, targets)
        record = {"step": step + 1, "l1": l1.item()}
        loss = l1
        if gan:
            if features is None and options.feature_weight > 0:
                features = FeatureLoss(classifier)
            if features is not None:
                feature = features(output, targets)
                loss = loss + options.feature_weight * feature
                record["feature"] = feature.item()
            for name, weight, term, given in (("texture", options.texture_weight, texture_loss, (output, targets)),
                                              ("grid", options.grid_weight, grid_loss, (output,)),
                                              ("phase", options.phase_weight, phase_loss, (output, targets))):
                if weight > 0:
                    value = term(*given)
                    loss = loss + weight * value
                    record[name] = value.item()
            if options.adversarial_weight > 0:
                for parameter in discriminator.parameters():
                    parameter.requires_grad_(False)
                adversarial = F.softplus(-discriminator(output)).mean()  # non-saturating generator loss
                loss = loss + options.adversarial_weight * adversarial
                record["adversarial"] = adversarial.item()
        check_finite(loss, f"at step {step}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if gan and options.adversarial_weight > 0:
            for parameter in discriminator.parameters():
                parameter.requires_grad_(True)
            d_loss = F.softplus(-discriminator(targets)).mean() + F.softplus(discriminator(output.detach())).mean()
            d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optimizer.step()
            record["discriminator"] = d_loss.item()
        update_ema(average, model, step, options.ema)
        step += 1
        book.after_step(step, {key: round(value, 5) if isinstance(value, float) else value
                               for key, value in record.items()})
    book.finish(step)
    return average


# -- measuring ----------------------------------------------------------------------------------------------

def psnr(output: np.ndarray, target: np.ndarray) -> float:
    error = np.mean((output.astype(np.float64) - target.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(error, 1e-10)))


def ssim(output: np.ndarray, target: np.ndarray) -> float:
    """Mean SSIM of the luma (Wang et al. 2004, 11 px Gaussian window, sigma 1.5)."""
    def luma(image):
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float64)

    x, y = luma(output), luma(target)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image):
        return cv2.GaussianBlur(image, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    value = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(value[5:-5, 5:-5].mean())


def detail_kept(output: np.ndarray, target: np.ndarray) -> float:
    """High-frequency detail kept: the Laplacian variance of ``output`` as a share of ``target``'s."""
    return detail(output) / max(detail(target), 1e-6)
