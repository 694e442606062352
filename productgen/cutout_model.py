"""The product cut-out model: a photo in, the product's alpha mask out, at the photo's own size.

A small U-Net with a depthwise-separable encoder looks at the photo at ``CutoutConfig.input_side`` px (about
320) and predicts a soft mask; a fast guided filter (He & Sun 2015) lifts that mask to full resolution along
the photo's own edges, so thin straps and outlines stay sharp. Trained by us from scratch on composites
(see ``cutout_data`` and ``cutout_training``); no downloaded backbone.

The photo's own colours then correct the network where it is unsure: GrabCut (``colour_cut``) gives back to the
surface what the network half kept of a patterned bedspread, and along the outline (``colour_edge``) a pixel
coloured like the surface next to it and unlike the product is dropped. The verdict (``Mask.notes``) judges the
network's own answer, so a correction never turns a doubt into a pass.
"""
from __future__ import annotations

from copy import deepcopy
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
SURFACE_NOTE = "part of the surface around the product may be kept"
COLOUR_NOTE = "the photo's colours overruled part of the model's cut-out"


@dataclass
class CutoutConfig:
    widths: tuple[int, ...] = (16, 32, 56, 112, 192)  # channels at strides 2, 4, 8, 16, 32
    decoder_width: int = 40
    input_side: int = 320  # the longer side the network sees; the shorter keeps the aspect (multiple of 32)
    extra_blocks: tuple[int, ...] = (0, 0, 0, 0)  # residual blocks added to each encoder stage (strides 4-32)
    version: int = 1

    def __post_init__(self):
        self.widths = tuple(int(w) for w in self.widths)
        self.extra_blocks = tuple(int(n) for n in self.extra_blocks)
        if len(self.widths) != 5 or min(self.widths) < 4:
            raise ValueError(f"widths must be 5 channel counts of at least 4, got {self.widths}")
        if len(self.extra_blocks) != 4 or not all(0 <= n <= 8 for n in self.extra_blocks):
            raise ValueError(f"extra_blocks must be 4 counts of 0-8 (one per encoder stage), got {self.extra_blocks}")
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
            nn.Sequential(SeparableBlock(w[i], w[i + 1], stride=2), SeparableBlock(w[i + 1], w[i + 1]),
                          *(SeparableBlock(w[i + 1], w[i + 1]) for _ in range(config.extra_blocks[i])))
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

    def grown(self, extra_blocks: tuple[int, ...]) -> "CutoutNet":
        """A deeper copy: ``extra_blocks`` more residual blocks at the end of each encoder stage, each starting
        almost as the identity (its last batch norm's scale 0.01), so the grown network starts as this one and
        training gives the new blocks their part."""
        extra = tuple(a + b for a, b in zip(self.config.extra_blocks, extra_blocks, strict=True))
        config = CutoutConfig(**{**asdict(self.config), "extra_blocks": extra})
        grown = CutoutNet(config)
        missing, unexpected = grown.load_state_dict(self.state_dict(), strict=False)
        if unexpected or any(not key.startswith("down.") for key in missing):
            raise ValueError(f"cannot grow this network: {unexpected or missing}")
        for i, stage in enumerate(grown.down):
            for block in list(stage)[2 + self.config.extra_blocks[i]:]:
                nn.init.constant_(block.pointwise[1].weight, 0.01)
        return grown

    def fused(self) -> "CutoutNet":
        """A copy for inference only: each batch norm folded into the convolution before it (the same answer,
        ~10% less time on a CPU); train and save the unfused model."""
        from torch.nn.utils.fusion import fuse_conv_bn_eval

        copy = deepcopy(self).eval()
        for module in copy.modules():
            if isinstance(module, nn.Sequential) and len(module) >= 2 and isinstance(module[0], nn.Conv2d) \
                    and isinstance(module[1], nn.BatchNorm2d):
                module[0], module[1] = fuse_conv_bn_eval(module[0], module[1]), nn.Identity()
        return copy


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# -- weights ------------------------------------------------------------------------------------------------

