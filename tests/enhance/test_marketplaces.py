import numpy as np
import pytest
from PIL import Image

from productgen.cutout.segment import find_background
from productgen.enhance.marketplaces import PRESETS, check_compliance, get_preset, verdict
from productgen.enhance.studio import Recipe, process_files, process_image, write_report

from ..conftest import draw_product


def test_every_rule_has_a_source_and_a_known_check():
    from productgen.enhance.marketplaces import CHECKS

    for preset in PRESETS.values():
        assert preset.rules
        for rule in preset.rules:
            assert rule.check in CHECKS and rule.source.startswith("https://")


def test_grey_background_fails_amazon_with_the_measured_share():
    photo = draw_product("box", 1, size=1200, background=(235, 235, 235))
    report = check_compliance(photo, "amazon", "JPEG")
    white = next(r for r in report if r.rule == "white background")
    assert white.status == "fail" and "0.00% pure white" in white.measured and "needs 99.5%" in white.measured
    assert verdict(report) == "fail"


def test_pipeline_output_passes_amazon():
    photo = draw_product("round", 2, size=1800, background=(236, 234, 230))  # the product grows under 2x
    result = process_image(photo, Recipe(preset="amazon"))
    assert result.image.size == (2000, 2000)
    assert verdict(result.report) == "pass", [r.row() for r in result.report]
    # a photo too small for the frame is said to be soft, whichever way it was enlarged
    small = process_image(draw_product("round", 2, size=1200, background=(236, 234, 230)), Recipe(preset="amazon"))
    sharpness = next(r for r in small.report if r.rule == "Sharpness")
    assert sharpness.status == "warn" and "will look soft" in sharpness.measured


def test_presets_give_their_sizes_and_taobao_square():
    photo = draw_product("round", 3, size=900)
    for key in ("shopify", "taobao", "ebay"):
        assert process_image(photo, Recipe(preset=key)).image.size == get_preset(key).canvas
    with pytest.raises(ValueError, match="unknown marketplace"):
        get_preset("myshop")
    assert process_image(photo, Recipe(preset="amazon", canvas=(1200, 900))).image.size == (1200, 900)
    with pytest.raises(ValueError, match="canvas"):
        Recipe(canvas=(5, 5))


def test_border_is_detected_for_ebay():
    photo = np.array(draw_product("round", 4, size=600))
    photo[:12], photo[-12:], photo[:, :12], photo[:, -12:] = 30, 30, 30, 30
    report = check_compliance(Image.fromarray(photo), "ebay", "JPEG", find_background(Image.fromarray(photo)))
    assert next(r for r in report if r.rule == "no border").status == "fail"


def test_recipe_json_round_trip_and_errors():
    recipe = Recipe(preset="etsy", output_format="png", auto=False)
    assert Recipe.from_json(recipe.to_json()) == recipe
    with pytest.raises(ValueError, match="unknown recipe fields"):
        Recipe.from_json('{"colour": 1}')
    with pytest.raises(ValueError, match="not valid JSON"):
        Recipe.from_json("{")
    with pytest.raises(ValueError, match="transparent"):
        Recipe(transparent=True)


def test_batch_reports_failures_with_reasons(tmp_path):
    good = tmp_path / "good photo.png"
    draw_product("box", 5, size=300).save(good)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not an image")
    rows = process_files([good, bad], Recipe(preset="ebay"), tmp_path / "out")
    assert rows[0].output == "good photo_ebay.jpg" and (tmp_path / "out" / rows[0].output).is_file()
    assert rows[1].verdict == "error" and "not an image" in rows[1].reason
    report = write_report(rows, tmp_path / "report.csv").read_text()
    assert "bad.jpg" in report and "good photo_ebay.jpg" in report
