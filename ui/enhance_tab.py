"""The Enhance tab: one photo or a batch through a recipe (colour, background, framing, marketplace size),
with a before/after view, what the cut-out keeps and the marketplace's compliance report."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np

from productgen.enhance.filters import WHITE_BALANCE_SOURCES, EnhanceSettings
from productgen.enhance.marketplaces import PRESETS
from productgen.enhance.studio import Recipe
from productgen.io.archives import write_zip

from .common import USER_ERRORS, as_user_error, problem, unpacked, upscaler_choices, work_folder
from .server import BUSY_NOTE, GIVE_WAY_S, JOBS, PHOTO_WORKERS, SINGLE_PHOTOS, busy, in_background
from .words import said, say, t, table, translated_choices

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


REPORT_HEADERS = ["rule", "result", "measured", "source"]
BATCH_HEADERS = ["file", "output", "verdict", "notes"]


def painted_strokes(painting, name: str | None, painted_for: str | None):
    """The merchant's strokes in the "Fix the cut-out" painter (``cutout.touchup.Strokes``), or None when nothing is
    painted or the painting belongs to another photo than ``name``. Through the API (no photo recorded) a
    painting with the photo's shape applies to the photo named."""
    from productgen.cutout.touchup import Strokes

    if not painting or not isinstance(painting, dict) or (painted_for is not None and painted_for != name):
        return None
    layers = [np.asarray(layer) for layer in painting.get("layers") or [] if layer is not None]
    layers = [layer for layer in layers if layer.ndim == 3 and layer.shape[2] == 4]
    if not layers:
        return None
    merged = layers[0].copy()
    for layer in layers[1:]:
        if layer.shape == merged.shape:
            merged = np.where(layer[..., 3:] > 0, layer, merged)
    strokes = Strokes.from_painting(merged)
    return None if strokes.empty else strokes


def enhance_photo(files, name: str | None, recipe_json: str, painting=None, painted_for: str | None = None,
                  request: gr.Request = None):
    """The chosen uploaded photo through the recipe: ((before, after), report rows, verdict, output file,
    settings used, what is kept). ``painting``: the "Fix the cut-out" painter, whose strokes correct the cut-out
    when they were painted on this photo (``painted_for``)."""
    from productgen.enhance import studio

    try:
        recipe = read_recipe(recipe_json)
        strokes = painted_strokes(painting, name, painted_for)
        with unpacked(files, request) as (photos, _):
            photo = pick_photo(photos, name)
            original, icc = studio.read_photo(photo)
        with JOBS.one() as others, SINGLE_PHOTOS.one():
            quick = when_busy(recipe, others)
            result = studio.process_image(original, quick, icc, strokes=strokes)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    # said only when the busy app chose Lanczos (a product too large for the model gets Lanczos anyway)
    gave_way = quick is not recipe and result.enlarged_by == "lanczos"
    out = studio.save_result(result.image, work_folder("enhance-", request) / studio.output_name(photo, recipe),
                             recipe, result.ai_generated)
    pair = studio.side_by_side(original, result.image)
    headline = {"pass": "✅ Passes the {preset} rules.", "fail": "❌ Fails the {preset} rules.",
                "warn": "⚠️ Check before uploading: passes the {preset} rules with {count} warning(s)."}[result.verdict]
    count = sum(r.status == "warn" for r in result.report)
    text = f"**{say(request, headline, preset=say(request, PRESETS[recipe.preset].name), count=count)}**" + \
        "".join(f"\n- {said(request, w)}" for w in result.warnings + ([BUSY_NOTE] if gave_way else []))
    rows = table(request, REPORT_HEADERS, [[say(request, rule), say(request, status), said(request, measured), source]
                                           for rule, status, measured, source in (r.row() for r in result.report)])
    kept = studio.mask_overlay(original, result.segmentation)
    return pair, rows, text, str(out), settings_words(request, result.settings, recipe.auto), kept


def paint_on(kept, name: str | None, painted_for: str | None):
    """After Enhance: the painter gets the photo's "what is kept" view to paint on, unless it already holds strokes
    for this photo (they stay, and keep correcting it)."""
    if painted_for is not None and painted_for == name:
        return gr.skip(), gr.skip()
    return {"background": kept, "layers": [], "composite": None}, name


def clear_painting():
    """Another photo or upload: the strokes painted on the last one do not apply."""
    return None, None


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
    return f"{lead} " + (say(request, ", ").join(done) if done else say(request, "no colour or tone changes")) + "."


def auto_controls(files, name: str | None, recipe_json: str, request: gr.Request = None):
    """Settings that Auto picks for the chosen photo, as slider values, plus the recipe with auto on."""
    from productgen.cutout.segment import segment
    from productgen.enhance import studio

    try:
        recipe = read_recipe(recipe_json)
        with unpacked(files, request) as (photos, _):
            image, _ = studio.read_photo(pick_photo(photos, name))
        settings = studio.settings_for(image, segment(image, refine=recipe.refine_edges))
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    recipe.auto = True
    values = settings.to_dict()
    return [True] + [values[name] for name in CONTROL_NAMES] + [recipe.to_json()]


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


