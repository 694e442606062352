"""Training pictures for the cut-out model: catalogue products composited onto real surfaces.

Each composite puts one or two products (``data``) on a surface (a texture from ``backgrounds/``, a strip of a
real phone photo's edge from ``realphotos/``, or a plain or gradient colour that may be white or the product's
own colour) with what phone photos have (``effects``): scale, position, rotation, perspective, soft shadows, a
finger over the product, uneven light, colour casts, blur, noise and JPEG. Returns the picture and the exact
alpha it was made with.
"""
from __future__ import annotations

import cv2
import numpy as np

from productgen.cutout.data import Product, drawn_product
from productgen.cutout.effects import camera, finger, hanger, shadow
from productgen.cutout.packages import held_package


def _surface(rng: np.random.Generator, side: int, surfaces, corners, product_colour,
             native_share: float = 0.0, flat: bool = True) -> np.ndarray:
    """A ``side`` square of surface: a ``backgrounds/`` texture, a real photo's corner stretched to the whole
    picture, or (unless not ``flat``, when there are textures) a flat colour; ``native_share`` of them a real
    photo's corner at its own scale (``_mirrored``: a rug's or a bedspread's print as sharp and as large as around
    a product in a phone photo)."""
    if native_share and corners and rng.random() < native_share:
        picture = _mirrored(rng, corners[rng.integers(len(corners))], side)
        return np.clip(picture * rng.uniform(0.75, 1.25, 3) * rng.uniform(0.7, 1.2), 0, 255)
    kind = rng.random() * (1.0 if flat or not (surfaces and corners) else 0.75)
    if kind < 0.45 and surfaces:
        texture = surfaces[rng.integers(len(surfaces))]
        if rng.random() < 0.25:
            texture = np.tile(texture, (2, 2, 1))
        h, w = texture.shape[:2]
        crop = int(min(h, w) * rng.uniform(0.35, 1.0))
        top, left = rng.integers(0, h - crop + 1), rng.integers(0, w - crop + 1)
        picture = cv2.resize(texture[top:top + crop, left:left + crop], (side, side), interpolation=cv2.INTER_AREA)
        if rng.random() < 0.5:  # a floor seen at an angle: the far side is smaller
            squeeze = rng.uniform(0.1, 0.35) * side
            source = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
            target = np.float32([[squeeze, 0], [side - squeeze, 0], [side, side], [0, side]])
            matrix = cv2.getPerspectiveTransform(target, source)
            picture = cv2.warpPerspective(picture, matrix, (side, side), borderMode=cv2.BORDER_REFLECT)
    elif kind < 0.75 and corners:
        corner = corners[rng.integers(len(corners))]
        picture = cv2.resize(corner, (side, side), interpolation=cv2.INTER_CUBIC)
        if rng.random() < 0.5:
            picture = picture[:, ::-1]
    else:
        colour = rng.uniform(215, 255, 3) if rng.random() < 0.35 else (
            np.clip(product_colour + rng.normal(0, 18, 3), 0, 255) if rng.random() < 0.4 else rng.uniform(0, 255, 3))
        picture = np.ones((side, side, 3), np.float32) * colour
        ramp = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.9, 1.1), side, dtype=np.float32)
        picture *= (ramp[:, None] if rng.random() < 0.5 else ramp[None, :])[:, :, None]
        grain = cv2.GaussianBlur(rng.normal(0, rng.uniform(2, 10), (side, side)).astype(np.float32), (0, 0), 1.5)
        picture = np.clip(picture + grain[:, :, None], 0, 255).astype(np.uint8)
    picture = picture.astype(np.float32) * rng.uniform(0.75, 1.25, 3) * rng.uniform(0.7, 1.2)
    return np.clip(picture, 0, 255)


