"""The Recognise tab says colour names in the visitor's language: the swatches and the table's colours column."""
from types import SimpleNamespace

from productgen.recognise.colours import ColourTag
from productgen.recognise.pipeline import FileResult, _compose
from ui.recognise_tab import recognise_table, swatches_html

COLOURS = [ColourTag("Denim Blue", "#5b7aa6", 0.7), ColourTag("Navy Blue", "#232d4b", 0.3)]
CHINESE = SimpleNamespace(headers={"accept-language": "zh-CN,zh;q=0.9"})  # what the browser sends
ENGLISH = SimpleNamespace(headers={"accept-language": "en-GB"})


def test_swatches_name_the_colours_in_chinese_for_a_chinese_visitor():
    chinese = swatches_html(COLOURS, "zh")
    assert "牛仔蓝" in chinese and "藏青色" in chinese and "Denim" not in chinese and "#5b7aa6" in chinese
    assert "Denim Blue" in swatches_html(COLOURS, "en")


def test_the_table_names_the_colours_and_the_title_in_chinese_for_a_chinese_visitor():
    recognition = _compose([("Jeans", 0.9), ("Trousers", 0.05), ("Shorts", 0.02)], None, None, COLOURS, studio=False)
    rows = {"zh": recognise_table([FileResult("a.jpg", recognition)], CHINESE).iloc[0].tolist(),
            "en": recognise_table([FileResult("a.jpg", recognition)], ENGLISH).iloc[0].tolist()}
    assert rows["zh"][4] == "牛仔蓝, 藏青色" and rows["zh"][5] == "牛仔蓝牛仔裤"
    assert rows["en"][4] == "Denim Blue, Navy Blue" and rows["en"][5] == "Denim blue jeans"
