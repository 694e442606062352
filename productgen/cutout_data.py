"""Training pictures for the cut-out model: catalogue products composited onto real surfaces.

A catalogue photo's backdrop is white, so its product mask comes free (``find_background``). Each composite
puts one or two such products on a surface (a texture from ``backgrounds/``, a strip of a real phone photo's
edge from ``realphotos/``, or a plain or gradient colour that may be white or the product's own colour) with
what phone photos have: scale, position, rotation, perspective, soft shadows, a finger over the product,
uneven light, colour casts, blur, noise and JPEG. Returns the picture and the exact alpha it was made with.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .background import find_background

PRODUCT_SHAPE = (168, 224)  # the catalogue's 60x80 portrait thumbnails were stretched to 224x224: undo it


def held_out(key: str, fraction: float, salt: str = "cutout") -> bool:
    """A stable, seedless choice of a held-out share of groups (the same on every machine)."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


@dataclass
class Product:
    pixels: np.ndarray  # uint8 (H, W, 3)
    alpha: np.ndarray  # float32 (H, W)


WORN_SKIN_SHARE = 0.04  # an apparel photo whose product pixels are more skin than this shows a wearer


def skin_share(pixels: np.ndarray, product: np.ndarray) -> float:
    """Share of the product's pixels (``product``: bool mask) whose colour is a skin tone (YCrCb box)."""
    ycrcb = cv2.cvtColor(pixels, cv2.COLOR_RGB2YCrCb).astype(np.int16)
    luma, cr, cb = ycrcb[..., 0], ycrcb[..., 1], ycrcb[..., 2]
    skin = (luma > 60) & (cr >= 138) & (cr <= 173) & (cb >= 77) & (cb <= 127)
    return float((skin & product).sum() / max(1, product.sum()))


def apparel_ids(folder: str | Path) -> set[str]:
    """Ids of the catalogue's clothing (masterCategory Apparel) from the ``labels.csv`` beside ``folder``."""
    labels = Path(folder).parent / "labels.csv"
    if not labels.is_file():
        raise ValueError(f"leaving out worn products needs the catalogue's labels: no {labels}")
    with open(labels, newline="") as handle:
        return {row["id"] for row in csv.DictReader(handle) if row.get("masterCategory") == "Apparel"}


def load_products(folder: str | Path, ids: set[str] | None = None, exclude: set[str] | None = None,
                  limit: int | None = None, skip_worn: bool = False) -> list[Product]:
    """Catalogue photos as products with their masks; photos whose mask is implausible are left out.

    With ``skip_worn``, so are clothes worn by a model (an apparel photo with skin among its product pixels): on
    white, the flood fill's mask holds the wearer's face, arms and hands too, which taught the cut-out that skin is
    product, while a merchant's hand holding the product is not."""
    products = []
    clothing = apparel_ids(folder) if skip_worn else set()
    for path in sorted(Path(folder).glob("*.jpg")):
        if (ids is not None and path.stem not in ids) or (exclude and path.stem in exclude):
            continue
        pixels = np.asarray(Image.open(path).convert("RGB").resize(PRODUCT_SHAPE, Image.LANCZOS))
        product = ~find_background(pixels)
        share = product.mean()
        border = np.concatenate([product[0], product[-1], product[:, 0], product[:, -1]]).mean()
        if not 0.04 <= share <= 0.95 or border > 0.25:
            continue
        if path.stem in clothing and skin_share(pixels, product) > WORN_SKIN_SHARE:
            continue
        # one pixel in from the flood fill's edge: no white halo is pasted with the product
        inner = cv2.erode(product.view(np.uint8), np.ones((3, 3), np.uint8))
        alpha = cv2.GaussianBlur(inner.astype(np.float32), (0, 0), 0.6)
        products.append(Product(pixels, alpha))
        if limit and len(products) >= limit:
            break
    return products