def save_cutout(model: CutoutNet, out_dir: str | Path, info: dict) -> None:
    weights_io.save_model(out_dir, KIND, model.state_dict(), asdict(model.config), info)


def load_cutout(name_or_path: str | Path = "cutout") -> CutoutNet:
    return weights_io.load_network(name_or_path, KIND, CutoutConfig, CutoutNet)


@lru_cache(maxsize=None)
def cached_cutout(name: str = "cutout") -> CutoutNet:
    """The shipped (or named) cut-out model, loaded once per process for inference (batch norms folded in;
    read-only afterwards)."""
    return load_cutout(name).fused()


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
    cut_by_colour: float = 0.0  # share of the network's product that the colour cut gave back to the surface
    # ``surface_kept`` of the mask after the colour cut (the same when the cut changed nothing): not part of the
    # verdict, which judges the network's own answer; self-training reads it (``cutout_data.pseudo_labels``)
    surface_kept_cleaned: float = 0.0
    # the network's answer at its size, as the verdict judged it (before the colour cut): a merchant's touch-up is
    # applied to it too and the verdict measured again on the result (``productgen.touchup``), so the colour cut
    # vouches for nothing there either
    small: np.ndarray | None = None
    touched: bool = False  # corrected by the merchant's strokes
    # where the kept surface is (bool, ``small``'s size): the patches that made the surface note, shown to the merchant
    doubt: np.ndarray | None = None

    @property
    def product(self) -> np.ndarray:
        """Bool (H, W): True on the product."""
        return self.alpha >= 0.5


