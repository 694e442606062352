"""The merchant's own corrections to a cut-out: strokes painted over what should go ("remove") and over what should
stay ("keep").

A stroke need not cover everything it means. GrabCut (Rother et al. 2004) starts from the cut-out as it is, with
the strokes as sure surface and sure product, and learns the colours of both; of what it then changes, only the
regions a stroke touches are taken (a stroke on a strip of bedspread takes the whole strip; a region no stroke
touches does not move). The strokes themselves always count, whatever the colours say. Around every change the edge
is refined again along the photo's edges, so nothing of a removed object's outline stays. A keep stroke on an object
the cut-out dropped to keep only the product (``cutout.objects``) brings all of it back. The verdict is then measured
again on the corrected mask (``cutout.pipeline.judge``): a correction makes no doubt it does not remove go away.

Used by Enhance (``studio.process_image(..., strokes=...)``), the Enhance tab's brush and the ``--remove`` and
``--keep`` flags of ``enhance`` and ``cutout``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from productgen.io.images import as_pixels

WORK_SIDE = 640  # GrabCut runs on a copy of at most this many px a side (about 0.3 s)
GRABCUT_ITERATIONS = 4
REACH = 3  # px of the working copy: a changed region this close to a stroke counts as touched by it


@dataclass
class Strokes:
    """Where the merchant painted: ``remove`` (surface the cut-out kept) and ``keep`` (product it lost), bool
    arrays of any size with the photo's aspect (they are scaled to the photo); either may be None. Where both
    were painted, keep wins: losing part of the product is the worse mistake."""

    remove: np.ndarray | None = None
    keep: np.ndarray | None = None

    def __post_init__(self):
        for name in ("remove", "keep"):
            value = getattr(self, name)
            if value is None:
                continue
            value = np.asarray(value)
            if value.ndim != 2 or min(value.shape) < 1:
                raise ValueError(f"the {name} strokes must be a 2-D mask, got shape {value.shape}")
            setattr(self, name, value.astype(bool))
        if self.remove is not None and self.keep is not None and self.remove.shape != self.keep.shape:
            raise ValueError(f"the remove and keep strokes differ in size: {self.remove.shape} vs {self.keep.shape}")

    @property
    def empty(self) -> bool:
        return not any(mask is not None and mask.any() for mask in (self.remove, self.keep))

    @classmethod
    def from_painting(cls, layer) -> "Strokes":
        """Strokes from a transparent layer painted in two colours (the Enhance tab's brush): reddish paint is
        remove, greenish paint is keep; unpainted (transparent) pixels are neither."""
        pixels = np.asarray(layer)
        if pixels.ndim != 3 or pixels.shape[2] != 4:
            raise ValueError("a painting must be an RGBA layer (transparent where nothing was painted)")
        painted = pixels[..., 3] > 0
        red, green = pixels[..., 0].astype(np.int16), pixels[..., 1].astype(np.int16)
        return cls(remove=painted & (red > green), keep=painted & (green >= red))

    @classmethod
    def from_files(cls, remove=None, keep=None) -> "Strokes":
        """Strokes from mask images (paths or PIL images): painted = opaque where the image has transparency,
        else light (grey level 128 or more). Black-and-white masks of any size with the photo's aspect."""
        return cls(remove=None if remove is None else painted_pixels(remove, "--remove"),
                   keep=None if keep is None else painted_pixels(keep, "--keep"))


def painted_pixels(source, name: str) -> np.ndarray:
    """The painted pixels of a mask image (see :meth:`Strokes.from_files`)."""
    from productgen.io.images import open_image

    image = open_image(source, keep_alpha=True) if not hasattr(source, "mode") else source
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = np.asarray(image.convert("RGBA"))[..., 3]
        if alpha.min() < 255:
            if not (alpha >= 128).any():
                raise ValueError(f"{name}: the mask has nothing painted (paint white, or opaque on transparent)")
            return alpha >= 128
    gray = np.asarray(image.convert("L"))
    if not (gray >= 128).any():
        raise ValueError(f"{name}: the mask has nothing painted (paint white, or opaque on transparent)")
    return gray >= 128


def _fit(mask: np.ndarray, shape: tuple[int, int], what: str) -> np.ndarray:
    """Strokes at (height, width) ``shape``: any drawing with the photo's aspect (within 2%) is scaled to it."""
    height, width = mask.shape
    if abs(width / height - shape[1] / shape[0]) > 0.02 * shape[1] / shape[0]:
        raise ValueError(f"the {what} strokes are {width}x{height}, not the photo's shape ({shape[1]}x{shape[0]})")
    if mask.shape == shape:
        return mask
    return cv2.resize(mask.view(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_AREA) > 0


def _near(strokes: np.ndarray, reach: int) -> np.ndarray:
    return cv2.dilate(strokes.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)) > 0


def _touched(changed: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """The regions of ``changed`` that a stroke touches (within REACH px)."""
    if not changed.any() or not strokes.any():
        return np.zeros_like(changed)
    count, labels = cv2.connectedComponents(changed.view(np.uint8), connectivity=8)
    hit = np.unique(labels[_near(strokes, REACH) & changed])
    lookup = np.zeros(count, bool)
    lookup[hit[hit > 0]] = True
    return lookup[labels]


LIKE_RATIO = 3.0  # a colour this many times more common under the strokes than elsewhere is "coloured like" them


def _colour_bins(pixels: np.ndarray) -> np.ndarray:
    """8x8x8 CIELAB bin of each pixel."""
    lab = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2LAB) // 32
    return (lab[..., 0].astype(np.int32) * 8 + lab[..., 1]) * 8 + lab[..., 2]


def _coloured_like(bins: np.ndarray, strokes: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Pixels whose colour is LIKE_RATIO times more common under ``strokes`` than in ``region`` away from them
    (beyond a twentieth of the picture's side; all of ``region`` when nothing is that far)."""
    if not strokes.any() or not region.any():
        return np.zeros(bins.shape, bool)
    reach = max(5, max(bins.shape) // 20)
    far = region & ~_near(strokes, reach)
    reference = bins[far] if far.sum() >= 50 else bins[region]
    under = np.bincount(bins[strokes], minlength=512).astype(np.float64)
    elsewhere = np.bincount(reference, minlength=512).astype(np.float64)
    ratio = (under / under.sum()) / ((elsewhere + 1.0) / (elsewhere.sum() + 512.0))
    # a colour counts only if the strokes have a real share of it (not a stray pixel of the edge)
    ratio[under < max(3.0, 0.02 * under.sum())] = 0.0
    return ratio[bins] > LIKE_RATIO


def corrections(pixels: np.ndarray, product: np.ndarray, strokes: Strokes) -> tuple[np.ndarray, np.ndarray]:
    """(removed, added): bool maps at ``product``'s size of what the strokes take from the product and give to
    it. ``pixels`` is the photo at that size; ``product`` the cut-out's bool mask."""
    shape = product.shape
    remove = _fit(strokes.remove, shape, "remove") if strokes.remove is not None else np.zeros(shape, bool)
    keep = _fit(strokes.keep, shape, "keep") if strokes.keep is not None else np.zeros(shape, bool)
    remove &= ~keep
    labels = np.where(product, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    # GrabCut learns its colours from where it starts: kept pixels coloured like the remove strokes (and far
    # more than the rest of the product is) start as probable surface, or the rug it should drop would teach
    # it that blue is product; the same for lost pixels coloured like the keep strokes
    bins = _colour_bins(pixels)
    labels[product & _coloured_like(bins, remove, product)] = cv2.GC_PR_BGD
    labels[~product & _coloured_like(bins, keep, ~product)] = cv2.GC_PR_FGD
    labels[remove], labels[keep] = cv2.GC_BGD, cv2.GC_FGD
    try:
        cv2.setRNGSeed(0)  # GrabCut draws on OpenCV's random state: the same photo, the same mask
        cv2.grabCut(np.ascontiguousarray(pixels), labels, None, np.zeros((1, 65)), np.zeros((1, 65)),
                    GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
        grown = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    except cv2.error:  # nothing left of one side to learn colours from (all removed, say): the strokes only
        grown = product
    removed = _touched(product & ~grown, remove) | (product & remove)
    added = _touched(grown & ~product, keep) | (keep & ~product)
    return removed, added


def work_shape(height: int, width: int) -> tuple[int, int]:
    """(height, width) of the working copy the strokes' regions are found on: at most WORK_SIDE px a side."""
    scale = min(1.0, WORK_SIDE / max(height, width))
    return max(8, round(height * scale)), max(8, round(width * scale))


# the soft edge of a changed region reaches this far (px of the network's map: its faint values, EDGE_REACH, and
# the guided filter's window): all of it is refined again, so no ghost of a removed object's outline stays
GHOST_REACH = 6


def _refined(pixels: np.ndarray, alpha: np.ndarray, product: np.ndarray, removed: np.ndarray, added: np.ndarray,
             map_side: int) -> np.ndarray:
    """``alpha`` (the photo's size) with the edge refined again (guided filter, as the cut-out does) around what
    the strokes changed: ``product`` is the corrected bool mask at the working size. Around a removed region the
    soft alpha can only fall (the faint outline of a removed chest goes with it, and a kept mug's rim keeps its
    own edge); around an added region it can only rise."""
    from productgen.cutout.pipeline import EDGE_HIGH, EDGE_LOW, guided_upsample

    height, width = pixels.shape[:2]
    refined = np.clip((guided_upsample(pixels, product.astype(np.float32)) - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW),
                      0.0, 1.0)
    reach = max(2, int(np.ceil(GHOST_REACH * max(product.shape) / map_side)))

    def zone(change: np.ndarray) -> np.ndarray:
        near = _near(change, reach).view(np.uint8)
        return cv2.resize(near, (width, height), interpolation=cv2.INTER_LINEAR) > 0

    out = alpha.astype(np.float32)
    if removed.any():
        out = np.where(zone(removed), np.minimum(out, refined), out)
    if added.any():
        out = np.where(zone(added), np.maximum(out, refined), out)
    return out.astype(np.float32)


def _corrected_map(small: np.ndarray, product: np.ndarray, removed: np.ndarray, added: np.ndarray) -> np.ndarray:
    """The network's map ``small`` with the strokes' changes (found at the working size on its ``product``): removed
    regions and the faint edge around them go (outside the corrected product), added ones are sure."""
    from productgen.cutout.colour_fix import at_size

    out = small.astype(np.float32)
    corrected = at_size(((product & ~removed) | added).astype(np.float32), small.shape) >= 0.5
    if removed.any():
        reach = max(1, round(GHOST_REACH * max(removed.shape) / max(small.shape)))
        around = at_size(_near(removed, reach).astype(np.float32), small.shape) > 0
        out = np.where(around & ~corrected, 0.0, out)
    if added.any():
        out = np.maximum(out, at_size(added.astype(np.float32), small.shape))
    return out.astype(np.float32)


def touch_up(image, alpha: np.ndarray, small: np.ndarray, strokes: Strokes) -> tuple[np.ndarray, np.ndarray]:
    """The cut-out with the merchant's ``strokes`` applied: (alpha at the photo's size, ``small`` corrected). ``alpha``
    is the cut-out's soft mask at the photo's size, as the merchant saw it; ``small`` the network's answer at its
    size (``Mask.small``), which the verdict reads; the strokes' regions are found on each. The edge is refined
    again along the photo's edges around every change (no ghost outline of what went stays); the rest of the
    soft edge is as it was."""
    from productgen.cutout.colour_fix import at_size

    pixels = as_pixels(image)
    height, width = pixels.shape[:2]
    if alpha.shape != (height, width):
        raise ValueError(f"the mask is {alpha.shape[1]}x{alpha.shape[0]}, the photo {width}x{height}")
    if strokes.empty:
        return alpha, small
    shape = work_shape(height, width)
    work = at_size(pixels, shape)
    product = at_size(alpha.astype(np.float32), shape) >= 0.5
    removed, added = corrections(work, product, strokes)
    out = alpha.astype(np.float32)
    if removed.any() or added.any():
        out = _refined(pixels, out, (product & ~removed) | added, removed, added, max(small.shape))
    # the network's answer may keep more than was shown (surface the colour cut took): the strokes' regions are
    # found on it too, so a stroke on the strip of bedspread left in view also takes the rest of that strip there
    network = at_size(small.astype(np.float32), shape) >= 0.5
    if not np.array_equal(network, product):
        removed, added = corrections(work, network, strokes)
        product = network
    return out, _corrected_map(small, product, removed, added)


def touched_mask(image, mask, strokes: Strokes, input_side: int = 320):
    """``mask`` (a ``cutout.pipeline.Mask``) with ``strokes`` applied and its verdict measured again, as the network's
    own answer was: on that answer (``Mask.small``, before the colour cut) with the strokes' changes made. What
    was painted is sure; everything else keeps the network's certainty and what it kept, so a doubt the strokes
    did not touch stays, even where the colour cut hid it (floor between two shoes that the cut thinned below the
    limit still warns until it is painted). The colour cut's own note goes: the merchant has seen its result, and
    so does the note of a tap on no object. A keep stroke on an object the cut-out dropped
    (``Mask.dropped``) brings all of it back. A mask without a network-size map (a flood fill's) gets one at
    ``input_side``."""
    from productgen.cutout.colour_fix import at_size
    from productgen.cutout.pipeline import judge, map_pixels

    pixels = as_pixels(image)
    small = mask.small
    if small is None:
        small = at_size(mask.alpha.astype(np.float32), map_pixels(pixels, input_side).shape)
    strokes, restored = _restoring(strokes, mask.dropped, pixels.shape[:2])
    alpha, small = touch_up(pixels, mask.alpha, small, strokes)
    view = at_size(map_pixels(pixels, max(small.shape)), small.shape)
    confidence, objects, border, kept, notes, doubt = judge(view, small)
    dropped = [item for item in mask.dropped if not any(item is other for other in restored)]
    return replace(mask, alpha=alpha, small=small, confidence=confidence, objects=objects,
                   touches_border=border, notes=notes, surface_kept=kept, cut_by_colour=0.0,
                   surface_kept_cleaned=kept, touched=True, doubt=doubt, dropped=dropped)


def _restoring(strokes: Strokes, dropped: list, shape: tuple[int, int]) -> tuple[Strokes, list]:
    """(strokes, objects restored): a keep stroke that touches a dropped object keeps all of it (it joins the keep
    strokes, at the working size)."""
    from productgen.cutout.colour_fix import at_size

    if strokes.keep is None or not dropped or not strokes.keep.any():
        return strokes, []
    size = work_shape(*shape)
    keep = _fit(strokes.keep, size, "keep")
    restored = [item for item in dropped if (keep & (at_size(item.region.astype(np.float32), size) >= 0.5)).any()]
    if not restored:
        return strokes, []
    for item in restored:
        keep = keep | (at_size(item.region.astype(np.float32), size) >= 0.5)
    remove = None if strokes.remove is None else _fit(strokes.remove, size, "remove")
    return Strokes(remove=remove, keep=keep), restored
