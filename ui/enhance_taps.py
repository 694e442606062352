"""Taps on the Enhance tab's kept view: each tap keeps or removes what is under it (the merchant's choice), the taps
of a photo add up, and the kept view answers a tap at once, before Enhance of the whole photo follows.

Quick taps: every tap is recorded (the tap events queue one after another, each reading the taps recorded before
it), and an answer to an older tap that arrives after a newer tap's is not shown (:class:`TapOrder`): each tap,
clear and change of photo gets the next number of its session, and an answer whose number is no longer the newest
is skipped."""
from __future__ import annotations

import threading
from collections import OrderedDict

import gradio as gr

from .common import USER_ERRORS, as_user_error, unpacked

MAX_TAPS = 20  # a photo's taps kept; older ones give way


class TapOrder:
    """The newest tap number of each session (the last ``sessions`` sessions), so that an answer to an older tap
    can tell it was overtaken."""

    def __init__(self, sessions: int = 2000):
        self._newest: OrderedDict[str, int] = OrderedDict()
        self._sessions = sessions
        self._lock = threading.Lock()

    def next(self, request: gr.Request | None) -> int:
        """A new tap (or clear, or another photo) in ``request``'s session: its number."""
        session = getattr(request, "session_hash", None) or ""
        with self._lock:
            number = self._newest.pop(session, 0) + 1
            self._newest[session] = number
            while len(self._newest) > self._sessions:
                self._newest.popitem(last=False)
        return number

    def overtaken(self, tapped, request: gr.Request | None) -> bool:
        """Whether the taps ``tapped`` were answered after a newer tap, clear or photo of the same session."""
        if not isinstance(tapped, dict) or "seq" not in tapped:
            return False
        session = getattr(request, "session_hash", None) or ""
        with self._lock:
            return self._newest.get(session, 0) > tapped["seq"]


ORDER = TapOrder()


def no_taps(request: gr.Request = None):
    """The taps after "Clear my taps" or another photo: none, under a new number (older answers are overtaken)."""
    return {"photo": None, "taps": [], "seq": ORDER.next(request)}


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


def tap(kept, name: str | None, mode: str | None, tapped, evt: gr.SelectData, request: gr.Request = None):
    """A tap on the kept view, added to this photo's taps: where, as shares of the picture (the view has the photo's
    shape), and whether it keeps (``mode`` "keep") or removes what is under it; numbered (:class:`TapOrder`)."""
    if kept is None or not name or evt is None or not evt.index:
        return tapped
    width, height = kept.size if hasattr(kept, "size") else (kept.shape[1], kept.shape[0])
    taps = list(tapped["taps"]) if isinstance(tapped, dict) and tapped.get("photo") == name else []
    taps.append({"x": min(0.999, max(0.0, evt.index[0] / width)), "y": min(0.999, max(0.0, evt.index[1] / height)),
                 "keep": mode != "remove"})
    return {"photo": name, "taps": taps[-MAX_TAPS:], "seq": ORDER.next(request)}


TAP_VIEW_SIDE = 768  # the kept view's size (``studio.mask_overlay``): a tap's answer is cut out at this size


def tap_answer(files, name: str | None, tapped, painting=None, painted_for: str | None = None,
               request: gr.Request = None):
    """The kept view after a tap, at once: the cut-out of a copy of the photo at the view's size (the network sees
    the photo at 320 px whatever its size, so the answer is the one Enhance then gives the whole photo), with the
    strokes painted on this photo. Enhance of the whole photo follows; for a 12 MP photo it takes seconds, this a
    fraction of one (``bench/tap_latency.py``). Skipped when a newer tap came meanwhile."""
    from productgen.cutout.segment import segment
    from productgen.io.images import open_image

    from .enhance_tab import painted_strokes, pick_photo

    if ORDER.overtaken(tapped, request):
        return gr.skip()
    try:
        strokes, _ = painted_strokes(painting, name, painted_for)
        with unpacked(files, request) as (photos, _):
            photo = pick_photo(photos, name)
            view = open_image(photo, longest=TAP_VIEW_SIDE)
        taps = photo_taps(tapped, photo.name, view.size)
        # without the flood fill's GrabCut edge (0.6 s of a second's budget): Enhance's answer brings it
        found = segment(view, strokes=strokes, keep_points=taps.keep, remove_points=taps.remove)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    if ORDER.overtaken(tapped, request):
        return gr.skip()
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
