"""The Enhance tab: one photo or a batch through a recipe (colour, background, framing, marketplace size),
with a before/after view, what the cut-out keeps and the marketplace's compliance report."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
from gradio.data_classes import FileData

from productgen.enhance.filters import EnhanceSettings
from productgen.enhance.marketplaces import PRESETS
from productgen.enhance.studio import Recipe
from productgen.io.archives import write_zip

from .common import USER_ERRORS, as_user_error, problem, unpacked, work_folder
from .enhance_layout import BATCH_HEADERS, REPORT_HEADERS, build_enhance_tab  # noqa: F401 (app.py builds it here)
from .enhance_taps import ORDER, no_taps, photo_taps, show_taps, tap, tap_answer
from .server import BUSY_NOTE, GIVE_WAY_S, JOBS, PHOTO_WORKERS, SINGLE_PHOTOS, busy, in_background
from .words import said, say, table

CONTROL_NAMES = ["white_balance", "levels_clip", "exposure", "gamma", "brightness", "contrast", "saturation",
                 "sharpen_amount", "sharpen_radius", "sharpen_threshold", "denoise"]


def on_upload(files, request: gr.Request = None):
    try:
        with unpacked(files, request) as (photos, skipped):
            names = [p.name for p in photos]
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    for name, reason in skipped:
        gr.Warning(said(request, f"{name} skipped: {reason}"))
    if files and not names:
        gr.Warning(say(request, "No photos found in this upload: use JPEG, PNG or WebP files, or a ZIP of them."))
    return gr.update(choices=names, value=names[0] if names else None)


def pick_photo(photos: list[Path], name: str | None) -> Path:
    """The uploaded photo called ``name`` (the first one if no name or no match). Only files of this request
    are ever chosen: the name never reaches the file system."""
    if not photos:
        raise ValueError("upload a photo first (JPEG, PNG, WebP, or a ZIP of them)")
    return next((p for p in photos if p.name == name), photos[0])


def read_recipe(recipe_json) -> Recipe:
    if recipe_json is not None and not isinstance(recipe_json, str):
        raise ValueError("the recipe must be JSON text (as the Enhance tab shows it), or empty for the defaults")
    return Recipe.from_json(recipe_json) if recipe_json and recipe_json.strip() else Recipe()


def recipe_from_controls(preset, auto, clean, refine, shadow, fill, output_format, quality, transparent, upscaler,
                         *controls):
    try:
        settings = EnhanceSettings(**dict(zip(CONTROL_NAMES, controls)))
        recipe = Recipe(enhance=settings, auto=bool(auto), clean_background=bool(clean), refine_edges=bool(refine),
                        shadow=float(shadow), preset=preset, fill=float(fill), output_format=output_format,
                        jpeg_quality=int(quality), transparent=bool(transparent), upscaler=upscaler)
    except USER_ERRORS as error:  # (varargs: Gradio passes no request here, so this one stays in English)
        raise as_user_error(error) from error
    return recipe.to_json()


def when_busy(recipe: Recipe, others: int) -> Recipe:
    """The recipe as this request runs it: with other work running (``busy``), Lanczos for the upscaler."""
    if busy(others) and recipe.upscaler == "model":
        from dataclasses import replace

        return replace(recipe, upscaler="lanczos")
    return recipe




def painted_strokes(painting, name: str | None, painted_for: str | None):
    """(strokes, note): the merchant's strokes in the "Fix the cut-out" painter (``cutout.touchup.Strokes``), or None
    when nothing is painted or the painting belongs to another photo than ``name``; the note says when a stroke
    ran to the photo's edge (the painter keeps nothing beyond it). Through the API (no photo recorded) a painting
    with the photo's shape applies to the photo named."""
    from productgen.cutout.touchup import Strokes

    if not painting or not isinstance(painting, dict) or (painted_for is not None and painted_for != name):
        return None, None
    layers = [np.asarray(layer) for layer in painting.get("layers") or [] if layer is not None]
    layers = [layer for layer in layers if layer.ndim == 3 and layer.shape[2] == 4]
    if not layers:
        return None, None
    merged = layers[0].copy()
    for layer in layers[1:]:
        if layer.shape == merged.shape:
            merged = np.where(layer[..., 3:] > 0, layer, merged)
    strokes = Strokes.from_painting(merged)
    if strokes.empty:
        return None, None
    painted = merged[..., 3] > 0
    edge = painted[0].any() or painted[-1].any() or painted[:, 0].any() or painted[:, -1].any()
    return strokes, (OUTSIDE_NOTE if edge else None)


OUTSIDE_NOTE = "A stroke ran to the photo's edge: paint outside the photo is ignored."