def drawn_product(rng: np.random.Generator) -> Product:
    """A made-up object (ellipse, box, rounded box or polygon) with a colour, shading and a surface pattern:
    objects of no catalogue type (mugs, boxes, bottles) that the model must cut out too."""
    height, width = PRODUCT_SHAPE[1], PRODUCT_SHAPE[0]
    mask = np.zeros((height, width), np.uint8)
    centre = (width // 2, height // 2)
    axes = (int(width * rng.uniform(0.25, 0.48)), int(height * rng.uniform(0.25, 0.48)))
    kind = rng.integers(4)
    if kind == 0:
        cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 1, -1)
    elif kind == 1:
        cv2.rectangle(mask, (centre[0] - axes[0], centre[1] - axes[1]), (centre[0] + axes[0], centre[1] + axes[1]),
                      1, -1)
    elif kind == 2:
        radius = int(min(axes) * rng.uniform(0.2, 0.6))
        inner = (centre[0] - axes[0] + radius, centre[1] - axes[1] + radius, centre[0] + axes[0] - radius,
                 centre[1] + axes[1] - radius)
        cv2.rectangle(mask, inner[:2], inner[2:], 1, -1)
        for x, y in ((inner[0], inner[1]), (inner[2], inner[1]), (inner[0], inner[3]), (inner[2], inner[3])):
            cv2.circle(mask, (x, y), radius, 1, -1)
        cv2.rectangle(mask, (inner[0] - radius, inner[1]), (inner[2] + radius, inner[3]), 1, -1)
        cv2.rectangle(mask, (inner[0], inner[1] - radius), (inner[2], inner[3] + radius), 1, -1)
    else:
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 9)))
        points = np.stack([centre[0] + axes[0] * np.cos(angles), centre[1] + axes[1] * np.sin(angles)], 1)
        cv2.fillPoly(mask, [points.astype(np.int32)], 1)
    colour = rng.uniform(0, 255, 3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    shade = 1 + rng.uniform(-0.3, 0.3) * (xx / width - 0.5) + rng.uniform(-0.3, 0.3) * (yy / height - 0.5)
    pixels = colour * shade[:, :, None]
    if rng.random() < 0.5:  # stripes or print
        period = rng.uniform(6, 30)
        stripes = (np.sin((xx * np.cos(rng.uniform(0, 3)) + yy) / period * 2 * np.pi) > 0)[:, :, None]
        pixels = np.where(stripes, pixels, rng.uniform(0, 255, 3) * shade[:, :, None])
    pixels = pixels + cv2.GaussianBlur(rng.normal(0, 10, (height, width)).astype(np.float32), (0, 0), 1)[:, :, None]
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.6)
    return Product(np.clip(pixels, 0, 255).astype(np.uint8), alpha)


def pseudo_labels(model, folder: str | Path, files: list[str], min_confidence: float = 0.95,
                  side: int = 320, cleaned: bool = False, cleaned_confidence: float = 0.9) -> list[Product]:
    """Real photos with the mask ``model`` is sure of, as Enhance's verdict would pass it (one object, clear of
    the photo's edge, no surface kept): self-training on the surfaces and light of real phone photos, which
    composites lack. (Without the surface check, masks that kept the bedspread under a product were trained on
    and taught the model to keep it.)

    With ``cleaned``, a photo whose only doubt is surface the network kept is labelled too when the photo's
    colours removed it: after the colour cut (``cutout_model.colour_cut``) no surface-like patch is left
    (``Mask.surface_kept_cleaned``) and the network was sure of at least ``cleaned_confidence`` of its outline.
    These are the patterned bedspreads the network keeps under a shirt; labelled by the corrected mask, they
    teach it to drop them."""
    from .cutout_model import cutout

    labelled = []
    for name in files:
        pixels = read_image(Path(folder) / name, side)
        mask = cutout(pixels, model)
        if worth_training_on(mask, min_confidence, cleaned, cleaned_confidence):
            labelled.append(Product(pixels, mask.alpha))
    return labelled


def cut_product(photo: Product, margin: float = 0.05) -> Product | None:
    """A pseudo-labelled real photo cut down to its product (the box around the mask, ``margin`` of it more on
    each side), to be laid on other surfaces as the catalogue products are: a garment as phone photos show it
    (laid flat, creased, in room light), where the catalogue's are pressed, lit in a studio or worn. None when
    the mask is empty."""
    ys, xs = np.nonzero(photo.alpha > 0.5)
    if len(xs) == 0:
        return None
    height, width = photo.alpha.shape
    pad_y, pad_x = int((ys.max() - ys.min()) * margin) + 2, int((xs.max() - xs.min()) * margin) + 2
    top, bottom = max(0, ys.min() - pad_y), min(height, ys.max() + pad_y + 1)
    left, right = max(0, xs.min() - pad_x), min(width, xs.max() + pad_x + 1)
    return Product(np.ascontiguousarray(photo.pixels[top:bottom, left:right]),
                   np.ascontiguousarray(photo.alpha[top:bottom, left:right], dtype=np.float32))


def worth_training_on(mask, min_confidence: float = 0.95, cleaned: bool = False,
                      cleaned_confidence: float = 0.9) -> bool:
    """Whether a real photo's ``mask`` (a ``cutout_model.Mask``) is a self-training label: see
    :func:`pseudo_labels`."""
    from .cutout_model import COLOUR_NOTE, SURFACE_KEPT_DOUBT, SURFACE_NOTE

    if mask.touches_border > 0.02 or not 0.05 <= mask.product.mean() <= 0.85:
        return False
    if not mask.notes:
        return mask.confidence >= min_confidence
    return cleaned and set(mask.notes) <= {SURFACE_NOTE, COLOUR_NOTE} and mask.cut_by_colour > 0 \
        and mask.confidence >= cleaned_confidence and mask.surface_kept_cleaned < SURFACE_KEPT_DOUBT