def build_enhance_tab():
    defaults = EnhanceSettings()
    w = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            w["files"] = gr.File(label=t("Photos (one or many, or a ZIP)"), file_count="multiple",
                                 file_types=["image", ".zip"])
            w["photo"] = gr.Dropdown([], label=t("Photo to preview"), allow_custom_value=True)
            w["preset"] = gr.Dropdown([(p.name, key) for key, p in PRESETS.items()], value="amazon",
                                      label=t("Marketplace"))
            with gr.Row():
                w["auto_button"] = gr.Button(t("Auto"), variant="primary")
                w["preview_button"] = gr.Button(t("Apply to this photo"))
            w["auto"] = gr.Checkbox(True, label=t("Choose settings automatically for each photo"))
            with gr.Accordion(t("Manual settings"), open=False):
                w["white_balance"] = gr.Radio(translated_choices(WHITE_BALANCE_SOURCES), value=defaults.white_balance,
                                              label=t("White balance from"))
                w["levels_clip"] = gr.Slider(0, 5, value=0, step=0.1, label=t("Auto levels clip (%)"),
                                             info=t("Stretch dull photos: this share of the darkest and brightest "
                                                  "pixels becomes pure black and white. 0 = off."))
                w["exposure"] = gr.Slider(-2, 2, value=0, step=0.05, label=t("Exposure (stops)"),
                                          info=t("Like a camera's exposure: +1 is twice as bright, -1 half."))
                w["gamma"] = gr.Slider(0.3, 3, value=1, step=0.05, label=t("Gamma (mid-tones)"),
                                       info=t("Above 1 lightens the mid-tones (shadows show more), below 1 darkens "
                                            "them; black and white stay."))
                w["brightness"] = gr.Slider(0.3, 2, value=1, step=0.01, label=t("Brightness"))
                w["contrast"] = gr.Slider(0.3, 2, value=1, step=0.01, label=t("Contrast"))
                w["saturation"] = gr.Slider(0, 2, value=1, step=0.01, label=t("Saturation"))
                w["sharpen_amount"] = gr.Slider(0, 3, value=0, step=0.05, label=t("Sharpen amount"),
                                                info=t("How much crisper edges get. 0 = off; above 1.5 edges may "
                                                       "glow."))
                w["sharpen_radius"] = gr.Slider(0.3, 10, value=1, step=0.1, label=t("Sharpen radius (px)"),
                                                info=t("How wide an edge counts: small for fine texture, large for "
                                                     "outlines."))
                w["sharpen_threshold"] = gr.Slider(0, 30, value=0, step=1, label=t("Sharpen threshold (levels)"),
                                                   info=t("Leave smooth areas alone: only differences bigger than "
                                                        "this are sharpened, so noise stays quiet."))
                w["denoise"] = gr.Slider(0, 20, value=0, step=1, label=t("Denoise (slow on big photos)"),
                                         info=t("Smooths the grain of dim photos; high values also smooth detail."))
            with gr.Accordion(t("Background, framing and file"), open=False):
                w["clean"] = gr.Checkbox(True, label=t("Pure white background"))
                w["refine"] = gr.Checkbox(False, label=t("Refine edges (GrabCut, slower)"))
                w["shadow"] = gr.Slider(0, 1, value=0, step=0.05, label=t("Contact shadow (not for Amazon)"))
                w["fill"] = gr.Slider(0.5, 1.0, value=PRESETS["amazon"].fill, step=0.01,
                                      label=t("Product share of the frame"))
                w["format"] = gr.Radio(["JPEG", "PNG"], value="JPEG", label=t("File format"))
                w["quality"] = gr.Slider(60, 100, value=92, step=1, label=t("JPEG quality"))
                w["transparent"] = gr.Checkbox(False, label=t("Transparent cut-out (PNG)"))
                w["upscaler"] = gr.Radio(upscaler_choices(), value="model", label=t("Enlarge a small product with"),
                                         info=t("The model draws fine detail when the product must grow more than "
                                              "1.5x to fill the frame; Lanczos is quicker but soft."))
            with gr.Accordion(t("Recipe (applied to the whole batch)"), open=False):
                w["recipe"] = gr.Code(Recipe().to_json(), language="json", label=t("Recipe"), interactive=True)
                w["save_recipe"] = gr.Button(t("Save recipe"))
                w["recipe_file"] = gr.File(label=t("Recipe file"), interactive=False)
                w["load_recipe"] = gr.File(label=t("Load a recipe (.json)"), file_types=[".json"])
        with gr.Column(scale=2):
            # a JPEG preview: PNG took 0.35 s of each Enhance request to encode (and ten times the bytes)
            w["slider"] = gr.ImageSlider(label=t("Before / after"), type="pil", format="jpeg", interactive=False)
            w["verdict"] = gr.Markdown()
            w["mask"] = gr.Image(label=t("What is kept (the background shows as a chequerboard)"), type="pil",
                                 format="jpeg", interactive=False, height=320)
            with gr.Accordion(t("Fix the cut-out"), open=False):
                gr.Markdown(t("Paint **red** over anything that should go (a strip of bedspread, a hand) and **green** "
                              "over product that was cut away, then press *Apply my corrections*. A stroke need "
                              "not cover it all: a region of the same colours that it touches goes with it. Kept "
                              "parts outlined in yellow look like the surface: look there first. The check above "
                              "is measured again on your corrected cut-out."))
                w["painting"] = gr.ImageEditor(
                    label=t("Paint on the photo"), type="numpy", image_mode="RGBA", sources=[], transforms=[],
                    layers=False, format="png", height=420,
                    placeholder=t("Press Apply to this photo first: its cut-out appears here to paint on."),
                    brush=gr.Brush(colors=["#e11d2a", "#16a34a"], default_color="#e11d2a", color_mode="fixed",
                                   default_size=14))
                w["touch_button"] = gr.Button(t("Apply my corrections"), variant="primary")
            w["painted_for"] = gr.State(None)
            w["report"] = gr.Dataframe(headers=REPORT_HEADERS, label=t("Compliance"), wrap=True, interactive=False,
                                       column_widths=["25%", "17%", "42%", "16%"])  # fits a phone's width
            w["download"] = gr.File(label=t("Download this photo"), interactive=False)
            w["settings"] = gr.Markdown(label=t("What was done to this photo"))
            with gr.Row():
                w["batch_button"] = gr.Button(t("Process all photos"), variant="primary")
                w["stop"] = gr.Button(t("Stop"), variant="stop")
            w["batch_status"] = gr.Markdown()
            w["batch_zip"] = gr.File(label=t("All results (ZIP with report.csv)"), interactive=False)
            w["batch_table"] = gr.Dataframe(headers=BATCH_HEADERS, label=t("Batch report"), wrap=True,
                                            interactive=False, column_widths=["24%", "24%", "14%", "38%"])
    return w