def enhance_photo(files, name: str | None, recipe_json: str, painting=None, painted_for: str | None = None,
                  tapped=None, request: gr.Request = None):
    """The chosen uploaded photo through the recipe: ((before, after), report rows, verdict, output file,
    settings used, what is kept, the settings as slider values). ``painting``: the "Fix the cut-out" painter, whose
    strokes correct the cut-out when they were painted on this photo (``painted_for``); ``tapped``: the merchant's
    taps in the kept view ({"photo", "taps": [{"x", "y", "keep"}]}, shares of the photo): the cut-out keeps what
    is under a keep tap and takes away what is under a remove tap."""
    from productgen.enhance import studio

    skip = (gr.skip(),) * 7
    # only an Enhance of this photo's taps can be overtaken: one of a new photo whose taps state is still the old
    # photo's (the change of photo renumbers it a moment after the click was sent) is the merchant's newest action
    ours = isinstance(tapped, dict) and tapped.get("photo") == name
    if ours and ORDER.overtaken(tapped, request):  # a newer tap's Enhance follows
        return skip
    try:
        recipe = read_recipe(recipe_json)
        strokes, note = painted_strokes(painting, name, painted_for)
        with unpacked(files, request) as (photos, _):
            photo = pick_photo(photos, name)
            original, icc = studio.read_photo(photo)
        taps = photo_taps(tapped, photo.name, original.size)
        with JOBS.one() as others, SINGLE_PHOTOS.one():
            quick = when_busy(recipe, others)
            result = studio.process_image(original, quick, icc, strokes=strokes, keep_points=taps.keep,
                                          remove_points=taps.remove)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    if ours and ORDER.overtaken(tapped, request):  # a newer tap came while this one was enhanced: its answer follows
        return skip
    # said only when the busy app chose Lanczos (a product too large for the model gets Lanczos anyway)
    gave_way = quick is not recipe and result.enlarged_by == "lanczos"
    out = studio.save_result(result.image, work_folder("enhance-", request) / studio.output_name(photo, recipe),
                             recipe, result.ai_generated)
    pair = studio.side_by_side(original, result.image)
    text = report_text(request, result, recipe.preset, [note] if note else [], [BUSY_NOTE] if gave_way else [])
    rows = table(request, REPORT_HEADERS, [[say(request, rule), say(request, status), said(request, measured),
                                            source_link(source)]
                                           for rule, status, measured, source in (r.row() for r in result.report)])
    kept = show_taps(studio.mask_overlay(original, result.segmentation), tapped, photo.name)
    values = result.settings.to_dict()
    return pair, rows, text, str(out), settings_words(request, result.settings, recipe.auto), kept, \
        [values[control] for control in CONTROL_NAMES]


HEADINGS = {"pass": "✅ Passes the {preset} rules.", "fail": "❌ Fails the {preset} rules.",
            "cutout": "⚠️ Not ready: check the cut-out.",
            "warn": "⚠️ Check before uploading: passes the {preset} rules with {count} warning(s)."}


def report_text(request: gr.Request | None, result, preset: str, notes: list[str], after: list[str]) -> str:
    """The verdict above the report: a heading (never "passes" after a doubt about the cut-out), one line per rule
    that did not pass (as many as the heading counts), then what the cut-out dropped and the other notes."""
    problems = result.problems
    heading = say(request, HEADINGS[result.heading], preset=say(request, PRESETS[preset].name), count=len(problems))
    lines = [f"**{heading}**"] + [f"- {say(request, r.rule)}: {said(request, r.measured)}" for r in problems]
    found = result.segmentation
    cutout_listed = any(r.rule == "Cut-out" for r in problems)
    if found is not None and found.dropped and not cutout_listed:
        notes = [found.dropped_note] + notes
    if found is not None and found.dropped:
        notes = notes + [TAP_HINT]
    elif found is not None and any(note.endswith("separate objects found") for note in found.notes):
        notes = notes + [SEVERAL_HINT]
    return "\n".join(lines) + "".join(f"\n\n{said(request, note)}" for note in notes + after)


TAP_HINT = "Not the right object? What was dropped is outlined in blue in the kept view: tap your product there."
SEVERAL_HINT = "Several objects are kept: tap your product in the kept view to keep only it."


def source_link(url: str) -> str:
    """A rule's source as a short link named by its site ("amazon.com"), so a phone's narrow column does not wrap
    the address letter by letter."""
    if not url.startswith("http"):
        return url
    site = ".".join(url.split("/")[2].split(".")[-2:])
    return f"[{site}]({url})"


def paint_on(kept, name: str | None, painted_for: str | None):
    """After Enhance: the painter gets the photo's "what is kept" view to paint on, unless it already holds strokes
    for this photo (they stay, and keep correcting it)."""
    if painted_for is not None and painted_for == name:
        return gr.skip(), gr.skip()
    return {"background": kept, "layers": [], "composite": None}, name


