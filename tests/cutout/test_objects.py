"""Keeping only the product (``productgen.cutout.objects``): which of several separate objects is kept, what is said
of the others, a keep-point's choice, and the same through the cut-out and Enhance on drawn desk scenes."""
import cv2
import numpy as np
import pytest
from PIL import Image

from productgen.cutout.objects import REMOVE_KEPT, TAP_MISSED, choose, dropped_note, photo_points

from .test_cutout import textured_surface

SIZE = 320


def canvas():
    return np.zeros((SIZE, SIZE), np.float32), np.full((SIZE, SIZE, 3), 150, np.uint8)


def put(probability, view, shape, colour):
    """Draw ``shape`` ("rect", x0, y0, x1, y1) or ("ellipse", cx, cy, ax, ay) as sure product of ``colour``."""
    mask = np.zeros(probability.shape, np.uint8)
    if shape[0] == "rect":
        cv2.rectangle(mask, shape[1:3], shape[3:5], 1, -1)
    else:
        cv2.ellipse(mask, shape[1:3], shape[3:5], 0, 0, 360, 1, -1)
    probability[mask > 0] = 0.97
    view[mask > 0] = colour
    return mask > 0


def desk_map():
    """A white mug in the middle, a blue candle at the left, a brown chest of drawers cut by the top and right."""
    probability, view = canvas()
    mug = put(probability, view, ("ellipse", 160, 185, 35, 48), (235, 235, 230))
    candle = put(probability, view, ("rect", 40, 165, 70, 230), (40, 80, 200))
    chest = put(probability, view, ("rect", 205, 0, 319, 120), (120, 72, 40))
    return probability, view, mug, candle, chest


def test_the_mug_is_kept_and_the_candle_and_the_chest_are_dropped_and_named_by_place_and_size():
    probability, view, mug, candle, chest = desk_map()
    choice = choose(probability, view)
    assert choice.keep[mug].all() and not choice.keep[candle].any() and not choice.keep[chest].any()
    described = {(item.where, item.size) for item in choice.dropped}
    assert described == {("at the left", "smaller"), ("behind", "larger")}
    assert choice.doubt is None  # the mug is clearly the product
    assert dropped_note(choice.dropped).startswith("2 other objects dropped: a ")
    chest_item = next(item for item in choice.dropped if item.where == "behind")
    assert chest_item.region.sum() == chest.sum() and chest_item.box[1] == 0.0 and chest_item.box[2] == 1.0


def test_a_remove_tap_drops_the_object_under_it_but_never_the_only_one():
    probability, view, mug, candle, chest = desk_map()
    on_mug = [(160 / SIZE, 185 / SIZE)]
    choice = choose(probability, view, removes=on_mug)  # the mug goes; of the rest, the usual choice
    assert choice.keep[candle].all() and not choice.keep[mug].any()
    assert any(item.region[mug].all() for item in choice.dropped)  # and the report names it
    choice = choose(probability, view, points=on_mug, removes=on_mug)  # a keep tap on it too wins
    assert choice.keep[mug].all()
    probability, view = canvas()
    alone = put(probability, view, ("ellipse", 160, 160, 60, 60), (200, 40, 40))
    put(probability, view, ("rect", 10, 10, 13, 13), (200, 40, 40))  # a speck, not an object
    choice = choose(probability, view, removes=[(0.5, 0.5)])
    assert choice.keep[alone].all() and choice.doubt == REMOVE_KEPT
    probability, view, mug, candle, chest = desk_map()  # a tap on the desk beside the mug is not a tap on the mug
    choice = choose(probability, view, removes=[(160 / SIZE, 240 / SIZE)])
    assert choice.keep[mug].all() and not any(item.region[mug].any() for item in choice.dropped)
    choice = choose(probability, view, removes=[(55 / SIZE, 200 / SIZE)], main=False)  # a clean backdrop: only
    assert not choice.keep[candle].any() and choice.keep[mug].all() and choice.keep[chest].all()  # the tapped goes


