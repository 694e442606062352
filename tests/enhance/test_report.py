"""An honest report: a doubt about the cut-out is never read as a pass, the heading counts what its list shows, and
the fill is measured on the product the pipeline kept."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from productgen.enhance.filters import EnhanceSettings
from productgen.enhance.marketplaces import RuleResult, check_compliance
from productgen.enhance.studio import Processed

STATUSES = st.sampled_from(["pass", "warn", "fail"])


def processed(cutout: str, others: list[str]) -> Processed:
    report = [RuleResult("Cut-out", cutout, "model confidence 90%", "productgen")]
    report += [RuleResult(f"rule {i}", status, "measured", "source") for i, status in enumerate(others)]
    return Processed(Image.new("RGB", (8, 8)), EnhanceSettings(), report, [])


@settings(max_examples=200, deadline=None)
@given(STATUSES, st.lists(STATUSES, max_size=8))
def test_a_cut_out_doubt_is_never_followed_by_passes_and_the_count_is_the_list(cutout, others):
    result = processed(cutout, others)
    statuses = [cutout] + others
    if "fail" in statuses:
        assert result.heading == "fail"
    elif cutout == "warn":
        assert result.heading == "cutout"
    else:
        assert result.heading == ("warn" if "warn" in others else "pass")
    assert [r.status for r in result.problems] == [s for s in statuses if s != "pass"]


def test_the_fill_is_measured_on_the_product_kept_not_on_what_the_image_shows():
    """A product filling 60% of the frame beside a kept patch of surface reaching 95%: the fill is the product's."""
    pixels = np.full((1000, 1000, 3), 255, np.uint8)
    product = np.zeros((1000, 1000), bool)
    product[200:800, 200:500] = True
    pixels[product] = (200, 30, 40)
    pixels[30:970, 500:700] = (150, 140, 120)  # surface left beside it (a bedspread's strip)
    image = Image.fromarray(pixels)
    kept = next(r for r in check_compliance(image, "amazon", "JPEG", product=product) if r.rule == "fill")
    shown = next(r for r in check_compliance(image, "amazon", "JPEG") if r.rule == "fill")
    assert kept.status == "fail" and kept.measured.startswith("product fills 60%")
    assert shown.measured.startswith("product fills 94%")  # what the rule measured before: the whole scene


def test_the_kept_view_outlines_what_was_dropped_in_blue():
    from productgen.cutout.objects import Dropped
    from productgen.cutout.segment import Segmentation
    from productgen.enhance.studio import mask_overlay

    photo = Image.new("RGB", (200, 100), (120, 110, 100))
    background = np.ones((100, 200), bool)
    background[30:70, 80:120] = False
    region = np.zeros((50, 100), bool)
    region[10:30, 5:25] = True  # at the left, in a map half the photo's size
    found = Segmentation(background, None, "model", 0.99, [], dropped=[Dropped("at the left", "smaller",
                                                                               (0.05, 0.2, 0.25, 0.6), region)])
    shown = np.asarray(mask_overlay(photo, found, side=200)).astype(int)
    blue = (shown[..., 2] > 200) & (shown[..., 0] < 60)
    assert blue[15:65, 5:55].sum() > 100 and not blue[:, 60:].any()


def test_a_dropped_object_is_named_only_when_the_classifier_is_sure():
    import torch

    from productgen.cutout.objects import Dropped
    from productgen.enhance.dropped import name_objects, object_picture
    from productgen.recognise.network import ClassifierConfig, ProductClassifier

    pixels = np.full((200, 300, 3), 120, np.uint8)
    pixels[50:150, 20:80] = (30, 60, 200)  # the dropped object, at the left
    region = np.zeros((100, 150), bool)
    region[25:75, 10:40] = True
    item = Dropped("at the left", "smaller", (10 / 150, 25 / 100, 40 / 150, 75 / 100), region)
    picture = np.asarray(object_picture(pixels, item))
    assert picture.shape[0] >= 100 and (picture[0, 0] == 255).all()  # on white around it
    assert (np.abs(picture[picture.shape[0] // 2, picture.shape[1] // 2].astype(int) - (30, 60, 200)) < 3).all()
    classifier = ProductClassifier(ClassifierConfig(categories=["Watches", "Wallets"], widths=(4, 8, 8, 8))).eval()
    with torch.no_grad():
        classifier.category_head.weight.zero_()
        classifier.category_head.bias.copy_(torch.tensor([0.0, 0.0]))  # even odds: not sure
    name_objects(pixels, [item], classifier)
    assert item.guess is None
    with torch.no_grad():
        classifier.category_head.bias.copy_(torch.tensor([8.0, 0.0]))  # sure it is a watch
    name_objects(pixels, [item], classifier)
    assert item.guess == "Watches" and item.words() == "a smaller one at the left (looks like Watches)"
    behind = Dropped("behind", "larger", (0.5, 0.0, 1.0, 0.4), region)
    name_objects(pixels, [behind], classifier)
    assert behind.guess is None  # furniture is not shown to a product classifier
