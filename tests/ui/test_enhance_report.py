"""The Enhance tab's verdict text, without launching the app: its heading never says "passes" after a doubt about the
cut-out, it lists as many lines as it counts, it says what the cut-out dropped, and Chinese sentences end in "。"."""
import re
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from productgen.cutout.objects import Dropped
from productgen.cutout.segment import Segmentation
from productgen.enhance.filters import EnhanceSettings
from productgen.enhance.marketplaces import RuleResult
from productgen.enhance.studio import Processed
from ui.enhance_tab import SEVERAL_HINT, TAP_HINT, report_text, settings_words, source_link
from ui.enhance_taps import photo_taps, tap

CHINESE = SimpleNamespace(headers={"accept-language": "zh-CN,zh;q=0.9"})


def result(cutout: str, *others: str, dropped=()) -> Processed:
    report = [RuleResult("Cut-out", cutout, "model confidence 90%; 2 separate objects found: check the cut-out",
                         "productgen")]
    report += [RuleResult("Sharpness", status, "product kept at its size", "productgen") for status in others]
    found = Segmentation(np.zeros((4, 4), bool), None, "model", 0.9, [], dropped=list(dropped))
    return Processed(Image.new("RGB", (8, 8)), EnhanceSettings(), report, [], found)


def bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("- ")]


def test_a_cut_out_warning_heads_the_report_as_not_ready_and_the_count_matches_the_list():
    text = report_text(None, result("warn", "warn", "pass"), "amazon", [], [])
    assert text.startswith("**⚠️ Not ready: check the cut-out.**") and "asses" not in text
    assert len(bullets(text)) == 2 and bullets(text)[0].startswith("- Cut-out: model confidence 90%")
    warned = report_text(None, result("pass", "warn", "warn", "pass"), "amazon", [], [])
    count = int(re.search(r"with (\d+) warning", warned).group(1))
    assert count == len(bullets(warned)) == 2
    assert report_text(None, result("pass"), "amazon", [], []).startswith("**✅ Passes the Amazon (main image) rules")
    assert report_text(None, result("warn", "fail"), "amazon", [], []).startswith("**❌ Fails")


def test_several_objects_kept_are_followed_by_how_to_keep_only_one():
    found = result("warn")
    found.segmentation.notes = ["2 separate objects found"]
    text = report_text(None, found, "amazon", [], [])
    assert text.rstrip().endswith(SEVERAL_HINT) and TAP_HINT not in text


def test_what_was_dropped_is_said_once_with_the_tap_hint_and_in_chinese():
    region = np.zeros((4, 4), bool)
    dropped = [Dropped("at the left", "smaller", (0.0, 0.2, 0.2, 0.6), region, guess="Casual Shoes")]
    text = report_text(None, result("pass", dropped=dropped), "amazon", [], [])
    assert "1 other object dropped: a smaller one at the left (looks like Casual Shoes)" in text and TAP_HINT in text
    assert not bullets(text)  # information, not a warning: the heading's count stays the list's
    chinese = report_text(CHINESE, result("pass", dropped=dropped), "amazon", [], [])
    assert "去掉了 1 个其他物体：左边一个较小的物体（看起来像休闲鞋）" in chinese
    assert not re.search(r"[A-Za-z]{4}", chinese)


def test_chinese_sentences_end_with_a_chinese_full_stop():
    words = settings_words(CHINESE, EnhanceSettings(sharpen_amount=1.0), auto=True)
    assert words.endswith("已锐化。") and not words.endswith(".")
    assert settings_words(None, EnhanceSettings(sharpen_amount=1.0), auto=True).endswith("sharpened.")


class _Select:  # what Gradio passes a select event: the tapped pixel of the view
    def __init__(self, x, y):
        self.index = [x, y]