def test_what_a_tap_reading_network_took_away_is_named_and_it_never_takes_the_whole_product():
    from productgen.cutout.objects import weigh_taps

    plain, view, mug, candle, chest = desk_map()
    tapped = np.where(candle, plain, 0.0).astype(np.float32)  # a tap on the candle: the network keeps it alone
    used, taken, note = weigh_taps(tapped, plain, view)
    assert np.array_equal(used, tapped) and note is None
    assert {(item.where, item.size) for item in taken} == {("at the right", "larger"), ("behind", "larger")}
    emptied = np.zeros_like(plain)  # a remove tap on the product that the network took too far
    used, taken, note = weigh_taps(emptied, plain, view, removes=[(0.5, 0.6)])
    assert used is plain and not taken and note == REMOVE_KEPT


def test_a_remove_tap_on_one_of_several_objects_takes_the_whole_object_even_if_the_network_left_it():
    """A network that reads taps may answer a remove tap on a mug beside a candle with a hole around the tap only:
    the mug still goes, whole, and is named; a keep tap on it too keeps it."""
    from productgen.cutout.objects import weigh_taps

    plain, view, mug, candle, chest = desk_map()
    on_mug = (160 / SIZE, 185 / SIZE)
    hole = np.zeros(plain.shape, np.uint8)
    cv2.circle(hole, (160, 185), 10, 1, -1)
    tapped = np.where(hole > 0, 0.0, plain).astype(np.float32)  # the network kept the mug around its hole
    used, taken, note = weigh_taps(tapped, plain, view, removes=[on_mug])
    assert (used[mug] < 0.5).all() and (used[candle] >= 0.5).all() and note is None
    assert any(item.region[mug].all() for item in taken)  # the report names the mug
    used, taken, note = weigh_taps(tapped, plain, view, removes=[on_mug], keeps=[on_mug])
    assert (used[mug & (hole == 0)] >= 0.5).all() and not any(item.region[mug].any() for item in taken)
    alone, alone_view = canvas()
    cup = put(alone, alone_view, ("ellipse", 160, 160, 60, 60), (200, 40, 40))
    holed = np.where(hole > 0, 0.0, alone).astype(np.float32)  # the only object: the network's answer stands
    used, taken, note = weigh_taps(holed, alone, alone_view, removes=[(160 / SIZE, 185 / SIZE)])
    assert np.array_equal(used, holed) and not taken and (used[cup] >= 0.5).mean() > 0.9


def test_a_tap_on_one_shoe_keeps_the_pair_unless_the_other_is_removed():
    """A network that reads taps learned "this object" from taps on separate products: on one shoe of a pair it
    keeps that shoe alone. The other shoe goes with it, as the main-object choice keeps it; a remove tap on the
    other shoe still takes it."""
    from productgen.cutout.objects import weigh_taps

    plain, view = canvas()
    left = put(plain, view, ("ellipse", 120, 170, 40, 70), (30, 30, 35))
    right = put(plain, view, ("ellipse", 210, 170, 40, 70), (32, 30, 36))
    tapped = np.where(left, plain, 0.0).astype(np.float32)  # a tap on the left shoe: the network keeps it alone
    used, taken, note = weigh_taps(tapped, plain, view)
    assert (used[left] >= 0.5).all() and (used[right] >= 0.5).all() and not taken and note is None
    used, taken, note = weigh_taps(tapped, plain, view, removes=[(210 / SIZE, 170 / SIZE)])
    assert (used[right] < 0.5).all() and [item.where for item in taken] == ["at the right"]


def test_a_pair_of_shoes_and_a_cut_off_strap_stay_together():
    probability, view = canvas()
    left = put(probability, view, ("ellipse", 120, 170, 40, 70), (30, 30, 35))
    right = put(probability, view, ("ellipse", 210, 170, 40, 70), (32, 30, 36))
    choice = choose(probability, view)
    assert choice.keep[left].all() and choice.keep[right].all() and not choice.dropped
    probability, view = canvas()
    bag = put(probability, view, ("rect", 100, 130, 220, 240), (150, 40, 40))
    strap = put(probability, view, ("rect", 110, 60, 118, 122), (150, 42, 40))  # cut off by the network
    choice = choose(probability, view)
    assert choice.keep[bag].all() and choice.keep[strap].all() and not choice.dropped


