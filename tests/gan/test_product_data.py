"""The generator's product-only data: the worn-photo filter and the 3:4 framing on white."""
import numpy as np
from PIL import Image, ImageDraw

from productgen.gan.finetune import SHORT_RUN, SHORT_RUN_STEPS, run_note
from productgen.gan.product_data import SHAPE, is_worn, on_white_3x4

SKIN = (224, 172, 140)


def garment(with_skin: bool = False, cut_at_top: bool = False) -> np.ndarray:
    """A blue T-shirt shape on white (168x224, the catalogue's 3:4), optionally with a face above it or its top
    edge cut by the frame."""
    image = Image.new("RGB", (168, 224), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    top = 0 if cut_at_top else 60
    draw.rectangle((44, top, 124, 190), fill=(40, 70, 150))
    draw.rectangle((20, max(top, 60), 148, 100), fill=(40, 70, 150))
    if with_skin:
        draw.ellipse((62, 20, 106, 64), fill=SKIN)
    return np.asarray(image)


def test_a_product_alone_is_not_worn():
    worn, share = is_worn(garment(), apparel=True)
    assert not worn and share == 0


def test_skin_on_a_garment_means_a_model_wears_it():
    assert is_worn(garment(with_skin=True), apparel=True)[0]


def test_a_garment_cut_by_the_top_of_the_frame_is_worn_but_a_skin_coloured_bag_is_not():
    assert is_worn(garment(cut_at_top=True), apparel=True)[0]
    # leather is skin-coloured: outside apparel one sign alone is not enough
    assert not is_worn(garment(with_skin=True), apparel=False)[0]
    assert not is_worn(garment(cut_at_top=True), apparel=False)[0]
    assert is_worn(garment(with_skin=True, cut_at_top=True), apparel=False)[0]


def test_any_shape_is_framed_3_by_4_on_white_without_stretching():
    wide = np.zeros((50, 200, 3), np.uint8)
    framed = np.asarray(on_white_3x4(wide))
    assert framed.shape == (SHAPE[1], SHAPE[0], 3)
    rows = np.nonzero((framed < 128).all(2).any(1))[0]
    # 200x50 fitted to 96 px wide is 24 px high, centred; white above and below
    assert 20 <= len(rows) <= 28 and (framed[:40] == 255).all() and (framed[-40:] == 255).all()


def test_a_short_or_stopped_fine_tune_says_so_and_what_more_steps_give():
    template, values = run_note(100, stopped=False, hit_limit=False)
    assert template == SHORT_RUN and values["steps"] == 100 and values["high"] > SHORT_RUN_STEPS
    assert "still soft" in template.format(**values)
    template, values = run_note(SHORT_RUN_STEPS * 2, stopped=True, hit_limit=False)
    assert "ended early (you stopped it)" in template.format(**values)
    assert run_note(SHORT_RUN_STEPS * 2, stopped=False, hit_limit=False) is None
