"""Listings: a pack per photo from drawn images and a tiny classifier, the merchant's corrections, a row with its
reason for every file that cannot be read, and the CSV's columns (Shopify's, then ours)."""
from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from productgen.enhance.studio import Recipe
from productgen.listing.batch import make_listing
from productgen.listing.export import OWN_COLUMNS, SHOPIFY_COLUMNS, handle
from productgen.listing.pack import HOUSEHOLD, Pack, canvas_for, clean_category, corrected, listing_recipe, make_pack
from productgen.recognise.colours import ColourTag
from productgen.recognise.pipeline import _compose, recognise_files, write_csv

from ..conftest import draw_product
from ..recognise.test_recognise import tiny_classifier

BACKDROP = (236, 234, 229)  # a clean, even backdrop: found by flood fill, no cut-out model needed


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle_:
        return list(csv.DictReader(handle_))


def photo_folder(folder: Path, count: int = 3, size: int = 300) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        draw_product("box" if i % 2 else "round", i, size=size, background=BACKDROP).save(folder / f"item {i}.jpg")
    return folder


def test_a_pack_holds_the_enhanced_image_its_words_and_the_report(tmp_path):
    model = tiny_classifier(tmp_path)
    draw_product("round", 3, size=400, background=BACKDROP).save(tmp_path / "shoe.jpg")
    pack = make_pack(tmp_path / "shoe.jpg", listing_recipe(), tmp_path, "shoe_shopify.jpg", model,
                     previews=tmp_path / "previews")
    assert pack.ok and not pack.reason and pack.image == "shoe_shopify.jpg"
    written = Image.open(tmp_path / "shoe_shopify.jpg")
    assert written.size == (400, 400)  # near the photo's own size: Shopify requires none, so nothing is enlarged
    assert written.getpixel((3, 3)) == (255, 255, 255)  # a white background
    title, alt_text, tags = pack.listing()
    assert title and alt_text.startswith(title) and tags
    assert pack.category in ["T-shirts", "Watches", "Heels", "Belts", "unknown"]
    assert pack.verdict in ("pass", "warn", "fail") and {r.rule for r in pack.report} >= {"Cut-out", "Sharpness"}
    assert pack.recognition.colours and pack.recognition.product is None  # words only: it crosses processes
    assert set(pack.seconds) == {"read", "enhance", "recognise", "write"}
    before = Image.open(tmp_path / "previews" / "shoe_shopify_before.jpg")
    assert before.size == Image.open(tmp_path / "previews" / "shoe_shopify_after.jpg").size


def test_a_pack_cuts_the_photo_out_once_and_recognises_what_enhance_kept(tmp_path, monkeypatch):
    """Recognise reads the product through Enhance's cut-out (the Listing made it already): one segmentation per
    photo, and the recognition the same as Recognise's own cut-out gives."""
    from productgen.cutout import segment as segment_module
    from productgen.enhance import studio
    from productgen.recognise.pipeline import recognise_batch

    model = tiny_classifier(tmp_path)
    draw_product("round", 3, size=400, background=BACKDROP).save(tmp_path / "shoe.jpg")
    alone = recognise_batch([Image.open(tmp_path / "shoe.jpg").convert("RGB")], model)[0]
    real, calls = segment_module.segment, []

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(segment_module, "segment", counting)
    monkeypatch.setattr(studio, "segment", counting)
    pack = make_pack(tmp_path / "shoe.jpg", listing_recipe(), tmp_path, "shoe_shopify.jpg", model)
    assert len(calls) == 1
    assert pack.category == alone.category and pack.recognition.colours == alone.colours
    with pytest.raises(ValueError, match="not this photo's"):
        recognise_batch([Image.new("RGB", (50, 60))], model, segmentations=[real(Image.new("RGB", (40, 40)))])


def test_the_canvas_grows_only_to_what_the_marketplace_requires():
    assert canvas_for((400, 533), listing_recipe("shopify")) == (533, 533)  # no size required: the photo's
    assert canvas_for((300, 400), listing_recipe("etsy")) == (635, 635)  # Etsy requires 635 px on the short side
    assert canvas_for((4000, 3000), listing_recipe("amazon")) == (2000, 2000)  # never over the recommended size
    assert canvas_for((400, 533), listing_recipe("taobao")) is None  # an exact 800 x 800 is required
    assert canvas_for((400, 533), listing_recipe("shopify"), enlarge=True) is None  # the preset's 2048
    assert canvas_for((400, 533), Recipe(preset="shopify", canvas=(900, 900))) == (900, 900)