def test_two_objects_about_as_likely_to_be_the_product_both_stay_and_a_tap_chooses():
    probability, view = canvas()
    red = put(probability, view, ("ellipse", 100, 160, 45, 60), (200, 40, 40))
    green = put(probability, view, ("ellipse", 220, 160, 45, 60), (40, 200, 60))
    choice = choose(probability, view)
    assert choice.keep[red].all() and choice.keep[green].all() and not choice.dropped
    tapped = choose(probability, view, [(220 / SIZE, 160 / SIZE)])
    assert tapped.keep[green].all() and not tapped.keep[red].any() and tapped.dropped[0].where == "at the left"


def test_a_piece_within_the_products_box_stays_whatever_its_colour():
    """A finger across a product, or a lens and the rest of a pair of glasses: pieces of one thing."""
    probability, view = canvas()
    frame = put(probability, view, ("rect", 100, 80, 220, 250), (30, 30, 160))
    probability[110:221, 130:191], frame[110:221, 130:191] = 0.0, False  # a frame with a hole
    inner = put(probability, view, ("rect", 145, 140, 175, 190), (200, 180, 40))  # a small piece inside it
    choice = choose(probability, view)
    assert choice.keep[frame].all() and choice.keep[inner].all() and not choice.dropped
    probability[140:191, 145:176] = 0.0  # the same piece beside the frame instead: dropped
    inner = put(probability, view, ("rect", 250, 200, 280, 250), (200, 180, 40))
    assert not choose(probability, view).keep[inner].any()


def test_a_keep_point_picks_the_object_under_it_and_a_tap_on_nothing_is_said():
    probability, view, mug, candle, chest = desk_map()
    choice = choose(probability, view, [(55 / SIZE, 200 / SIZE)])  # on the candle
    assert choice.keep[candle].all() and not choice.keep[mug].any() and choice.doubt is None
    assert {item.where for item in choice.dropped} == {"at the right", "behind"}
    near = choose(probability, view, [(76 / SIZE, 200 / SIZE)])  # just beside it: within reach
    assert near.keep[candle].all() and not near.keep[mug].any()
    missed = choose(probability, view, [(300 / SIZE, 300 / SIZE)])  # a corner with nothing
    assert missed.doubt == TAP_MISSED and missed.keep[mug].all() and not missed.keep[candle].any()
    single, view = canvas()
    put(single, view, ("ellipse", 160, 160, 50, 50), (200, 40, 40))
    assert choose(single, view, [(0.05, 0.05)]).doubt == TAP_MISSED
    assert choose(single, view).doubt is None and not choose(single, view).dropped


def test_specks_go_with_the_object_nearest_them():
    probability, view, mug, candle, chest = desk_map()
    probability[250:252, 50:52] = 0.9  # a speck under the candle
    probability[240:242, 160:162] = 0.9  # a speck under the mug
    choice = choose(probability, view)
    assert not choice.keep[250:252, 50:52].any() and choice.keep[240:242, 160:162].all()


def test_keep_points_are_checked_against_the_photo():
    assert photo_points([(10, 20)], 100, 50) == [(0.1, 0.4)]
    assert photo_points(None, 100, 50) == []
    with pytest.raises(ValueError, match="outside the photo"):
        photo_points([(100, 20)], 100, 50)
    with pytest.raises(ValueError, match="two numbers"):
        photo_points([("a", 3)], 100, 50)


