import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from productgen.cutout.segment import find_background, product_box
from productgen.enhance import filters as enhance
from productgen.enhance.framing import (
    add_contact_shadow,
    count_not_white,
    frame_product,
    paint_white,
    transparent_product,
    whiten_fringe,
)
from productgen.enhance.studio import Recipe, process_image

from ..conftest import draw_product

FILTERS = [
    (enhance.adjust_brightness, 1.0), (enhance.adjust_contrast, 1.0), (enhance.adjust_saturation, 1.0),
    (enhance.adjust_exposure, 0.0), (enhance.adjust_gamma, 1.0), (enhance.denoise, 0.0),
]


def test_count_not_white_is_the_plain_numpy_count():
    random = np.random.default_rng(0)
    pixels = random.integers(240, 256, (120, 90, 3), dtype=np.uint8)
    where = random.random((120, 90)) < 0.5
    assert count_not_white(pixels, where) == int((where & (pixels < 250).any(axis=2)).sum())
    assert count_not_white(pixels[::2, ::3], where[::2, ::3]) == int((where[::2, ::3] & (pixels[::2, ::3] < 250)
                                                                      .any(axis=2)).sum())


@pytest.mark.parametrize("side", [300, 2400])
def test_contact_shadow_darkens_only_the_floor_under_the_product_and_has_no_seam(side):
    background = np.ones((side, side), bool)
    background[side // 5:side * 3 // 5, side // 4:side * 3 // 4] = False  # the product stands at 3/5 of the height
    image = Image.new("RGB", (side, side), "white")
    shaded = np.asarray(add_contact_shadow(image, background, 0.6)).astype(int)
    assert shaded[side * 3 // 5 + 2, side // 2].max() < 200  # right under the product's base
    assert (shaded[~background] == 255).all()  # the product is untouched
    assert (shaded[: side // 10] == 255).all() and (shaded[-2:] == 255).all()  # far from it too
    # drawn small and enlarged only where it reaches: smooth below the product, no step where that part ends,
    # and centred under the product (the enlarged part lines up with the canvas)
    below = shaded[side * 3 // 5:, :, 0]
    assert np.abs(np.diff(below, axis=0)).max() <= 8 and np.abs(np.diff(below, axis=1)).max() <= 8
    assert np.abs(below - below[:, ::-1]).max() <= 2


@pytest.mark.parametrize("function, neutral", FILTERS)
def test_neutral_setting_is_identity(function, neutral):
    image = draw_product("round", 1)
    assert np.array_equal(np.asarray(function(image, neutral)), np.asarray(image))


def test_unsharp_and_gains_identity():
    image = draw_product("box", 2)
    assert np.array_equal(np.asarray(enhance.unsharp_mask(image, 0.0)), np.asarray(image))
    assert np.array_equal(np.asarray(enhance.apply_gains(image, [1, 1, 1])), np.asarray(image))


def test_filters_change_in_the_expected_direction():
    image = Image.new("RGB", (20, 20), (100, 120, 140))
    assert np.asarray(enhance.adjust_brightness(image, 1.5)).mean() > 150
    assert np.asarray(enhance.adjust_exposure(image, 1.0)).mean() > 120
    grey = np.asarray(enhance.adjust_saturation(image, 0.0))
    assert np.ptp(grey[0, 0]) <= 1
    edge = Image.new("RGB", (40, 40), (80, 80, 80))
    ImageDraw.Draw(edge).rectangle((20, 0, 39, 39), fill=(160, 160, 160))
    sharp = np.asarray(enhance.unsharp_mask(edge, 2.0, 2.0))
    assert sharp[:, 19].mean() < 80 and sharp[:, 20].mean() > 160  # overshoot on both sides of the edge


def test_sharpening_the_brightness_sharpens_a_grey_edge_as_rgb_does_and_leaves_a_colour_edge_alone():
    grey = Image.new("RGB", (40, 40), (80, 80, 80))
    ImageDraw.Draw(grey).rectangle((20, 0, 39, 39), fill=(160, 160, 160))
    by_luma = np.asarray(enhance.unsharp_mask(grey, 1.0, 1.0, luma=True)).astype(int)
    by_channel = np.asarray(enhance.unsharp_mask(grey, 1.0, 1.0)).astype(int)
    assert np.abs(by_luma - by_channel).max() <= 1 and by_luma[:, 19].mean() < 75
    colour = Image.new("RGB", (40, 40), (200, 60, 60))  # red beside a green of the same brightness
    ImageDraw.Draw(colour).rectangle((20, 0, 39, 39), fill=(40, 128, 60))
    pixels = np.asarray(colour).astype(int)
    assert np.abs(np.asarray(enhance.unsharp_mask(colour, 1.0, 1.0, luma=True)).astype(int) - pixels).max() <= 2
    assert np.abs(np.asarray(enhance.unsharp_mask(colour, 1.0, 1.0)).astype(int) - pixels).max() > 40
    assert np.array_equal(np.asarray(enhance.unsharp_mask(grey, 1.0, 1.0, threshold=255, luma=True)),
                          np.asarray(grey))


def test_white_balance_from_background_makes_it_neutral():
    image = Image.new("RGB", (60, 60), (240, 230, 215))  # a warm backdrop
    ImageDraw.Draw(image).ellipse((15, 15, 45, 45), fill=(40, 90, 160))
    background = find_background(image)
    balanced = np.asarray(enhance.apply_gains(image, enhance.white_balance_gains(image, background, 255)))
    assert np.all(balanced[2, 2] >= 253)


@pytest.mark.parametrize("call, message", [
    (lambda im: enhance.adjust_brightness(im, -1), "brightness"),
    (lambda im: enhance.adjust_contrast(im, float("nan")), "contrast"),
    (lambda im: enhance.unsharp_mask(im, 1, radius=0), "sharpen radius"),
    (lambda im: enhance.auto_levels(im, 50), "levels clip"),
    (lambda im: enhance.adjust_gamma(im, "2"), "gamma"),
    (lambda im: enhance.apply_gains(im, [1, 1]), "gains"),
    (lambda im: enhance.EnhanceSettings(white_balance="sun"), "white_balance"),
])
def test_bad_arguments_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call(draw_product("round", 0))


def test_auto_settings_round_trip_and_reproduce_the_result():
    image = draw_product("round", 3, background=(235, 235, 228))
    background = find_background(image)
    chosen = enhance.choose_settings(image, background)
    result = enhance.apply_enhancements(image, chosen, background)
    again = enhance.apply_enhancements(image, enhance.EnhanceSettings.from_dict(chosen.to_dict()), background)
    assert np.array_equal(np.asarray(result), np.asarray(again))
    assert chosen.white_balance == "background"


def test_white_shirt_on_off_white_survives():
    image = Image.new("RGB", (300, 300), (240, 238, 235))
    ImageDraw.Draw(image).rectangle((80, 60, 220, 250), fill=(250, 250, 250), outline=(160, 160, 160), width=3)
    background = find_background(image)
    clean = paint_white(np.asarray(image).copy(), background)
    assert tuple(clean[5, 5]) == (255, 255, 255)
    assert tuple(clean[150, 150]) == (250, 250, 250)  # the shirt is not background
    assert product_box(background) == (80, 60, 221, 251)


def test_near_white_halo_is_whitened_but_an_outlined_white_product_is_kept():
    pixels = np.full((60, 60, 3), 255, np.uint8)
    pixels[10:50, 10:50] = 248  # a 2-px halo left by resizing/JPEG around a dark product
    pixels[12:48, 12:48] = 40
    background = np.ones((60, 60), bool)
    background[10:50, 10:50] = False
    grown = whiten_fringe(pixels, background, width=3)
    assert tuple(pixels[11, 11]) == (255, 255, 255) and grown[11, 11]
    assert tuple(pixels[30, 30]) == (40, 40, 40) and not grown[30, 30]
    shirt = np.full((60, 60, 3), 255, np.uint8)
    shirt[10:50, 10:50] = 170  # grey outline
    shirt[12:48, 12:48] = 248  # white shirt inside it
    outline_mask = np.ones((60, 60), bool)
    outline_mask[10:50, 10:50] = False
    assert np.array_equal(whiten_fringe(shirt, outline_mask, width=5), outline_mask)
    assert tuple(shirt[13, 13]) == (248, 248, 248)


def test_framing_refills_the_canvas_when_a_halo_turns_out_to_be_background():
    image = Image.new("RGB", (400, 400), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((96, 96, 303, 303), fill=(248, 247, 247))  # faint 4-px halo the flood fill keeps
    draw.rectangle((100, 100, 299, 299), fill=(90, 40, 20))
    background = find_background(image)
    assert product_box(background) == (96, 96, 304, 304)
    framed = frame_product(image, background, (1000, 1000), fill=0.9)
    left, top, right, bottom = product_box(framed.background)
    assert 890 <= right - left <= 903 and 890 <= bottom - top <= 903  # without refilling: 865
    assert np.asarray(framed.image)[framed.background].min() == 255


def test_pipeline_passes_amazon_background_rule_for_a_haloed_photo():
    image = Image.new("RGB", (400, 400), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 40, 340, 360), fill=(249, 249, 249))  # light halo around the product
    draw.ellipse((66, 46, 334, 354), fill=(30, 60, 120))
    result = process_image(image, Recipe(preset="amazon", canvas=(1000, 1000)))
    rules = {r.rule: r for r in result.report}
    assert rules["white background"].status == "pass", rules["white background"].measured
    assert np.asarray(result.image)[500, 500].sum() < 300  # the product is kept (auto-enhanced)


def test_cutout_and_framing():
    image = draw_product("box", 4, size=200)
    background = find_background(image)
    rgba = transparent_product(image, background)
    assert rgba.mode == "RGBA" and rgba.getpixel((2, 2))[3] == 0 and rgba.getpixel((100, 100))[3] == 255
    framed = frame_product(image, background, (500, 500), fill=0.85)
    left, top, right, bottom = product_box(framed.background)
    assert framed.image.size == (500, 500)
    assert max(right - left, bottom - top) == pytest.approx(425, abs=2)
    assert framed.warnings  # enlarged ~3.5x: warned
    with pytest.raises(ValueError, match="fill"):
        frame_product(image, background, (500, 500), fill=2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(width=st.integers(1, 64), height=st.integers(1, 64), mode=st.sampled_from(["RGB", "L", "RGBA", "P", "CMYK"]),
       name=st.sampled_from(["adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_exposure",
                             "adjust_gamma", "unsharp_mask", "auto_levels", "denoise"]),
       value=st.one_of(st.floats(-10, 60), st.just(float("nan")), st.integers(-5, 300)))
def test_filters_only_raise_value_errors_and_keep_size(width, height, mode, name, value):
    image = Image.new(mode, (width, height))
    try:
        out = getattr(enhance, name)(image, value)
    except ValueError as error:
        assert str(error)
        return
    assert out.size == (width, height) and out.mode == "RGB"


def test_a_photo_is_turned_into_pixels_once_along_the_pipeline(monkeypatch):
    """One image form inside Enhance: the photo becomes an array at the pipeline's edge and every step after it,
    the upscaler's enlargement of a small product included, passes arrays (only the upscaler's last Lanczos
    resample goes through Pillow, as its resampler)."""
    import sys

    from productgen.io import images

    real, converted = images.as_pixels, []

    def counting(image):
        if not isinstance(image, np.ndarray):
            converted.append(type(image).__name__)
        return real(image)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("productgen") and getattr(module, "as_pixels", None) is real:
            monkeypatch.setattr(module, "as_pixels", counting)
    photo = draw_product("round", 3, size=160, background=(214, 200, 180))  # small on a surface: the model enlarges
    result = process_image(photo, Recipe(preset="amazon", canvas=(1000, 1000), upscaler="model"))
    assert result.enlarged_by == "model"
    assert converted == ["Image"]
