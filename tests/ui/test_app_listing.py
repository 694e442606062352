"""The Listing tab through gradio_client (its api_names): make listings, correct a category with one's own, and the
ZIP that follows; a Chinese browser gets Chinese words."""
from __future__ import annotations

import csv
import zipfile

import pytest
from gradio_client import handle_file

from ..conftest import draw_product
from .test_app import client  # noqa: F401  (the app, launched once for this module)

pytestmark = [pytest.mark.app, pytest.mark.slow]


def uploads(tmp_path, count: int = 3) -> list:
    files = []
    for i in range(count):
        path = tmp_path / f"p{i}.jpg"
        draw_product("box" if i % 2 else "round", i, size=300, background=(236, 234, 229)).save(path)
        files.append(handle_file(str(path)))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut off")
    return files + [handle_file(str(tmp_path / "broken.jpg"))]


def zip_rows(path) -> list[dict]:
    with zipfile.ZipFile(path) as bundle:
        return list(csv.DictReader(bundle.read("products.csv").decode("utf-8").splitlines()))


def test_make_listings_then_a_category_of_ones_own_for_one_photo(client, tmp_path):  # noqa: F811
    table, archive, status, photo, head, pair, report, category, own, title, alt, tags = client.predict(
        uploads(tmp_path), "", False, "Mia", api_name="/make_listings")
    assert status == "3 of 4 photos listed; 1 could not be read (see the table)."
    rows = table["data"]
    assert [row[1] for row in rows] == ["p0.jpg", "p1.jpg", "p2.jpg", "broken.jpg"] and "truncated" in rows[3][4]
    assert photo["value"] == 0 and [name for name, _ in photo["choices"]][3] == "4. broken.jpg"
    assert head.startswith("### 1. p0.jpg") and category["value"] is None and len(pair) == 2  # nothing chosen
    assert title and alt.startswith(title) and "Marketplace check" in report
    assert [row["file"] for row in zip_rows(archive)] == ["p0.jpg", "p1.jpg", "p2.jpg", "broken.jpg"]
    table, archive, head, _, _, category, own, title, alt, tags = client.predict(
        1, None, "tote bags", "", api_name="/correct_listing")
    assert table["data"][1][2] == "tote bags" and table["data"][1][3] == "✎ set by you"
    assert title.endswith("tote bags") and "tote bags" in tags and category["value"] is None and own == ""
    assert ["Yours: tote bags", "tote bags"] in category["choices"]  # remembered for this batch
    row = zip_rows(archive)[1]
    assert row["Type"] == "tote bags" and row["Title"] == title and row["gender"] == "" and row["Vendor"] == "Mia"
    with pytest.raises(Exception, match="Choose or type a category"):
        client.predict(2, None, "", table["data"][2][4], api_name="/correct_listing")  # its title as it was
    table, archive, *_ = client.predict(2, "tote bags", "", "", api_name="/correct_listing")
    assert [row["Type"] for row in zip_rows(archive)][1:3] == ["tote bags", "tote bags"]


def test_a_chinese_browser_gets_its_listing_in_chinese(client, tmp_path):  # noqa: F811
    from gradio_client import Client

    chinese = Client(client.src, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    table, archive, status, *_ = chinese.predict(uploads(tmp_path, 2), "", False, "", api_name="/make_listings")
    assert status == "3 张照片中已有 2 张生成商品信息；1 张无法读取（见表格）。"
    assert table["headers"][1:3] == ["文件", "品类"] and "无法读取" not in table["data"][0][4]
    assert all("\u4e00" <= c <= "\u9fff" for c in table["data"][0][5].replace("，", ""))  # colour names too
    assert "损坏" in table["data"][2][4]  # the unreadable file's reason
    rows = zip_rows(archive)
    assert any("\u4e00" <= c <= "\u9fff" for c in rows[0]["Title"]) and rows[0]["Handle"].isascii()


def test_the_closest_types_come_first_then_ones_own_then_the_household_group():
    from productgen.listing.pack import Pack
    from productgen.recognise.colours import ColourTag
    from productgen.recognise.pipeline import _compose
    from ui.listing_tab import category_choices

    answer = _compose([("Tops", 0.5), ("T-shirts", 0.3), ("Shirts", 0.2)], None, None,
                      [ColourTag("White", "#ffffff", 1.0)], False, False)
    pack = Pack("top.jpg", "top.jpg", recognised=answer, recognition=answer, verdict="pass")
    choices = category_choices(pack, ["tote bags"], ["Belts", "Shirts", "T-shirts", "Tops"], None)
    values = [value for _, value in choices]
    assert values[:4] == ["Tops", "T-shirts", "Shirts", "tote bags"] and choices[0][0] == "Tops (50%)"
    assert choices[3][0] == "Yours: tote bags" and ("Household: Mug", "Mug") in choices
    assert values[-2:] == ["Belts", "unknown"] and len(values) == len(set(values))  # each once


def test_the_merchant_s_list_is_cleaned_and_whatever_the_browser_sends_is_read_safely():
    from ui.listing_tab import MAX_OWN, from_browser, own_list

    assert own_list(" Candle \n\ncandle\nScented   candle\n" + "x" * 80) == ["Candle", "Scented candle", "x" * 60]
    assert len(own_list("\n".join(f"type {i}" for i in range(500)))) == MAX_OWN
    assert from_browser(["Mug", 3, None, "mug", "Lamp"]) == (["Mug", "Lamp"], "Mug\nLamp")
    assert from_browser("not a list") == ([], "") and from_browser(None) == ([], "")
