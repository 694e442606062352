"""Colour names as a person gives them: after white balance, on the product's pixels, in clothes' words, in both
languages. (The score on real photos named by eye is ``bench/colour_names.py``: the photos are not in CI.)"""
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from productgen.recognise.colours import FAMILY, PALETTE, SHADES, dominant_colours, local_name, name_colour, scene_gains
from productgen.recognise.pipeline import listing_zh

WARM_LAMP = (1.0, 0.78, 0.52)  # a bulb's light on a phone photo that was not white balanced


def garment_on_bed(colour, size=(420, 520), seed=0) -> tuple[np.ndarray, np.ndarray]:
    """(pixels float (h, w, 3), background bool): a T-shirt of ``colour`` lit from above on a folded white sheet."""
    rng = np.random.default_rng(seed)
    width, height = size
    sheet = np.full((height, width, 3), 236.0) + rng.normal(0, 4, (height, width, 3))
    sheet -= 14.0 * (np.sin(np.arange(width) / 9.0) > 0.6)[None, :, None]  # the folds' shadows
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    w, h = width, height
    draw.polygon([(w * .3, h * .25), (w * .7, h * .25), (w * .7, h * .8), (w * .3, h * .8)], fill=255)
    draw.polygon([(w * .3, h * .25), (w * .15, h * .42), (w * .22, h * .47), (w * .3, h * .38)], fill=255)
    draw.polygon([(w * .7, h * .25), (w * .85, h * .42), (w * .78, h * .47), (w * .7, h * .38)], fill=255)
    product = np.asarray(mask) > 127
    shade = 1.0 - 0.25 * np.arange(height)[:, None, None] / height
    cloth = np.asarray(colour, float) * shade + rng.normal(0, 3, (height, width, 3))
    return np.where(product[..., None], cloth, sheet), ~product


def photographed(pixels: np.ndarray, light=(1.0, 1.0, 1.0), exposure: float = 1.0) -> np.ndarray:
    return np.clip(pixels * np.asarray(light) * exposure, 0, 255).astype(np.uint8)


def named(photo: np.ndarray, background: np.ndarray, balance: bool = True) -> str:
    gains = scene_gains(photo, background) if balance else None
    return dominant_colours(Image.fromarray(photo), background, gains=gains)[0].name


@pytest.mark.parametrize("colour, name", [((35, 45, 80), "Navy Blue"), ((90, 120, 170), "Denim Blue"),
                                          ((20, 20, 22), "Black"), ((110, 110, 45), "Olive"), ((200, 30, 35), "Red")])
def test_a_garment_on_a_bed_under_a_warm_dim_lamp_keeps_its_name_after_white_balance(colour, name):
    pixels, background = garment_on_bed(colour)
    assert named(photographed(pixels), background) == name  # in daylight
    assert named(photographed(pixels, WARM_LAMP, 0.62), background) == name


def test_white_balance_is_what_names_the_navy_shirt_under_the_lamp():
    """The issue's photo: without white balance the navy shirt on a lamp-lit bed is called black."""
    pixels, background = garment_on_bed((35, 45, 80))
    photo = photographed(pixels, WARM_LAMP, 0.62)
    assert named(photo, background, balance=False) in {"Black", "Charcoal"}
    assert named(photo, background) == "Navy Blue"
    gains = scene_gains(photo, background)
    assert gains[2] > gains[1] > gains[0] >= 1.0  # bluer, and lifted


def test_a_coloured_surface_does_not_cast_the_product():
    """A white shirt on a red carpet stays white: a surface with a colour of its own is not a white reference."""
    pixels, background = garment_on_bed((240, 240, 238))
    pixels[background] = (170, 30, 35)
    photo = photographed(pixels)
    assert named(photo, background) == "White"
    gains = scene_gains(photo, background)
    assert np.allclose(gains / gains.mean(), 1.0, atol=0.02), gains  # no cast added (a lift at most)


@pytest.mark.parametrize("name", list(PALETTE))
def test_products_on_white_keep_their_names(name):
    """A product on a white backdrop: the backdrop is already white, so the gains change nothing and the name is the
    palette's."""
    colour = tuple(int(code, 16) for code in (PALETTE[name][1:3], PALETTE[name][3:5], PALETTE[name][5:]))
    image = Image.new("RGB", (160, 200), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((40, 40, 120, 160), fill=colour)
    background = np.ones((200, 160), bool)
    background[40:161, 40:121] = False
    gains = scene_gains(image, background)
    assert np.allclose(gains, 1.0, atol=0.03), gains
    assert name_colour(colour) == name
    assert dominant_colours(image, gains=gains)[0].name == name  # find_background's mask, as before


def test_shading_and_sheen_do_not_rename_a_garment():
    """A white shirt with shaded folds stays white and a black one with sheen stays black: a colour family is named
    from its lit parts, not from its average."""
    folds = np.arange(420)[None, :] % 40 < 14  # a third of the garment
    for colour, fold_light, name in (((242, 242, 240), 0.7, "White"), ((24, 24, 26), 1.8, "Black")):
        pixels, background = garment_on_bed(colour)
        pixels[~background & folds] *= fold_light
        assert named(photographed(pixels), background) == name


def test_colour_names_of_the_vocabulary_are_clothes_words_in_families():
    assert {"Navy Blue", "Denim Blue", "Light Blue", "Olive", "Khaki", "Maroon", "Turquoise"} <= set(PALETTE)
    assert set(FAMILY) == set(PALETTE) and set(SHADES) <= set(PALETTE)


@pytest.mark.parametrize("name", list(PALETTE))
def test_every_colour_name_has_its_chinese_name(name):
    chinese = local_name(name, "zh")
    assert re.fullmatch(r"[\u4e00-\u9fff]+", chinese), (name, chinese)
    assert local_name(name.lower(), "zh") == chinese and local_name(name, "en") == name


def test_chinese_titles_say_the_new_colour_names_in_chinese():
    title, alt, tags = listing_zh("Jeans", None, "Denim Blue", ["light blue", "turquoise"])
    assert title == "牛仔蓝牛仔裤" and "浅蓝色" in alt and "绿松石色" in alt
    assert not re.search(r"[A-Za-z]", title + alt + "".join(tags))


def test_bad_inputs_get_clear_messages():
    with pytest.raises(ValueError, match="RGB image"):
        scene_gains(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="the photo's shape"):
        scene_gains(np.zeros((10, 10, 3), np.uint8), np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match="min_share"):
        dominant_colours(Image.new("RGB", (20, 20)), min_share=1.5)
