"""The Listing tab in a real browser (headless Chromium, as test_browser.py): real phone photos uploaded once, one
category corrected, the ZIP downloaded; and the tab in Chinese, under axe-core, and on a phone."""
from __future__ import annotations

import csv
import os
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from ..conftest import REPO, draw_product
from .test_browser import browser, english_left, server, shot  # noqa: F401  (fixtures and helpers)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# the shared data beside the repository (as the benches take it), or where PRODUCTGEN_SHARED_DATA says
SHARED = Path(os.environ.get("PRODUCTGEN_SHARED_DATA", REPO.parent / "shared" / "data"))
TABS = {"en-US": ["Listing", "Generate", "Enhance", "Recognise", "Fine-tune"],
        "zh-CN": ["商品上架", "生成", "照片优化", "商品识别", "模型微调"]}


def real_photos(count: int) -> list[Path]:
    """``count`` phone photos of the shared data: clothing, and one grocery package (none of the classifier's
    types)."""
    folder = SHARED / "realphotos" / "images"
    clothing, grocery = sorted((folder / "clothing").glob("*.jpg")), sorted((folder / "grocery").glob("*.jpg"))
    if len(clothing) < count - 1 or not grocery:
        pytest.skip(f"needs the shared real photos in {folder} (set PRODUCTGEN_SHARED_DATA to the shared data folder)")
    return clothing[: count - 1] + grocery[:1]


def new_page(browser, server, locale="en-US", **options):  # noqa: F811
    context = browser.new_context(locale=locale, accept_downloads=True, **options)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server)
    page.get_by_role("tab", name=TABS[locale][0], selected=True).wait_for()  # the app opens on Listing
    return context, page


def test_five_real_photos_uploaded_once_one_category_corrected_and_the_zip_downloaded(browser, server,  # noqa: F811
                                                                                         tmp_path):
    photos = real_photos(5)
    context, page = new_page(browser, server, viewport={"width": 1400, "height": 1100})
    try:
        page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files([str(p) for p in photos])
        page.get_by_role("tabpanel").get_by_text(photos[-1].stem).first.wait_for()  # the name, its suffix apart
        page.get_by_role("button", name="Make listings").click()
        page.get_by_text("5 of 5 photos listed.").wait_for(timeout=240_000)
        page.get_by_role("heading", name=f"1. {photos[0].name}", exact=False).wait_for()  # the first one's detail
        # the second photo: one click on its row, then a category from the list (nothing was chosen before)
        page.locator(".table-wrap").get_by_text(photos[1].name, exact=True).first.click()
        page.get_by_role("heading", name=f"2. {photos[1].name}", exact=False).wait_for()
        category = page.get_by_label("Right category", exact=True)
        assert category.input_value() == ""
        category.click()
        page.get_by_role("option", name="Household: Lamp", exact=True).click()
        page.get_by_role("button", name="Apply my correction").click()
        page.locator(".table-wrap").get_by_text("✎ set by you").first.wait_for()
        assert page.locator("img").count() >= 2  # before and after of the photo shown (no screenshot: real photos)
        link = page.locator(".block", has=page.get_by_text("Download the listing (ZIP with products.csv)",
                                                           exact=True)).locator("a[download]").first
        with page.expect_download() as info:
            link.click()
        info.value.save_as(tmp_path / "listing.zip")
    finally:
        context.close()
    with zipfile.ZipFile(tmp_path / "listing.zip") as bundle:
        rows = list(csv.DictReader(bundle.read("products.csv").decode("utf-8").splitlines()))
        images = {name: Image.open(bundle.open(name)).size for name in bundle.namelist() if name != "products.csv"}
    assert [row["file"] for row in rows] == [p.name for p in photos]  # one row per photo, in upload order
    assert rows[1]["Type"] == "Lamp" and rows[1]["Title"].endswith("lamp") and rows[1]["status"] == "edited"
    assert rows[1]["gender"] == "" and rows[4]["gender"] == ""  # a lamp, and a grocery package: no gender
    assert sorted(row["Image Src"] for row in rows) == sorted(images)  # every image, named in its row
    for row in rows:  # the size the report measured is the image's
        measured = re.search(r"size: \w+ \((\d+)x(\d+) px", row["report"])
        if measured:
            assert images[row["Image Src"]] == (int(measured[1]), int(measured[2])), row["report"]


