"""The app in a real browser: headless Chromium (Debian's package) driven by Playwright, one merchant task per tab.

Screenshots go to tests/artifacts/. Under CI (CI=true) a missing Chromium is a failure, not a skip.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from ..conftest import REPO, draw_product

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is missing: .ci/run installs it with apt-get install chromium")
    pytest.skip("Chromium not installed (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    models = tmp_path_factory.mktemp("models")
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_TEMP_DIR": str(tmp_path_factory.mktemp("gradio")), "PRODUCTGEN_MODELS": str(models),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError as error:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode()) from error
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    page.get_by_role("tab", name="Generate").click()  # the app opens on Listing; these tests start on Generate
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def choose(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.click()
    page.get_by_role("option", name=value, exact=True).click()


def set_number(page, label: str, value) -> None:
    """A gr.Number (its label) or a gr.Slider (its number box)."""
    field = page.get_by_label(f"number input for {label}", exact=True)
    if not field.count():
        field = page.get_by_label(label, exact=True)
    field = field.first
    field.fill(str(value))
    field.press("Enter")


def download_link(page, label: str):
    """The download link of the gr.File labelled ``label``."""
    return page.locator(".block", has=page.get_by_text(label, exact=True)).locator("a[download]").first


def test_generate_eight_watches_and_download_the_zip(page, tmp_path):
    choose(page, "Category", "Watches")
    set_number(page, "How many", 8)
    set_number(page, "Seed (same seed, same images)", 3)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text("8 × Watches, seed 3").wait_for()
    assert page.locator("[data-testid='gallery'] img, .gallery img, button.thumbnail-item img").count() >= 8
    shot(page, "generate")
    with page.expect_download() as info:
        download_link(page, "Download all (ZIP)").click()
    path = tmp_path / "all.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as bundle:
        assert len([n for n in bundle.namelist() if n.endswith(".png")]) == 8
    # a generated image goes on to the Enhance tab
    page.locator("button.thumbnail-item, .thumbnail-item").first.click()
    page.get_by_role("button", name="Send selected image to Enhance").click()
    try:
        page.get_by_role("tab", name="Enhance", selected=True).wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('input')].some(i => i.value === 'Watches_seed3_000.png')")
    finally:
        shot(page, "generate_to_enhance")


def test_enhance_a_photo_with_auto_for_amazon(page, tmp_path):
    photo = tmp_path / "my shoe.jpg"
    draw_product("round", 4, size=1000, background=(236, 234, 229)).save(photo, quality=90)
    page.get_by_role("tab", name="Enhance").click()
    page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files(str(photo))
    page.wait_for_function("() => [...document.querySelectorAll('input')].some(i => i.value === 'my shoe.jpg')")
    assert page.get_by_role("button", name="Auto", exact=True).count() == 0  # one action, not three
    page.get_by_role("button", name="Enhance this photo", exact=True).click()
    try:
        page.get_by_text("Passes the Amazon (main image) rules").wait_for()
    finally:
        shot(page, "enhance")
    assert page.get_by_text("white background", exact=True).count() >= 1
    # the settings Auto chose for this photo are shown in the recipe's controls, to edit from there
    page.get_by_role("button", name="Colour and tone settings").click()
    page.wait_for_function("() => [...document.querySelectorAll('input[type=number]')].some(i => "
                           "i.getAttribute('aria-label') === 'number input for Sharpen amount' && i.value === '0.6')")
    shot(page, "enhance")
    with page.expect_download() as info:
        download_link(page, "Download this photo").click()
    info.value.save_as(tmp_path / "out.jpg")
    from PIL import Image

    assert Image.open(tmp_path / "out.jpg").size == (2000, 2000)


def enhance_drawn_photo(page, pixels, path: Path) -> None:
    """Save the drawn photo ``pixels`` at ``path``, upload it to the Enhance tab and press Enhance."""
    from PIL import Image

    Image.fromarray(pixels).save(path)
    page.get_by_role("tab", name="Enhance").click()
    page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files(str(path))
    page.wait_for_function(f"() => [...document.querySelectorAll('input')].some(i => i.value === '{path.name}')")
    page.get_by_role("button", name="Enhance this photo", exact=True).click()


def test_fix_the_cut_out_with_a_red_stroke(page, tmp_path):
    """A merchant paints one red stroke over a striped rug the cut-out kept and applies it: the rug goes and the
    report says the cut-out was corrected by hand."""
    import numpy as np

    from ..cutout.test_touchup import photo_with_mats

    pixels, truth, _, rug = photo_with_mats()
    enhance_drawn_photo(page, pixels, tmp_path / "rugs.png")
    page.get_by_text("model confidence", exact=False).first.wait_for()
    # the brush is in view next to the result: nothing to unfold
    canvas = page.locator(".block", has=page.get_by_text("Paint on the photo", exact=True)).locator("canvas").first
    assert canvas.is_visible()
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    box = canvas.bounding_box()
    zoom = float(page.get_by_text(re.compile(r"^\d+%$")).first.inner_text().rstrip("%")) / 100
    rows, columns = np.nonzero(rug)
    # the photo (400 px) is shown at the editor's zoom, centred on its canvas
    left = box["x"] + box["width"] / 2 - 200 * zoom
    top = box["y"] + box["height"] / 2 - 200 * zoom
    x = left + columns.mean() * zoom
    page.mouse.move(x, top + (rows.min() + 15) * zoom)
    page.mouse.down()
    page.mouse.move(x, top + (rows.max() - 15) * zoom, steps=12)
    page.mouse.up()
    page.get_by_role("button", name="Apply my corrections").click()
    try:
        page.get_by_text("corrected by hand", exact=False).first.wait_for()
    finally:
        shot(page, "enhance_fix_cut_out")


def enhance_the_desk(page, tmp_path):
    """Enhance the drawn desk (a mug with a candle beside it and a chest behind): (tap, mug, candle), ``tap(mask)``
    clicking the kept view at the middle of that object."""
    import numpy as np

    from ..cutout.test_objects import desk_photo

    pixels, mug, candle, _ = desk_photo()
    enhance_drawn_photo(page, pixels, tmp_path / "desk.png")
    page.get_by_text(re.compile(r"other objects? dropped: .*a smaller one at the left")).first.wait_for()
    label = "What is kept (the background shows as a chequerboard): tap your product to keep only it"
    picture = page.locator(".block", has=page.get_by_text(label, exact=True)).locator("img").first
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    natural = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    scale = min(box["width"] / natural[0], box["height"] / natural[1])  # shown whole, centred in its box
    left = box["x"] + (box["width"] - natural[0] * scale) / 2
    top = box["y"] + (box["height"] - natural[1] * scale) / 2
    size = pixels.shape[0]

    def tap(thing):
        rows, columns = np.nonzero(thing)
        page.mouse.click(left + columns.mean() / size * natural[0] * scale,
                         top + rows.mean() / size * natural[1] * scale)

    return tap, mug, candle


def test_a_tap_on_the_kept_view_keeps_the_object_under_it_and_a_remove_tap_takes_one_away(page, tmp_path):
    """A red mug with a blue candle beside it: Enhance keeps the mug and says the candle was dropped; a tap on the
    candle in the kept view keeps the candle instead, and the report says the mug was dropped. After "Clear my
    taps" the mug is back; a remove tap on it keeps the candle again."""
    tap, mug, candle = enhance_the_desk(page, tmp_path)
    tap(candle)
    try:
        page.get_by_text("a larger one at the right", exact=False).first.wait_for()
    finally:
        shot(page, "enhance_tap_to_keep")
    # taps add up: "Clear my taps", then a remove tap on the mug keeps the candle
    page.get_by_role("button", name="Clear my taps").click()
    page.get_by_text(re.compile(r"other objects? dropped: .*a smaller one at the left")).first.wait_for()
    page.get_by_label("Remove what I tap").check()
    tap(mug)
    try:
        page.get_by_text("a larger one at the right", exact=False).first.wait_for()
    finally:
        shot(page, "enhance_tap_to_remove")


