"""The product's own colour at the cut-out's soft edge (``cutout.matting``): no fringe of the surface on white."""
import cv2
import numpy as np
import pytest

from productgen.cutout import matting
from productgen.cutout.matting import foreground_colours
from productgen.cutout.segment import over_white

DENIM, BEDSPREAD = np.array([60, 90, 150]), np.array([200, 30, 40])


def scene(height: int, width: int, textured: bool = True, seed: int = 0):
    """A lopsided product (an off-centre ellipse with an arm) with a soft rim on a surface: (photo uint8, alpha,
    product colours float). Textured: a striped, noisy denim on a mottled red bedspread; else flat colours."""
    rng = np.random.default_rng(seed)
    alpha = np.zeros((height, width), np.float32)
    cv2.ellipse(alpha, (int(width * 0.4), int(height * 0.45)), (int(width * 0.25), int(height * 0.3)), 20, 0, 360,
                1.0, -1)
    cv2.rectangle(alpha, (int(width * 0.55), int(height * 0.6)), (int(width * 0.85), int(height * 0.7)), 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(height, width) / 300)
    rows, columns = np.indices((height, width))
    product = np.broadcast_to(DENIM, (height, width, 3)).astype(np.float32)
    surface = np.broadcast_to(BEDSPREAD, (height, width, 3)).astype(np.float32)
    if textured:
        product = product + 25 * np.sin(columns / 7.0)[:, :, None] + rng.normal(0, 6, (height, width, 3))
        blotches = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 9)
        surface = surface + 400 * blotches[:, :, None] + rng.normal(0, 6, (height, width, 3))
    product, surface = np.clip(product, 0, 255), np.clip(surface, 0, 255)
    photo = alpha[:, :, None] * product + (1 - alpha[:, :, None]) * surface
    return np.rint(photo).astype(np.uint8), alpha, product


def reference(photo: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blur fusion as the paper writes it, at full size with no shortcut: F = F' + a (I - a F' - (1 - a) B'), a wide
    pass then a narrow one (boxes of 91 and 7 px at 2000 px, as the paper's 90 and 6)."""
    longest = max(photo.shape[:2])
    image = photo.astype(np.float32) / 255.0

    def box(values, radius):
        return cv2.blur(values, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)

    def fusion(foreground, background, radius):
        weight = box(alpha, radius)[:, :, None]
        near_product = box(foreground * alpha[:, :, None], radius) / (weight + 1e-5)
        near_surface = box(background * (1 - alpha)[:, :, None], radius) / (1 - weight + 1e-5)
        a = alpha[:, :, None]
        return np.clip(near_product + a * (image - a * near_product - (1 - a) * near_surface), 0, 1), near_surface

    first, surface = fusion(image, image, max(2, round(0.0225 * longest)))
    second, _ = fusion(first, surface, max(1, round(0.0015 * longest)))
    return np.rint(second * 255).astype(np.uint8)


def soft_of(alpha):
    return (alpha > matting.SOFT[0]) & (alpha < matting.SOFT[1])


def test_the_estimate_is_blur_fusion_at_full_size():
    photo, alpha, _ = scene(400, 640)  # under WORK_SIDE: no small copy
    soft = soft_of(alpha)
    difference = np.abs(foreground_colours(photo, alpha)[soft].astype(int) - reference(photo, alpha)[soft])
    assert difference.mean() <= 0.5 and np.percentile(difference, 99) <= 3


def test_a_large_photo_is_estimated_on_a_small_copy_close_to_the_full_size_answer():
    photo, alpha, _ = scene(1800, 1200)  # the means are taken at WORK_SIDE and sampled at each edge pixel
    soft = soft_of(alpha)
    difference = np.abs(foreground_colours(photo, alpha)[soft].astype(int) - reference(photo, alpha)[soft])
    assert difference.mean() <= 2 and np.percentile(difference, 99) <= 12


def test_a_red_surface_leaves_no_red_fringe_on_a_blue_product():
    photo, alpha, product = scene(600, 900)
    soft = (alpha > 0.05) & (alpha < 0.95)
    estimated = foreground_colours(photo, alpha)
    plain = np.abs(photo[soft].astype(int) - product[soft]).mean()
    assert np.abs(estimated[soft].astype(int) - product[soft]).mean() < plain / 3  # the bedspread's share is gone
    # on white the rim goes from blue to white: as shot, a fringe of it is redder than blue; estimated, none is
    assert (over_white(photo, alpha)[soft][:, 0] > over_white(photo, alpha)[soft][:, 2] + 2).any()
    rim = over_white(estimated, alpha)[soft].astype(int)
    assert (rim[:, 0] <= rim[:, 2] + 2).all()
    sure = ~soft_of(alpha)  # what is sure (alpha 0 or 1) is left exactly as it was
    assert np.array_equal(estimated[sure], photo[sure])


def test_a_hard_mask_is_returned_as_it_is_and_wrong_inputs_are_refused():
    photo, alpha, _ = scene(200, 300, textured=False)
    assert foreground_colours(photo, (alpha > 0.5).astype(np.float32)) is photo
    with pytest.raises(ValueError, match="float"):
        foreground_colours(photo, (alpha * 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r"\(h, w, 3\)"):
        foreground_colours(photo[:, :, 0], alpha)
    with pytest.raises(ValueError, match=r"\(h, w, 3\)"):
        foreground_colours(photo, alpha[1:])
