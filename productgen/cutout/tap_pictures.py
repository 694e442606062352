"""Training pictures with simulated taps, for a cut-out network that reads taps (``cutout.taps``).

- a keep tap inside the product of an ordinary composite, a pseudo-labelled real photo or a product before a
  drawn room's furniture, and sometimes a remove tap on its surface: the mask is unchanged (a tap never hurts,
  and keeps the whole product, its prints too);
- a scene of several objects lying apart on a surface or in a drawn room (a floor, a wall and furniture cut by
  the frame): keep taps on one object make it the mask alone; remove taps on some objects take them out of the
  mask;
- without taps, the pictures and masks are those the model trained on before.
"""
from __future__ import annotations

import cv2
import numpy as np

from productgen.cutout.taps import inside_point, outside_point, tap_maps

# -- drawn rooms --------------------------------------------------------------------------------------------

def _texture(rng: np.random.Generator, side: int, surfaces, corners, wall: bool = False) -> np.ndarray:
    """A ``side`` square of wood, cloth or paint for a piece of furniture or a wall. Only a wall may be flat
    paint, and then a light one: flat-coloured furniture taught run 12 that a plain box is background, and it
    punched holes in plain products."""
    from productgen.cutout.composites import _surface

    if wall and rng.random() < 0.3:
        colour = rng.uniform(190, 250) * np.ones(3) + rng.uniform(-12, 12, 3)
        return np.clip(np.ones((side, side, 3), np.float32) * colour + rng.normal(0, 3, (side, side, 1)), 0, 255)
    return _surface(rng, side, surfaces, corners, np.full(3, 128.0), flat=False)