def recognition(gender=("Men", 0.9), studio=True):
    """A recognition as the pipeline composes it: a T-shirt whose gender the model reads."""
    return _compose([("T-shirts", 0.9), ("Tops", 0.06), ("Shirts", 0.04)], gender, None,
                    [ColourTag("Navy Blue", "#1f2a44", 0.8), ColourTag("White", "#f4f4f4", 0.2)], False, studio)


def test_a_corrected_category_rebuilds_title_alt_text_and_tags_and_a_household_one_has_no_gender():
    answer = recognition()
    pack = Pack("tee.jpg", "tee.jpg", recognised=answer, recognition=answer, verdict="pass")
    assert pack.listing()[0] == "Navy blue men's T-shirt" and pack.gender == "Men" and pack.certainty == 0.9
    fashion = ["T-shirts", "Tops", "Shirts", "Watches"]
    mug = corrected(pack, "mug", fashion=fashion)  # the household group, in any case
    title, alt_text, tags = mug.listing()
    assert mug.category == "Mug" and title == "Navy blue mug" and alt_text.startswith("Navy blue mug")
    assert "mug" in tags and "men" not in tags and mug.gender is None and "men's" not in alt_text
    assert mug.status == "edited" and mug.certainty is None and pack.category == "T-shirts"  # the original stays
    own = corrected(pack, "  Yoga   mats ", fashion=fashion)  # the merchant's own words, tidied
    assert own.category == "Yoga mats" and own.listing()[0] == "Navy blue yoga mats" and own.gender is None
    shirt = corrected(pack, "Shirts", fashion=fashion)  # a clothing type keeps what the model read of gender
    assert shirt.listing()[0] == "Navy blue men's shirt" and shirt.gender == "Men"
    unknown = corrected(pack, "unknown", fashion=fashion)
    assert unknown.category == "unknown" and unknown.gender is None and unknown.listing()[0].endswith("product")


def test_a_title_of_ones_own_survives_until_the_category_changes():
    answer = recognition()
    pack = Pack("tee.jpg", "tee.jpg", recognised=answer, recognition=answer, verdict="pass")
    named = corrected(pack, title="  Our   navy tee ")
    assert named.listing()[0] == "Our navy tee" and named.category == "T-shirts" and not named.edited
    both = corrected(named, "Tops", "Navy top, organic cotton")
    assert both.listing()[0] == "Navy top, organic cotton" and both.category == "Tops"
    assert corrected(named, "Tops", fashion=["Tops"]).listing()[0] == "Navy blue men's top"  # follows the category
    assert corrected(named, title="").listing()[0] == "Navy blue men's T-shirt"  # empty: the suggestion again
    with pytest.raises(ValueError, match="at most 255 characters"):
        corrected(pack, title="x" * 256)
    with pytest.raises(ValueError, match="type your own"):
        corrected(pack, "   ")
    with pytest.raises(ValueError, match="nothing to correct"):
        corrected(Pack("gone.jpg", reason="gone.jpg: a broken link"), "Mug")


def test_an_unsure_category_leaves_shopify_s_type_empty_and_says_why(tmp_path):
    """A juice carton the model calls "T-shirts" at 0.28 is status check: its Type is empty (a wrong type filed in
    the shop is worse than none) and the report says the title names a guess; a sure one or the merchant's own
    fills Type."""
    from productgen.listing.export import write_csv

    unsure = _compose([("T-shirts", 0.28), ("Tops", 0.2), ("Shirts", 0.1)], None, None,
                      [ColourTag("Orange", "#f08020", 0.7)], False, False)
    carton = Pack("carton.jpg", "carton.jpg", recognised=unsure, recognition=unsure, verdict="pass")
    sure = recognition()
    tee = Pack("tee.jpg", "tee.jpg", recognised=sure, recognition=sure, verdict="pass")
    rows = read_rows(write_csv([carton, tee, corrected(carton, "Carton")], tmp_path / "products.csv"))
    assert [row["status"] for row in rows] == ["check", "ok", "edited"]
    assert [row["Type"] for row in rows] == ["", "T-shirts", "Carton"]
    assert "category unsure (best guess T-shirts, 0.28): Type and its tag left empty; the title names it" in \
        rows[0]["report"]
    assert "t-shirts" not in rows[0]["Tags"] and "orange" in rows[0]["Tags"] and "T-shirt" in rows[0]["Title"]
    assert "t-shirts" in rows[1]["Tags"]
    assert "unsure" not in rows[1]["report"] + rows[2]["report"]