def wire_enhance(w: dict):
    top = [w["preset"], w["auto"], w["clean"], w["refine"], w["shadow"], w["fill"], w["format"], w["quality"],
           w["transparent"], w["upscaler"]]
    controls = [w[name] for name in CONTROL_NAMES]
    for widget in top + controls:
        widget.input(recipe_from_controls, top + controls, w["recipe"], api_visibility="private")
    for widget in controls:  # touching a manual control means: use my settings
        widget.input(lambda: False, None, w["auto"], api_visibility="private")
    w["preset"].input(lambda key: PRESETS[key].fill, w["preset"], w["fill"], api_visibility="private")
    w["files"].upload(on_upload, w["files"], w["photo"], api_visibility="private").then(
        clear_painting, None, [w["painting"], w["painted_for"]], api_visibility="private")
    outputs = [w["slider"], w["report"], w["verdict"], w["download"], w["settings"], w["mask"]]
    photo_inputs = [w["files"], w["photo"], w["recipe"], w["painting"], w["painted_for"]]
    painter = [w["painting"], w["painted_for"]]
    w["photo"].change(clear_painting, None, painter, api_visibility="private")
    # one photo (Enhance, Auto) has its own workers; batches and Recognise share one other: under load a
    # merchant's single photo never queues behind someone's batch

    def enhance_then_paint(event, **api):
        """Enhance the chosen photo after ``event``, then give the painter its kept view."""
        event.then(enhance_photo, photo_inputs, outputs, concurrency_id="photo", concurrency_limit=PHOTO_WORKERS,
                   **api).success(paint_on, [w["mask"], w["photo"], w["painted_for"]], painter,
                                  api_visibility="private")

    enhance_then_paint(w["preview_button"].click(recipe_from_controls, top + controls, w["recipe"],
                                                 api_visibility="private"), api_name="enhance")
    enhance_then_paint(w["touch_button"].click(recipe_from_controls, top + controls, w["recipe"],
                                               api_visibility="private"), api_visibility="private")
    enhance_then_paint(w["auto_button"].click(auto_controls, [w["files"], w["photo"], w["recipe"]],
                                              [w["auto"]] + controls + [w["recipe"]], api_name="auto_settings"),
                       api_visibility="private")
    batch = w["batch_button"].click(enhance_batch, [w["files"], w["recipe"]],
                                    [w["batch_zip"], w["batch_table"], w["batch_status"]],
                                    api_name="enhance_batch", concurrency_id="batch",
                                    concurrency_limit=1)
    w["stop"].click(None, cancels=[batch], api_visibility="private")
    w["save_recipe"].click(save_recipe, w["recipe"], w["recipe_file"], api_visibility="private")
    w["load_recipe"].upload(load_recipe, w["load_recipe"], top + controls + [w["recipe"]],
                            api_visibility="private")