def room(rng: np.random.Generator, side: int, surfaces, corners) -> np.ndarray:
    """A drawn room behind a product: a wall, a floor seen at an angle below it, and one to three pieces of
    furniture (a chest of drawers, a table, a shelf, a sofa's back) standing on the floor, often cut by the
    frame. None of it is product."""
    from productgen.cutout.composites import _surface

    horizon = int(side * rng.uniform(0.15, 0.65))
    wall = _texture(rng, side, surfaces, corners, wall=True)
    wall = wall * np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.1), side, dtype=np.float32)[None, :, None]
    floor = _surface(rng, side, surfaces, corners, np.full(3, 128.0))
    squeeze = rng.uniform(0.15, 0.4) * side
    source = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    target = np.float32([[squeeze, 0], [side - squeeze, 0], [side, side], [0, side]])
    floor = cv2.warpPerspective(floor, cv2.getPerspectiveTransform(target, source), (side, side),
                                borderMode=cv2.BORDER_REFLECT)
    picture = wall.copy()
    picture[horizon:] = floor[horizon:]
    skirting = max(1, int(side * rng.uniform(0.005, 0.02)))
    picture[max(0, horizon - skirting):horizon] = rng.uniform(150, 255, 3) if rng.random() < 0.6 else \
        picture[max(0, horizon - skirting):horizon] * 0.7
    leg = max(2, int(side * 0.02))
    for _ in range(rng.integers(1, 4)):
        width = int(side * rng.uniform(0.25, 0.8))
        left = int(rng.uniform(-0.4, 1.0) * side - width / 2)
        bottom = min(side, horizon + int(side * rng.uniform(0.0, 0.3)))
        height = int(side * rng.uniform(0.2, 0.7))
        top = max(0, bottom - height)
        x0, x1 = max(0, left), min(side, left + width)
        if x1 - x0 < 4 or bottom - top < 4:
            continue
        body = _texture(rng, side, surfaces, corners)[:bottom - top, :x1 - x0] * rng.uniform(0.6, 1.1)
        shade = np.linspace(1.0, rng.uniform(0.7, 0.95), x1 - x0, dtype=np.float32)[None, :, None]
        body = body * (shade if rng.random() < 0.5 else shade[:, ::-1])
        kind = rng.random()
        if kind < 0.5:  # drawers: dark gaps and knobs
            rows = rng.integers(2, 5)
            for row in range(1, rows):
                y = int(row * (bottom - top) / rows)
                body[max(0, y - 1):y + 1] *= 0.45
                for share in (0.3, 0.7):
                    knob = (int((x1 - x0) * share), min(bottom - top - 1, y + int((bottom - top) / rows / 2)))
                    cv2.circle(body, knob, max(1, side // 120), tuple(float(v) for v in rng.uniform(60, 220, 3)), -1)
        elif kind < 0.75 and x1 - x0 > 8 * leg:  # a table: a top and two legs, the wall between them
            top_height = max(3, int((bottom - top) * 0.12))
            hole = picture[top + top_height:bottom, x0 + leg:x1 - leg].copy()
            body[top_height:, leg:(x1 - x0) - leg] = hole
        picture[top:bottom, x0:x1] = body
        if rng.random() < 0.6:  # its shadow on the floor
            strip = picture[bottom:min(side, bottom + int(side * 0.04)), x0:x1]
            strip *= rng.uniform(0.5, 0.8)
    return np.clip(picture, 0, 255)


# -- pictures with taps -------------------------------------------------------------------------------------

APART_TRIES, APART_OVERLAP = 8, 0.05  # training scenes: places tried for an object; its share others may cover


def scene(rng: np.random.Generator, sources, side: int, apart: bool = False):
    """Several objects on one surface or in a drawn room: (picture float32, [visible alpha of each object]), the
    product (the first, largest) first. With ``apart`` (training) the objects lie apart, as on a desk, each
    overlapping the others by at most APART_OVERLAP of its area (an object with no such place is left out), and
    the product is laid last: trained on objects lying on one another, run 13 learnt that a tap keeps the patch
    of colour around it, and took a T-shirt's print for the thing tapped. (Without it the draws are those of the
    benchmark's scenes.)"""
    from productgen.cutout.composites import _place, _surface
    from productgen.cutout.data import drawn_product
    from productgen.cutout.effects import shadow

    def pick():
        if sources.real_products and rng.random() < 0.25:
            return sources.real_products[rng.integers(len(sources.real_products))]
        return drawn_product(rng) if rng.random() < 0.35 else sources.products[rng.integers(len(sources.products))]

    picture = room(rng, side, sources.surfaces, sources.corners) if rng.random() < 0.5 else \
        _surface(rng, side, sources.surfaces, sources.corners, np.full(3, 128.0), sources.native_share)
    placed, alphas = [], {}
    taken = np.zeros((side, side), bool)

    def lay(index, pixels, alpha):
        nonlocal picture, alphas
        if rng.random() < 0.6:
            picture = shadow(rng, picture, alpha)
        picture = picture * (1 - alpha[:, :, None]) + pixels * alpha[:, :, None]
        alphas = {key: earlier * (1 - alpha) for key, earlier in alphas.items()}
        alphas[index] = alpha

    for index in range(rng.integers(2, 5)):  # the first is the product, the others smaller beside it
        sizes = (0.35, 0.8) if index == 0 else (0.15, 0.5)
        product = pick()
        for _ in range(APART_TRIES if apart else 1):
            pixels, alpha = _place(rng, product, side, large=False, sizes=sizes, spread=0.3 if index == 0 else 0.12)
            solid = alpha > 0.5
            if not apart or (solid & taken).sum() <= APART_OVERLAP * max(1, solid.sum()):
                break
        else:
            continue
        if not apart:
            lay(index, pixels, alpha)
            continue
        taken |= solid
        placed.append((index, pixels, alpha))
    for index, pixels, alpha in placed[1:] + placed[:1]:  # apart: the product last, so nothing lies on it
        lay(index, pixels, alpha)
    return picture, [alphas[key] for key in sorted(alphas)]


def room_picture(rng: np.random.Generator, sources, side: int):
    """One product in front of a drawn room's furniture: (uint8 RGB picture, float32 alpha of the product)."""
    from productgen.cutout.composites import _place
    from productgen.cutout.effects import camera, shadow

    picture = room(rng, side, sources.surfaces, sources.corners)
    pixels, alpha = _place(rng, sources.products[rng.integers(len(sources.products))], side, large=False,
                           sizes=(0.35, 0.9), spread=0.3)
    if rng.random() < 0.6:
        picture = shadow(rng, picture, alpha)
    return camera(rng, picture * (1 - alpha[:, :, None]) + pixels * alpha[:, :, None]), alpha


def tap_picture(rng: np.random.Generator, sources, side: int):
    """One training picture with simulated taps: (uint8 RGB picture, float32 target alpha, keep points, remove
    points), points (x, y) in the picture's pixels (see the module's notes)."""
    from productgen.cutout.composites import composite, real_example
    from productgen.cutout.effects import camera

    kind = rng.random()
    if kind < 0.4:  # a keep tap on a product as the model trains on it, sometimes a remove tap on its surface
        if sources.real and rng.random() < 0.35:
            picture, target = real_example(rng, sources.real[rng.integers(len(sources.real))], side)
        elif rng.random() < 0.3:  # one product before a room's furniture: the tap keeps all of it, prints too
            picture, target = room_picture(rng, sources, side)
        else:
            picture, target = composite(rng, sources.products, sources.surfaces, sources.corners, side,
                                        **sources.mix(real=None, real_share=0.0, second_share=0.0))
        solid = target >= 0.5
        keep = [point for point in [inside_point(rng, solid)] if point]
        if rng.random() < 0.25:
            keep += [point for point in [inside_point(rng, solid)] if point]
        remove = [point for point in [outside_point(rng, solid)] if point] if rng.random() < 0.35 else []
        return picture, target, keep, remove
    picture, alphas = scene(rng, sources, side, apart=True)
    picture = camera(rng, picture)
    everything = np.max(alphas, 0)
    alphas = [alpha for alpha in alphas if (alpha > 0.5).sum() >= 0.002 * side * side]  # what can be tapped
    if len(alphas) < 2 or rng.random() < 0.15:  # no taps: everything that is an object is kept, as before
        return picture, everything, [], []
    order = rng.permutation(len(alphas))
    if rng.random() < 0.7:  # keep taps on one object: it alone is the product
        chosen = alphas[order[0]]
        keep = [inside_point(rng, chosen >= 0.5)]
        if rng.random() < 0.2:
            keep.append(inside_point(rng, chosen >= 0.5))
        remove = [inside_point(rng, alphas[order[1]] >= 0.5)] if rng.random() < 0.3 else []
        return picture, chosen, [p for p in keep if p], [p for p in remove if p]
    # remove taps on some objects: the rest stay
    removed = order[:rng.integers(1, len(alphas))]
    remove = [inside_point(rng, alphas[index] >= 0.5) for index in removed]
    target = np.max([alphas[index] for index in range(len(alphas)) if index not in set(removed)], 0)
    return picture, target, [], [p for p in remove if p]


def tap_batch(rng: np.random.Generator, sources, size: int, side: int, tap_share: float):
    """``size`` pictures as tensors for a network that reads taps: images (N, 5, side, side), the colours in
    -1..1 then the keep and remove maps, and alphas (N, 1, side, side); ``tap_share`` of them carry taps (the
    others are ``sources``' ordinary composites)."""
    import torch

    from productgen.cutout.composites import composite

    pictures, targets, maps = [], [], []
    for _ in range(size):
        if rng.random() < tap_share:
            picture, target, keep, remove = tap_picture(rng, sources, side)
        else:
            picture, target = composite(rng, sources.products, sources.surfaces, sources.corners, side,
                                        **sources.mix())
            keep, remove = [], []
        pictures.append(picture)
        targets.append(target)
        maps.append(tap_maps(keep, remove, side, side))
    images = torch.from_numpy(np.stack(pictures)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    images = torch.cat([images, torch.from_numpy(np.stack(maps))], 1)
    return images.contiguous(memory_format=torch.channels_last), torch.from_numpy(np.stack(targets))[:, None]