def read_image(path: Path, longest: int = 640) -> np.ndarray:
    image = Image.open(path).convert("RGB")
    image.thumbnail((longest, longest), Image.LANCZOS)
    return np.asarray(image)


def load_surfaces(folder: str | Path, validation: bool) -> list[np.ndarray]:
    """``backgrounds/`` images of the train or the validation groups (a tenth of groups are held out)."""
    folder = Path(folder)
    with open(folder / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [read_image(folder / row["file"]) for row in rows
            if held_out(row["group"], 0.1) == validation]


def realphoto_corners(folder: str | Path, files: list[str], limit: int | None = None) -> list[np.ndarray]:
    """The four corners of real phone photos (floors, beds, sofas, shop shelves): the product is rarely
    there. Each corner is its own picture, stretched into a background later."""
    corners = []
    for name in files[:limit]:
        pixels = read_image(Path(folder) / name, 400)
        size = max(16, min(pixels.shape[:2]) // 5)
        corners += [pixels[:size, :size], pixels[:size, -size:], pixels[-size:, :size], pixels[-size:, -size:]]
    return [np.ascontiguousarray(c) for c in corners]


# -- one composite ------------------------------------------------------------------------------------------

def _surface(rng: np.random.Generator, side: int, surfaces, corners, product_colour,
             native_share: float = 0.0) -> np.ndarray:
    """A ``side`` square of surface: a ``backgrounds/`` texture, a real photo's corner stretched to the whole
    picture, or a flat colour; ``native_share`` of them a real photo's corner at its own scale (``_mirrored``:
    a rug's or a bedspread's print as sharp and as large as around a product in a phone photo)."""
    if native_share and corners and rng.random() < native_share:
        picture = _mirrored(rng, corners[rng.integers(len(corners))], side)
        return np.clip(picture * rng.uniform(0.75, 1.25, 3) * rng.uniform(0.7, 1.2), 0, 255)
    kind = rng.random()
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


def _place(rng: np.random.Generator, product: Product, side: int, large: bool):
    """The product warped into a ``side`` canvas: (pixels float32, alpha float32)."""
    h, w = product.alpha.shape
    longest = side * (rng.uniform(1.0, 1.35) if large else rng.uniform(0.3, 0.95))
    scale = longest / max(h, w)
    angle = rng.uniform(-25, 25) if rng.random() < 0.5 else 0.0
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    centre = rng.uniform(0.25, 0.75, 2) * side
    matrix[:, 2] += centre - np.array([w / 2, h / 2])
    pixels, source_alpha = product.pixels, product.alpha
    if rng.random() < 0.5:
        pixels, source_alpha = pixels[:, ::-1], source_alpha[:, ::-1]
    pixels = pixels.astype(np.float32) * rng.uniform(0.6, 1.15) * rng.uniform(0.9, 1.1, 3)
    warped = cv2.warpAffine(pixels, matrix, (side, side), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    alpha = cv2.warpAffine(np.ascontiguousarray(source_alpha), matrix, (side, side), flags=cv2.INTER_LINEAR,
                           borderValue=0)
    return np.clip(warped, 0, 255), alpha


def _shadow(rng: np.random.Generator, picture: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    side = alpha.shape[0]
    shift = np.float32([[1, 0, rng.uniform(-0.04, 0.04) * side], [0, 1, rng.uniform(0.0, 0.06) * side]])
    shadow = cv2.warpAffine(alpha, shift, (side, side))
    shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(0.01, 0.05) * side) * rng.uniform(0.15, 0.5)
    return picture * (1 - shadow[:, :, None])


def skin_colour(rng: np.random.Generator) -> np.ndarray:
    """A random warm skin colour (RGB, float32) for a drawn finger or hand."""
    return np.array([rng.uniform(150, 235), rng.uniform(100, 180), rng.uniform(80, 150)], np.float32)


def _finger(rng: np.random.Generator, picture: np.ndarray, alpha: np.ndarray):
    """A skin-coloured finger or thumb over the product's edge; it is not product."""
    ys, xs = np.nonzero(alpha > 0.5)
    if len(xs) == 0:
        return picture, alpha
    pick = rng.integers(len(xs))
    side = alpha.shape[0]
    occluder = np.zeros_like(alpha)
    axes = (int(side * rng.uniform(0.03, 0.06)), int(side * rng.uniform(0.1, 0.25)))
    cv2.ellipse(occluder, (int(xs[pick]), int(ys[pick])), axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
    occluder = cv2.GaussianBlur(occluder, (0, 0), 1.0)
    skin = skin_colour(rng)
    shade = cv2.GaussianBlur(rng.normal(1, 0.05, alpha.shape).astype(np.float32), (0, 0), 3)[:, :, None]
    picture = picture * (1 - occluder[:, :, None]) + skin * shade * occluder[:, :, None]
    return picture, alpha * (1 - occluder)


def _camera(rng: np.random.Generator, picture: np.ndarray) -> np.ndarray:
    side = picture.shape[0]
    if rng.random() < 0.6:  # uneven light
        yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) / side
        angle = rng.uniform(0, 2 * np.pi)
        light = 1 + rng.uniform(0.1, 0.4) * ((xx - 0.5) * np.cos(angle) + (yy - 0.5) * np.sin(angle))
        picture = picture * light[:, :, None]
    if rng.random() < 0.3:  # warm or cool cast
        picture = picture * np.array([1 + rng.uniform(-0.12, 0.12), 1.0, 1 + rng.uniform(-0.12, 0.12)])
    picture = np.clip(picture, 0, 255).astype(np.uint8)
    if rng.random() < 0.35:
        picture = cv2.GaussianBlur(picture, (0, 0), rng.uniform(0.4, 1.6))
    if rng.random() < 0.5:
        noise = rng.normal(0, rng.uniform(1.5, 7), picture.shape)
        picture = np.clip(picture + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(35, 95))])
        picture = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
    return picture


def real_example(rng: np.random.Generator, photo: Product, side: int):
    """A pseudo-labelled real photo, cropped to a square around the product and resized, through the camera."""
    height, width = photo.alpha.shape
    crop = int(min(height, width) * rng.uniform(0.8, 1.0))
    top, left = rng.integers(0, height - crop + 1), rng.integers(0, width - crop + 1)
    pixels = cv2.resize(photo.pixels[top:top + crop, left:left + crop], (side, side), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(photo.alpha[top:top + crop, left:left + crop], (side, side), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        pixels, alpha = pixels[:, ::-1], alpha[:, ::-1]
    return _camera(rng, pixels.astype(np.float32)), np.ascontiguousarray(alpha)


def composite(rng: np.random.Generator, products: list[Product], surfaces, corners, side: int = 256,
              real: list[Product] | None = None, real_share: float = 0.0, shape_share: float = 0.0,
              layered_share: float = 0.0, package_share: float = 0.0, prints: list[np.ndarray] | None = None,
              shops: list | None = None, shop_share: float = 0.0, native_share: float = 0.0,
              real_products: list[Product] | None = None, real_product_share: float = 0.0):
    """One training picture: (uint8 RGB (side, side, 3), float32 alpha (side, side)). ``real_share`` of them
    are pseudo-labelled real photos (``real``); ``package_share`` are packages held up in front of a shop shelf
    (:func:`productgen.cutout_packages.held_package`, printed with ``prints`` too; ``shop_share`` of those on a
    real shop photo of ``shops``); ``shape_share`` of the
    products are drawn objects; ``layered_share`` of the others lie on a second surface (:func:`_layer`);
    ``native_share`` of the surfaces are real photos' corners at their own scale (:func:`_surface`);
    ``real_product_share`` of the products are real photos' products (``real_products``, :func:`cut_product`)."""
    if real and rng.random() < real_share:
        return real_example(rng, real[rng.integers(len(real))], side)
    if package_share and rng.random() < package_share:
        from .cutout_packages import held_package

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
    count = 2 if rng.random() < 0.15 else 1
    for index in range(count):
        product = first if index == 0 else pick()
        pixels, alpha = _place(rng, product, side, large=rng.random() < 0.12)
        if rng.random() < 0.6:
            picture = _shadow(rng, picture, alpha)
        picture = picture * (1 - alpha[:, :, None]) + pixels * alpha[:, :, None]
        target = np.maximum(target * (1 - alpha), alpha)
    if rng.random() < 0.15:
        picture, target = _finger(rng, picture, target)
    return _camera(rng, picture), target


def batch(rng: np.random.Generator, products, surfaces, corners, size: int, side: int = 256, **mix):
    """``size`` composites as tensors: images (N, 3, side, side) in -1..1, alphas (N, 1, side, side)."""
    import torch

    pictures, alphas = zip(*(composite(rng, products, surfaces, corners, side, **mix) for _ in range(size)))
    images = torch.from_numpy(np.stack(pictures)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    return images.contiguous(memory_format=torch.channels_last), torch.from_numpy(np.stack(alphas))[:, None]
