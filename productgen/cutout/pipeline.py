"""The cut-out pipeline: a photo in, the product's alpha mask out, at the photo's own size. The network (network.py)
sees the photo at about 320 px; a fast guided filter (He & Sun 2015) lifts its mask to full resolution along the
photo's own edges, so thin straps and outlines stay sharp. The photo's own colours then correct the network where
it is unsure: GrabCut (colour_cut) gives back to the surface what the network half kept of a patterned bedspread,
and along the outline (colour_edge) a pixel coloured like the surface next to it and unlike the product is
dropped. The verdict (Mask.notes) judges the network's own answer, so a correction never turns a doubt into a
pass."""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from torch.nn import functional as F

from productgen.cutout.colour_fix import COLOUR_CUT_DOUBT, at_size, colour_cut, colour_edge, drop_specks
from productgen.cutout.network import CutoutNet, cached_cutout
from productgen.cutout.objects import Dropped, choose, keeps_whole, photo_points, weigh_taps
from productgen.io.images import as_pixels

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
    # verdict, which judges the network's own answer; self-training reads it (``cutout.data.pseudo_labels``)
    surface_kept_cleaned: float = 0.0
    # the network's answer at its size, as the verdict judged it (before the colour cut): a merchant's touch-up is
    # applied to it too and the verdict measured again on the result (``productgen.cutout.touchup``), so the colour cut
    # vouches for nothing there either
    small: np.ndarray | None = None
    touched: bool = False  # corrected by the merchant's strokes
    # where the kept surface is (bool, ``small``'s size): the patches that made the surface note, shown to the merchant
    doubt: np.ndarray | None = None
    # the other objects the mask held, dropped to keep only the product (``cutout.objects``)
    dropped: list[Dropped] = field(default_factory=list)

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


def network_input(pixels: np.ndarray, side: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """The photo resized so its longer side is ``side`` and padded (edge) to multiples of 32."""
    small = map_pixels(pixels, side)
    size = (small.shape[1], small.shape[0])
    pad_h, pad_w = -size[1] % 32, -size[0] % 32
    small = cv2.copyMakeBorder(small, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
    tensor = torch.from_numpy(small).permute(2, 0, 1).float().div(127.5).sub(1.0)[None]
    return tensor.contiguous(memory_format=torch.channels_last), (size[1], size[0])


@torch.inference_mode()
def predict_small(model: CutoutNet, pixels: np.ndarray, keep=None, remove=None) -> np.ndarray:
    """Mask probabilities at the network's resolution (the photo's aspect, longer side ``input_side``): the
    mean of the network's answers for the photo and its mirror image (on 150 held-out composites, IoU 0.937 ->
    0.941 and boundary F 0.931 -> 0.940, for a second pass of ~40 ms; a third at 384 px added 0.001).
    ``keep`` and ``remove``: the merchant's taps as (x, y) shares of the photo, read by a network that reads taps
    (``CutoutConfig.tap_channels``; others leave them to ``cutout.objects``)."""
    tensor, (height, width) = network_input(pixels, model.config.input_side)
    if model.config.tap_channels and (keep or remove):
        from productgen.cutout.taps import tap_maps

        maps = tap_maps([(x * width, y * height) for x, y in keep or []],
                        [(x * width, y * height) for x, y in remove or []], height, width)
        padded = np.zeros((2, *tensor.shape[2:]), np.float32)
        padded[:, :height, :width] = maps
        tensor = torch.cat([tensor, torch.from_numpy(padded)[None]], 1)
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
# area: a blot of floor the network half-kept at the outline is a doubt from 0.5% of the product. 0.9 before the
# tap-reading model (tap run 14b), which is surer of what it keeps: at 0.9 it passed a tile of bedspread under a
# T-shirt's hem, carpet between a jacket's sleeve and body and a rug between jeans' legs on seeds 0-4 of the
# real-photo sheet; at 0.98 each of them warns, and every patch 0.98 adds there is surface kept
UNSURE_BELOW, UNSURE_WEIGHT = 0.98, 4.0


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


def cutout(image, model: CutoutNet | None = None, refine: bool = True, keep_points=None,
           main_only: bool = True, remove_points=None) -> Mask:
    """The product's mask for ``image`` (PIL image or RGB uint8 array), at the image's own size. With
    ``main_only``, when the mask holds several separate objects only the product is kept (``cutout.objects``:
    the one the photo is about, or the one under a keep-point); ``keep_points`` and ``remove_points`` are (x, y)
    in the photo's pixels (a merchant's taps on the product and on what is not product): a network that reads
    taps takes them in, and a separate object under a remove tap is dropped. What was dropped is in
    ``Mask.dropped``."""
    model = model or cached_cutout()
    pixels = as_pixels(image)
    height, width = pixels.shape[:2]
    points = photo_points(keep_points, width, height)
    removes = photo_points(remove_points, width, height, "remove")
    # edges are refined on at most REFINE_SIDE px (far beyond any listing's size), then scaled up
    scale = min(1.0, REFINE_SIDE / max(height, width))
    guide = pixels if scale == 1.0 else cv2.resize(
        pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    # the photo at the network's size, made once: the network, the verdict and the colour steps all read it
    view = map_pixels(guide, model.config.input_side)
    small = predict_small(model, view, points, removes)
    taken, tap_note = [], None
    if model.config.tap_channels and (points or removes):  # what the taps took away is named, as choose() does
        plain = predict_small(model, view)
        small, taken, tap_note = weigh_taps(keeps_whole(small, plain, points), plain, view, removes, points)
    choice = choose(small, view, points, removes, main=main_only) if main_only or points or removes else None
    if choice is not None and choice.dropped:
        small = np.where(choice.keep, small, 0.0).astype(small.dtype)
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
    notes += [choice.doubt] if choice is not None and choice.doubt else []
    notes += [tap_note] if tap_note and tap_note not in notes else []
    return Mask(alpha.astype(np.float32), confidence, objects, border, notes, kept, cut_share, kept_cleaned, judged,
                doubt=doubt if doubt is not None and doubt.any() else None,
                dropped=taken + (choice.dropped if choice is not None else []))


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