def clear_painting(request: gr.Request = None):
    """Another photo or upload: the strokes painted on the last one, and its taps, do not apply (an answer to a tap
    on it still on its way is not shown)."""
    return None, None, no_taps(request)


WHITE_BALANCE_WORDS = {"background": "white balance from the backdrop", "product": "white balance from the product",
                       "neutral": "white balance from the photo's greys"}


def settings_words(request: gr.Request | None, settings: EnhanceSettings, auto: bool) -> str:
    """What was done to the photo, in plain words (the recipe above is the one place its settings are
    edited): one line, in the visitor's language."""
    def percent(value: float) -> str:
        return f"{(value - 1) * 100:+.0f}%"

    done = []
    if settings.white_balance in WHITE_BALANCE_WORDS:
        done.append(say(request, WHITE_BALANCE_WORDS[settings.white_balance]))
    if settings.levels_clip > 0:
        done.append(say(request, "levels stretched"))
    if settings.exposure:
        done.append(say(request, "exposure {value:+.2f} stops", value=settings.exposure))
    for name, value in (("brightness", settings.brightness), ("contrast", settings.contrast),
                        ("colour", settings.saturation)):
        if abs(value - 1) >= 0.005:
            done.append(say(request, name + " {value}", value=percent(value)))
    if abs(settings.gamma - 1) >= 0.005:
        done.append(say(request, "midtones " + ("lighter" if settings.gamma > 1 else "darker")))
    if settings.sharpen_amount > 0:
        done.append(say(request, "sharpened"))
    if settings.denoise > 0:
        done.append(say(request, "grain smoothed"))
    lead = say(request, "Auto chose for this photo:" if auto else "Your settings:")
    done = say(request, ", ").join(done) if done else say(request, "no colour or tone changes")
    return say(request, "{lead} {done}.", lead=lead, done=done)


def auto_settings(files: list[FileData], photo: str | None, recipe: str, request: gr.Request = None) -> list:
    """(API only) The settings Auto picks for the chosen photo: [true, the eleven settings, the recipe with auto
    on]. In the tab, Enhance itself shows them in the settings after each photo."""
    from productgen.cutout.segment import segment
    from productgen.enhance import studio

    files = [item.get("path") if isinstance(item, dict) else getattr(item, "path", item) for item in files or []]
    try:
        parsed = read_recipe(recipe)
        with unpacked(files, request) as (photos, _):
            image, _ = studio.read_photo(pick_photo(photos, photo))
        settings = studio.settings_for(image, segment(image, refine=parsed.refine_edges))
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    parsed.auto = True
    values = settings.to_dict()
    return [True] + [values[name] for name in CONTROL_NAMES] + [parsed.to_json()]


def enhance_batch(files, recipe_json: str, request: gr.Request = None, progress=gr.Progress()):
    """Every uploaded photo through the recipe; streams (ZIP of results + report.csv, report rows, status).
    A generator, so the work stops when the visitor goes away or presses Stop."""
    from productgen.enhance import studio

    try:
        recipe = read_recipe(recipe_json)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    folder = work_folder("batch-", request)
    rows, used = [], set()
    try:
        with unpacked(files, request) as (photos, skipped), JOBS.one() as others:
            if not photos:
                raise ValueError("no photos to process: upload JPEG/PNG/WebP files or a ZIP of them")
            quick = when_busy(recipe, others)  # decided once: a batch is enlarged one way throughout
            for number, photo in enumerate(photos):
                progress((number, len(photos)), desc=photo.name, unit="photos")
                SINGLE_PHOTOS.wait_until_idle(GIVE_WAY_S)
                rows.append(in_background(studio.process_one, photo, quick, folder / "out", used))
                yield None, table(request, BATCH_HEADERS, []), say(request, "{done} of {total} photos done...",
                                                                   done=number + 1, total=len(photos))
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    rows += [studio.BatchRow(name, verdict="error", reason=reason) for name, reason in skipped]
    report = studio.write_report(rows, folder / "out" / "report.csv")
    outputs = [folder / "out" / row.output for row in rows if row.output] + [report]
    archive = write_zip(outputs, folder / f"{recipe.preset}_photos.zip")
    report_rows = table(request, BATCH_HEADERS, [[r.file, r.output, say(request, r.verdict.upper()),
                                                  said(request, r.reason or r.details)] for r in rows])
    failed = sum(r.verdict == "error" for r in rows)
    status = say(request, "{done} of {total} photos processed", done=len(rows) - failed, total=len(rows))
    status += say(request, "; {failed} failed (see table)", failed=failed) if failed else ""
    if quick is not recipe:
        status += " " + say(request, BUSY_NOTE)
    yield str(archive), report_rows, status


def save_recipe(recipe_json: str, request: gr.Request = None):
    try:
        read_recipe(recipe_json)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    path = work_folder("recipe-", request) / "recipe.json"
    path.write_text(recipe_json)
    return str(path)