def test_a_source_is_a_short_link_and_taps_add_up_as_keep_and_remove_points_on_their_photo_only():
    assert source_link("https://www.ebay.com/help/selling/x?id=4148") == \
        "[ebay.com](https://www.ebay.com/help/selling/x?id=4148)"
    assert source_link("https://sellercentral.amazon.com/help/hub/x") == "[amazon.com](https://sellercentral.amazon.com/help/hub/x)"
    assert source_link("productgen") == "productgen"
    view = Image.new("RGB", (200, 100))
    tapped = tap(view, "mug.jpg", "keep", None, _Select(50, 50))
    tapped = tap(view, "mug.jpg", "remove", tapped, _Select(150, 25))
    taps = photo_taps(tapped, "mug.jpg", (400, 300))
    assert taps.keep == [(100.0, 150.0)] and taps.remove == [(300.0, 75.0)]
    assert not photo_taps(tapped, "other.jpg", (400, 300)) and not photo_taps(None, "mug.jpg", (400, 300))
    other = tap(view, "other.jpg", "keep", tapped, _Select(10, 10))  # another photo's taps start afresh
    assert len(other["taps"]) == 1 and other["photo"] == "other.jpg"


def test_a_stroke_that_runs_to_the_photos_edge_is_noted_and_one_inside_is_not():
    from ui.enhance_tab import OUTSIDE_NOTE, painted_strokes

    layer = np.zeros((60, 80, 4), np.uint8)
    layer[20:30, 10:40] = (225, 29, 42, 255)
    strokes, note = painted_strokes({"layers": [layer]}, "a.jpg", "a.jpg")
    assert strokes.remove.sum() == 300 and note is None
    layer[20:30, 40:80] = (225, 29, 42, 255)  # on to the right edge: the painter kept nothing beyond it
    strokes, note = painted_strokes({"layers": [layer]}, "a.jpg", "a.jpg")
    assert strokes.remove[:, -1].any() and note == OUTSIDE_NOTE
    assert painted_strokes({"layers": [layer]}, "b.jpg", "a.jpg") == (None, None)  # painted on another photo


class _Session:  # what Gradio passes as the request: its session
    def __init__(self, session):
        self.session_hash = session


def test_an_answer_to_an_older_tap_is_not_shown_after_a_newer_one():
    from ui.enhance_tab import clear_painting, enhance_photo
    from ui.enhance_taps import tap_answer

    view, me, other = Image.new("RGB", (200, 100)), _Session("me"), _Session("someone else")
    first = tap(view, "mug.jpg", "keep", None, _Select(50, 50), me)
    second = tap(view, "mug.jpg", "keep", first, _Select(150, 25), me)
    assert len(second["taps"]) == 2 and second["seq"] > first["seq"]
    theirs = tap(view, "mug.jpg", "keep", None, _Select(10, 10), other)
    # the first tap's answers are skipped (before any file is read: there is none here); the newest is not
    assert tap_answer(None, "mug.jpg", first, request=me) == gr.skip()
    assert all(part == gr.skip() for part in enhance_photo(None, "mug.jpg", "{}", tapped=first, request=me))
    with pytest.raises(gr.Error):  # the newest is answered (and here says that no photo was uploaded)
        tap_answer(None, "mug.jpg", second, request=me)
    with pytest.raises(gr.Error):  # another session's taps are its own
        tap_answer(None, "mug.jpg", theirs, request=other)
    cleared = clear_painting(me)[2]  # another photo: what was on its way for the last one is not shown
    assert cleared["taps"] == [] and enhance_photo(None, "mug.jpg", "{}", tapped=second, request=me)[0] == gr.skip()


def test_an_enhance_of_a_new_photo_is_not_skipped_while_its_taps_state_is_the_old_photo_s():
    from ui.enhance_tab import clear_painting, enhance_photo

    view, me = Image.new("RGB", (200, 100)), _Session("a new photo")
    old = tap(view, "mug.jpg", "keep", None, _Select(50, 50), me)
    clear_painting(me)  # the new photo renumbers the taps after the click on Enhance was sent with the old state
    for sent in (None, old, {"photo": None, "taps": [], "seq": 0}):
        with pytest.raises(gr.Error):  # answered (here: no photo was uploaded), not skipped
            enhance_photo(None, "shirt.jpg", "{}", tapped=sent, request=me)
