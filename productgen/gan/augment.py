"""Differentiable augmentation (Zhao et al. 2020) applied with an adaptive probability (Karras et al. 2020).

The discriminator sees real and generated images through the same random
colour, translation and cutout changes, so it cannot memorise a small set of
photos; gradients flow through the changes to the generator. Each change is
applied to each image with probability ``p``; :class:`AdaptiveProbability` raises
``p`` while the discriminator is overconfident on real images.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F


def _where(mask: torch.Tensor, changed: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    return torch.where(mask[:, None, None, None], changed, original)


def _colour(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    n = len(x)
    shape = (n, 1, 1, 1)
    brightness = x + (torch.rand(shape, device=x.device, dtype=x.dtype) - 0.5)
    mean = brightness.mean(dim=1, keepdim=True)
    saturation = (brightness - mean) * (torch.rand(shape, device=x.device, dtype=x.dtype) * 2) + mean
    mean = saturation.mean(dim=(1, 2, 3), keepdim=True)
    contrast = (saturation - mean) * (torch.rand(shape, device=x.device, dtype=x.dtype) + 0.5) + mean
    return _where(mask, contrast, x)


def _translate(x: torch.Tensor, mask: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    shift = torch.randint(-int(h * ratio), int(h * ratio) + 1, (n, 2), device=x.device)
    shift = shift * mask[:, None]
    # Pad with white (1.0 in [-1, 1]) so the background stays the background.
    padded = F.pad(x, (1, 1, 1, 1), value=1.0)
    rows = (torch.arange(h, device=x.device)[None, :] + shift[:, :1] + 1).clamp(0, h + 1)
    cols = (torch.arange(w, device=x.device)[None, :] + shift[:, 1:] + 1).clamp(0, w + 1)
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def _cutout(x: torch.Tensor, mask: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h - ch + 1, (n, 1, 1), device=x.device)
    left = torch.randint(0, w - cw + 1, (n, 1, 1), device=x.device)
    rows = torch.arange(h, device=x.device)[None, :, None]
    cols = torch.arange(w, device=x.device)[None, None, :]
    hole = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw) & mask[:, None, None]
    return x * (~hole).unsqueeze(1).to(x.dtype)


def diff_augment(x: torch.Tensor, p: float) -> torch.Tensor:
    """Colour, translation and cutout, each applied to each image with probability ``p``."""
    if p <= 0:
        return x
    for change in (_colour, _translate, _cutout):
        mask = torch.rand(len(x), device=x.device) < p
        x = change(x, mask)
    return x


class AdaptiveProbability:
    """Raise ``p`` when sign(D(real)) averages above ``target`` (overfitting), lower it otherwise."""

    def __init__(self, p: float = 0.0, target: float = 0.6, images_to_full: int = 100_000, maximum: float = 0.8):
        self.p, self.target, self.images_to_full, self.maximum = p, target, images_to_full, maximum
        self._signs, self._count = 0.0, 0

    def observe(self, real_scores: torch.Tensor) -> None:
        self._signs += real_scores.detach().float().sign().sum().item()
        self._count += len(real_scores)

    def update(self) -> float:
        """Adjust ``p`` by what was observed since the last update; returns the new ``p``."""
        if self._count:
            overfit = self._signs / self._count
            step = self._count / self.images_to_full
            self.p = min(self.maximum, max(0.0, self.p + step * (1 if overfit > self.target else -1)))
        self._signs, self._count = 0.0, 0
        return self.p