def test_two_quick_taps_both_count(page, tmp_path):
    """A second tap made before the first is answered is not lost: a keep tap on the candle and, at once, one on
    the mug keep both (the report: two separate objects, none dropped); a lost second tap would keep the candle
    alone and say the mug, "a larger one at the right", was dropped."""
    tap, mug, candle = enhance_the_desk(page, tmp_path)
    tap(candle)
    tap(mug)  # no wait: the first tap is still being answered
    try:
        page.get_by_text("2 separate objects found", exact=False).first.wait_for()
        page.wait_for_timeout(3000)  # answers still on their way must not bring back an older one
        assert page.get_by_text("2 separate objects found", exact=False).first.is_visible()
        assert not page.get_by_text("a larger one at the right", exact=False).first.is_visible()
        assert not page.get_by_text("other object dropped", exact=False).first.is_visible()
    finally:
        shot(page, "enhance_two_quick_taps")


def draw_photos(folder: Path, count: int, name: str, size: int) -> list[str]:
    """``count`` drawn product photos named ``name.format(i)``, alternating two shapes."""
    paths = []
    for i in range(count):
        path = folder / name.format(i)
        draw_product("box" if i % 2 else "round", i, size=size).save(path)
        paths.append(str(path))
    return paths


def test_recognise_a_batch_of_100_with_csv(page, tmp_path):
    photos = draw_photos(tmp_path, 100, "item {:03d}.png", 120)
    archive = tmp_path / "catalogue.zip"  # one upload: a hundred separate ones are slow and flaky in CI
    with zipfile.ZipFile(archive, "w") as bundle:
        for photo in photos:
            bundle.write(photo, Path(photo).name)
    page.get_by_role("tab", name="Recognise").click()
    page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files(str(archive))
    page.get_by_role("tabpanel").get_by_text("catalogue.zip").first.wait_for()
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Recognise", exact=True).click()
    link = download_link(page, "Download the table (CSV)")
    link.wait_for(timeout=180_000)
    title = page.locator(".block", has=page.get_by_text("Suggested title", exact=True)).locator("textarea, input")
    assert title.first.input_value()
    shot(page, "recognise")
    with page.expect_download() as info:
        link.click()
    info.value.save_as(tmp_path / "tags.csv")
    rows = (tmp_path / "tags.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 101 and rows[0].startswith("file,category,status,certainty,")


def test_finetune_twelve_photos_preview_and_stop(page, tmp_path):
    photos = draw_photos(tmp_path, 12, "mug_{}.png", 96)
    page.get_by_role("tab", name="Fine-tune").click()
    page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files(photos)
    page.wait_for_timeout(1500)
    page.get_by_label("Category of these photos (if not in ZIP folders)").fill("Mugs")
    page.get_by_label("Name of your model").fill("browser-mugs")
    page.get_by_role("button", name="Start fine-tuning").click()
    page.get_by_text("Learning: step").first.wait_for(timeout=120_000)
    page.get_by_role("tabpanel").locator("img").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("is ready in Generate").wait_for(timeout=180_000)
    shot(page, "finetune")


def english_left(text: str, english: set[str]) -> list[str]:
    """App strings (or English phrases of three words or more) in ``text`` of a page shown in Chinese."""
    import re

    allowed = {"Lanczos", "GrabCut", "Amazon", "Shopify", "eBay", "Etsy", "Google Merchant Center", "Taobao",
               "Tmall", "productgen", "JPEG", "PNG", "ZIP", "CSV", "GIF", "API", "Gradio", "Hub", "GPU", "CPU"}
    left = sorted(key for key in english if len(key) > 3 and key not in allowed
                  and re.search(rf"(?<![A-Za-z_]){re.escape(key)}(?![A-Za-z_])", text))
    for line in text.splitlines():
        for phrase in re.findall(r"[A-Za-z][A-Za-z'-]+(?: [A-Za-z][A-Za-z'-]+){2,}", line):
            if not any(name in phrase for name in allowed):
                left.append(phrase)
    return left


def test_a_chinese_browser_sees_every_tab_in_chinese(browser, server):
    """Every string the page is built with, in Chinese, and the tables' column names (set by the server in the
    visitor's language). What the core writes after an action is tested through gradio_client (test_app)."""
    import json

    table = json.loads((REPO / "productgen" / "locales" / "zh-CN.json").read_text(encoding="utf-8"))
    english = set(table["ui"]) | set(table["categories"]) | set(table["messages"])  # incl. the tables' columns
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    left = {}
    for tab, name in [("生成", "generate_zh"), ("照片优化", "enhance_zh"), ("商品识别", "recognise_zh"),
                      ("模型微调", "finetune_zh")]:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(800)
        for accordion in page.locator("button.label-wrap:visible").all():  # open the folded settings too
            accordion.click()
        page.wait_for_timeout(300)
        shot(page, name)
        text = page.locator("body").inner_text()
        for code in page.locator(".cm-content").all_inner_texts():  # the recipe JSON is data, not wording
            text = text.replace(code, "")
        found = english_left(text, english)
        if found:
            left[tab] = found
    context.close()
    assert not left, f"English left on the Chinese page: {left}"


@pytest.mark.parametrize("locale,tabs", [("en-US", ["Generate", "Enhance", "Recognise", "Fine-tune"]),
                                         ("zh-CN", ["生成", "照片优化", "商品识别", "模型微调"])])
def test_axe_finds_no_serious_accessibility_problem_on_any_tab(browser, server, locale, tabs):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    problems = {}
    for tab in tabs:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(800)
        violations = Axe().run(page).response["violations"]
        serious = [(v["id"], v["nodes"][0]["target"]) for v in violations if v["impact"] in ("serious", "critical")]
        if serious:
            problems[tab] = serious
    context.close()
    assert not problems, problems


@pytest.mark.parametrize("locale,tabs", [("en-US", ["Generate", "Enhance", "Recognise", "Fine-tune"]),
                                         ("zh-CN", ["生成", "照片优化", "商品识别", "模型微调"])])
def test_on_a_phone_every_tab_shows_and_each_upload_is_named_by_its_box(browser, server, locale, tabs):
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    try:
        page.get_by_role("tab", name=tabs[0]).wait_for()
        page.wait_for_timeout(1000)  # Gradio measures the tabs and folds what does not fit
        for tab in tabs:  # none folded behind Gradio's "⋯" menu
            assert page.get_by_role("tab", name=tab).is_visible(), tab
        page.get_by_role("tab", name=tabs[1]).click()
        page.wait_for_timeout(500)
        names = page.evaluate("() => [...document.querySelectorAll('button.upload-container')]"
                              ".filter(b => b.offsetParent).map(b => b.getAttribute('aria-label'))")
        assert names and "Click to upload or drop files" not in names, names
        shot(page, f"phone_{locale}")
    finally:
        context.close()


def test_the_compliance_table_fits_a_phone_and_error_badges_clear_on_success(browser, server, tmp_path):
    photo = tmp_path / "mug.jpg"
    draw_product("round", 6, size=900, background=(236, 234, 229)).save(photo, quality=90)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    badges = "() => [...document.querySelectorAll('[data-testid=status-tracker]')].filter(e => e.offsetParent " \
             "&& /error/i.test(e.innerText)).length"
    try:
        page.get_by_role("tab", name="Enhance").click()
        page.get_by_role("button", name="Enhance this photo").click()  # no photo yet: an error
        page.get_by_text("upload a photo first").first.wait_for()
        assert page.evaluate(badges) > 0
        page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files(str(photo))
        page.wait_for_function("() => [...document.querySelectorAll('input')].some(i => i.value === 'mug.jpg')")
        page.get_by_role("button", name="Enhance this photo").click()
        page.get_by_text("Passes the Amazon").wait_for()
        page.wait_for_function(badges.replace(".length", ".length === 0"))
        width = page.evaluate("() => { const cell = [...document.querySelectorAll('.table-wrap span')].find("
                              "s => s.innerText.trim() === 'Cut-out'); const view = cell.closest("
                              "'.virtual-table-viewport'); return [view.scrollWidth, view.clientWidth]; }")
        assert width[0] <= width[1] + 2, f"the compliance table is wider than the phone: {width}"
        # a rule's source is a short link (the site's name), not an address wrapped letter by letter
        links = page.locator(".table-wrap a[href^='https://sellercentral.amazon.com']")
        assert "amazon.com" in [text.strip() for text in links.all_inner_texts()]
        heights = page.evaluate("() => [...document.querySelectorAll('.table-wrap a')].map(a => "
                                "a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight))")
        assert heights and max(heights) <= 3.5, f"a source link wraps over {max(heights):.0f} lines"
    finally:
        shot(page, "phone_enhance")
        context.close()


def test_tabbing_through_the_dropdowns_leaves_no_list_open_behind(page):
    page.wait_for_timeout(1000)  # the page's script and the model list are in
    page.get_by_label("Model", exact=True).focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        page.wait_for_timeout(400)
        focused_is_dropdown = page.evaluate("document.activeElement.getAttribute('role') === 'combobox'")
        assert page.locator("[role=listbox]:visible").count() <= (1 if focused_is_dropdown else 0)
