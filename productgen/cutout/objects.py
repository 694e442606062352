"""Keeping only the product: when the cut-out's mask holds several separate objects (a mug, the candle beside it and
the chest of drawers behind), the one the photo is about is kept, and the others are dropped and described by where
they are and their size, so the merchant is told.

How the product is chosen, on the objects of the mask at the network's size (pieces of at least OBJECT_SHARE of the
largest; smaller ones are specks and, with the faint probability between the objects, go with the object nearest
them):

1. A keep-point (a merchant's tap, in shares of the photo's width and height) picks the object under it, or the
   nearest within TAP_REACH; then nothing is left to chance. A tap on no object is said, and step 2 decides. An
   object under a remove tap is out of the running (unless a keep-point picks it too, or it is the only object:
   a remove tap never cuts the whole product away; a network that reads taps has taken it in already).
2. Otherwise every object scores its area times (1 - the distance of its centre from the photo's centre)^2: a
   merchant frames the product, large and near the middle. An object cut by the photo's frame (along FRAME_CUT of
   the border, or on two sides) and large (LARGE of the photo) is what the product stands on or in front of
   (furniture, a bed's headboard): it scores FURNITURE_WEIGHT of that. It, and any object cut by the top of the
   frame, is said to be "behind" the product.
3. The best-scoring object is the product, and so is any other scoring at least AMBIGUOUS of its score: when two
   are about as likely, both stay and the verdict warns of separate objects (a tap chooses).
4. An object within the product's box (TOUCH: a piece a finger cut off, the other lens of glasses), or coloured like
   it (SAME_COLOUR) and near it (NEAR: the other shoe of a pair), stays with it, unless it is cut by the frame and
   the product is not.
5. The rest are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

OBJECT_SHARE = 0.02  # a piece under this share of the largest is a speck, not an object (as ``pipeline.describe``)
FRAME_CUT = 0.08  # an object along this share of the photo's border is cut by the frame
SIDE_TOUCH = 0.02  # an object along this share of one side touches that side
LARGE = 0.1  # share of the photo
FURNITURE_WEIGHT = 0.2
AMBIGUOUS = 0.5
# histogram intersection of two objects' colours (CIELAB, 8x8x8 bins) from which they are coloured alike: the two
# shoes of the real pairs on the sheets of ``bench/cutout_sheet.py`` score 0.83 and 0.86; on the scenes of
# ``bench/main_object.py`` different products beside each other mostly score under 0.5, a few up to 0.93
SAME_COLOUR = 0.7
NEAR = 0.25  # a gap under this share of the product's size is near (the real pairs: 0.01 and 0.06)
TOUCH = 0.02  # boxes this close (share of the product's size) overlap: pieces of one thing, whatever their colours
TAP_REACH = 0.05  # share of the photo's longer side
TAP_FLOOR = 0.05  # a keep tap keeps what the tapped answer gives at least this, in the object under it (keeps_whole)

TAP_MISSED = "the tap is on no object, so the main object was chosen"
REMOVE_KEPT = "the remove tap is on the product itself, so nothing was dropped there"


@dataclass
class Dropped:
    """An object the cut-out dropped: where it is next to the product, its size and its place in the photo."""

    # "at the left", "at the right", "above", "below" or "behind" (cut by the frame at the top, or large and cut)
    where: str
    size: str  # "smaller", "similar-sized" or "larger" than the product kept
    box: tuple[float, float, float, float]  # left, top, right, bottom as shares of the photo's width and height
    region: np.ndarray = field(repr=False)  # bool, the network map's size: its pixels
    guess: str | None = None  # the product classifier's confident name for it (Enhance sets it)

    def words(self) -> str:
        """"a smaller one at the left", "a larger one behind (looks like Casual Shoes)"."""
        return f"a {self.size} one {self.where}" + (f" (looks like {self.guess})" if self.guess else "")


@dataclass
class Choice:
    keep: np.ndarray  # bool, the map's size: False on the dropped objects (and their specks)
    dropped: list[Dropped]
    doubt: str | None = None  # a note for the verdict when the choice is not clear


def dropped_note(dropped: list[Dropped]) -> str:
    """"2 other objects dropped: a smaller one at the left; a larger one behind" (empty when none were)."""
    if not dropped:
        return ""
    head = "1 other object dropped" if len(dropped) == 1 else f"{len(dropped)} other objects dropped"
    return head + ": " + "; ".join(item.words() for item in dropped)


@dataclass
class _Piece:
    label: int
    area: float  # share of the photo
    box: tuple[int, int, int, int]  # left, top, right, bottom (exclusive), px of the map
    centre: tuple[float, float]  # x, y as shares of the photo
    cut: bool  # cut by the photo's frame
    furniture: bool
    behind: bool  # cut by the frame at the top: further back than the product
    score: float
    colours: np.ndarray


def _colours(bins: np.ndarray, where: np.ndarray) -> np.ndarray:
    counts = np.bincount(bins[where], minlength=512).astype(np.float64)
    return counts / max(1.0, counts.sum())


def _pieces(labels: np.ndarray, stats: np.ndarray, centroids: np.ndarray, chosen: list[int],
            view: np.ndarray) -> list[_Piece]:
    height, width = labels.shape
    lab = cv2.cvtColor(np.ascontiguousarray(view), cv2.COLOR_RGB2LAB) // 32
    bins = (lab[..., 0].astype(np.int32) * 8 + lab[..., 1]) * 8 + lab[..., 2]
    sides = [labels[0], labels[-1], labels[:, 0], labels[:, -1]]
    border = np.concatenate(sides)
    pieces = []
    for label in chosen:
        left, top, box_w, box_h, area = stats[label]
        share = area / (height * width)
        along = float((border == label).mean())
        touches = [float((side == label).mean()) >= SIDE_TOUCH for side in sides]
        cut = along >= FRAME_CUT or sum(touches) >= 2
        furniture = cut and share >= LARGE
        centre = (centroids[label][0] / width, centroids[label][1] / height)
        distance = np.hypot(centre[0] - 0.5, centre[1] - 0.5) / np.hypot(0.5, 0.5)
        score = share * (1.0 - distance) ** 2 * (FURNITURE_WEIGHT if furniture else 1.0)
        pieces.append(_Piece(label, share, (left, top, left + box_w, top + box_h), centre, cut, furniture,
                             furniture or (cut and touches[0]), score, _colours(bins, labels == label)))
    return pieces


def _gap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    return float(max(0, b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3]))


def _goes_with(piece: _Piece, main: _Piece) -> bool:
    """Part of the same product, unless it is cut by the frame and the product is not: within the product's box
    (a piece a finger or a strap cut off, the other lens of glasses), or coloured like it and near it (the other
    shoe of a pair)."""
    if piece.cut and not main.cut:
        return False
    size = max(main.box[2] - main.box[0], main.box[3] - main.box[1])
    gap = _gap(piece.box, main.box)
    return gap <= TOUCH * size or (gap <= NEAR * size and np.minimum(piece.colours, main.colours).sum() >= SAME_COLOUR)


def _tapped(labels: np.ndarray, objects: list[int], points, reach: float = TAP_REACH) -> list[int]:
    """The objects under the points (or nearest them within ``reach`` of the photo's longer side)."""
    height, width = labels.shape
    reach = reach * max(height, width)
    hit = []
    for x, y in points:
        column, row = min(width - 1, max(0, int(x * width))), min(height - 1, max(0, int(y * height)))
        if labels[row, column] in objects:
            hit.append(int(labels[row, column]))
            continue
        rows, columns = np.nonzero(np.isin(labels, objects))
        if len(rows) and reach > 0:
            nearest = int(np.argmin(np.hypot(rows - row, columns - column)))
            if np.hypot(rows[nearest] - row, columns[nearest] - column) <= reach:
                hit.append(int(labels[rows[nearest], columns[nearest]]))
    return list(dict.fromkeys(hit))


def _describe(piece: _Piece, kept: list[_Piece], shape: tuple[int, int], region: np.ndarray) -> Dropped:
    height, width = shape
    area = sum(p.area for p in kept)
    centre_x = sum(p.centre[0] * p.area for p in kept) / area
    centre_y = sum(p.centre[1] * p.area for p in kept) / area
    dx, dy = piece.centre[0] - centre_x, piece.centre[1] - centre_y
    if piece.behind:
        where = "behind"
    elif abs(dx) >= abs(dy):
        where = "at the left" if dx < 0 else "at the right"
    else:
        where = "above" if dy < 0 else "below"
    ratio = piece.area / area
    size = "smaller" if ratio < 0.5 else "larger" if ratio > 2.0 else "similar-sized"
    left, top, right, bottom = piece.box
    box = (float(left / width), float(top / height), float(right / width), float(bottom / height))
    return Dropped(where, size, box, region)


def choose(probability: np.ndarray, view: np.ndarray, points=None, removes=None, main: bool = True) -> Choice:
    """Which objects of the mask ``probability`` (>= 0.5 is product; any size) to keep, with ``view`` the photo at
    that size (RGB uint8), ``points`` the merchant's keep-points and ``removes`` the remove taps, as (x, y) shares of
    the photo's width and height (None or empty: none). See the module's notes for how; an object under a remove
    tap (on it, not near it: a tap on the surface beside the product is not a tap on the product) is dropped, unless
    it is under a keep-point too or it is the only object (the network, when it reads taps, has taken the tap in;
    cutting the whole product away is never what a remove tap asks). With ``main`` False and no keep-points, only
    the objects under remove taps go (a clean backdrop keeps every object)."""
    product = probability >= 0.5
    keep = np.ones(product.shape, bool)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(product.view(np.uint8), connectivity=8)
    if count < 2:
        return Choice(keep, [])
    areas = stats[1:, cv2.CC_STAT_AREA]
    objects = [int(label) for label in np.flatnonzero(areas >= OBJECT_SHARE * areas.max()) + 1]
    tapped = _tapped(labels, objects, points) if points else []
    missed = TAP_MISSED if points and not tapped else None
    if len(objects) == 1:
        return Choice(keep, [], missed or (REMOVE_KEPT if removes and _tapped(labels, objects, removes, 0) else None))
    removed = [label for label in (_tapped(labels, objects, removes, 0) if removes else []) if label not in tapped]
    if removed and set(removed) >= set(objects):
        removed, missed = [], missed or REMOVE_KEPT
    pieces = {piece.label: piece for piece in _pieces(labels, stats, centroids, objects, view)}
    ranked = sorted(pieces.values(), key=lambda piece: -piece.score)
    candidates = [piece for piece in ranked if piece.label not in removed]
    mains = [pieces[label] for label in tapped] or (candidates[:1] if main else candidates)
    if not tapped:  # an object about as likely to be the product stays too: the verdict says there are two
        mains += [piece for piece in candidates[1:] if piece.score >= AMBIGUOUS * candidates[0].score]
    kept = {piece.label for piece in mains}
    kept |= {piece.label for piece in candidates if any(_goes_with(piece, main) for main in mains)}
    gone = [piece for piece in ranked if piece.label not in kept]
    if not gone:
        return Choice(keep, [], missed)
    # specks and the faint probability between the objects (their soft edges, half-seen blots) go with the object
    # nearest them: what lies nearer a dropped object than the product leaves with it
    to_kept = cv2.distanceTransform((~np.isin(labels, list(kept))).view(np.uint8), cv2.DIST_L2, 3)
    to_gone = cv2.distanceTransform((~np.isin(labels, [p.label for p in gone])).view(np.uint8), cv2.DIST_L2, 3)
    nearer_gone = to_gone < to_kept
    dropped = np.isin(labels, [p.label for p in gone])
    for label in (label for label in range(1, count) if label not in pieces):
        where = labels == label
        if to_gone[where].min() < to_kept[where].min():
            dropped |= where
    keep[dropped | ((probability > 0) & ~product & nearer_gone)] = False
    kept_pieces = [pieces[label] for label in kept]
    return Choice(keep, [_describe(piece, kept_pieces, labels.shape, labels == piece.label) for piece in gone],
                  missed)


def keeps_whole(tapped: np.ndarray, plain: np.ndarray, keeps, floor: float | None = None) -> np.ndarray:
    """A keep tap keeps the whole object under it: within the object of the answer without taps (``plain``) that
    a keep tap (``keeps``, (x, y) shares) is on, every pixel the answer with taps (``tapped``) does not rule out
    (at least ``floor``, TAP_FLOOR by default) is kept as the answer without taps has it. A network trained on
    taps learnt to keep the patch of colour around a tap (a T-shirt's print, one stripe of a polo) and to leave
    the rest of the product half-kept; what it is sure is not product (furniture the answer without taps joined
    to the product) stays out."""
    floor = TAP_FLOOR if floor is None else floor
    if not keeps or floor >= 0.5:
        return tapped
    count, labels = cv2.connectedComponents((plain >= 0.5).view(np.uint8), connectivity=8)
    height, width = plain.shape
    under = {int(labels[min(height - 1, int(y * height)), min(width - 1, int(x * width))]) for x, y in keeps} - {0}
    if not under:
        return tapped
    whole = np.isin(labels, list(under)) & (tapped >= floor)
    return np.where(whole, np.maximum(tapped, plain), tapped).astype(tapped.dtype)


def weigh_taps(tapped: np.ndarray, plain: np.ndarray, view: np.ndarray, removes=None, keeps=None):
    """A network that reads taps, with taps (``tapped``) against without (``plain``), both maps of ``view``'s size:
    (the map to use, the objects the taps took away, a note or None). ``removes``: the remove taps, as (x, y) shares.
    A remove tap never takes the whole product (when the taps leave under a tenth of it, the answer without taps
    stands, with REMOVE_KEPT). An object of the answer without taps that a keep tap took with it goes with the kept
    one as :func:`choose` keeps it (rule 4: the other shoe of a pair, a piece within its box) unless a remove tap
    is on it: the network learned "this object" from taps on separate products, and a pair is one. Any other
    object the taps took (more than half of it gone) is dropped, described as :func:`choose` describes the objects
    it drops, so the report names it. A remove tap on one of several objects of the answer without taps takes that
    whole object away (unless a keep tap, ``keeps``, is on it too): the network may answer it with no more than a
    hole around the tap (tap run 14b keeps 90% of a mug tapped "remove" beside a candle), and a merchant who taps an
    object among others means the object, as :func:`choose` reads a remove tap."""
    product, before = tapped >= 0.5, plain >= 0.5
    if removes and before.any() and product.sum() < 0.1 * before.sum():
        return plain, [], REMOVE_KEPT
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(before.view(np.uint8), connectivity=8)
    if count < 2:
        return tapped, [], None
    areas = stats[1:, cv2.CC_STAT_AREA]
    objects = [int(label) for label in np.flatnonzero(areas >= OBJECT_SHARE * areas.max()) + 1]
    struck = set(_tapped(labels, objects, removes, 0)) if removes else set()
    struck -= set(_tapped(labels, objects, keeps, 0)) if keeps else set()
    if struck and set(objects) - struck:
        tapped = np.where(np.isin(labels, list(struck)), 0.0, tapped).astype(tapped.dtype)
        product = tapped >= 0.5
    gone = {label for label in objects if (product & (labels == label)).sum() < 0.5 * stats[label, cv2.CC_STAT_AREA]}
    pieces = _pieces(labels, stats, centroids, objects, view)
    kept = [piece for piece in pieces if piece.label not in gone]
    if not gone or not kept:
        return tapped, [], None
    back = {piece.label for piece in pieces if piece.label in gone and piece.label not in struck
            and any(_goes_with(piece, other) for other in kept)}
    if back:
        tapped = np.where(np.isin(labels, list(back)), np.maximum(tapped, plain), tapped).astype(tapped.dtype)
        gone -= back
    return tapped, [_describe(piece, kept, labels.shape, labels == piece.label) for piece in pieces
                    if piece.label in gone], None


def photo_points(points, width: int, height: int, kind: str = "keep") -> list[tuple[float, float]]:
    """Taps given in the photo's pixels, as (x, y) shares of its size; a point outside the photo is refused with a
    clear error naming the ``kind`` of tap ("keep" or "remove")."""
    shares = []
    for point in points or []:
        try:
            x, y = (float(value) for value in point)
        except (TypeError, ValueError):
            raise ValueError(f"a {kind}-point is two numbers x,y in the photo's pixels, got {point!r}") from None
        if not (0 <= x < width and 0 <= y < height):
            raise ValueError(f"the {kind}-point {x:g},{y:g} is outside the photo ({width}x{height} px)")
        shares.append((x / width, y / height))
    return shares
