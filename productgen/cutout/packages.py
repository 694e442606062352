"""Training pictures of a package held up in a shop: the cut-out's hardest real photos.

A merchant who sells groceries photographs a carton in the hand in front of a shelf full of other cartons. The
catalogue has no packages and its composites never show a shelf of look-alike products behind the product, so the
cut-out kept parts of the shelf and lost parts of the carton. Each picture here is drawn whole: a shelf (rows of
packages with shelf edges and price tags, or a real photo's corner), one package in front, large, turned and often
cut by the frame (a box, sometimes with its side face, a gable top or a cap), and a hand holding it. The package is
the product; the hand and the shelf are not.

Package fronts are printed with made-up artwork (colour blocks, lettering, sometimes a catalogue product as the
picture on the pack) or with the middle of a training photo of a real carton (``prints``).

Drawn shelves are tidier than real ones, so some pictures are real shop photos instead (``shop_photos``: the train
products' grocery photos): the drawn package is laid over the carton held up in the photo, covering it whole, so
the real shelf, its look-alike cartons and the real hand around the drawn package are the surface, with an exact
mask.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from productgen.cutout.data import Product, read_image
from productgen.cutout.effects import camera, skin_colour

FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_COMPLEX)
LETTERS = np.array(list("ABCDEFGHIJKLMNOPRSTUVWYZ0123456789%"))


def carton_prints(folder: str | Path, files: list[str]) -> list[np.ndarray]:
    """The middle of each grocery photo among ``files`` (the carton held up fills it): real package artwork."""
    prints = []
    for name in files:
        if "grocery/" not in name:
            continue
        pixels = read_image(Path(folder) / name, 360)
        h, w = pixels.shape[:2]
        size = int(min(h, w) * 0.24)
        top, left = int(h * 0.4) - size // 2, (w - size) // 2  # above the hand, which holds it lower down
        prints.append(np.ascontiguousarray(pixels[top:top + size, left:left + size]))
    return prints


class ShopPhoto(NamedTuple):
    """A real shop photo and where its held-up carton is (bool mask, the photo's size; from a cut-out model)."""
    pixels: np.ndarray
    carton: np.ndarray


def shop_photos(model, folder: str | Path, files: list[str], side: int = 320) -> list[ShopPhoto]:
    """The grocery photos among ``files`` with the carton ``model`` finds in each (:func:`carton_region`);
    photos where it finds none are left out."""
    from productgen.cutout.pipeline import cutout

    photos = []
    for name in files:
        if "grocery/" not in name:
            continue
        pixels = read_image(Path(folder) / name, side)
        carton = carton_region(cutout(pixels, model, refine=False).alpha >= 0.5)
        if carton is not None:
            photos.append(ShopPhoto(np.ascontiguousarray(pixels), carton))
    return photos


def carton_region(found: np.ndarray) -> np.ndarray | None:
    """Where the held-up carton is, from a cut-out's bool mask ``found``: the convex hull of its largest piece
    (where the model lost a part of the carton, a bite out of its side, the remnant is covered by the package too
    rather than left in sight and taught as shelf), widened by 2% of the photo. None when nothing sizeable is
    found or the carton is so close that a package over it would leave little shelf."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(found.astype(np.uint8), connectivity=8)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    carton = (labels == largest).astype(np.uint8)
    cv2.fillConvexPoly(carton, cv2.convexHull(cv2.findNonZero(carton)), 1)
    if not 0.03 <= carton.mean() <= 0.45:
        return None
    grow = max(2, int(0.02 * max(carton.shape)))
    return cv2.dilate(carton, np.ones((2 * grow + 1,) * 2, np.uint8)) > 0


def _over_carton(rng: np.random.Generator, side: int, pixels: np.ndarray, alpha: np.ndarray,
                 carton: np.ndarray):
    """``pixels``/``alpha`` (a drawn package) turned a little and scaled to cover ``carton`` (bool, side x side)
    (all but 2% of it): (pixels, alpha) on the side x side canvas, or None when no size that leaves a third of the
    shelf in sight covers it."""
    ys, xs = np.nonzero(carton)
    rows, cols = np.nonzero(alpha > 0.5)
    box_h, box_w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
    centre = np.array([(cols.min() + cols.max()) / 2, (rows.min() + rows.max()) / 2])
    scale = max((xs.max() - xs.min() + 1) / box_w, (ys.max() - ys.min() + 1) / box_h) * rng.uniform(1.0, 1.08)
    angle = rng.uniform(-10, 10)
    target = np.array([(xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2]) + rng.normal(0, 0.02 * side, 2)
    for _ in range(8):
        matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, scale)
        matrix[:, 2] += target - centre
        placed = cv2.warpAffine(alpha, matrix, (side, side), flags=cv2.INTER_LINEAR)
        if placed.mean() > 0.67:
            return None
        if (placed[carton] > 0.5).mean() >= 0.98:
            return cv2.warpAffine(pixels, matrix, (side, side), flags=cv2.INTER_LINEAR), placed
        scale *= 1.08
    return None


def _colour(rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.45:
        return rng.uniform(225, 255, 3)
    return rng.uniform(0, 255, 3)


def package_print(rng: np.random.Generator, height: int, width: int, products: list[Product],
                  prints: list[np.ndarray]) -> np.ndarray:
    """Artwork for one face of a package, float32 (height, width, 3)."""
    if prints and rng.random() < 0.4:
        source = prints[rng.integers(len(prints))]
        return cv2.resize(source, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)
    face = np.empty((height, width, 3), np.uint8)
    face[:] = _colour(rng)
    for _ in range(rng.integers(1, 5)):  # colour blocks, bands and round shapes
        colour = _colour(rng)
        x0, y0 = int(rng.uniform(-0.2, 0.8) * width), int(rng.uniform(-0.2, 0.9) * height)
        x1, y1 = x0 + int(rng.uniform(0.2, 1.2) * width), y0 + int(rng.uniform(0.05, 0.5) * height)
        if rng.random() < 0.5:
            cv2.rectangle(face, (x0, y0), (x1, y1), colour.tolist(), -1)
        else:
            cv2.ellipse(face, ((x0 + x1) // 2, (y0 + y1) // 2), (max(1, (x1 - x0) // 2), max(1, (y1 - y0) // 2)),
                        rng.uniform(0, 180), 0, 360, colour.tolist(), -1)
    if products and rng.random() < 0.5:  # a picture on the pack (here: a catalogue product)
        product = products[rng.integers(len(products))]
        size = int(min(height, width) * rng.uniform(0.35, 0.8))
        pixels = cv2.resize(product.pixels, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
        alpha = cv2.resize(product.alpha, (size, size), interpolation=cv2.INTER_AREA)[:, :, None]
        top, left = rng.integers(0, height - size + 1), rng.integers(0, width - size + 1)
        window = face[top:top + size, left:left + size]
        face[top:top + size, left:left + size] = np.clip(window * (1 - alpha) + pixels * alpha, 0, 255)
    for _ in range(rng.integers(1, 4)):  # lettering
        text = "".join(rng.choice(LETTERS, rng.integers(2, 9)))
        scale = rng.uniform(0.25, 1.2) * width / 100
        thickness = max(1, int(scale * rng.uniform(1, 3)))
        origin = (int(rng.uniform(0, 0.5) * width), int(rng.uniform(0.15, 1.0) * height))
        cv2.putText(face, text, origin, FONTS[rng.integers(len(FONTS))], scale, _colour(rng).tolist(), thickness,
                    cv2.LINE_AA)
    return face.astype(np.float32)


def _shelf(rng: np.random.Generator, side: int, products, prints) -> np.ndarray:
    """A shop shelf: rows of packages standing side by side, shelf edges with price tags, a little out of focus."""
    picture = np.ones((side, side, 3), np.float32) * rng.uniform(60, 240) * rng.uniform(0.85, 1.15, 3)
    row_height = int(side * rng.uniform(0.18, 0.45))
    y = -int(rng.uniform(0, 1) * row_height)
    while y < side:
        bottom = y + row_height
        x = -int(rng.uniform(0, 0.2) * side)
        while x < side:
            width = int(side * rng.uniform(0.07, 0.22))
            height = int(row_height * rng.uniform(0.55, 0.92))
            top = bottom - height
            if width > 2 and height > 2 and rng.random() < 0.9:
                face = package_print(rng, height, width, products, prints) * rng.uniform(0.6, 1.05)
                y0, x0 = max(top, 0), max(x, 0)
                y1, x1 = min(bottom, side), min(x + width, side)
                if y1 > y0 and x1 > x0:
                    picture[y0:y1, x0:x1] = face[y0 - top:y1 - top, x0 - x:x1 - x]
            x += width + int(side * rng.uniform(0.0, 0.02))
        edge = int(side * rng.uniform(0.015, 0.05))
        colour = rng.uniform(120, 250) * rng.uniform(0.9, 1.1, 3)
        cv2.rectangle(picture, (0, bottom), (side, bottom + edge), colour.tolist(), -1)
        for _ in range(rng.integers(0, 4)):  # price tags
            tag_x = int(rng.uniform(0, 0.9) * side)
            cv2.rectangle(picture, (tag_x, bottom), (tag_x + int(side * 0.08), bottom + edge),
                          _colour(rng).tolist(), -1)
        y = bottom + edge
    if rng.random() < 0.5:  # a shelf seen from the side: rows converge
        squeeze = rng.uniform(0.05, 0.3) * side
        source = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
        target = np.float32([[0, squeeze], [side, 0], [side, side], [0, side - squeeze]])
        if rng.random() < 0.5:
            target = target[::-1].copy()[[3, 2, 1, 0]]
        matrix = cv2.getPerspectiveTransform(source, target)
        picture = cv2.warpPerspective(picture, matrix, (side, side), borderMode=cv2.BORDER_REFLECT)
    blur = rng.uniform(0.0, 2.5)
    return cv2.GaussianBlur(picture, (0, 0), blur) if blur > 0.3 else picture


def _package(rng: np.random.Generator, side: int, products, prints):
    """One package facing the camera, drawn upright on a transparent canvas: (pixels, alpha)."""
    width = int(side * rng.uniform(0.28, 0.55))
    height = int(width * rng.uniform(1.0, 2.6))
    side_width = int(width * rng.uniform(0.2, 0.6)) if rng.random() < 0.6 else 0
    top_height = int(width * rng.uniform(0.15, 0.35)) if rng.random() < 0.7 else 0
    canvas_w, canvas_h = width + side_width + 4, height + top_height + 4
    pixels = np.zeros((canvas_h, canvas_w, 3), np.float32)
    alpha = np.zeros((canvas_h, canvas_w), np.float32)
    front = package_print(rng, height, width, products, prints)
    y0 = top_height + 2
    pixels[y0:y0 + height, 2:2 + width] = front
    alpha[y0:y0 + height, 2:2 + width] = 1
    lean = int(side_width * rng.uniform(0.2, 0.5))
    if side_width:  # the side face, turned away and darker
        face = package_print(rng, height, side_width, products, prints) * rng.uniform(0.55, 0.85)
        source = np.float32([[0, 0], [side_width, 0], [side_width, height], [0, height]])
        target = np.float32([[2 + width, y0], [2 + width + side_width, y0 - lean],
                             [2 + width + side_width, y0 + height - lean], [2 + width, y0 + height]])
        matrix = cv2.getPerspectiveTransform(source, target)
        warped = cv2.warpPerspective(face, matrix, (canvas_w, canvas_h))
        region = cv2.warpPerspective(np.ones((height, side_width), np.float32), matrix, (canvas_w, canvas_h))
        pixels = pixels * (1 - region[:, :, None]) + warped * region[:, :, None]
        alpha = np.maximum(alpha, region)
    if top_height:  # a gable top (a ridge across the carton) or a cap
        colour = front[0].mean(0) * rng.uniform(0.85, 1.1)
        if rng.random() < 0.6:
            points = np.int32([[2, y0], [2 + width, y0], [2 + width + side_width, y0 - lean],
                               [2 + width * 0.8 + side_width, y0 - top_height], [2 + width * 0.1, y0 - top_height]])
            cv2.fillPoly(pixels, [points], colour.tolist())
            cv2.fillPoly(alpha, [points], 1.0)
        else:
            cap = (int(2 + width * rng.uniform(0.3, 0.7)), y0 - top_height // 2)
            axes = (max(2, int(width * rng.uniform(0.12, 0.22))), max(2, top_height // 2))
            cv2.ellipse(pixels, cap, axes, 0, 0, 360, _colour(rng).tolist(), -1)
            cv2.ellipse(alpha, cap, axes, 0, 0, 360, 1.0, -1)
    shade = 1 + rng.uniform(-0.25, 0.25) * np.linspace(-0.5, 0.5, canvas_w, dtype=np.float32)
    pixels, alpha = pixels * shade[None, :, None], cv2.GaussianBlur(alpha, (0, 0), 0.6)
    if rng.random() < 0.5:  # the side face on the left
        pixels, alpha = pixels[:, ::-1], alpha[:, ::-1]
    return np.ascontiguousarray(pixels), np.ascontiguousarray(alpha)


def _hand(rng: np.random.Generator, side: int, alpha: np.ndarray) -> np.ndarray:
    """Coverage (float32, side x side) of a hand holding the package from one side: an arm from the frame's
    lower edge, a palm over the package's edge and fingers across its front."""
    ys, xs = np.nonzero(alpha > 0.5)
    if len(xs) == 0:
        return np.zeros_like(alpha)
    left = rng.random() < 0.7
    rows = slice(int(np.percentile(ys, 45)), int(np.percentile(ys, 90)) + 1)
    band = alpha[rows] > 0.5
    grip_y = int(rng.uniform(np.percentile(ys, 45), np.percentile(ys, 85)))
    columns = np.nonzero(band.any(0))[0]
    if len(columns) == 0:
        return np.zeros_like(alpha)
    grip_x = int(columns[0] if left else columns[-1])
    span = columns[-1] - columns[0] + 1
    hand = np.zeros_like(alpha)
    wrist = (int(grip_x + (-1 if left else 1) * side * rng.uniform(0.1, 0.3)), side + int(side * 0.1))
    thickness = int(side * rng.uniform(0.14, 0.24))
    cv2.line(hand, (grip_x, grip_y), wrist, 1.0, thickness)
    palm = (max(2, int(span * rng.uniform(0.15, 0.3))), max(2, int(side * rng.uniform(0.08, 0.14))))
    cv2.ellipse(hand, (grip_x, grip_y), palm, rng.uniform(-20, 20), 0, 360, 1.0, -1)
    for index in range(rng.integers(1, 5)):  # fingers across the front (or a thumb)
        y = int(grip_y - side * 0.065 * (index - 1) + rng.normal(0, side * 0.01))
        length = int(span * rng.uniform(0.25, 0.6))
        end = (grip_x + (length if left else -length), y + int(rng.normal(0, side * 0.02)))
        cv2.line(hand, (grip_x, y), end, 1.0, max(2, int(side * rng.uniform(0.045, 0.07))))
    return cv2.GaussianBlur(hand, (0, 0), 1.0)


def held_package(rng: np.random.Generator, side: int, products: list[Product], prints: list[np.ndarray],
                 corners: list[np.ndarray], shops: list[ShopPhoto] | None = None, shop_share: float = 0.0):
    """One picture of a package held in front of a shop shelf: (uint8 RGB (side, side, 3), float32 alpha).
    ``shop_share`` of them lay the package over the carton of a real shop photo (``shops``)."""
    if shops and rng.random() < shop_share:
        shop = shops[rng.integers(len(shops))]
        picture = cv2.resize(shop.pixels, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
        carton = cv2.resize(shop.carton.view(np.uint8), (side, side), interpolation=cv2.INTER_NEAREST) > 0
        if rng.random() < 0.5:
            picture, carton = picture[:, ::-1], carton[:, ::-1]
        placed = _over_carton(rng, side, *_package(rng, side, products, prints), carton)
        if placed is not None:
            pixels, alpha = placed
            light = rng.uniform(0.75, 1.1) * rng.uniform(0.92, 1.08, 3)
            picture = picture * (1 - alpha[:, :, None]) + pixels * light * alpha[:, :, None]
            if rng.random() < 0.4:  # the photo's own hand is around the package; sometimes fingers across it too
                picture, alpha = _held(rng, side, picture, alpha)
            return camera(rng, np.clip(picture, 0, 255)), np.ascontiguousarray(alpha)
    if corners and rng.random() < 0.35:
        corner = corners[rng.integers(len(corners))]
        picture = cv2.resize(corner, (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    else:
        picture = _shelf(rng, side, products, prints)
    pixels, alpha = _package(rng, side, products, prints)
    h, w = alpha.shape
    scale = rng.uniform(0.6, 1.25) * (side * 0.9) / max(h, w)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-35, 35), scale)
    matrix[:, 2] += rng.uniform(0.35, 0.65, 2) * side - np.array([w / 2, h / 2])
    pixels = cv2.warpAffine(pixels, matrix, (side, side), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(alpha, matrix, (side, side), flags=cv2.INTER_LINEAR)
    light = rng.uniform(0.65, 1.15) * rng.uniform(0.9, 1.1, 3)
    picture = picture * (1 - alpha[:, :, None]) + pixels * light * alpha[:, :, None]
    if rng.random() < 0.8:
        picture, alpha = _held(rng, side, picture, alpha)
    return camera(rng, np.clip(picture, 0, 255)), np.ascontiguousarray(alpha)


def _held(rng: np.random.Generator, side: int, picture: np.ndarray, alpha: np.ndarray):
    """``picture`` with a drawn hand holding the package (:func:`_hand`), and ``alpha`` less the hand."""
    hand = _hand(rng, side, alpha)
    skin = skin_colour(rng)
    shade = cv2.GaussianBlur(rng.normal(1, 0.06, alpha.shape).astype(np.float32), (0, 0), 4)[:, :, None]
    edge = 1 - 0.25 * np.clip(hand - cv2.GaussianBlur(hand, (0, 0), 4), 0, 1)[:, :, None]  # darker outline
    return picture * (1 - hand[:, :, None]) + skin * shade * edge * hand[:, :, None], alpha * (1 - hand)
