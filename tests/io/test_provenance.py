"""The AI label: every generated image, and every file made from one, says so in its own bytes."""
import subprocess
import sys

from productgen.enhance.studio import Recipe, process_image, save_result
from productgen.gan.sampling import save_animation, save_png
from productgen.io.images import open_image
from productgen.io.provenance import DIGITAL_SOURCE_TYPE, is_ai_generated, read_label, save_options

from ..conftest import REPO, draw_product

LABEL = DIGITAL_SOURCE_TYPE.encode()


def generated(tmp_path, name="gen.png"):
    """A 'generated' image as Generate saves it."""
    return save_png(draw_product("round", 3, 200), tmp_path / name, {"category": "Watches", "seed": 3})


def test_generated_png_carries_xmp_and_text(tmp_path):
    data = generated(tmp_path).read_bytes()
    assert LABEL in data and b"XML:com.adobe.xmp" in data and b"AI-generated" in data
    assert read_label(tmp_path / "gen.png")


def test_each_format_carries_the_label_in_its_own_way(tmp_path):
    image = draw_product("box", 1, 80)
    for fmt, suffix in (("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")):
        path = tmp_path / f"x.{suffix}"
        image.save(path, fmt, **save_options(fmt, True))
        assert LABEL in path.read_bytes() and read_label(path), fmt
        plain = tmp_path / f"plain.{suffix}"
        image.save(plain, fmt, **save_options(fmt, False))
        assert LABEL not in plain.read_bytes() and not read_label(plain), fmt
    gif = save_animation([image, draw_product("box", 2, 80)], tmp_path / "a.gif")
    assert b"AI-generated" in gif.read_bytes() and read_label(gif)


def test_enhance_keeps_the_label_and_says_to_disclose_it(tmp_path):
    photo = open_image(generated(tmp_path))
    assert is_ai_generated(photo)
    for fmt in ("JPEG", "PNG"):
        recipe = Recipe(preset="amazon", output_format=fmt)
        result = process_image(photo, recipe)
        assert result.ai_generated and result.report[0].rule == "AI label" and result.report[0].status == "warn"
        assert "disclose" in result.report[0].measured and result.verdict != "pass"
        out = save_result(result.image, tmp_path / f"out.{fmt.lower()}", recipe, result.ai_generated)
        assert LABEL in out.read_bytes()
    real = tmp_path / "photo.jpg"
    draw_product("round", 3, 200).save(real)
    result = process_image(open_image(real), Recipe(preset="amazon"))
    assert not result.ai_generated and all(r.rule != "AI label" for r in result.report)
    assert LABEL not in save_result(result.image, tmp_path / "photo_out.jpg", Recipe()).read_bytes()


def test_cli_generate_enhance_and_cutout_keep_the_label(tmp_path):
    run = [sys.executable, "-m", "productgen"]
    subprocess.run(run + ["generate", "--category", "Watches", "--n", "2", "--size", "256", "--out-dir",
                          str(tmp_path / "gen")], cwd=REPO, check=True, capture_output=True)
    made = sorted((tmp_path / "gen").glob("*.png"))
    assert len(made) == 2 and all(LABEL in p.read_bytes() for p in made)
    subprocess.run(run + ["enhance", str(tmp_path / "gen"), "--preset", "amazon", "--out", str(tmp_path / "ready")],
                   cwd=REPO, capture_output=True)
    ready = sorted((tmp_path / "ready").glob("*.jpg"))
    assert len(ready) == 2 and all(LABEL in p.read_bytes() for p in ready)
    subprocess.run(run + ["cutout", str(made[0]), "--out", str(tmp_path / "cut")], cwd=REPO, check=True,
                   capture_output=True)
    assert LABEL in next((tmp_path / "cut").glob("*.png")).read_bytes()
