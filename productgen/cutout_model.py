"""The product cut-out model: a photo in, the product's alpha mask out, at the photo's own size.

A small U-Net with a depthwise-separable encoder looks at the photo at ``CutoutConfig.input_side`` px (about
320) and predicts a soft mask; a fast guided filter (He & Sun 2015) lifts that mask to full resolution along
the photo's own edges, so thin straps and outlines stay sharp. Trained by us from scratch on composites
(see ``cutout_data`` and ``cutout_training``); no downloaded backbone.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import weights as weights_io
from .imageio import as_pixels

KIND = "cutout"
REFINE_SIDE = 4096
# the soft edge is kept only between these probabilities: below EDGE_LOW is surface, above EDGE_HIGH product. The
# network's faint halo (0.1-0.3 around a top on a bedspread) otherwise came out as a ghost of the bedspread on
# white; the 0.5 outline, and so IoU and boundary F, are unchanged
EDGE_LOW, EDGE_HIGH = 0.3, 0.7
# a soft edge is an edge: faint probability further than this from the product (px of the network's map) is a
# ghost of the surface (a blot of bedspread beside a white top) and is dropped before the edge is refined
EDGE_REACH = 2


@dataclass
class CutoutConfig:
    widths: tuple[int, ...] = (16, 32, 56, 112, 192)  # channels at strides 2, 4, 8, 16, 32
    decoder_width: int = 40
    input_side: int = 320  # the longer side the network sees; the shorter keeps the aspect (multiple of 32)
    version: int = 1

    def __post_init__(self):
        self.widths = tuple(int(w) for w in self.widths)
        if len(self.widths) != 5 or min(self.widths) < 4:
            raise ValueError(f"widths must be 5 channel counts of at least 4, got {self.widths}")
        if self.input_side % 32 or not 64 <= self.input_side <= 1024:
            raise ValueError(f"input_side must be a multiple of 32 in 64..1024, got {self.input_side}")

    @classmethod
    def from_dict(cls, values: dict) -> "CutoutConfig":
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})


def conv_bn(c_in: int, c_out: int, kernel: int = 1, stride: int = 1, groups: int = 1, dilation: int = 1):
    padding = dilation * (kernel // 2)
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class SeparableBlock(nn.Module):
    """Depthwise 3x3 then pointwise 1x1 (MobileNet); a residual connection when the shape allows."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.depthwise = conv_bn(c_in, c_in, 3, stride, groups=c_in, dilation=dilation)
        self.pointwise = conv_bn(c_in, c_out)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pointwise(self.depthwise(x))
        return x + y if self.residual else y


class CutoutNet(nn.Module):
    """U-Net: encoder at strides 2-32, a global-context bottleneck, a decoder back to stride 2."""

    def __init__(self, config: CutoutConfig):
        super().__init__()
        self.config = config
        w = config.widths
        self.stem = conv_bn(3, w[0], 3, 2)
        self.down = nn.ModuleList([
            nn.Sequential(SeparableBlock(w[i], w[i + 1], stride=2), SeparableBlock(w[i + 1], w[i + 1]))
            for i in range(4)])
        self.context = nn.Sequential(SeparableBlock(w[4], w[4], dilation=2), SeparableBlock(w[4], w[4], dilation=4))
        self.global_gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(w[4], w[4], 1), nn.Sigmoid())
        d = config.decoder_width
        self.lateral = nn.ModuleList([conv_bn(c, d) for c in w[:4]])
        self.top = conv_bn(w[4], d)
        self.up = nn.ModuleList([SeparableBlock(d, d) for _ in range(4)])
        self.head = nn.Conv2d(d, 1, 3, padding=1)
        self.side_heads = nn.ModuleList([nn.Conv2d(d, 1, 1) for _ in range(2)])  # deep supervision at /16, /8

    def forward(self, images: torch.Tensor, side_outputs: bool = False):
        """``images`` (N, 3, H, W) in -1..1, H and W multiples of 32 -> mask logits (N, 1, H/2, W/2)."""
        skips = [self.stem(images)]
        for block in self.down:
            skips.append(block(skips[-1]))
        x = self.context(skips[-1])
        x = self.top(x * self.global_gate(x))
        sides = []
        for level in (3, 2, 1, 0):
            x = F.interpolate(x, size=skips[level].shape[-2:], mode="bilinear", align_corners=False)
            x = self.up[3 - level](x + self.lateral[level](skips[level]))
            if side_outputs and level in (3, 2):
                sides.append(self.side_heads[3 - level](x))
        logits = self.head(x)
        return (logits, sides) if side_outputs else logits


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# -- weights ------------------------------------------------------------------------------------------------

def save_cutout(model: CutoutNet, out_dir: str | Path, info: dict) -> None:
    weights_io.save_model(out_dir, KIND, model.state_dict(), asdict(model.config), info)


def load_cutout(name_or_path: str | Path = "cutout") -> CutoutNet:
    return weights_io.load_network(name_or_path, KIND, CutoutConfig, CutoutNet)


