"""What a phone camera does to a composite: soft shadows, a finger over the product, the hanger a garment hangs
on, uneven light, colour casts, blur, noise and JPEG."""
from __future__ import annotations

import cv2
import numpy as np


def shadow(rng: np.random.Generator, picture: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    side = alpha.shape[0]
    shift = np.float32([[1, 0, rng.uniform(-0.04, 0.04) * side], [0, 1, rng.uniform(0.0, 0.06) * side]])
    shadow = cv2.warpAffine(alpha, shift, (side, side))
    shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(0.01, 0.05) * side) * rng.uniform(0.15, 0.5)
    return picture * (1 - shadow[:, :, None])


def skin_colour(rng: np.random.Generator) -> np.ndarray:
    """A random warm skin colour (RGB, float32) for a drawn finger or hand."""
    return np.array([rng.uniform(150, 235), rng.uniform(100, 180), rng.uniform(80, 150)], np.float32)


def finger(rng: np.random.Generator, picture: np.ndarray, alpha: np.ndarray):
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


def hanger(rng: np.random.Generator, picture: np.ndarray, alpha: np.ndarray):
    """The hook of a hanger (wire, wood or plastic) rising from the top of the product, with the hanger's bar
    along its shoulders seen at the neck: it is not product (real garments on hangers are photographed so)."""
    ys, xs = np.nonzero(alpha > 0.5)
    if len(xs) == 0:
        return picture, alpha
    side = alpha.shape[0]
    top = int(ys.min())
    centre = int(np.median(xs[ys <= top + max(2, (ys.max() - top) // 20)]))
    width = int(xs.max() - xs.min())
    thick = max(1, int(side * rng.uniform(0.004, 0.012)))
    rise = int(side * rng.uniform(0.05, 0.14))
    drawn = np.zeros_like(alpha)
    radius = max(3, rise // 3)
    stem_top = max(0, top - rise + radius)
    cv2.line(drawn, (centre, top + int(width * 0.04)), (centre, stem_top), 1.0, thick)
    cv2.ellipse(drawn, (centre + radius, stem_top), (radius, radius), 0, 180, 360, 1.0, thick)
    if rng.random() < 0.5:  # the bar seen inside the neck
        span = int(width * rng.uniform(0.08, 0.18))
        cv2.line(drawn, (centre - span, top + int(width * 0.06)), (centre + span, top + int(width * 0.06)), 1.0,
                 thick)
    drawn = cv2.GaussianBlur(drawn, (0, 0), 0.6)
    kind = rng.random()
    colour = rng.uniform(150, 200, 3) if kind < 0.4 else np.array([rng.uniform(110, 180), rng.uniform(70, 120),
                                                                   rng.uniform(30, 70)]) if kind < 0.7 else \
        rng.uniform(0, 60, 3) if kind < 0.9 else rng.uniform(220, 250, 3)
    picture = picture * (1 - drawn[:, :, None]) + colour * drawn[:, :, None]
    return picture, alpha * (1 - drawn)


def camera(rng: np.random.Generator, picture: np.ndarray) -> np.ndarray:
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
