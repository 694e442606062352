"""The app as its users meet it over HTTP: launched, then called through gradio_client."""
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ..conftest import REPO, draw_product, run_python

pytestmark = [pytest.mark.app, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    os.environ["GRADIO_TEMP_DIR"] = str(tmp_path_factory.mktemp("gradio"))
    os.environ["PRODUCTGEN_MODELS"] = str(tmp_path_factory.mktemp("models"))
    from gradio_client import Client

    import app

    demo = app.build_app()
    demo.queue(default_concurrency_limit=2)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1")
    yield Client(url, verbose=False)
    demo.close()


def test_import_and_build_load_no_model():
    run_python("import app, sys; from ui import server; demo = app.build_app(); "
               "assert 'torch' not in sys.modules, 'building the UI imported torch'; "
               "from productgen.store import loading; "
               "assert not loading._cache, 'a model was loaded'")


def test_generate_gives_png_with_provenance_and_zip(client):
    gallery, archive, status = client.predict("default", "Watches", 8, 3, 0.8, "256", api_name="/generate")
    assert len(gallery) == 8 and "Watches" in status
    first = Image.open(gallery[0]["image"])
    assert first.format == "PNG" and first.size == (256, 256)
    assert first.text["AI-generated"] == "true" and first.text["productgen:seed"] == "3"
    with zipfile.ZipFile(archive) as bundle:
        assert len([n for n in bundle.namelist() if n.endswith(".png")]) == 8
    again = client.predict("default", "Watches", 8, 3, 0.8, "256", api_name="/generate")[0]
    assert open(gallery[0]["image"], "rb").read() == open(again[0]["image"], "rb").read()


def test_generate_at_512_px_uses_the_upscaler_or_lanczos(client):
    sharp, _, status = client.predict("default", "Watches", 4, 9, 0.8, "512", "model", api_name="/generate")
    soft, _, plain = client.predict("default", "Watches", 4, 9, 0.8, "512", "lanczos", api_name="/generate")
    assert "upscaler model" in status and "Lanczos" in plain
    ours, lanczos = (np.asarray(Image.open(gallery[0]["image"]).convert("L"), float) for gallery in (sharp, soft))
    assert ours.shape == lanczos.shape == (512, 512)
    assert np.abs(ours - lanczos).mean() > 0.5  # the model drew it (its sharpness: tests/upscale/test_upscale.py)
    with pytest.raises(Exception, match="not in the list of choices"):
        client.predict("default", "Watches", 4, 9, 0.8, "512", "bicubic", api_name="/generate")


def test_a_chinese_browser_gets_the_server_s_messages_in_chinese(client):
    from gradio_client import Client

    chinese = Client(client.src, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    _, _, status = chinese.predict("default", "Watches", 2, 3, 0.8, "256", "model", api_name="/generate")
    assert status.startswith("2 张 手表") and "放大模型" in status
    _, _, english = client.predict("default", "Watches", 2, 3, 0.8, "256", "model", api_name="/generate")
    assert english.startswith("2 × Watches")


def test_enhance_speaks_chinese_to_a_chinese_browser(client, tmp_path):
    from gradio_client import Client, handle_file

    chinese = Client(client.src, verbose=False, headers={"Accept-Language": "zh-CN"})
    photo = Image.new("RGB", (300, 300), (255, 255, 255))  # a small product: enlarged about 5x, so a warning
    photo.paste((40, 70, 140), (110, 100, 190, 200))
    photo.save(tmp_path / "small.png")
    _, report, verdict, *_ = chinese.predict([handle_file(str(tmp_path / "small.png"))], "small.png", "",
                                             api_name="/enhance")
    assert report["headers"][:2] == ["规则", "结果"]
    rules = {row[0]: row[1] for row in report["data"]}
    assert rules["清晰度"] == "警告" and "抠图" in rules  # enlarged far past x5: soft, said in Chinese
    assert verdict.startswith("**⚠️ 上传前请检查") and "条警告" in verdict
    # the measurements and warnings the core wrote are in Chinese too (numbers, px sizes and file formats stay)
    measured = " ".join(row[2] for row in report["data"]) + verdict
    assert "模型" in measured and "像素" in measured and "倍" in measured
    leftover = set(re.findall(r"[A-Za-z]{3,}", measured)) - {"sRGB", "JPEG", "PNG", "GIF", "TIFF", "WebP", "Lanczos"}
    assert not leftover, f"English left in the Chinese report: {sorted(leftover)}"
    with pytest.raises(Exception, match="种子：请输入 0 到 2147483647 之间的整数"):
        chinese.predict("default", "Watches", 2, -5, 0.8, "64", "model", api_name="/generate")
    _, _, english, *_ = client.predict([handle_file(str(tmp_path / "small.png"))], "small.png", "",
                                       api_name="/enhance")
    assert english.startswith("**⚠️ Check before uploading") and "warning(s)" in english


def test_app_generate_send_to_enhance_and_batch_zip_keep_the_label(client, tmp_path):
    from gradio_client import handle_file

    from productgen.io.provenance import DIGITAL_SOURCE_TYPE, is_ai_generated

    label = DIGITAL_SOURCE_TYPE.encode()

    gallery, archive, _ = client.predict("default", "Watches", 2, 5, 0.8, "256", api_name="/generate")
    with zipfile.ZipFile(archive) as bundle:
        assert all(label in bundle.read(n) for n in bundle.namelist() if n.endswith(".png"))
    path = gallery[0]["image"]
    name = path.rsplit("/", 1)[-1]
    pair, report, verdict, download, settings, kept = client.predict([handle_file(path)], name, "",
                                                                     api_name="/enhance")
    rows = report["data"] if isinstance(report, dict) else report
    assert any("disclose" in " ".join(map(str, row)) for row in rows) and "warning(s)" in verdict
    assert label in open(download, "rb").read()
    zip_path, table, status = client.predict([handle_file(path)], "", api_name="/enhance_batch")
    with zipfile.ZipFile(zip_path) as bundle:
        images = [n for n in bundle.namelist() if n.endswith((".jpg", ".png"))]
        assert images and all(label in bundle.read(n) for n in images)
    with Image.open(download) as image:
        assert is_ai_generated(image)


def test_interpolate_gives_an_animation(client):
    path = client.predict("default", "Watches", "Handbags", 1, 2, 6, 0.8, api_name="/interpolate")
    with Image.open(path) as gif:
        assert gif.is_animated and gif.n_frames >= 6


def photo_file(tmp_path, name="photo.jpg", size=900):
    path = tmp_path / name
    draw_product("round", 7, size=size, background=(238, 236, 232)).save(path, quality=92)
    return path


def test_enhance_auto_and_report(client, tmp_path):
    from gradio_client import handle_file

    photo = str(photo_file(tmp_path))
    values = client.predict([handle_file(photo)], None, "", api_name="/auto_settings")
    recipe = values[-1]
    assert '"auto": true' in recipe
    pair, report, verdict, download, settings, kept = client.predict([handle_file(photo)], "photo.jpg", recipe,
                                                                     api_name="/enhance")
    assert "Passes" in verdict
    rows = report["data"] if isinstance(report, dict) else report
    assert any(row[0] == "white background" and row[1] == "PASS" for row in rows)
    assert any(row[0] == "Cut-out" and "clean, even backdrop" in row[2] for row in rows)
    assert Image.open(kept).size[0] <= 768
    assert Image.open(download).size == (2000, 2000)
    zip_path, table, status = client.predict([handle_file(photo), handle_file(photo)], recipe,
                                             api_name="/enhance_batch")
    with zipfile.ZipFile(zip_path) as bundle:
        assert sorted(bundle.namelist()) == ["photo_amazon.jpg", "photo_amazon_1.jpg", "report.csv"]


def test_enhance_a_photo_on_a_surface_uses_the_cut_out_and_shows_it(client, tmp_path):
    from gradio_client import handle_file

    from ..cutout.test_cutout import product_on_texture

    path = tmp_path / "on-the-floor.jpg"
    Image.fromarray(product_on_texture(7, 600)[0]).save(path, quality=90)
    _, report, verdict, download, _, kept = client.predict([handle_file(str(path))], None, "", api_name="/enhance")
    rows = report["data"] if isinstance(report, dict) else report
    assert rows[0][0] == "Cut-out" and "model confidence" in rows[0][2]
    kept = np.asarray(Image.open(kept).convert("RGB")).astype(int)
    # the background shows as a chequerboard (grey squares, no colour); the product keeps its colours
    grey = np.ptp(kept, axis=2) < 12
    assert grey[:40, :40].mean() > 0.9 and np.ptp(kept[:40, :40].mean(axis=2)) > 25, "no chequerboard in the preview"
    assert (~grey).mean() > 0.05, "the product lost its colours in the preview"


def test_enhance_takes_the_merchants_strokes_on_the_cut_out(client, tmp_path):
    """The "Fix the cut-out" painter through the API: red strokes (at the preview's size) drop the rug they touch;
    the report says the cut-out was corrected by hand and measures it again."""
    from gradio_client import handle_file

    from ..cutout.test_touchup import photo_with_mats

    pixels, truth, rug, _ = photo_with_mats()
    Image.fromarray(pixels).save(tmp_path / "rug.png")
    layer = np.zeros((200, 200, 4), np.uint8)  # painted on a half-size preview
    rows, columns = np.nonzero(rug)
    middle = int(columns.mean()) // 2
    layer[rows.min() // 2 + 10:rows.max() // 2 - 10, middle - 2:middle + 3] = (225, 29, 42, 255)
    Image.fromarray(layer, "RGBA").save(tmp_path / "strokes.png")
    Image.fromarray(pixels).resize((200, 200)).save(tmp_path / "preview.png")
    painting = {"background": handle_file(str(tmp_path / "preview.png")),
                "layers": [handle_file(str(tmp_path / "strokes.png"))], "composite": None}
    upload = [handle_file(str(tmp_path / "rug.png"))]
    _, report, _, download, _, kept = client.predict(upload, None, "", painting, api_name="/enhance")
    rows = report["data"] if isinstance(report, dict) else report
    assert rows[0][0] == "Cut-out" and rows[0][2].startswith("corrected by hand; model confidence")
    _, plain, *_ = client.predict(upload, None, "", api_name="/enhance")
    plain = plain["data"] if isinstance(plain, dict) else plain
    assert not plain[0][2].startswith("corrected by hand")
    Image.fromarray(np.zeros((100, 300, 4), np.uint8) + np.array([225, 29, 42, 255], np.uint8)).save(
        tmp_path / "wide.png")
    wrong_shape = {**painting, "layers": [handle_file(str(tmp_path / "wide.png"))]}
    with pytest.raises(Exception, match="not the photo's shape"):
        client.predict(upload, None, "", wrong_shape, api_name="/enhance")


def test_enhance_gives_way_to_others_when_the_app_is_busy(client, tmp_path):
    """While another request runs, a small product is enlarged by Lanczos (and the merchant is told), so the
    upscaler's seconds do not pile up behind a queue; alone, the upscaler draws it."""
    from gradio_client import handle_file

    from ui.server import JOBS

    photo = Image.new("RGB", (300, 300), (255, 255, 255))
    ImageDraw.Draw(photo).rectangle((110, 90, 190, 210), fill=(40, 70, 140))
    photo.save(tmp_path / "small.png")
    upload = [handle_file(str(tmp_path / "small.png"))]
    _, report, verdict, *_ = client.predict(upload, None, "", api_name="/enhance")
    rows = report["data"] if isinstance(report, dict) else report
    assert "upscaler model" in next(r[2] for r in rows if r[0] == "Sharpness") and "busy" not in verdict
    with JOBS.one():  # another visitor's request
        _, report, verdict, *_ = client.predict(upload, None, "", api_name="/enhance")
        _, _, status = client.predict(upload, "", api_name="/enhance_batch")
        _, _, generated = client.predict("default", "Watches", 2, 0, 0.8, "256", "model", api_name="/generate")
    assert "enlarged by Lanczos" in generated and "busy with other work" in generated
    rows = report["data"] if isinstance(report, dict) else report
    assert "Lanczos" in next(r[2] for r in rows if r[0] == "Sharpness")
    assert "busy with other work" in verdict and "busy with other work" in status
    assert JOBS.count == 0


@pytest.mark.parametrize("recipe, message", [
    ('{"jpeg_quality": 50.5}', "jpeg_quality must be a whole number"),
    ('{"canvas": [10000, 10000], "shadow": 1}', "canvas width must be between 100 and 3000"),
    ('{"preset": "Amazon", "shadow": "lots"}', "shadow must be a number"),
])
def test_enhance_bad_recipe_values_name_the_field(client, tmp_path, recipe, message):
    from gradio_client import handle_file

    with pytest.raises(Exception, match=message):
        client.predict([handle_file(str(photo_file(tmp_path)))], None, recipe, api_name="/enhance")
    with pytest.raises(Exception, match=message):
        client.predict([handle_file(str(photo_file(tmp_path)))], recipe, api_name="/enhance_batch")


@pytest.mark.parametrize("args, message", [
    (("default", "Watches", 2, None, 1.0, "64"), "Seed: enter a whole number"),
    (("default", "Watches", 2, -5, 1.0, "64"), "Seed: enter a whole number from 0"),
    (("default", "Watches", 2.5, 1, 1.0, "64"), "How many: enter a whole number"),
    (("default", "Watches", 2, 1, 5.0, "64"), "greater than maximum value 1"),  # Gradio's own check, as readable
    (("default", "Watches", 2, 1, 1.0, "300"), "not in the list of choices"),
])
def test_generate_bad_values_name_the_field(client, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/generate")


def test_enhance_refuses_a_text_file_clearly(client, tmp_path):
    from gradio_client import handle_file

    bad = tmp_path / "notes.jpg"
    bad.write_text("I am text")
    with pytest.raises(Exception, match="not an image"):
        client.predict([handle_file(str(bad))], None, "", api_name="/enhance")
    with pytest.raises(Exception, match="upload a photo first"):
        client.predict([], "/etc/passwd", "", api_name="/enhance")
    zip_path, table, status = client.predict([handle_file(str(bad)), handle_file(str(photo_file(tmp_path)))], "",
                                             api_name="/enhance_batch")
    rows = table["data"] if isinstance(table, dict) else table
    assert "1 failed" in status and any("not an image" in row[3] for row in rows)


def test_recognise_writes_titles_alt_text_and_tags_in_chinese_for_a_chinese_browser(client, tmp_path):
    from gradio_client import Client, handle_file

    chinese = Client(client.src, verbose=False, headers={"Accept-Language": "zh-CN"})
    files = [handle_file(str(photo_file(tmp_path, "p0.png", 200)))]
    _, verdict, top3, _, title, alt, tags, _, csv_path, _ = chinese.predict(files, api_name="/recognise")
    assert re.search(r"[\u4e00-\u9fff]", title) and alt.startswith(title) and alt.endswith("白色背景")
    assert not re.search(r"[A-Za-z]{3}", title + alt + tags + verdict), (title, alt, tags, verdict)
    import csv

    with open(csv_path, encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["title"] == title  # the CSV's title is the Chinese one
    _, csv_path, title, alt, tags = chinese.predict("p0.png", "Watches", api_name="/correct_category")
    assert title.endswith("手表") and "手表" in tags
    assert ",Watches," in open(csv_path, encoding="utf-8").read()  # the category stays data: the model's name


def test_an_upload_without_photos_is_said_at_once(tmp_path):
    import zipfile

    from ui.enhance_tab import on_upload

    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as bundle:
        bundle.writestr("notes.txt", "no photos here")
    with pytest.warns(UserWarning, match="No photos found in this upload"):  # gr.Warning outside a request
        update = on_upload([str(tmp_path / "empty.zip")])
    assert update["choices"] == []


def test_recognise_batch_with_csv_and_a_corrected_category(client, tmp_path):
    from gradio_client import handle_file

    files = [handle_file(str(photo_file(tmp_path, f"p{i}.png", 200))) for i in range(3)]
    product, verdict, top3, swatches, title, alt, tags, table, csv_path, first = client.predict(
        files, api_name="/recognise")
    # drawn shapes are none of the types: one answer, "unknown", not the closest type's name over a chart
    assert top3["label"] == "Unknown product type" and not top3.get("confidences") and title and alt.startswith(title)
    first = first.get("value") if isinstance(first, dict) else first
    assert "#" in swatches and verdict.startswith("###") and Path(product).is_file() and first == "p0.png"
    lines = open(csv_path, encoding="utf-8").read().splitlines()
    assert len(lines) == 4 and lines[0].startswith("file,category,status")
    table, csv_path, title, alt, tags = client.predict("p1.png", "Watches", api_name="/correct_category")
    rows = table["data"] if isinstance(table, dict) else table
    assert rows[1][1] == "Watches" and "set by you" in rows[1][2] and title.endswith("watch")
    written = open(csv_path, encoding="utf-8").read().splitlines()
    assert written[2].startswith("p1.png,Watches,edited")


def test_recipe_controls_round_trip(tmp_path):
    from ui.enhance_tab import load_recipe, recipe_from_controls

    top = ["etsy", False, True, False, 0.2, 0.8, "PNG", 90, False, "lanczos"]
    controls = ["product", 1.0, 0.5, 1.2, 1.1, 0.9, 1.3, 0.7, 2.0, 4, 0]
    recipe_json = recipe_from_controls(*top, *controls)
    saved = tmp_path / "recipe.json"
    saved.write_text(recipe_json)
    values = load_recipe(str(saved))
    assert values[:10] == top and values[10:-1] == controls and values[-1] == recipe_json
    (tmp_path / "bad.json").write_text("{\"colour\": 1}")
    import gradio as gr

    with pytest.raises(gr.Error, match="not a recipe"):
        load_recipe(str(tmp_path / "bad.json"))


def test_finetune_streams_stops_resumes_and_appears_in_generate(client, tmp_path):
    import json
    import time

    from gradio_client import handle_file

    photos = []
    for i in range(12):
        path = tmp_path / f"mug {i}.png"
        draw_product("round" if i % 2 else "box", i, size=80).save(path)
        photos.append(handle_file(str(path)))
    models = Path(os.environ["PRODUCTGEN_MODELS"])

    def run_until_stopped(resume: bool, key: str) -> list:
        job = client.submit(photos, "Mugs", "default", "steps", 20000, "api-mugs", resume, key,
                            api_name="/finetune")
        deadline = time.monotonic() + 180
        while not any("Learning: step" in str(update[2]) for update in job.outputs()) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        key = job.outputs()[-1][4]
        assert client.predict("not-the-owner-key-123", api_name="/stop_finetune").startswith("No fine-tune of yours")
        assert client.predict(key, api_name="/stop_finetune").startswith("Stopping")
        return job.result(timeout=300)

    final = run_until_stopped(resume=False, key="")
    key = final[4]
    assert len(key) >= 16
    from ui.finetune_tab import stop_finetune

    assert not isinstance(stop_finetune(key), str), "Stop after the end replaced the finished job's summary"
    assert "ready in Generate" in final[2] and "how close the new images are to your photos" in final[2]
    assert "FID" not in final[2] and "KID" not in final[2]  # numbers are for the card
    assert "Memorisation check" in (models / "api-mugs" / "README.md").read_text()
    assert not any(p.name.startswith(".staging") for p in models.iterdir()), "the staging folder was left"
    first_step = json.loads((models / "api-mugs" / "config.json").read_text())["training"]["step"]
    assert first_step >= 1
    with pytest.raises(Exception, match="already exists; choose another name, e.g. api-mugs-2"):
        client.predict(photos, "Mugs", "default", "steps", 5, "api-mugs", False, key, api_name="/finetune")
    with pytest.raises(Exception, match="not made in this browser"):
        client.predict(photos, "Mugs", "default", "steps", 5, "api-mugs", True, "someone-elses-key-0123",
                       api_name="/finetune")
    run_until_stopped(resume=True, key=key)
    assert json.loads((models / "api-mugs" / "config.json").read_text())["training"]["step"] > first_step
    gallery, _, status = client.predict("api-mugs", "Mugs", 2, 1, 1.0, "64", api_name="/generate")
    assert len(gallery) == 2
    with pytest.raises(Exception, match="this model knows"):
        client.predict("default", "Mugs", 2, 1, 1.0, "64", api_name="/generate")
    with pytest.raises(Exception, match="Unknown model"):
        client.predict("/etc", "Mugs", 2, 1, 1.0, "64", api_name="/generate")


@pytest.mark.parametrize("name", ["default", "classifier", "Default", "cutout", "../default", "weights"])
def test_finetune_never_takes_a_shipped_models_name(client, tmp_path, name):
    from gradio_client import handle_file

    before = {p: p.read_bytes() for p in (REPO / "weights").rglob("*") if p.is_file()}
    photos = [handle_file(str(photo_file(tmp_path, f"p{i}.png", 64))) for i in range(10)]
    with pytest.raises(Exception, match="already exists|a model name is"):
        client.predict(photos, "Mugs", "default", "steps", 5, name, False, "", api_name="/finetune")
    with pytest.raises(Exception, match="no model of yours|not made in this browser"):
        client.predict(photos, "Mugs", "default", "steps", 5, name, True, "", api_name="/finetune")
    assert {p: p.read_bytes() for p in (REPO / "weights").rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("budget, kind, message", [
    ("nan", "minutes", "at most"), (1e9, "minutes", "at most 60 minutes"), (-1, "minutes", "more than 0"),
    (2.5, "steps", "whole number of steps"), (1e9, "steps", "from 1 to 20000"), ("", "minutes", "number"),
])
def test_finetune_budget_must_be_finite_and_within_the_limit(client, tmp_path, budget, kind, message):
    from gradio_client import handle_file

    photos = [handle_file(str(photo_file(tmp_path, f"p{i}.png", 64))) for i in range(10)]
    with pytest.raises(Exception, match=message):
        client.predict(photos, "Mugs", "default", kind, budget, "budget-test", False, "", api_name="/finetune")


def test_a_second_finetune_is_told_one_is_running(tmp_path):
    from productgen.gan.finetune import FinetuneJob

    assert FinetuneJob._lock.acquire(blocking=False)  # as if a run were in progress
    try:
        from ui.finetune_tab import start_finetune

        with pytest.raises(Exception, match="already running"):
            for _ in start_finetune([str(photo_file(tmp_path, f"p{i}.png", 64)) for i in range(10)], "Mugs",
                                        "default", "steps", 1, "second", False, "", None):
                pass
    finally:
        FinetuneJob._lock.release()


def test_an_unknown_type_is_said_once_and_a_category_of_one_s_own_drops_the_gender(client, tmp_path):
    from productgen.recognise.pipeline import _compose
    from ui.recognise_tab import first_result_view

    mug = _compose([("Shorts", 0.31), ("Caps", 0.2), ("Wallets", 0.1)], ("Men", 0.9), None, [], unknown=True)
    _, headline, top3, *_ = first_result_view(mug)
    assert top3 == "Unknown product type" and "Unknown product type" in headline  # never "Shorts" over it
    from gradio_client import handle_file

    files = [handle_file(str(photo_file(tmp_path, f"p{i}.png", 200))) for i in range(2)]
    client.predict(files, api_name="/recognise")
    table, csv_path, title, alt, tags = client.predict("p1.png", None, "  scented   candle ",
                                                       api_name="/correct_category")
    row = next(line for line in open(csv_path, encoding="utf-8").read().splitlines() if line.startswith("p1.png"))
    assert row.startswith("p1.png,scented candle,edited") and title.endswith("scented candle")
    assert ",Men," not in row and ",Women," not in row  # no gender for a type of one's own
    table, csv_path, title, *_ = client.predict("p0.png", "Mug", "", api_name="/correct_category")
    assert title.endswith("mug")
