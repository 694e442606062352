"""The product's own colour at the cut-out's soft edge (``cutout.matting``): no fringe of the surface on white."""
import cv2
import numpy as np

from productgen.cutout.matting import foreground_colours
from productgen.cutout.segment import over_white

DENIM, BEDSPREAD = np.array([60, 90, 150]), np.array([200, 30, 40])


def denim_on_red(side: int):
    """A denim-blue disc on a red bedspread with a soft 6 px rim: (photo uint8, alpha float32)."""
    alpha = np.zeros((side, side), np.float32)
    cv2.circle(alpha, (side // 2, side // 2), side // 3, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), side / 170)
    photo = alpha[:, :, None] * DENIM + (1 - alpha[:, :, None]) * BEDSPREAD
    return np.rint(photo).astype(np.uint8), alpha


def test_a_red_surface_leaves_no_red_fringe_on_a_blue_product():
    photo, alpha = denim_on_red(1000)
    soft = (alpha > 0.05) & (alpha < 0.95)
    estimated = foreground_colours(photo, alpha)
    # each soft-edge pixel is near the product's blue again, not a mix with the bedspread's red (blur fusion is
    # an approximation: within 20 levels, 9 on average, where the photo as shot is 70 levels off on average)
    error = np.abs(estimated[soft].astype(int) - DENIM).max(axis=1)
    assert error.max() <= 20 and error.mean() <= 12
    assert np.abs(photo[soft].astype(int) - DENIM).max(axis=1).mean() > 60
    # on white: the rim goes from blue to white without a trace of red
    rim = over_white(estimated, alpha)[soft].astype(int)
    assert (rim[:, 0] <= rim[:, 2] + 2).all()  # never redder than blue
    # what is sure (alpha 0 or 1) is left exactly as it was
    sure = ~((alpha > 0.004) & (alpha < 0.996))
    assert np.array_equal(estimated[sure], photo[sure])


def test_a_hard_mask_is_returned_as_it_is_and_a_large_photo_is_estimated_on_a_small_copy():
    photo, alpha = denim_on_red(300)
    assert foreground_colours(photo, (alpha > 0.5).astype(np.float32)) is photo
    large, large_alpha = denim_on_red(3000)  # the local means are taken at WORK_SIDE; the blend stays exact
    soft = (large_alpha > 0.05) & (large_alpha < 0.95)
    error = np.abs(foreground_colours(large, large_alpha)[soft].astype(int) - DENIM).max(axis=1)
    assert error.max() <= 20 and error.mean() <= 12