def map_pixels(pixels: np.ndarray, side: int) -> np.ndarray:
    """The photo resized so its longer side is ``side`` (the network's view, and its mask's size); a photo
    already that size is returned as it is."""
    height, width = pixels.shape[:2]
    scale = side / max(height, width)
    size = (max(32, round(width * scale)), max(32, round(height * scale)))
    if size == (width, height):
        return pixels
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def at_size(pixels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``pixels`` at the (height, width) of ``shape`` (area resampling); as they are when they have it."""
    if pixels.shape[:2] == tuple(shape[:2]):
        return pixels
    return cv2.resize(pixels, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def network_input(pixels: np.ndarray, side: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """The photo resized so its longer side is ``side`` and padded (edge) to multiples of 32."""
    small = map_pixels(pixels, side)
    size = (small.shape[1], small.shape[0])
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


# a kept patch this large (share of the product) that looks like the surface is a doubt (0.02 before: a patch of
# floor between a sleeve and the body, 1.8% of the product, passed; 0.015 before the model trained on cleaned
# self-training labels, which is surer of what it keeps: a blot of bedspread at a hem, 1.4%, and floor beside a
# hat's pompom, 1.2%, passed, while the clean passes of seeds 0-4 of the real-photo sheet keep at most 1.06%)
SURFACE_KEPT_DOUBT = 0.0115
# the product covering this share of the photo's border may be cut off by the frame (0.05 before: a dress cut off
# by the top of the photo covered 4.8% and passed; products running off the frame on seeds 0-4 covered 2-5%)
BORDER_DOUBT = 0.02
SURFACE_COLOUR_RATIO = 2.5  # a colour this many times more common on the surface than in the core looks like surface
# a surface-like patch the network itself is unsure of (probability under UNSURE_BELOW) counts this many times its
# area: a blot of floor the network half-kept at the outline is a doubt from 0.5% of the product
UNSURE_BELOW, UNSURE_WEIGHT = 0.9, 4.0


def surface_patches(pixels: np.ndarray, probability: np.ndarray) -> tuple[float, np.ndarray]:
    """(share, where): the largest patch the mask keeps that looks like the surface rather than the product, as a
    share of the product's area, and the patches large enough to be a doubt (bool, ``probability``'s size, for the
    merchant to see): the floor between trouser legs, a strip of bedspread above a collar, a hand, a blot of floor
    beside a sleeve.

    Colours (CIELAB, 8x8x8 bins) are counted on the sure background and on the product's core (the product
    eroded by an eighth of its size); a kept pixel whose colour is SURFACE_COLOUR_RATIO times more
    common on the background than in the core is surface-like. Two kinds of patch count: one opened by 5x5
    (specks such as highlights and shadow go) that reaches the rim, so a shiny shoe's scattered reflections or a
    print inside a shirt do not add up to a doubt; and one opened by 3x3 where the network's own probability is
    under UNSURE_BELOW, weighted by UNSURE_WEIGHT. The thresholds were set by eye on 48-photo samples of held-out
    real photos (seeds 0-4 of ``bench/cutout_sheet.py``; the ratio, 4 before, on seeds 0 and 1: at 2.5 it finds
    the floor between trouser legs that a patch this large had made part of the core's colours; the unsure
    patches on seeds 0-4: blots of floor, carpet and bedspread at the outline that passed before)."""
    small = at_size(pixels, probability.shape)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB) // 32
    bins = lab[..., 0].astype(np.int32) * 64 + lab[..., 1] * 8 + lab[..., 2]
    product, background = probability >= 0.5, probability < 0.1
    area = int(product.sum())
    side = max(3, int(np.sqrt(area)) // 8)
    core = cv2.erode(product.view(np.uint8), np.ones((side, side), np.uint8)) > 0
    if core.sum() < 50 or background.sum() < 50:
        return 0.0, np.zeros(probability.shape, bool)
    on_background = np.bincount(bins[background], minlength=512) + 1.0
    in_core = np.bincount(bins[core], minlength=512) + 1.0
    ratio = (on_background / on_background.sum()) / (in_core / in_core.sum())
    surface = product & (ratio[bins] > SURFACE_COLOUR_RATIO)
    opened = cv2.morphologyEx(surface.view(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    # a patch counts when it reaches the rim: the floor between trouser legs runs in from the outline (and, if
    # large, into the core, whose colours it then shares), while a print inside a shirt does not
    reaching = [label for label in np.unique(labels[product & ~core]) if label > 0]
    unsure = (surface & (probability < UNSURE_BELOW)).view(np.uint8)
    unsure = cv2.morphologyEx(unsure, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, unsure_labels, unsure_stats, _ = cv2.connectedComponentsWithStats(unsure, connectivity=8)
    shares = [stats[label, cv2.CC_STAT_AREA] / area for label in reaching]
    unsure_shares = UNSURE_WEIGHT * unsure_stats[1:, cv2.CC_STAT_AREA] / area
    doubtful = np.isin(labels, [label for label, share in zip(reaching, shares) if share >= SURFACE_KEPT_DOUBT])
    doubtful |= np.isin(unsure_labels, np.flatnonzero(unsure_shares >= SURFACE_KEPT_DOUBT) + 1)
    return float(max(shares + list(unsure_shares) + [0.0])), doubtful


def surface_kept(pixels: np.ndarray, probability: np.ndarray) -> float:
    """The largest kept patch that looks like the surface, as a share of the product (see
    :func:`surface_patches`)."""
    return surface_patches(pixels, probability)[0]


def drop_ghosts(probability: np.ndarray) -> np.ndarray:
    """``probability`` with faint values further than EDGE_REACH px from the product (>= 0.5) set to 0: what the
    network half-believes away from the outline is surface, not a soft edge."""
    solid = (probability >= 0.5).view(np.uint8)
    near = cv2.dilate(solid, np.ones((2 * EDGE_REACH + 1,) * 2, np.uint8)) > 0
    return np.where(near, probability, 0.0).astype(probability.dtype)


# the outline band the photo's colours decide (px of the network's map; the network's outline wanders about 2-3 px)
COLOUR_REACH = 3
# a band pixel whose colour is this likely to be surface rather than product (odds from the colours of the ring
# of surface just outside and of the product's core) is dropped; between the two limits it is faded
SURFACE_ODDS_DROP, SURFACE_ODDS_KEEP = 0.95, 0.85
NETWORK_SURE = 0.9  # where the network's own probability is at least this, colour decides nothing


def _disc(radius: int) -> np.ndarray:
    """A round structuring element of ``radius`` px."""
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _colour_histogram(bins: np.ndarray) -> np.ndarray:
    """Share of each of 16x16x16 CIELAB bins, smoothed over the neighbouring bins (so near colours count)."""
    counts = np.bincount(bins, minlength=4096).reshape(16, 16, 16).astype(np.float32)
    for axis in range(3):
        counts = (np.roll(counts, 1, axis) + 2 * counts + np.roll(counts, -1, axis)) / 4
    return counts.reshape(-1) / max(1.0, float(counts.sum()))


# GrabCut (Rother et al. 2004) on the network's map: what the network kept whose colours belong to the surface
# around the product (a patterned bedspread under a T-shirt) goes; the product's sure core cannot
# GrabCut's size and rounds: on 400 held-out composites, 320 px and 3 rounds gave IoU 0.9536 in ~90 ms, 256 px
# and 1 round 0.9537 in ~40 ms (2 CPU threads); the whole photo, not the product's box, so the surface's colours
# are all known (a box with a margin: 0.9516)
COLOUR_CUT_SIDE = 256
COLOUR_CUT_ITERATIONS = 1
COLOUR_CUT_SPARES = 0.95
# GrabCut runs when at least this share of the product, away from its outline, is unsure (p < SPARES)
COLOUR_CUT_MIN = 0.005
COLOUR_CUT_DOUBT = 0.03  # the colour cut giving back this share of the product is a doubt (it may be the product)


def colour_cut(guide: np.ndarray, probability: np.ndarray) -> tuple[np.ndarray, float]:
    """``probability`` with the parts GrabCut gives to the surface dropped, and the share of the network's
    product (probability >= 0.5) that went. GrabCut starts from the network's answer: its deep core (eroded by a
    sixth of the product's size, probability > 0.98) is product for sure, the photo further than 4 px (of the
    network's map) from the product is surface for sure, and the rest is the network's probable answer, which
    the colours of the two may overturn."""
    product = (probability >= 0.5).astype(np.uint8)
    area = int(product.sum())
    if area < 50 or area > 0.97 * product.size:
        return probability, 0.0

    core = (cv2.erode(product, _disc(max(2, int(np.sqrt(area)) // 6))) > 0) & (probability > 0.98)
    # only what the network is unsure of inside its outline can go (its soft edge is no doubt): nothing to
    # decide, nothing to run
    inside = cv2.erode(product, _disc(2)) > 0
    if core.sum() < 20 or (inside & (probability < COLOUR_CUT_SPARES)).sum() < COLOUR_CUT_MIN * area:
        return probability, 0.0
    labels = np.full(probability.shape, cv2.GC_PR_BGD, np.uint8)
    labels[product > 0] = cv2.GC_PR_FGD
    labels[core] = cv2.GC_FGD
    labels[cv2.dilate(product, _disc(4)) == 0] = cv2.GC_BGD
    height, width = probability.shape
    scale = min(1.0, COLOUR_CUT_SIDE / max(height, width))
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    pixels = at_size(guide, (size[1], size[0]))
    cut = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
    try:
        cv2.grabCut(pixels, cut, None, np.zeros((1, 65)), np.zeros((1, 65)), COLOUR_CUT_ITERATIONS,
                    cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # a photo of one flat colour: GrabCut has nothing to model
        return probability, 0.0
    keep = ((cut == cv2.GC_FGD) | (cut == cv2.GC_PR_FGD)).astype(np.uint8)
    keep = cv2.resize(keep, (width, height), interpolation=cv2.INTER_NEAREST)
    keep = cv2.dilate(keep, _disc(1)) > 0  # the network's own soft edge stays
    keep |= probability >= COLOUR_CUT_SPARES  # what the network is sure of, colour does not overturn
    lost = float((product.astype(bool) & ~keep).sum() / area)
    return np.where(keep, probability, 0.0).astype(probability.dtype), lost


def colour_edge(guide: np.ndarray, alpha: np.ndarray, probability: np.ndarray,
                view: np.ndarray | None = None) -> np.ndarray:
    """``alpha`` with the outline band decided by colour: within COLOUR_REACH network px of the product's
    outline, where the network is under NETWORK_SURE, a pixel whose colour is common on the ring of surface just
    outside the product and rare in the product's core is surface (flecks of a patterned bedspread that the edge
    refinement followed along an orange T-shirt) and is dropped. A colour the product and the surface share (a
    white shirt on a white sheet) decides nothing and keeps the refined edge. The regions and the colour counts
    are taken at the network's resolution (``view``: the photo at that size, when the caller has it); only the
    band's own pixels are looked at in full."""
    height, width = alpha.shape
    product = (probability >= 0.5).astype(np.uint8)
    area = int(product.sum())
    if area < 50:
        return alpha

    band = (cv2.dilate(product, _disc(1)) > 0) & (cv2.erode(product, _disc(COLOUR_REACH)) == 0)
    band &= probability < NETWORK_SURE
    core = cv2.erode(product, _disc(max(2, int(np.sqrt(area)) // 16))) > 0
    ring = (cv2.dilate(product, _disc(3 * COLOUR_REACH)) > 0) & (cv2.dilate(product, _disc(COLOUR_REACH)) == 0)
    if core.sum() < 30 or ring.sum() < 30 or not band.any():
        return alpha
    small = at_size(guide if view is None else view, probability.shape)
    in_core, on_ring = _colour_histogram(_colour_bins(small[core])), _colour_histogram(_colour_bins(small[ring]))
    odds = on_ring / (on_ring + in_core + 1e-6)
    keep = np.clip((SURFACE_ODDS_DROP - odds) / (SURFACE_ODDS_DROP - SURFACE_ODDS_KEEP), 0.0, 1.0)
    if band.shape != (height, width):
        band = cv2.resize(band.view(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0
    rows, cols = np.nonzero(band & (alpha > 0))
    if not len(rows):
        return alpha
    out = alpha.copy()
    out[rows, cols] *= keep[_colour_bins(guide[rows, cols])]
    return out


SPECK_SHARE = 0.002  # a separate piece of the mask smaller than this share of the largest is a speck


def drop_specks(alpha: np.ndarray) -> np.ndarray:
    """``alpha`` without the specks around the product: separate pieces under SPECK_SHARE of the largest piece
    (grains of a printed bedspread the edge refinement picked up beside a hem). Two shoes, a pair of earrings or
    a strap are pieces of their own size and stay."""
    height, width = alpha.shape
    step = max(1, -(-max(height, width) // 1000))  # pieces are found on at most 1000 px (a speck still shows)
    covered = alpha if step == 1 else cv2.resize(alpha, (-(-width // step), -(-height // step)),
                                                 interpolation=cv2.INTER_AREA)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((covered > 0).view(np.uint8), connectivity=8)
    if count <= 2:
        return alpha
    areas = stats[1:, cv2.CC_STAT_AREA]
    small = np.flatnonzero(areas < SPECK_SHARE * areas.max()) + 1
    if not len(small):
        return alpha
    lookup = np.ones(count, np.uint8)
    lookup[small] = 0
    keep = lookup[labels]
    if step > 1:
        keep = cv2.resize(keep, (width, height), interpolation=cv2.INTER_NEAREST)
    return alpha * keep


def _colour_bins(pixels: np.ndarray) -> np.ndarray:
    """16x16x16 CIELAB bin of each of ``pixels`` (N, 3) uint8 RGB."""
    lab = cv2.cvtColor(np.ascontiguousarray(pixels).reshape(-1, 1, 3), cv2.COLOR_RGB2LAB).reshape(-1, 3) // 16
    return (lab[:, 0].astype(np.int32) * 16 + lab[:, 1]) * 16 + lab[:, 2]


def cutout(image, model: CutoutNet | None = None, refine: bool = True) -> Mask:
    """The product's mask for ``image`` (PIL image or RGB uint8 array), at the image's own size."""
    model = model or cached_cutout()
    pixels = as_pixels(image)
    height, width = pixels.shape[:2]
    # edges are refined on at most REFINE_SIDE px (far beyond any listing's size), then scaled up
    scale = min(1.0, REFINE_SIDE / max(height, width))
    guide = pixels if scale == 1.0 else cv2.resize(
        pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    # the photo at the network's size, made once: the network, the verdict and the colour steps all read it
    view = map_pixels(guide, model.config.input_side)
    small = predict_small(model, view)
    confidence, objects, border = describe(small)
    small = drop_ghosts(small)
    # the verdict judges the network's own answer: the colour cut cleans the picture, it does not vouch for it
    kept, doubt = surface_patches(view, small) if (small >= 0.5).any() else (0.0, None)
    judged = small
    small, cut_share = colour_cut(view, small)
    kept_cleaned = (surface_kept(view, small) if (small >= 0.5).any() else 0.0) if cut_share > 0 else kept
    alpha = guided_upsample(guide, small) if refine else small
    if alpha.shape != (height, width):
        alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
    alpha = np.clip((alpha - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW), 0.0, 1.0)
    if refine:
        # the colour edge reads the photo's pixels under the mask: only where both have the same size (photos
        # up to REFINE_SIDE)
        alpha = colour_edge(guide, alpha, small, view) if alpha.shape == guide.shape[:2] else alpha
        alpha = drop_specks(alpha)
    notes = doubts(objects, border, kept, cut_share, bool((small >= 0.5).any()))
    return Mask(alpha.astype(np.float32), confidence, objects, border, notes, kept, cut_share, kept_cleaned, judged,
                doubt=doubt if doubt is not None and doubt.any() else None)


def doubts(objects: int, border: float, kept: float, cut_share: float, found: bool) -> list[str]:
    """The verdict's notes: what makes a cut-out doubtful (none: it may pass)."""
    notes = []
    if objects > 1:
        notes.append(f"{objects} separate objects found")
    if border > BORDER_DOUBT:
        notes.append("the product touches the photo's edge (it may be cut off)")
    if kept >= SURFACE_KEPT_DOUBT:
        notes.append(SURFACE_NOTE)
    if cut_share >= COLOUR_CUT_DOUBT:
        notes.append(COLOUR_NOTE)
    if not found:
        notes.append("no product found")
    return notes


def judge(view: np.ndarray, small: np.ndarray) -> tuple[float, int, float, float, list[str], np.ndarray | None]:
    """(confidence, objects, border share, surface kept, notes, where the surface is) of a mask at the network's
    size (``small``; ``view`` is the photo at that size), measured as :func:`cutout` measures the network's
    answer: used on a mask the merchant corrected."""
    confidence, objects, border = describe(small)
    found = bool((small >= 0.5).any())
    kept, doubt = surface_patches(view, small) if found else (0.0, None)
    doubt = doubt if doubt is not None and doubt.any() else None
    return confidence, objects, border, kept, doubts(objects, border, kept, 0.0, found), doubt


def rgba(image, mask: Mask):
    """The photo with ``mask`` as its alpha channel (an RGBA PIL image, the photo's size)."""
    from PIL import Image

    alpha = np.rint(np.clip(mask.alpha, 0, 1) * 255).astype(np.uint8)
    return Image.fromarray(np.dstack([as_pixels(image), alpha]), "RGBA")
