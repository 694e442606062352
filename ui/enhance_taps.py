"""Taps on the Enhance tab's kept view: each tap keeps or removes what is under it (the merchant's choice), the taps
of a photo add up, and the kept view answers a tap at once, before Enhance of the whole photo follows."""
from __future__ import annotations

import gradio as gr

from .common import USER_ERRORS, as_user_error, unpacked

MAX_TAPS = 20  # a photo's taps kept; older ones give way


def photo_taps(tapped, name: str, size: tuple[int, int]):
    """The merchant's taps ({"photo", "taps": [{"x", "y", "keep"}]}) in the photo's pixels (``cutout.taps.Taps``),
    none when they were on another photo."""
    from productgen.cutout.taps import Taps

    taps = Taps()
    if not isinstance(tapped, dict) or tapped.get("photo") != name:
        return taps
    for one in tapped.get("taps", []):
        point = (min(size[0] - 1, one["x"] * size[0]), min(size[1] - 1, one["y"] * size[1]))
        (taps.keep if one.get("keep", True) else taps.remove).append(point)
    return taps


def tap(kept, name: str | None, mode: str | None, tapped, evt: gr.SelectData):
    """A tap on the kept view, added to this photo's taps: where, as shares of the picture (the view has the photo's
    shape), and whether it keeps (``mode`` "keep") or removes what is under it."""
    if kept is None or not name or evt is None or not evt.index:
        return tapped
    width, height = kept.size if hasattr(kept, "size") else (kept.shape[1], kept.shape[0])
    taps = list(tapped["taps"]) if isinstance(tapped, dict) and tapped.get("photo") == name else []
    taps.append({"x": min(0.999, max(0.0, evt.index[0] / width)), "y": min(0.999, max(0.0, evt.index[1] / height)),
                 "keep": mode != "remove"})
    return {"photo": name, "taps": taps[-MAX_TAPS:]}


def on_tap(kept, name: str | None, mode: str | None, tapped, files, evt: gr.SelectData, request: gr.Request = None):
    """A tap on the kept view: this photo's taps with it (:func:`tap`), and the kept view they give
    (:func:`tap_answer`), in one answer."""
    tapped = tap(kept, name, mode, tapped, evt)
    return tapped, tap_answer(files, name, tapped, request)


TAP_VIEW_SIDE = 768  # the kept view's size (``studio.mask_overlay``): a tap's answer is cut out at this size


def tap_answer(files, name: str | None, tapped, request: gr.Request = None):
    """The kept view after a tap, at once: the cut-out of a copy of the photo at the view's size (the network sees
    the photo at 320 px whatever its size, so the answer is the one Enhance then gives the whole photo). Enhance of
    the whole photo follows; for a 12 MP photo it takes seconds, this a fraction of one
    (``bench/tap_latency.py``)."""
    from productgen.cutout.segment import segment
    from productgen.io.images import open_image

    from .enhance_tab import pick_photo

    try:
        with unpacked(files, request) as (photos, _):
            photo = pick_photo(photos, name)
            view = open_image(photo, longest=TAP_VIEW_SIDE)
        taps = photo_taps(tapped, photo.name, view.size)
        # without the flood fill's GrabCut edge (0.6 s of a second's budget): Enhance's answer brings it
        found = segment(view, keep_points=taps.keep, remove_points=taps.remove)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    from productgen.enhance import studio

    return show_taps(studio.mask_overlay(view, found), tapped, photo.name)


def show_taps(view, tapped, name: str):
    """The kept view with the merchant's taps on it: a green dot where a tap keeps, a red one where it removes."""
    if not isinstance(tapped, dict) or tapped.get("photo") != name or not tapped.get("taps"):
        return view
    from PIL import ImageDraw

    view = view.copy()
    draw = ImageDraw.Draw(view)
    radius = max(4, round(max(view.size) / 90))
    for one in tapped["taps"]:
        x, y = one["x"] * view.size[0], one["y"] * view.size[1]
        colour = (22, 163, 74) if one.get("keep", True) else (225, 29, 42)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour, outline=(255, 255, 255),
                     width=max(1, radius // 3))
    return view
