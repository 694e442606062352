"""Simplified Chinese for what the core writes: templates, report measurements, notes, errors, listing text."""

import re

import pytest

from productgen import i18n
from productgen.recognise.pipeline import listing_zh

PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")


def test_every_translation_keeps_its_placeholders():
    table = i18n.locale()
    for section in ("messages", "phrases", "listing", "ui"):
        for english, chinese in table[section].items():
            assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(chinese)), (section, english)


@pytest.mark.parametrize("english, chinese", [
    ("model confidence 84%; 2 separate objects found; part of the surface around the product may be kept: check "
     "the cut-out", "模型置信度 84%；发现 2 个分开的物体；商品周围的部分表面可能被保留了：请检查抠图"),
    ("background 99.87% pure white (255,255,255); needs 98.0%+", "背景 99.87% 为纯白 (255,255,255)；要求至少 98.0%"),
    ("aspect 1.00; wants 1:1 or 4:5", "宽高比 1.00；要求 1:1 或 4:5"),
    ("product enlarged 6.1x by Lanczos resampling: it will look soft; use a larger photo",
     "商品用 Lanczos 重采样放大了 6.1 倍：会显得模糊；请使用更大的照片"),
    ("Seed: enter a whole number from 0 to 2147483647 (got -5).",
     "种子：请输入 0 到 2147483647 之间的整数（收到的是 -5）。"),
    ("unknown category 'Watches'; this model knows Mugs", "未知品类 '手表'；这个模型认识的品类：Mugs"),
    ("x.jpg skipped: the file is empty (0 bytes); upload the photo again",
     "已跳过 x.jpg：文件是空的（0 字节）；请重新上传照片"),
])
def test_core_text_is_translated_part_by_part(english, chinese):
    assert i18n.translate("zh", english) == chinese
    assert i18n.translate("en", english) == english


def test_a_part_no_phrase_knows_stays_english_rather_than_guessed():
    assert i18n.translate("zh", "model confidence 84%; the moon is made of cheese") == \
        "模型置信度 84%；the moon is made of cheese"


def test_templates_fill_values_after_translation_and_name_categories_in_chinese():
    assert i18n.say("zh", "### ✅ {category}", category="Watches") == "### ✅ 手表"
    assert i18n.say("en", "### ✅ {category}", category="Watches") == "### ✅ Watches"
    assert i18n.language_of("zh-CN,zh;q=0.9,en;q=0.5") == "zh" and i18n.language_of("en-GB,zh;q=0.5") == "en"
    assert i18n.language_of(None) == "en"


def test_chinese_listing_text_runs_colour_gender_and_type_together():
    title, alt, tags = listing_zh("Shirts", "Men", "Navy Blue", ["white", "red"])
    assert title == "藏青色男士衬衫"
    assert alt == "藏青色男士衬衫，带白色、红色细节，白色背景"
    assert tags == ["衬衫", "藏青色", "白色", "红色", "男士"]
    assert listing_zh(None, None, "White", [], "blue")[0] == "白色和蓝色商品"  # unknown: colours + generic noun
    assert listing_zh(None, None, None, [])[0] == "商品"


def test_a_recognition_gives_its_listing_in_either_language(tmp_path):
    from productgen.recognise.pipeline import recognise_batch

    from .conftest import draw_product

    result = recognise_batch([draw_product("round", 3, size=200)])[0]
    assert result.listing("en") == (result.title, result.alt_text, result.tags)
    title, alt, tags = result.listing("zh")
    assert re.search(r"[\u4e00-\u9fff]", title) and alt.startswith(title) and not re.search(r"[A-Za-z]{3}", title)
    row = result.csv_row("p.png", language="zh")
    assert row["title"] == title and row["category"] == result.category


def test_cli_tag_writes_chinese_titles_with_language_zh(tmp_path):
    import csv
    import subprocess
    import sys

    from .conftest import REPO, draw_product

    draw_product("round", 5, size=200).save(tmp_path / "p.png")
    done = subprocess.run([sys.executable, "-m", "productgen", "tag", str(tmp_path / "p.png"), "--csv",
                           str(tmp_path / "tags.csv"), "--language", "zh"], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "tags.csv", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert re.search(r"[\u4e00-\u9fff]", row["title"]) and row["title"] in done.stdout
    assert row["alt_text"].endswith("白色背景") and not re.search(r"[\u4e00-\u9fff]", row["category"])


def test_the_status_words_gradio_lacks_are_given_in_both_languages():
    from ui.words import STATUS_WORDS, translations

    table = translations().translations_dict
    assert set(STATUS_WORDS["zh"]) == set(STATUS_WORDS["en"]) == {"common.complete"}
    assert table["en"]["common.complete"] == "Done"
    assert table["zh-CN"]["common.complete"] == table["zh"]["common.complete"] == "已完成"