@lru_cache(maxsize=None)
def cached_cutout(name: str = "cutout") -> CutoutNet:
    """The shipped (or named) cut-out model, loaded once per process (read-only afterwards)."""
    return load_cutout(name)


# -- inference ----------------------------------------------------------------------------------------------

@dataclass
class Mask:
    """A product mask at the photo's size and how sure the model is of it."""

    alpha: np.ndarray  # float32 (H, W), 1 = product
    confidence: float  # 0..1: the share of the product's outline the model is sure of
    objects: int  # separate pieces of product larger than 2% of the largest
    touches_border: float  # share of the photo's border covered by product
    notes: list[str] = field(default_factory=list)
    surface_kept: float = 0.0  # largest kept patch that looks like the surface, as a share of the product

    @property
    def product(self) -> np.ndarray:
        """Bool (H, W): True on the product."""
        return self.alpha >= 0.5


def network_input(pixels: np.ndarray, side: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """The photo resized so its longer side is ``side`` and padded (edge) to multiples of 32."""
    height, width = pixels.shape[:2]
    scale = side / max(height, width)
    size = (max(32, round(width * scale)), max(32, round(height * scale)))
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    pad_h, pad_w = -size[1] % 32, -size[0] % 32
    small = cv2.copyMakeBorder(small, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
    tensor = torch.from_numpy(small).permute(2, 0, 1).float().div(127.5).sub(1.0)[None]
    return tensor.contiguous(memory_format=torch.channels_last), (size[1], size[0])


@torch.inference_mode()
def predict_small(model: CutoutNet, pixels: np.ndarray) -> np.ndarray:
    """Mask probabilities at the network's resolution (the photo's aspect, longer side ``input_side``): the
    mean of the network's answers for the photo and its mirror image (on 150 held-out composites, IoU 0.937 ->
    0.941 and boundary F 0.931 -> 0.940, for a second pass of ~40 ms; a third at 384 px added 0.001)."""
    tensor, (height, width) = network_input(pixels, model.config.input_side)
    device = next(model.parameters()).device
    both = model(torch.cat([tensor, tensor.flip(3)]).contiguous(memory_format=torch.channels_last).to(device))
    logits = (both[:1] + both[1:].flip(3)) / 2
    logits = F.interpolate(logits, scale_factor=2, mode="bilinear", align_corners=False)
    return torch.sigmoid(logits[0, 0, :height, :width]).float().cpu().numpy()


def guided_upsample(guide: np.ndarray, mask: np.ndarray, radius: int | None = None, eps: float = 1e-3,
                    guide_side: int = 640) -> np.ndarray:
    """Fast guided filter: fit ``mask ≈ a·gray + b`` in local windows on a ``guide_side`` px copy of the
    photo, then apply the smoothed a and b at full resolution, so the mask follows the photo's edges. The
    window (``radius``, in the copy's pixels) is two of the coarse mask's pixels by default."""
    height, width = guide.shape[:2]
    gray = cv2.cvtColor(guide, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    scale = min(1.0, guide_side / max(height, width))
    low_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    gray_low = cv2.resize(gray, low_size, interpolation=cv2.INTER_AREA)
    mask_low = cv2.resize(mask.astype(np.float32), low_size, interpolation=cv2.INTER_LINEAR)
    if radius is None:
        radius = max(2, round(2 * max(low_size) / max(mask.shape)))

    def box(x):
        return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1))

    mean_i, mean_p = box(gray_low), box(mask_low)
    var_i = box(gray_low * gray_low) - mean_i * mean_i
    cov_ip = box(gray_low * mask_low) - mean_i * mean_p
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    a, b = box(a), box(b)
    if low_size != (width, height):
        a = cv2.resize(a, (width, height), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(a * gray + b, 0.0, 1.0)


def describe(probability: np.ndarray) -> tuple[float, int, float]:
    """(confidence, object count, border share) of a low-resolution mask probability map."""
    product = probability >= 0.5
    area = int(product.sum())
    if area == 0:
        return 0.0, 0, 0.0
    edge = cv2.morphologyEx(product.view(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    band = cv2.dilate(edge.view(np.uint8), np.ones((5, 5), np.uint8)) > 0
    unsure = (probability > 0.15) & (probability < 0.85)
    # sure = the only unsure pixels lie in the thin band along the outline; a blotchy or faint mask is not
    confidence = float(np.clip(1.0 - (unsure & ~band).sum() / area, 0.0, 1.0))
    count, _, stats, _ = cv2.connectedComponentsWithStats(product.view(np.uint8), connectivity=8)
    sizes = stats[1:, cv2.CC_STAT_AREA]
    objects = int((sizes >= 0.02 * sizes.max()).sum()) if len(sizes) else 0
    border = np.concatenate([product[0], product[-1], product[:, 0], product[:, -1]])
    return confidence, objects, float(border.mean())


SURFACE_KEPT_DOUBT = 0.02  # a kept patch this large (share of the product) that looks like the surface is a doubt
SURFACE_COLOUR_RATIO = 2.5  # a colour this many times more common on the surface than in the core looks like surface
# a surface-like patch the network itself is unsure of (probability under UNSURE_BELOW) counts this many times its
# area: a blot of floor the network half-kept at the outline is a doubt from 0.5% of the product
UNSURE_BELOW, UNSURE_WEIGHT = 0.9, 4.0


def surface_kept(pixels: np.ndarray, probability: np.ndarray) -> float:
    """The largest patch the mask keeps that looks like the surface rather than the product, as a share of the
    product's area: the floor between trouser legs, a strip of bedspread above a collar, a hand, a blot of
    floor beside a sleeve.

    Colours (CIELAB, 8x8x8 bins) are counted on the sure background and on the product's core (the product
    eroded by an eighth of its size); a kept pixel whose colour is SURFACE_COLOUR_RATIO times more
    common on the background than in the core is surface-like. Two kinds of patch count: one opened by 5x5
    (specks such as highlights and shadow go) that reaches the rim, so a shiny shoe's scattered reflections or a
    print inside a shirt do not add up to a doubt; and one opened by 3x3 where the network's own probability is
    under UNSURE_BELOW, weighted by UNSURE_WEIGHT. The thresholds were set by eye on 48-photo samples of held-out
    real photos (seeds 0-4 of ``bench/cutout_sheet.py``; the ratio, 4 before, on seeds 0 and 1: at 2.5 it finds
    the floor between trouser legs that a patch this large had made part of the core's colours; the unsure
    patches on seeds 0-4: blots of floor, carpet and bedspread at the outline that passed before)."""
    height, width = probability.shape
    small = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB) // 32
    bins = lab[..., 0].astype(np.int32) * 64 + lab[..., 1] * 8 + lab[..., 2]
    product, background = probability >= 0.5, probability < 0.1
    area = int(product.sum())
    side = max(3, int(np.sqrt(area)) // 8)
    core = cv2.erode(product.view(np.uint8), np.ones((side, side), np.uint8)) > 0
    if core.sum() < 50 or background.sum() < 50:
        return 0.0
    on_background = np.bincount(bins[background], minlength=512) + 1.0
    in_core = np.bincount(bins[core], minlength=512) + 1.0
    ratio = (on_background / on_background.sum()) / (in_core / in_core.sum())
    surface = product & (ratio[bins] > SURFACE_COLOUR_RATIO)
    opened = cv2.morphologyEx(surface.view(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    # a patch counts when it reaches the rim: the floor between trouser legs runs in from the outline (and, if
    # large, into the core, whose colours it then shares), while a print inside a shirt does not
    reaching = np.unique(labels[product & ~core])
    sizes = [stats[label, cv2.CC_STAT_AREA] for label in reaching if label > 0] + [0]
    unsure = (surface & (probability < UNSURE_BELOW)).view(np.uint8)
    unsure = cv2.morphologyEx(unsure, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, _, unsure_stats, _ = cv2.connectedComponentsWithStats(unsure, connectivity=8)
    sizes += [UNSURE_WEIGHT * size for size in unsure_stats[1:, cv2.CC_STAT_AREA]]
    return float(max(sizes) / area)


def drop_ghosts(probability: np.ndarray) -> np.ndarray:
    """``probability`` with faint values further than EDGE_REACH px from the product (>= 0.5) set to 0: what the
    network half-believes away from the outline is surface, not a soft edge."""
    solid = (probability >= 0.5).view(np.uint8)
    near = cv2.dilate(solid, np.ones((2 * EDGE_REACH + 1,) * 2, np.uint8)) > 0
    return np.where(near, probability, 0.0).astype(probability.dtype)


def cutout(image, model: CutoutNet | None = None, refine: bool = True) -> Mask:
    """The product's mask for ``image`` (PIL image or RGB uint8 array), at the image's own size."""
    model = model or cached_cutout()
    pixels = as_pixels(image)
    height, width = pixels.shape[:2]
    # edges are refined on at most REFINE_SIDE px (far beyond any listing's size), then scaled up
    scale = min(1.0, REFINE_SIDE / max(height, width))
    guide = pixels if scale == 1.0 else cv2.resize(
        pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    small = predict_small(model, guide)
    confidence, objects, border = describe(small)
    small = drop_ghosts(small)
    alpha = guided_upsample(guide, small) if refine else small
    if alpha.shape != (height, width):
        alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
    alpha = np.clip((alpha - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW), 0.0, 1.0)
    notes = []
    if objects > 1:
        notes.append(f"{objects} separate objects found")
    if border > 0.05:
        notes.append("the product touches the photo's edge (it may be cut off)")
    kept = surface_kept(guide, small) if (small >= 0.5).any() else 0.0
    if kept >= SURFACE_KEPT_DOUBT:
        notes.append("part of the surface around the product may be kept")
    if not (small >= 0.5).any():
        notes.append("no product found")
    return Mask(alpha.astype(np.float32), confidence, objects, border, notes, kept)


def rgba(image, mask: Mask):
    """The photo with ``mask`` as its alpha channel (an RGBA PIL image, the photo's size)."""
    from PIL import Image

    alpha = np.rint(np.clip(mask.alpha, 0, 1) * 255).astype(np.uint8)
    return Image.fromarray(np.dstack([as_pixels(image), alpha]), "RGBA")