def test_category_names_are_tidied_and_spelled_as_known():
    assert clean_category("t-SHIRTS", ["T-shirts"]) == "T-shirts"
    assert clean_category("carton") == "Carton" and "Carton" in HOUSEHOLD
    assert clean_category("Hand\x00-made\tsoap") == "Hand-made soap"
    with pytest.raises(ValueError, match="at most 60 characters"):
        clean_category("x" * 61)


def test_every_file_that_cannot_be_read_is_a_row_with_its_reason(tmp_path):
    folder = photo_folder(tmp_path / "photos", 2)
    good = (folder / "item 0.jpg").read_bytes()
    (folder / "cut short.jpg").write_bytes(good[: len(good) // 3])  # a truncated JPEG
    (folder / "notes.jpg").write_text("not a photo")
    os.symlink(tmp_path / "moved away.jpg", folder / "link.jpg")  # a broken link
    model = tiny_classifier(tmp_path)
    listing = make_listing([folder], tmp_path / "out", classifier=model)
    rows = {row["file"]: row for row in read_rows(tmp_path / "out" / "products.csv")}
    assert set(rows) == {"item 0.jpg", "item 1.jpg", "cut short.jpg", "notes.jpg", "link.jpg"}
    assert "truncated" in rows["cut short.jpg"]["error"] and rows["cut short.jpg"]["status"] == "error"
    assert "broken link" in rows["link.jpg"]["error"] and "moved away.jpg" in rows["link.jpg"]["error"]
    assert "not an image" in rows["notes.jpg"]["error"]
    for name in ("cut short.jpg", "notes.jpg", "link.jpg"):  # no Shopify values: not a product
        assert not rows[name]["Title"] and not rows[name]["Image Src"] and not rows[name]["Handle"]
    assert all(rows[f"item {i}.jpg"]["Title"] and not rows[f"item {i}.jpg"]["error"] for i in range(2))
    with zipfile.ZipFile(listing.archive) as bundle:
        assert sorted(bundle.namelist()) == ["item 0_shopify.jpg", "item 1_shopify.jpg", "products.csv"]
    assert [pack.ok for pack in listing.packs].count(False) == 3


def test_the_csv_takes_shopify_s_columns_then_ours_and_image_src_names_the_zip_s_images(tmp_path):
    folder = photo_folder(tmp_path / "photos", 3)
    archive = tmp_path / "more.zip"
    with zipfile.ZipFile(archive, "w") as bundle:  # a ZIP among the inputs, with a name already used
        bundle.write(folder / "item 1.jpg", "again/item 1.jpg")
    model = tiny_classifier(tmp_path)
    listing = make_listing([folder, archive], tmp_path / "out", vendor="Mia's shop",
                           image_url="https://cdn.example.com/files/", classifier=model)
    with open(listing.folder / "products.csv", encoding="utf-8") as handle_:
        assert next(csv.reader(handle_)) == SHOPIFY_COLUMNS + OWN_COLUMNS
    rows = read_rows(listing.folder / "products.csv")
    assert len(rows) == 4 and [row["file"] for row in rows] == ["item 0.jpg", "item 1.jpg", "item 2.jpg", "item 1.jpg"]
    with zipfile.ZipFile(listing.archive) as bundle:
        images = sorted(name for name in bundle.namelist() if name.endswith(".jpg"))
    sources = [row["Image Src"].removeprefix("https://cdn.example.com/files/") for row in rows]
    assert sorted(sources) == images and len(set(sources)) == 4  # two photos called "item 1.jpg", two images
    handles = [row["Handle"] for row in rows]
    assert len(set(handles)) == 4 and all(h and h == h.lower() and " " not in h for h in handles)
    for row in rows:
        assert row["Published"] == "FALSE" and row["Status"] == "draft" and row["Vendor"] == "Mia's shop"
        assert row["Image Position"] == "1" and row["Image Alt Text"].startswith(row["Title"])
        sure = row["status"] in ("ok", "edited")  # unknown or check: no guess goes into the shop's Type
        assert row["Type"] == (listing.packs[rows.index(row)].category if sure else "")
        assert row["verdict"] in ("pass", "warn", "fail") and row["colours"]
        assert row["certainty"] == "" or 0 <= float(row["certainty"]) <= 1


def test_a_correction_is_written_into_the_zip(tmp_path):
    listing = make_listing([photo_folder(tmp_path / "photos", 2)], tmp_path / "out",
                           classifier=tiny_classifier(tmp_path))
    listing.correct(1, "Lamp")
    with zipfile.ZipFile(listing.archive) as bundle:
        rows = list(csv.DictReader(bundle.read("products.csv").decode("utf-8").splitlines()))
    assert rows[1]["Type"] == "Lamp" and rows[1]["Title"].endswith("lamp") and rows[1]["status"] == "edited"
    assert "lamp" in rows[1]["Tags"] and rows[1]["gender"] == "" and rows[1]["certainty"] == ""
    with pytest.raises(ValueError, match="row number from 1 to 2"):
        listing.correct(2, "Lamp")


def test_the_listing_speaks_chinese_with_language_zh(tmp_path):
    listing = make_listing([photo_folder(tmp_path / "photos", 1)], tmp_path / "out", language="zh",
                           classifier=tiny_classifier(tmp_path))
    row = read_rows(listing.folder / "products.csv")[0]
    assert any("\u4e00" <= c <= "\u9fff" for c in row["Title"]) and row["Image Alt Text"].endswith("白色背景")
    assert row["Handle"].isascii() and row["Handle"]  # a web address, from the English title


def test_handles_are_ascii_and_unique():
    used: set[str] = set()
    assert handle("Navy blue men's T-shirt", used) == "navy-blue-men-s-t-shirt"
    assert handle("Navy blue men's T-shirt", used) == "navy-blue-men-s-t-shirt-2"
    assert handle("藏青色衬衫", used) == "product"


def test_bad_inputs_are_said_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        make_listing([tmp_path / "nowhere"], tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no photos to list"):
        make_listing([tmp_path / "empty"], tmp_path / "out")
    with pytest.raises(ValueError, match="language must be en or zh"):
        make_listing([photo_folder(tmp_path / "p", 1)], tmp_path / "out", language="fr")


def test_recognise_csv_has_one_certainty_column_and_a_row_for_a_broken_link(tmp_path):
    model = tiny_classifier(tmp_path)
    draw_product("round", 1, size=200, background=BACKDROP).save(tmp_path / "p.png")
    os.symlink(tmp_path / "gone.png", tmp_path / "link.png")
    results = recognise_files([tmp_path / "p.png", tmp_path / "link.png"], model)
    assert results[1].result is None and "broken link" in results[1].error
    rows = read_rows(write_csv(results, tmp_path / "tags.csv"))
    assert "confidence" not in rows[0] and "broken link" in rows[1]["error"]
    expected = "" if results[0].result.unknown else f"{results[0].result.categories[0][1]:.3f}"
    assert rows[0]["certainty"] == expected
    assert rows[0]["gender"] == (results[0].result.words["gender"] or "")


@pytest.mark.slow
def test_a_pool_of_two_processes_lists_as_one_process_does(tmp_path):
    folder = photo_folder(tmp_path / "photos", 8, size=240)
    model = tiny_classifier(tmp_path)
    alone = make_listing([folder], tmp_path / "one", classifier=model, workers=1)
    pooled = make_listing([folder], tmp_path / "two", classifier=tmp_path / "classifier", workers=2)
    assert pooled.workers == 2 and alone.workers == 1
    assert [(p.file, p.image, p.category, p.listing(), p.verdict) for p in pooled.packs] == \
        [(p.file, p.image, p.category, p.listing(), p.verdict) for p in alone.packs]