def desk_photo(seed: int = 0, size: int = 480):
    """A drawn desk: a red mug in the middle, a blue candle at the left and a chest of drawers cut by the top and
    right of the frame; (photo, mug, candle, chest)."""
    pixels = textured_surface(seed, size).astype(np.float32)
    masks = [np.zeros((size, size), np.uint8) for _ in range(3)]
    cv2.ellipse(masks[0], (size // 2, int(size * 0.58)), (int(size * 0.11), int(size * 0.15)), 0, 0, 360, 1, -1)
    cv2.rectangle(masks[1], (int(size * 0.14), int(size * 0.52)), (int(size * 0.22), int(size * 0.72)), 1, -1)
    cv2.rectangle(masks[2], (int(size * 0.62), 0), (size, int(size * 0.42)), 1, -1)
    shade = np.linspace(1.05, 0.9, size, dtype=np.float32)[:, None, None]
    for mask, colour in zip(masks, ((200, 30, 40), (40, 80, 200), (120, 72, 40))):
        pixels = np.where(mask[:, :, None] > 0, np.array(colour, np.float32) * shade, pixels)
    return (np.clip(pixels, 0, 255).astype(np.uint8), *(mask > 0 for mask in masks))


@pytest.mark.slow
def test_the_cut_out_keeps_the_mug_drops_the_candle_and_a_tap_keeps_the_candle():
    from productgen.cutout.pipeline import cutout

    photo, mug, candle, _ = desk_photo()
    everything = cutout(photo, main_only=False)
    assert (everything.product & candle).sum() > 0.8 * candle.sum()  # the network keeps both
    mask = cutout(photo)
    assert (mask.product & mug).sum() > 0.95 * mug.sum() and not (mask.product & candle).any()
    assert any(item.where == "at the left" for item in mask.dropped)
    assert not any("separate objects" in note for note in mask.notes)
    rows, columns = np.nonzero(candle)
    tapped = cutout(photo, keep_points=[(columns.mean(), rows.mean())])
    assert (tapped.product & candle).sum() > 0.8 * candle.sum() and not (tapped.product & mug).any()


@pytest.mark.slow
def test_enhance_reports_what_was_dropped_and_measures_the_fill_on_the_product_kept():
    from productgen.enhance.studio import Recipe, process_image

    photo, mug, candle, _ = desk_photo()
    result = process_image(Image.fromarray(photo), Recipe(upscaler="lanczos", fill=0.6))
    rule = result.report[0]
    assert rule.rule == "Cut-out" and "other object" in rule.measured and "at the left" in rule.measured
    fill = next(r for r in result.report if r.rule == "fill")
    assert fill.status == "fail" and fill.measured.startswith("product fills 60%")
    # the result shows the mug alone: its width is the mug's, not the mug's and the candle's
    out = np.asarray(result.image.convert("L")) < 250
    columns = np.flatnonzero(out.any(axis=0))
    rows = np.flatnonzero(out.any(axis=1))
    mug_rows, mug_columns = np.nonzero(mug)
    aspect = (np.ptp(mug_columns) + 1) / (np.ptp(mug_rows) + 1)
    assert abs((np.ptp(columns) + 1) / (np.ptp(rows) + 1) - aspect) < 0.1


def test_a_tap_on_a_clean_backdrop_keeps_the_tapped_product_only():
    from productgen.cutout.segment import cutout_verdict, segment

    pixels = np.full((300, 400, 3), 245, np.uint8)
    cv2.ellipse(pixels, (120, 150), (60, 90), 0, 0, 360, (200, 30, 40), -1)
    cv2.rectangle(pixels, (260, 90), (340, 230), (40, 80, 200), -1)
    untouched = segment(pixels)
    assert untouched.method == "backdrop" and not untouched.dropped  # a flood fill keeps what it finds
    found = segment(pixels, keep_points=[(300, 160)])
    kept = ~found.background
    assert kept[100:220, 270:330].all() and not kept[150, 120] and found.method == "backdrop"
    assert [item.where for item in found.dropped] == ["at the left"]
    status, measured = cutout_verdict(found)
    assert status == "pass" and measured.endswith("1 other object dropped: a similar-sized one at the left")


@pytest.mark.slow
def test_the_cutout_command_takes_a_tap_or_a_csv_of_taps(tmp_path, capsys):
    from PIL import Image

    from productgen.cli.main import main

    photo, mug, candle, _ = desk_photo()
    Image.fromarray(photo).save(tmp_path / "desk.png")
    rows, columns = np.nonzero(candle)
    tap = f"{columns.mean():.0f},{rows.mean():.0f}"
    main(["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "one"), "--point", tap])
    alpha = np.asarray(Image.open(tmp_path / "one" / "desk.png"))[:, :, 3] > 127
    assert (alpha & candle).sum() > 0.8 * candle.sum() and not (alpha & mug).any()  # the tapped candle only
    (tmp_path / "taps.csv").write_text(f"file,x,y,keep\ndesk.png,{tap},1\n")
    main(["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "batch"),
          "--points", str(tmp_path / "taps.csv")])
    assert np.array_equal(np.asarray(Image.open(tmp_path / "batch" / "desk.png"))[:, :, 3] > 127, alpha)
    main(["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "none")])
    kept = np.asarray(Image.open(tmp_path / "none" / "desk.png"))[:, :, 3] > 127
    assert (kept & mug).sum() > 0.95 * mug.sum() and not (kept & candle).any()  # no tap: the main product
    rows, columns = np.nonzero(mug)
    (tmp_path / "remove.csv").write_text(f"file,x,y,keep\ndesk.png,{columns.mean():.0f},{rows.mean():.0f},0\n")
    main(["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "removed"),
          "--points", str(tmp_path / "remove.csv")])
    alpha = np.asarray(Image.open(tmp_path / "removed" / "desk.png"))[:, :, 3] > 127
    assert (alpha & candle).sum() > 0.8 * candle.sum() and not (alpha & mug).any()  # a remove tap on the mug
    main(["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "removed2"),
          "--point-remove", f"{columns.mean():.0f},{rows.mean():.0f}"])
    assert np.array_equal(np.asarray(Image.open(tmp_path / "removed2" / "desk.png"))[:, :, 3] > 127, alpha)
    (tmp_path / "bad.csv").write_text("file,x,y,keep\ndesk.png,10,10,2\n")
    bad = ["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "x"), "--points", str(tmp_path / "bad.csv")]
    assert main(bad) == 2 and "keep is 1 or 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a point outside the photo: that photo is listed with its reason, exit 1
        main(["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "y"), "--point", "9999,10"])
    assert "outside the photo" in capsys.readouterr().out
    (tmp_path / "typo.csv").write_text(f"file,x,y,keep\ndesc.png,{tap},1\n")
    with pytest.raises(SystemExit):  # a tap for a file that is not among the photos is said, not dropped
        main(["cutout", str(tmp_path / "desk.png"), "--out", str(tmp_path / "z"),
              "--points", str(tmp_path / "typo.csv")])
    assert "not among the photos: desc.png" in capsys.readouterr().out


@pytest.mark.slow
def test_the_enhance_command_takes_taps_too(tmp_path, capsys):
    from PIL import Image

    from productgen.cli.main import main

    photo, mug, candle, _ = desk_photo()
    Image.fromarray(photo).save(tmp_path / "desk.png")
    rows, columns = np.nonzero(candle)
    (tmp_path / "taps.csv").write_text(f"file,x,y,keep\ndesk.png,{columns.mean():.0f},{rows.mean():.0f},1\n")
    main(["enhance", str(tmp_path / "desk.png"), "--out", str(tmp_path / "tapped"), "--points",
          str(tmp_path / "taps.csv"), "--report", str(tmp_path / "tapped.csv")])
    main(["enhance", str(tmp_path / "desk.png"), "--out", str(tmp_path / "plain"),
          "--report", str(tmp_path / "plain.csv")])
    tapped, plain = (tmp_path / "tapped.csv").read_text(), (tmp_path / "plain.csv").read_text()
    assert "dropped" in plain and "at the left" in plain  # no tap: the mug is kept, the candle at the left named
    assert "at the left" not in tapped  # the tap kept the candle: what was dropped is elsewhere


def test_a_keep_tap_keeps_the_whole_object_but_not_what_the_tapped_answer_rules_out():
    from productgen.cutout.objects import keeps_whole

    plain = np.zeros((100, 100), np.float32)
    plain[20:80, 20:60] = 0.95  # a T-shirt ...
    plain[20:80, 60:90] = 0.9  # ... joined to a chest behind it in the answer without taps
    tapped = np.zeros_like(plain)
    tapped[20:80, 20:60] = 0.3  # the tapped answer half keeps the T-shirt ...
    tapped[40:55, 30:50] = 0.97  # ... and is sure only of the print under the tap
    tapped[20:80, 60:90] = 0.02  # and sure the chest is not product
    whole = keeps_whole(tapped, plain, [(0.4, 0.47)], floor=0.15)
    assert (whole[20:80, 20:60] >= 0.9).all() and (whole[20:80, 60:90] < 0.5).all()
    assert whole.dtype == tapped.dtype
    assert keeps_whole(tapped, plain, [(0.4, 0.47)], floor=0.5) is tapped  # the floor at 0.5: off
    assert keeps_whole(tapped, plain, [(0.05, 0.05)], floor=0.15) is tapped  # a tap on no object
    assert keeps_whole(tapped, plain, [], floor=0.15) is tapped
