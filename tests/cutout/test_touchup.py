"""The merchant's corrections to a cut-out (``productgen.cutout.touchup``): strokes, the regions they take, the verdict
measured again, the Enhance pipeline and the CLI."""
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from productgen.cutout.colour_fix import at_size
from productgen.cutout.pipeline import SURFACE_NOTE, Mask, map_pixels
from productgen.cutout.touchup import Strokes, touch_up, touched_mask

from ..conftest import REPO
from .test_cutout import product_on_texture


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def photo_with_mats(seed: int = 3, size: int = 400):
    """A product on a floor with two rugs (plain blue, patterned green) touching it, the product's true mask and
    the rugs' masks: a cut-out that kept both rugs is what a merchant corrects."""
    pixels, truth = product_on_texture(seed, size)
    pixels = pixels.copy()
    rows, columns = np.nonzero(truth)
    top, bottom, left, right = rows.min(), rows.max(), columns.min(), columns.max()
    rug_left = np.zeros_like(truth)
    rug_left[top + 10:bottom - 10, max(0, left - 60):left + 5] = True
    rug_left &= ~truth
    rug_right = np.zeros_like(truth)
    rug_right[top + 20:bottom - 20, right - 5:min(size, right + 50)] = True
    rug_right &= ~truth
    pixels[rug_left] = (40, 60, 200)
    stripes = ((np.indices(truth.shape).sum(0) // 6) % 2).astype(bool)
    pixels[rug_right & stripes] = (30, 160, 60)
    pixels[rug_right & ~stripes] = (220, 230, 120)
    return pixels, truth, rug_left, rug_right


def kept_too_much(pixels, truth, *rugs) -> Mask:
    """The cut-out that kept the rugs, as ``cutout.pipeline.cutout`` would describe it (a sure network)."""
    wrong = truth.copy()
    for rug in rugs:
        wrong |= rug
    alpha = cv2.GaussianBlur(wrong.astype(np.float32), (0, 0), 1.0)
    small = at_size(alpha, map_pixels(pixels, 320).shape)
    return Mask(alpha, 0.99, 1, 0.0, [SURFACE_NOTE], 0.05, 0.0, 0.05, small)


def stroke(shape, points, width=9) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    cv2.polylines(canvas, [np.array(points, np.int32)], False, 1, width)
    return canvas > 0


def test_a_remove_stroke_takes_the_rug_it_touches_and_leaves_the_rest():
    pixels, truth, rug_left, rug_right = photo_with_mats()
    mask = kept_too_much(pixels, truth, rug_left, rug_right)
    rows, columns = np.nonzero(rug_left)
    middle = (int(columns.mean()), int(rows.mean()))
    # a short stroke on the plain rug, a tenth of its height
    remove = stroke(truth.shape, [(middle[0], middle[1] - 10), (middle[0], middle[1] + 10)])
    alpha, small = touch_up(pixels, mask.alpha, mask.small, Strokes(remove=remove))
    product = alpha >= 0.5
    assert product.shape == truth.shape and small.shape == mask.small.shape
    assert (product & rug_left).sum() < 0.05 * rug_left.sum(), "the rug the stroke touched is still kept"
    assert (product & rug_right).sum() > 0.9 * rug_right.sum(), "a rug no stroke touched was changed"
    assert (product & truth).sum() > 0.97 * truth.sum(), "the product lost pixels"


def test_a_patterned_rug_goes_with_two_strokes_and_the_verdict_is_measured_again():
    pixels, truth, rug_left, rug_right = photo_with_mats()
    mask = kept_too_much(pixels, truth, rug_left, rug_right)
    marks = []
    for rug in (rug_left, rug_right):
        rows, columns = np.nonzero(rug)
        marks.append(stroke(truth.shape, [(int(columns.mean()), int(rows.min()) + 15),
                                          (int(columns.mean()), int(rows.max()) - 15)]))
    touched = touched_mask(pixels, mask, Strokes(remove=marks[0] | marks[1]))
    assert touched.touched and iou(touched.product, truth) >= 0.95
    assert SURFACE_NOTE not in touched.notes and touched.confidence >= 0.95
    assert touched.alpha.dtype == np.float32 and touched.alpha.shape == truth.shape


def test_a_keep_stroke_gives_back_the_product_that_was_cut_away():
    pixels, truth, _, _ = photo_with_mats()
    rows, columns = np.nonzero(truth)
    lost = truth & (np.indices(truth.shape)[0] > rows.max() - (rows.max() - rows.min()) // 3)
    alpha = (truth & ~lost).astype(np.float32)
    small = at_size(alpha, map_pixels(pixels, 320).shape)
    lost_rows, lost_columns = np.nonzero(lost)
    middle = (int(lost_columns.mean()), int(lost_rows.mean()))
    keep = stroke(truth.shape, [(middle[0] - 30, middle[1]), (middle[0] + 30, middle[1])]) & lost
    fixed, _ = touch_up(pixels, alpha, small, Strokes(keep=keep))
    assert iou(fixed >= 0.5, truth) >= 0.95


def test_a_correction_does_not_silence_a_doubt_it_did_not_touch():
    """A stroke on the rug leaves the strip of floor the cut-out also kept: the verdict still finds it."""
    pixels, truth, _, rug_right = photo_with_mats()
    rows, columns = np.nonzero(truth)
    floor = np.zeros_like(truth)
    floor[rows.min() + 10:rows.max() - 10, max(0, columns.min() - 18):columns.min() + 5] = True
    floor &= ~truth
    mask = kept_too_much(pixels, truth, floor, rug_right)
    rows, columns = np.nonzero(rug_right)
    remove = stroke(truth.shape, [(int(columns.mean()), int(rows.min()) + 15),
                                  (int(columns.mean()), int(rows.max()) - 15)])
    touched = touched_mask(pixels, mask, Strokes(remove=remove))
    assert (touched.product & rug_right).sum() < 0.05 * rug_right.sum()
    assert (touched.product & floor).sum() > 0.9 * floor.sum()
    assert SURFACE_NOTE in touched.notes


def test_strokes_from_a_painting_and_from_mask_files(tmp_path):
    layer = np.zeros((40, 60, 4), np.uint8)
    layer[5:10, 5:20] = (225, 29, 42, 255)  # the tab's red
    layer[20:30, 30:40] = (22, 163, 74, 255)  # its green
    strokes = Strokes.from_painting(layer)
    assert strokes.remove.sum() == 75 and strokes.keep.sum() == 100 and not (strokes.remove & strokes.keep).any()
    assert Strokes.from_painting(np.zeros((40, 60, 4), np.uint8)).empty
    white = np.zeros((40, 60), np.uint8)
    white[:10] = 255
    Image.fromarray(white).save(tmp_path / "remove.png")
    see_through = np.zeros((40, 60, 4), np.uint8)
    see_through[30:, :, 3] = 255
    Image.fromarray(see_through, "RGBA").save(tmp_path / "keep.png")
    from_files = Strokes.from_files(tmp_path / "remove.png", tmp_path / "keep.png")
    assert from_files.remove.sum() == 600 and from_files.keep.sum() == 600
    Image.fromarray(np.zeros((40, 60), np.uint8)).save(tmp_path / "blank.png")
    with pytest.raises(ValueError, match="nothing painted"):
        Strokes.from_files(tmp_path / "blank.png")
    with pytest.raises(ValueError, match="differ in size"):
        Strokes(remove=np.ones((4, 4), bool), keep=np.ones((5, 4), bool))


def test_strokes_of_another_shape_are_refused():
    pixels, truth, rug_left, rug_right = photo_with_mats()
    mask = kept_too_much(pixels, truth, rug_left)
    with pytest.raises(ValueError, match="not the photo's shape"):
        touch_up(pixels, mask.alpha, mask.small, Strokes(remove=np.ones((100, 300), bool)))
    # any size with the photo's shape is scaled to it
    small_strokes = np.zeros((100, 100), bool)
    small_strokes[40:60, 10:14] = True
    alpha, _ = touch_up(pixels, mask.alpha, mask.small, Strokes(remove=small_strokes))
    assert alpha.shape == truth.shape


def test_enhance_reports_a_corrected_cut_out(tmp_path):
    """The Enhance pipeline takes the strokes; the report says the cut-out was corrected by hand."""
    from productgen.enhance.studio import Recipe, process_image

    pixels, truth, _, _ = photo_with_mats()
    remove = np.zeros(truth.shape, bool)
    remove[:12, :12] = True  # a corner of floor: nothing the model kept, so nothing changes but the record
    result = process_image(Image.fromarray(pixels), Recipe(), strokes=Strokes(remove=remove))
    rule = result.report[0]
    assert rule.rule == "Cut-out" and rule.measured.startswith("corrected by hand; model confidence")
    assert result.segmentation.touched


def test_cli_cutout_and_enhance_take_strokes(tmp_path):
    pixels, truth, rug_left, _ = photo_with_mats()
    Image.fromarray(pixels).save(tmp_path / "photo.png")
    Image.fromarray(rug_left.astype(np.uint8) * 255).resize((100, 100)).save(tmp_path / "remove.png")
    done = subprocess.run([sys.executable, "-m", "productgen", "cutout", str(tmp_path / "photo.png"), "--out",
                           str(tmp_path / "cut"), "--remove", str(tmp_path / "remove.png")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    alpha = np.asarray(Image.open(tmp_path / "cut" / "photo.png"))[:, :, 3]
    assert alpha.shape == truth.shape and (alpha[rug_left] >= 128).mean() < 0.05
    done = subprocess.run([sys.executable, "-m", "productgen", "enhance", str(tmp_path / "photo.png"), "--out",
                           str(tmp_path / "out"), "--remove", str(tmp_path / "remove.png")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    Image.fromarray(pixels).save(tmp_path / "other.png")
    bad = subprocess.run([sys.executable, "-m", "productgen", "enhance", str(tmp_path / "photo.png"),
                          str(tmp_path / "other.png"), "--out", str(tmp_path / "out2"), "--remove",
                          str(tmp_path / "remove.png")], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "one photo" in bad.stderr and "Traceback" not in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "productgen", "cutout", str(tmp_path / "photo.png"), "--out",
                              str(tmp_path / "cut"), "--keep", str(tmp_path / "nope.png")],
                             cwd=REPO, capture_output=True, text=True, timeout=300)
    assert missing.returncode != 0 and "--keep" in missing.stderr and "Traceback" not in missing.stderr


def mug_with_a_box_against_it(size: int = 400):
    """A red mug on a floor with a blue box standing against its upper right (one piece to the cut-out): (photo, mug,
    box)."""
    from .test_cutout import textured_surface

    # a floor on which the shipped model keeps the box with the mug (on surface 5, which tap run 14b tells apart from
    # the box, it keeps 69% of the box, and the test below would not test a removal)
    pixels = textured_surface(1, size).copy()
    mug, box = np.zeros((size, size), np.uint8), np.zeros((size, size), np.uint8)
    cv2.ellipse(mug, (200, 220), (70, 100), 0, 0, 360, 1, -1)
    cv2.rectangle(box, (262, 120), (330, 200), 1, -1)
    box[mug > 0] = 0
    pixels[mug > 0], pixels[box > 0] = (200, 30, 40), (40, 80, 200)
    return pixels, mug > 0, box > 0


def test_a_removed_object_leaves_no_ghost_outline_and_the_product_keeps_its_edge():
    """Painting out an object the cut-out kept: where it was, and all around it, the result is pure white; the
    product beside it keeps its outline; the verdict is measured again."""
    from productgen.cutout.pipeline import cutout
    from productgen.cutout.segment import over_white

    pixels, mug, box = mug_with_a_box_against_it()
    mask = cutout(pixels)
    assert (mask.product & box).sum() > 0.8 * box.sum(), "the drawing no longer makes the cut-out keep the box"
    rows, columns = np.nonzero(box)
    remove = stroke(box.shape, [(int(columns.mean()), rows.min() + 10), (int(columns.mean()), rows.max() - 10)])
    touched = touched_mask(pixels, mask, Strokes(remove=remove))
    around = cv2.dilate(box.view(np.uint8), np.ones((15, 15), np.uint8)) > 0
    around &= ~(cv2.dilate(mug.view(np.uint8), np.ones((7, 7), np.uint8)) > 0)
    assert (over_white(pixels, touched.alpha)[around] == 255).all(), "a ghost of the removed box stays"
    assert (touched.alpha[mug] >= 0.5).mean() > 0.99, "the mug lost its edge"
    assert touched.touched and touched.objects == 1


def test_enhance_shows_pure_white_where_a_stroke_removed_an_object():
    from productgen.cutout.segment import product_box
    from productgen.enhance.studio import Recipe, process_image

    pixels, mug, box = mug_with_a_box_against_it()
    rows, columns = np.nonzero(box)
    remove = Strokes(remove=stroke(box.shape, [(int(columns.mean()), rows.min() + 10),
                                               (int(columns.mean()), rows.max() - 10)]))
    first = process_image(Image.fromarray(pixels), Recipe(upscaler="lanczos"), strokes=remove)
    left, top, right, bottom = product_box(first.segmentation.background)
    assert right <= 275, "the box is still part of the product"
    # on a canvas twice the product's size the product is neither enlarged nor shrunk: photo px = result px
    recipe = Recipe(upscaler="lanczos", canvas=(2 * (right - left), 2 * (bottom - top)), fill=0.5)
    result = process_image(Image.fromarray(pixels), recipe, strokes=remove)
    out = np.asarray(result.image)
    offset_x, offset_y = (right - left) // 2 - left, (bottom - top) // 2 - top
    around = cv2.dilate(box.view(np.uint8), np.ones((15, 15), np.uint8)) > 0  # the box and its outline
    around &= ~(cv2.dilate(mug.view(np.uint8), np.ones((9, 9), np.uint8)) > 0)
    ys, xs = np.nonzero(around)
    shown = (ys + offset_y < out.shape[0]) & (xs + offset_x < out.shape[1])
    assert shown.sum() > 100
    assert (out[ys[shown] + offset_y, xs[shown] + offset_x] >= 254).all()
    assert result.report[0].measured.startswith("corrected by hand")


def test_a_green_stroke_on_a_dropped_object_brings_all_of_it_back():
    from productgen.cutout.pipeline import cutout

    from .test_objects import desk_photo

    pixels, mug, candle, _ = desk_photo()
    mask = cutout(pixels)
    assert not (mask.product & candle).any() and mask.dropped
    rows, columns = np.nonzero(candle)
    middle = (int(columns.mean()), int(rows.mean()))
    keep = stroke(candle.shape, [(middle[0], middle[1] - 5), (middle[0], middle[1] + 5)])  # a dab on the candle
    touched = touched_mask(pixels, mask, Strokes(keep=keep))
    assert (touched.product & candle).sum() > 0.9 * candle.sum() and (touched.product & mug).sum() > 0.95 * mug.sum()
    assert len(touched.dropped) == len(mask.dropped) - 1
    height, width = mask.small.shape  # the dropped regions' size; the photo is 480 px
    assert not any(item.region[middle[1] * height // 480, middle[0] * width // 480] for item in touched.dropped)
    assert "2 separate objects found" in touched.notes  # measured again: now the cut-out holds two



def test_a_colour_cut_is_the_same_whatever_ran_before_it():
    """GrabCut draws on OpenCV's random state: seeded at each call (the colour cut, a correction, the flood fill's
    edge), so a photo's mask does not depend on which photos were cut out before it (our labelled masks drifted
    by hundreds of pixels with the order they were made in)."""
    from productgen.cutout.colour_fix import colour_cut

    pixels, truth, _, _ = photo_with_mats(seed=5)
    rng = np.random.default_rng(2)
    unsure = np.clip(truth * 0.7 + rng.uniform(0, 0.5, truth.shape), 0, 1).astype(np.float32)
    answers = []
    for seed in (1, 2, 3):
        cv2.setRNGSeed(seed)  # what ran before left the state here
        answers.append(colour_cut(pixels, unsure)[0])
    assert all(np.array_equal(answers[0], answer) for answer in answers[1:])
