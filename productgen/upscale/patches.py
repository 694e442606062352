"""Training pairs for the upscaler: detailed patches of real phone photos, and the low-resolution versions a phone
or a web page would give (blur, resize, noise, JPEG)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

PATCH_SIDE = 160  # stored patch; training crops ``options.side`` from it


def detail(patch: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY), cv2.CV_32F).var())


def photo_patches(pixels: np.ndarray, rng: np.random.Generator, count: int, side: int = PATCH_SIDE) -> list:
    """``count`` patches of one photo: at its own scale or shrunk up to 2x (area resampling keeps it sharp),
    the most detailed of three tries each (plain walls teach nothing)."""
    patches = []
    for _ in range(count):
        factor = rng.uniform(0.5, 1.0) if rng.random() < 0.5 else 1.0
        image = pixels
        if factor < 1.0:
            image = cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        if min(image.shape[:2]) >= side:
            patches.append(detailed_crop(image, rng, side))
    return patches


def detailed_crop(pixels: np.ndarray, rng: np.random.Generator, side: int, tries: int = 3) -> np.ndarray:
    """The most detailed (Laplacian variance) of ``tries`` random ``side`` x ``side`` crops of ``pixels``."""
    height, width = pixels.shape[:2]
    crops = []
    for _ in range(tries):
        top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
        crops.append(pixels[top:top + side, left:left + side])
    return max(crops, key=detail).copy()


def load_patches(folder: str | Path, files: list[str], per_photo: int = 4, seed: int = 0) -> np.ndarray:
    """uint8 ``(N, PATCH_SIDE, PATCH_SIDE, 3)`` patches of real photos, read at their full size."""
    rng = np.random.default_rng(seed)
    patches = []
    for name in files:
        pixels = cv2.cvtColor(cv2.imread(str(Path(folder) / name), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        patches += photo_patches(pixels, rng, per_photo)
    if not patches:
        raise ValueError(f"no photos of at least {PATCH_SIDE} px in {folder}")
    return np.stack(patches)


INTERPOLATIONS = (cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_LANCZOS4)


def degrade(rng: np.random.Generator, target: np.ndarray, scale: int = 4) -> np.ndarray:
    """One uint8 ``(S, S, 3)`` target made small the ways small images come to us: an optional lens or
    motion-like blur, a shrink by one of four kernels (sometimes in two steps), camera noise, JPEG. Some
    pairs get none of it but the shrink (our generator's output and clean thumbnails look like that)."""
    side = target.shape[0] // scale
    image = target
    if rng.random() < 0.5:
        sx = rng.uniform(0.3, 1.6)
        sy = sx if rng.random() < 0.7 else rng.uniform(0.3, 1.6)
        image = cv2.GaussianBlur(image, (0, 0), sigmaX=sx, sigmaY=sy)
    if rng.random() < 0.2:
        middle = target.shape[0] // 2
        image = cv2.resize(image, (middle, middle), interpolation=INTERPOLATIONS[rng.integers(4)])
    image = cv2.resize(image, (side, side), interpolation=INTERPOLATIONS[rng.integers(4)])
    image = image.astype(np.float32)
    if rng.random() < 0.35:
        sigma = rng.uniform(1, 10)
        noise = rng.normal(0, sigma, image.shape[:2] + ((1,) if rng.random() < 0.4 else (3,)))
        image = image + noise
    image = np.clip(image, 0, 255).round().astype(np.uint8)
    if rng.random() < 0.4:
        quality = int(rng.integers(40, 96))
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        image = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
    return image


def make_batch(rng: np.random.Generator, patches: np.ndarray, size: int, side: int,
               scale: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs ``(B, 3, side/4, side/4)``, targets ``(B, 3, side, side)``) in [0, 1]."""
    targets, inputs = [], []
    for index in rng.integers(0, len(patches), size):
        top, left = rng.integers(0, patches.shape[1] - side + 1, 2)
        target = patches[index, top:top + side, left:left + side]
        target = np.rot90(target, rng.integers(4))
        if rng.random() < 0.5:
            target = target[:, ::-1]
        target = np.ascontiguousarray(target)
        targets.append(target)
        inputs.append(degrade(rng, target, scale))

    def tensor(images):
        return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div_(255)

    return tensor(inputs), tensor(targets)


# -- losses -------------------------------------------------------------------------------------------------