def test_the_listing_tab_is_all_chinese_for_a_chinese_browser(browser, server):  # noqa: F811
    import json

    table = json.loads((REPO / "productgen" / "locales" / "zh-CN.json").read_text(encoding="utf-8"))
    english = set(table["ui"]) | set(table["categories"]) | set(table["messages"])
    context, page = new_page(browser, server, locale="zh-CN", viewport={"width": 1400, "height": 1100})
    try:
        for accordion in page.locator("button.label-wrap:visible").all():  # the recipe too
            accordion.click()
        page.wait_for_timeout(500)
        shot(page, "listing_zh")
        text = page.locator("body").inner_text()
        for code in page.locator(".cm-content").all_inner_texts():  # the recipe JSON is data, not wording
            text = text.replace(code, "")
        assert not english_left(text, english)
    finally:
        context.close()


@pytest.mark.parametrize("locale, button, done", [("en-US", "Make listings", "2 of 2 photos listed."),
                                                   ("zh-CN", "生成商品信息", "2 张照片中已有 2 张生成商品信息。")])
def test_axe_finds_no_serious_problem_on_the_listing_flow(browser, server, tmp_path, locale, button,  # noqa: F811
                                                          done):
    from axe_playwright_python.sync_playwright import Axe

    photos = [tmp_path / f"drawn {i}.jpg" for i in range(2)]
    for i, path in enumerate(photos):
        draw_product("round", i, size=400, background=(236, 234, 229)).save(path)
    context, page = new_page(browser, server, locale=locale, viewport={"width": 1400, "height": 1100})
    try:
        page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files([str(p) for p in photos])
        page.get_by_role("tabpanel").get_by_text(photos[-1].stem).first.wait_for()  # the name, its suffix apart
        page.get_by_role("button", name=button).click()
        page.get_by_text(done).wait_for(timeout=120_000)  # the table, the detail and the download are shown
        for accordion in page.locator("button.label-wrap:visible").all():
            accordion.click()
        page.wait_for_timeout(800)
        violations = Axe().run(page).response["violations"]
        shot(page, f"listing_{locale}")
    finally:
        context.close()
    serious = [(v["id"], v["nodes"][0]["target"]) for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, serious


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_on_a_phone_all_five_tabs_show(browser, server, locale):  # noqa: F811
    context, page = new_page(browser, server, locale=locale, viewport={"width": 390, "height": 844},
                             is_mobile=True, has_touch=True)
    try:
        page.wait_for_timeout(1000)  # Gradio measures the tabs and folds what does not fit behind "⋯"
        hidden = [tab for tab in TABS[locale] if not page.get_by_role("tab", name=tab).is_visible()]
        shot(page, f"listing_phone_{locale}")
    finally:
        context.close()
    assert not hidden, hidden


def test_ones_own_categories_are_saved_in_the_browser_for_the_next_batch(browser, server, tmp_path):  # noqa: F811
    photo = tmp_path / "mug.png"
    draw_product("round", 1, size=160).save(photo)
    context, page = new_page(browser, server)
    try:
        for visit in range(2):
            page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files([str(photo)])
            page.get_by_role("tabpanel").get_by_text("mug").first.wait_for()
            page.get_by_role("button", name="Make listings").click()
            page.get_by_text("1 of 1 photos listed.").wait_for(timeout=120_000)
            mine = page.get_by_label("My categories (one per line)")
            if visit == 0:
                assert mine.input_value() == ""
                mine.fill("Candle\n  Scented   candle \ncandle\n")
                page.get_by_role("button", name="Save my categories").click()
                page.get_by_text("Saved 2 categories in this browser.").wait_for()
                assert mine.input_value() == "Candle\nScented candle"
                page.reload()  # a later visit, in the same browser
                page.get_by_role("tab", name="Listing", selected=True).wait_for()
            else:
                page.wait_for_function("() => [...document.querySelectorAll('textarea')].some("
                                       "t => t.value === 'Candle\\nScented candle')")
                category = page.get_by_label("Right category", exact=True)
                category.click()
                page.get_by_role("option", name="Yours: Scented candle", exact=True).wait_for()
    finally:
        context.close()