def load_recipe(file, request: gr.Request = None):
    if not file:
        raise problem(request, "Choose a recipe .json file.")
    try:
        text = Path(file if isinstance(file, str) else file.name).read_text(encoding="utf-8")
        recipe = Recipe.from_json(text)
    except (UnicodeDecodeError, *USER_ERRORS) as error:
        raise as_user_error(ValueError(f"not a recipe file: {error}"), request) from error
    values = recipe.enhance.to_dict()
    return [recipe.preset, recipe.auto, recipe.clean_background, recipe.refine_edges, recipe.shadow,
            recipe.fill or PRESETS[recipe.preset].fill, recipe.output_format, recipe.jpeg_quality,
            recipe.transparent, recipe.upscaler] + [values[name] for name in CONTROL_NAMES] + [recipe.to_json()]


def wire_enhance(w: dict):
    top = [w["preset"], w["auto"], w["clean"], w["refine"], w["shadow"], w["fill"], w["format"], w["quality"],
           w["transparent"], w["upscaler"]]
    controls = [w[name] for name in CONTROL_NAMES]
    for widget in top + controls:
        widget.input(recipe_from_controls, top + controls, w["recipe"], api_visibility="private")
    for widget in controls:  # touching a setting means: use my settings
        widget.input(lambda: False, None, w["auto"], api_visibility="private")
    w["preset"].input(lambda key: PRESETS[key].fill, w["preset"], w["fill"], api_visibility="private")
    painter = [w["painting"], w["painted_for"], w["tapped"]]
    w["files"].upload(on_upload, w["files"], w["photo"], api_visibility="private").then(
        clear_painting, None, painter, api_visibility="private")
    outputs = [w["slider"], w["report"], w["verdict"], w["download"], w["settings"], w["mask"], w["shown"]]
    photo_inputs = [w["files"], w["photo"], w["recipe"], w["painting"], w["painted_for"], w["tapped"]]
    w["photo"].change(clear_painting, None, painter, api_visibility="private")
    # one photo has its own workers; batches and Recognise share one other: under load a merchant's single photo
    # never queues behind someone's batch

    def enhance_then_paint(event, **api):
        """Enhance the chosen photo after ``event``, then give the painter its kept view and, when Auto chose
        the settings, show them in the settings."""
        done = event.then(enhance_photo, photo_inputs, outputs, concurrency_id="photo",
                          concurrency_limit=PHOTO_WORKERS, **api)
        done.success(paint_on, [w["mask"], w["photo"], w["painted_for"]], [w["painting"], w["painted_for"]],
                     api_visibility="private")
        done.success(show_chosen, [w["auto"], w["shown"]], controls, api_visibility="private")

    enhance_then_paint(w["preview_button"].click(recipe_from_controls, top + controls, w["recipe"],
                                                 api_visibility="private"), api_name="enhance")
    enhance_then_paint(w["touch_button"].click(recipe_from_controls, top + controls, w["recipe"],
                                               api_visibility="private"), api_visibility="private")
    # the kept view answers the tap at once; Enhance of the whole photo follows
    # every tap is recorded, one after another (each reads the taps before it; a few ms), then answered
    tapped = w["mask"].select(tap, [w["mask"], w["photo"], w["tap_mode"], w["tapped"]], w["tapped"],
                              trigger_mode="multiple", concurrency_id="tap-record", concurrency_limit=1,
                              show_progress="hidden", api_visibility="private")
    enhance_then_paint(tapped.then(tap_answer, [w["files"], w["photo"], w["tapped"], w["painting"], w["painted_for"]],
                                   w["mask"], concurrency_id="tap", concurrency_limit=PHOTO_WORKERS,
                                   api_visibility="private"), api_visibility="private")
    enhance_then_paint(w["clear_taps"].click(no_taps, None, w["tapped"], api_visibility="private"),
                       api_visibility="private")
    gr.api(auto_settings, api_name="auto_settings")
    batch = w["batch_button"].click(enhance_batch, [w["files"], w["recipe"]],
                                    [w["batch_zip"], w["batch_table"], w["batch_status"]],
                                    api_name="enhance_batch", concurrency_id="batch",
                                    concurrency_limit=1)
    w["stop"].click(None, cancels=[batch], api_visibility="private")
    w["save_recipe"].click(save_recipe, w["recipe"], w["recipe_file"], api_visibility="private")
    w["load_recipe"].upload(load_recipe, w["load_recipe"], top + controls + [w["recipe"]],
                            api_visibility="private")


def show_chosen(auto: bool, values):
    """The settings Auto chose for the photo, in the settings' controls (so they can be edited from there);
    the merchant's own settings stay as they are."""
    if not auto or not values:
        return [gr.skip()] * len(CONTROL_NAMES)
    return list(values)