def _mirrored(rng: np.random.Generator, corner: np.ndarray, side: int) -> np.ndarray:
    """A real photo's corner at about its own scale, mirrored into a ``side`` square: a bedspread's or a rug's
    print as large as it lies around a product (a corner stretched to the whole picture magnifies it 3-5x)."""
    tile = cv2.resize(corner, None, fx=rng.uniform(0.6, 1.2), fy=rng.uniform(0.6, 1.2), interpolation=cv2.INTER_AREA)
    row = np.concatenate([tile, tile[:, ::-1]], 1)
    block = np.concatenate([row, row[::-1]], 0)
    reps = (side // block.shape[0] + 2, side // block.shape[1] + 2, 1)
    top, left = rng.integers(0, block.shape[0]), rng.integers(0, block.shape[1])
    return np.tile(block, reps)[top:top + side, left:left + side].astype(np.float32)


def _layer(rng: np.random.Generator, picture: np.ndarray, side: int, surfaces, corners,
           product_colour) -> np.ndarray:
    """A second surface under the product, as on a bed: a bedspread, a rug or a towel, a large four-sided patch
    whose edges cross the picture, on the first surface (a floor, a wall). The product lies on it; the
    network learns that a patterned region under a product is not the product."""
    if corners and rng.random() < 0.6:
        cover = _mirrored(rng, corners[rng.integers(len(corners))], side)
        cover = cover * rng.uniform(0.75, 1.25, 3) * rng.uniform(0.7, 1.2)
    else:
        cover = _surface(rng, side, surfaces, corners, product_colour)
    low, high = rng.uniform(-0.3, 0.2, 2) * side, rng.uniform(0.8, 1.3, 2) * side
    points = np.float32([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
    points += rng.normal(0, 0.04 * side, (4, 2)).astype(np.float32)
    region = np.zeros((side, side), np.float32)
    cv2.fillConvexPoly(region, np.rint(points).astype(np.int32), 1.0)
    region = cv2.GaussianBlur(region, (0, 0), rng.uniform(0.5, 2.0))
    if rng.random() < 0.5:  # the bed's edge casts a soft shadow on the floor
        shade = cv2.GaussianBlur(region, (0, 0), side * 0.03)
        picture = picture * (1 - rng.uniform(0.2, 0.5) * np.clip(shade - region, 0, 1))[:, :, None]
    return np.clip(picture * (1 - region[:, :, None]) + cover * region[:, :, None], 0, 255)


def _place(rng: np.random.Generator, product: Product, side: int, large: bool, sizes: tuple | None = None,
           spread: float = 0.25):
    """The product warped into a ``side`` canvas: (pixels float32, alpha float32); its longer side a share of
    ``side`` drawn from ``sizes`` (by default 1.0-1.35 when ``large``, else 0.3-0.95), its centre at least
    ``spread`` of the side from the picture's edges."""
    h, w = product.alpha.shape
    longest = side * (rng.uniform(*sizes) if sizes else rng.uniform(1.0, 1.35) if large else rng.uniform(0.3, 0.95))
    scale = longest / max(h, w)
    angle = rng.uniform(-25, 25) if rng.random() < 0.5 else 0.0
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    centre = rng.uniform(spread, 1 - spread, 2) * side
    matrix[:, 2] += centre - np.array([w / 2, h / 2])
    pixels, source_alpha = product.pixels, product.alpha
    if rng.random() < 0.5:
        pixels, source_alpha = pixels[:, ::-1], source_alpha[:, ::-1]
    pixels = pixels.astype(np.float32) * rng.uniform(0.6, 1.15) * rng.uniform(0.9, 1.1, 3)
    warped = cv2.warpAffine(pixels, matrix, (side, side), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    alpha = cv2.warpAffine(np.ascontiguousarray(source_alpha), matrix, (side, side), flags=cv2.INTER_LINEAR,
                           borderValue=0)
    return np.clip(warped, 0, 255), alpha


def real_example(rng: np.random.Generator, photo: Product, side: int):
    """A pseudo-labelled real photo, cropped to a square around the product and resized, through the camera."""
    height, width = photo.alpha.shape
    crop = int(min(height, width) * rng.uniform(0.8, 1.0))
    top, left = rng.integers(0, height - crop + 1), rng.integers(0, width - crop + 1)
    pixels = cv2.resize(photo.pixels[top:top + crop, left:left + crop], (side, side), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(photo.alpha[top:top + crop, left:left + crop], (side, side), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        pixels, alpha = pixels[:, ::-1], alpha[:, ::-1]
    return camera(rng, pixels.astype(np.float32)), np.ascontiguousarray(alpha)


def composite(rng: np.random.Generator, products: list[Product], surfaces, corners, side: int = 256,
              real: list[Product] | None = None, real_share: float = 0.0, shape_share: float = 0.0,
              layered_share: float = 0.0, package_share: float = 0.0, prints: list[np.ndarray] | None = None,
              shops: list | None = None, shop_share: float = 0.0, native_share: float = 0.0,
              real_products: list[Product] | None = None, real_product_share: float = 0.0,
              second_share: float = 0.15, hanger_share: float = 0.0):
    """One training picture: (uint8 RGB (side, side, 3), float32 alpha (side, side)). ``real_share`` of them
    are pseudo-labelled real photos (``real``); ``package_share`` are packages held up in front of a shop shelf
    (:func:`productgen.cutout.packages.held_package`, printed with ``prints`` too; ``shop_share`` of those on a
    real shop photo of ``shops``); ``shape_share`` of the
    products are drawn objects; ``layered_share`` of the others lie on a second surface (:func:`_layer`);
    ``native_share`` of the surfaces are real photos' corners at their own scale (:func:`_surface`);
    ``real_product_share`` of the products are real photos' products (``real_products``, :func:`cut_product`);
    ``second_share`` of the pictures hold a second product (the mask holds both); ``hanger_share`` of them hang
    on a drawn hanger's hook (:func:`effects.hanger`, not product)."""
    if real and rng.random() < real_share:
        return real_example(rng, real[rng.integers(len(real))], side)
    if package_share and rng.random() < package_share:
        return held_package(rng, side, products, prints or [], corners, shops, shop_share)

    def pick():
        if real_products and rng.random() < real_product_share:
            return real_products[rng.integers(len(real_products))]
        return drawn_product(rng) if rng.random() < shape_share else products[rng.integers(len(products))]

    first = pick()
    colour = first.pixels[first.alpha > 0.5].mean(0) if (first.alpha > 0.5).any() else np.full(3, 128.0)
    picture = _surface(rng, side, surfaces, corners, colour, native_share)
    if layered_share and rng.random() < layered_share:
        picture = _layer(rng, picture, side, surfaces, corners, colour)
    target = np.zeros((side, side), np.float32)
    count = 2 if rng.random() < second_share else 1
    for index in range(count):
        product = first if index == 0 else pick()
        pixels, alpha = _place(rng, product, side, large=rng.random() < 0.12)
        if rng.random() < 0.6:
            picture = shadow(rng, picture, alpha)
        picture = picture * (1 - alpha[:, :, None]) + pixels * alpha[:, :, None]
        target = np.maximum(target * (1 - alpha), alpha)
    if rng.random() < 0.15:
        picture, target = finger(rng, picture, target)
    if hanger_share and rng.random() < hanger_share:  # no draw without hangers: the benchmark sets stay as they were
        picture, target = hanger(rng, picture, target)
    return camera(rng, picture), target


def batch(rng: np.random.Generator, products, surfaces, corners, size: int, side: int = 256, **mix):
    """``size`` composites as tensors: images (N, 3, side, side) in -1..1, alphas (N, 1, side, side)."""
    import torch

    pictures, alphas = zip(*(composite(rng, products, surfaces, corners, side, **mix) for _ in range(size)))
    images = torch.from_numpy(np.stack(pictures)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    return images.contiguous(memory_format=torch.channels_last), torch.from_numpy(np.stack(alphas))[:, None]
