"""Broken and hostile inputs through the core: each gives a clear message and writes nothing outside its folder."""
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from productgen.enhance.studio import Recipe, process_image
from productgen.io.archives import ArchiveError, Collected, collect_uploads, extract_zip
from productgen.io.images import ImageError, open_image
from productgen.store.weights import WeightsError, load_tensors

from .conftest import draw_product


def save(image: Image.Image, path, **options):
    image.save(path, **options)
    return path


def test_empty_text_and_truncated_files(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        open_image(tmp_path / "empty.jpg")
    (tmp_path / "text.jpg").write_text("hello, I am not a photo")
    with pytest.raises(ImageError, match="not an image"):
        open_image(tmp_path / "text.jpg")
    data = io.BytesIO()
    draw_product("round", 1, size=300).save(data, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    with pytest.raises(ImageError, match="damaged or truncated"):
        open_image(tmp_path / "cut.jpg")


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    # 20000 x 20000 PNG of one colour: tiny on disk, 400 megapixels decoded
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(path, optimize=True)
    assert path.stat().st_size < 200_000
    with pytest.raises(ImageError, match="megapixels"):
        open_image(path)


@pytest.mark.parametrize("make", [
    lambda p: save(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), p / "cmyk.jpg"),
    lambda p: save(Image.fromarray(np.full((30, 40), 40000, np.uint16)), p / "deep.png"),
    lambda p: save(Image.new("P", (40, 30), 0), p / "palette.png", transparency=0),
    lambda p: save(Image.new("RGB", (1, 1), (10, 20, 30)), p / "dot.png"),
    lambda p: save(Image.new("RGB", (10000, 100), (200, 10, 10)), p / "strip.png"),
])
def test_odd_modes_and_sizes_open_as_rgb_and_enhance(tmp_path, make):
    image = open_image(make(tmp_path))
    assert image.mode == "RGB"
    result = process_image(image, Recipe(preset="ebay"))
    assert result.image.size == (1600, 1600)


def test_cmyk_colour_and_palette_alpha_composited_on_white(tmp_path):
    assert open_image(save(Image.new("CMYK", (4, 4), (0, 255, 255, 0)), tmp_path / "c.jpg")).getpixel((1, 1))[0] > 200
    assert open_image(save(Image.new("P", (4, 4), 0), tmp_path / "p.png", transparency=0)).getpixel((1, 1)) \
        == (255, 255, 255)


def test_animated_gif_gives_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    assert open_image(tmp_path / "anim.gif").getpixel((5, 5))[0] > 200


def test_exif_rotation_is_applied(tmp_path):
    image = Image.new("RGB", (60, 20), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image.save(tmp_path / "rotated.jpg", exif=exif)
    assert open_image(tmp_path / "rotated.jpg").size == (20, 60)


def test_a_preview_is_opened_small_upright_and_like_the_photo(tmp_path):
    gradient = np.tile(np.linspace(0, 255, 1200, dtype=np.uint8)[None, :, None], (800, 1, 3))
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(gradient).save(tmp_path / "big.jpg", exif=exif, quality=95)
    preview = open_image(tmp_path / "big.jpg", longest=300)
    assert preview.size == (200, 300)  # upright (rotated) and at most 300 px
    whole = open_image(tmp_path / "big.jpg").resize(preview.size, Image.LANCZOS)
    assert np.abs(np.asarray(preview, np.int16) - np.asarray(whole, np.int16)).mean() < 3
    Image.new("RGB", (50, 40)).save(tmp_path / "small.png")
    assert open_image(tmp_path / "small.png", longest=300).size == (50, 40)  # never enlarged


def make_zip(path, entries: dict, symlink: str | None = None):
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            bundle.writestr(info, "/etc/passwd")
    return path


def png_bytes(seed=0):
    data = io.BytesIO()
    draw_product("box", seed, size=40).save(data, "PNG")
    return data.getvalue()


def test_zip_traversal_absolute_and_links_stay_inside(tmp_path):
    archive = make_zip(tmp_path / "evil.zip", {"../escape.png": png_bytes(), "/tmp/absolute.png": png_bytes(),
                                               "ok/fine.png": png_bytes(1), "notes.txt": b"hi"}, symlink="link.png")
    collected = Collected()
    extract_zip(archive, tmp_path / "out", collected)
    assert [p.name for p in collected.files] == ["fine.png"] and collected.categories == ["ok"]
    reasons = dict(collected.skipped)
    assert "leaves" in reasons["../escape.png"] and "absolute" in reasons["/tmp/absolute.png"]
    assert "link" in reasons["link.png"] and "not an image" in reasons["notes.txt"]
    written = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"evil.zip", "fine.png"}


def test_zip_bomb_and_non_images_are_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("huge.png", b"\0" * 50_000_000)
    with pytest.raises(ArchiveError, match="ZIP bomb"):
        collect_uploads([bomb], tmp_path / "work")
    assert not any(p.is_file() for p in (tmp_path / "work").rglob("*"))
    texts = make_zip(tmp_path / "texts.zip", {"a.txt": b"x", "b.csv": b"y"})
    collected = collect_uploads([texts], tmp_path / "work2")
    assert not collected.files and len(collected.skipped) == 2
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(ArchiveError, match="not a readable ZIP"):
        collect_uploads([tmp_path / "fake.zip"], tmp_path / "work3")


def test_odd_file_names_survive(tmp_path):
    name = "sommer kleid $(rm -rf) ü;&.png"
    path = tmp_path / name
    draw_product("round", 2, size=120).save(path)
    collected = collect_uploads([path], tmp_path / "w")
    assert collected.files == [path]
    assert open_image(path).size == (120, 120)
    archive = make_zip(tmp_path / "names.zip", {f"dir/{name}": png_bytes()})
    collected = collect_uploads([archive], tmp_path / "w2")
    assert collected.files[0].parent == tmp_path / "w2" / "zip0" and collected.files[0].is_file()


def test_weights_that_are_not_safetensors(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"\x80\x04pickle-not-safetensors")
    with pytest.raises(WeightsError, match="not a safetensors"):
        load_tensors(tmp_path / "model.safetensors")


def test_a_broken_link_in_a_folder_is_named_with_its_reason_not_passed_over(tmp_path):
    import os
    import subprocess
    import sys

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(folder / "red.png")
    os.symlink(tmp_path / "moved away.jpg", folder / "link.jpg")
    collected = collect_uploads([folder], tmp_path / "work")
    assert [path.name for path in collected.files] == ["red.png"]
    assert collected.skipped == [("link.jpg", f"a broken link (it points to {tmp_path / 'moved away.jpg'}, "
                                              "which does not exist)")]
    done = subprocess.run([sys.executable, "-m", "productgen", "tag", str(folder)], capture_output=True, text=True)
    assert done.returncode != 0 and "link.jpg" in done.stdout + done.stderr and "broken link" in done.stdout
