"""productgen's web app: the UI only. Every action calls the core library in ``productgen/``.

Importing this module loads no model and starts nothing; ``python app.py`` launches it.
Each action has a stable ``api_name`` for ``gradio_client``.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import gradio as gr

from productgen import i18n, weights, workspace
from productgen.archives import collect_uploads, write_zip
from productgen.enhance import WHITE_BALANCE_SOURCES, EnhanceSettings
from productgen.limits import GOOD_PHOTOS, MIN_PHOTOS, SPACE_CPU_MINUTES, Running, on_cpu_space
from productgen.marketplaces import PRESETS
from productgen.studio import Recipe

# -- Languages: English, and Simplified Chinese from productgen/locales/zh-CN.json (chosen by the browser's language,
# or in Settings at the foot of the page). A UI string is its own key; numbers are filled into templates here.

def locale_values() -> dict[str, str]:
    return {"min_photos": str(MIN_PHOTOS), "good_low": str(GOOD_PHOTOS[0]), "good_high": str(GOOD_PHOTOS[1]),
            "space_minutes": f"{SPACE_CPU_MINUTES:.0f}"}


def fill(text: str) -> str:
    return text.format(**locale_values()) if "{" in text else text


def t(text: str) -> gr.I18nData:
    """A UI string: English as written, Chinese from the locale file in a Chinese browser."""
    return gr.I18n()(fill(text))


def translations() -> gr.I18n:
    """The app's translations, for ``launch(i18n=...)``: Simplified Chinese for zh-CN (and any zh) browsers."""
    table = i18n.locale()
    chinese = {fill(key): fill(value) for key, value in table["ui"].items()} | table["categories"]
    return gr.I18n(**{"zh-CN": chinese, "zh": chinese})


def language(request: gr.Request | None) -> str:
    """"zh" when the visitor's browser asks for Chinese first (its Accept-Language), else "en"."""
    headers = getattr(request, "headers", None) or {}
    return i18n.language_of(headers.get("accept-language"))


def say(request: gr.Request | None, text: str, **values) -> str:
    """A message the server writes (statuses, headlines, column names) in the visitor's language; ``text`` is
    the English template, ``values`` fill its {names}."""
    return i18n.say(language(request), text, **values)


def said(request: gr.Request | None, text: str) -> str:
    """Text the core wrote (a measurement, a note, an error) in the visitor's language."""
    return i18n.translate(language(request), text)


def table(request: gr.Request | None, columns: list[str], rows: list[list]):
    """Rows under column names in the visitor's language (Gradio shows a DataFrame's own columns)."""
    import pandas as pd

    return pd.DataFrame(rows, columns=[say(request, name) for name in columns])


def translated_choices(values) -> list[tuple]:
    """Choices shown in the browser's language; the value sent back stays the English one."""
    return [(t(value), value) for value in values]


# The core's user errors (bad images, archives, data, weights, recipes) are all ValueErrors.
USER_ERRORS = (ValueError, FileNotFoundError)


def session_of(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


def work_folder(prefix: str, request: gr.Request | None = None) -> Path:
    """A fresh folder for one request's files, in the visitor's session folder (deleted when the tab closes,
    and by age: ``productgen.workspace``)."""
    return workspace.request_folder(prefix, session_of(request))


def unpacked(files, request: gr.Request | None):
    """The upload's photos and what was skipped, unpacked once for this request."""
    return workspace.unpacked(files, session_of(request))


def end_session(request: gr.Request):
    """The tab was closed: its files are no longer needed (Gradio keeps its own copies of what it showed)."""
    workspace.end_session(session_of(request))


def whole(value, name: str, low: int, high: int) -> int:
    """A widget's value as a whole number in ``low..high``, or a ValueError naming the field."""
    if isinstance(value, str):
        value = value.strip()
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: enter a whole number from {low} to {high}.") from None
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise ValueError(f"{name}: enter a whole number from {low} to {high} (got {value}).")
    return int(number)


def fraction(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: enter a number from 0 to 1.") from None
    if not 0.0 <= number <= 1.0:  # also refuses NaN
        raise ValueError(f"{name}: enter a number from 0 to 1 (got {value}).")
    return number


def problem(request: gr.Request | None, text: str) -> gr.Error:
    """A message for the visitor (in their language) about what to do differently."""
    return gr.Error(said(request, text), print_exception=False)


def as_user_error(error: Exception, request: gr.Request | None = None) -> gr.Error:
    return problem(request, str(error))


# -- Generate -----------------------------------------------------------------------------------------

def categories_of(model: str) -> list[str]:
    try:
        return weights.generator_categories(model)
    except USER_ERRORS:
        return []


def broken_note() -> str:
    broken = weights.broken_models()
    return "".join(f"\n\n⚠️ Model `{name}` cannot be used: {reason}." for name, reason in broken.items())


def refresh_models(current: str | None):
    """Every model now on disk (a fine-tune by any visitor appears here), keeping the current choice."""
    names = weights.generator_names()
    value = current if current in names else (names[0] if names else None)
    return gr.update(choices=names, value=value), gr.update(choices=names), broken_note()


def on_model_change(model: str):
    choices = categories_of(model)
    shown = translated_choices(choices)
    return gr.update(choices=shown, value=choices[0] if choices else None), \
        gr.update(choices=shown, value=choices[0] if choices else None), \
        gr.update(choices=shown, value=choices[-1] if choices else None)


UPSCALER_NAMES = {"model": "Sharp: our upscaler model", "lanczos": "Fast: plain Lanczos resize (softer)"}


def upscaler_choices() -> list[tuple]:
    return [(t(name), key) for key, name in UPSCALER_NAMES.items()]


def generate(model: str, category: str, count: float, seed: float, variety: float, size: str,
             upscaler: str = "model", request: gr.Request = None):
    """Generate ``count`` images; returns (gallery items, ZIP path, status text)."""
    from productgen import sampling

    try:
        count, seed = whole(count, "How many", 1, 64), whole(seed, "Seed", 0, 2**31 - 1)
        variety, size = fraction(variety, "Variety"), whole(size, "Output size", 64, 1024)
        if size not in (64, 256, 512, 1024):
            raise ValueError(f"Output size: choose 64, 256, 512 or 1024 (got {size}).")
        if upscaler not in UPSCALER_NAMES:
            raise ValueError("Enlarge with: choose the upscaler model or Lanczos.")
        generator = sampling.cached_generator(weights.known_generator(model))
        with JOBS.one() as others:
            chosen = "lanczos" if busy(others) else upscaler
            images = generator.sample(category, count, seed, variety, size, chosen)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    paths, archive = sampling.save_samples(images, work_folder("generate-", request), f"{category}_seed{seed}")
    captions = [f"{category} · seed {seed} · #{i + 1}" for i in range(len(paths))]
    how = "" if size == 64 else say(request, ", enlarged by our upscaler model" if chosen == "model"
                                    else ", enlarged by Lanczos")
    status = say(request, "{count} × {category}, seed {seed}, variety {variety}, {size} px{how} (AI-generated, "
                 "marked in each PNG)", count=len(paths), category=category, seed=seed, variety=f"{variety:.2f}",
                 size=size, how=how)
    if size != 64 and chosen != upscaler:
        status += " " + say(request, GENERATE_BUSY_NOTE)
    return list(zip([str(p) for p in paths], captions)), str(archive), status


def interpolate(model: str, category_a: str, category_b: str, seed_a: float, seed_b: float, frames: float,
                variety: float, request: gr.Request = None):
    """An animated GIF morphing from (seed A, category A) to (seed B, category B)."""
    from productgen import sampling

    try:
        seeds = whole(seed_a, "From seed", 0, 2**31 - 1), whole(seed_b, "To seed", 0, 2**31 - 1)
        frames, variety = whole(frames, "Frames", 2, 48), fraction(variety, "Variety")
        generator = sampling.cached_generator(weights.known_generator(model))
        with JOBS.one() as others:
            images = generator.interpolate(seeds, (category_a, category_b), frames, variety, size=256,
                                           upscaler="lanczos" if busy(others) else "model")
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    return str(sampling.save_animation(images, work_folder("interpolate-", request) / "interpolation.gif"))


def remember_selection(gallery, event: gr.SelectData):
    item = gallery[event.index]
    return item["image"]["path"] if isinstance(item, dict) else item[0]


def send_to_enhance(path, request: gr.Request = None):
    if not path:
        raise problem(request, "Click an image in the gallery first.")
    return [path], gr.update(choices=[Path(path).name], value=Path(path).name), gr.Tabs(selected="enhance")


def build_generate_tab():
    models = weights.generator_names()
    first = weights.DEFAULT_GENERATOR if weights.DEFAULT_GENERATOR in models else (models[0] if models else None)
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            with gr.Row(equal_height=True):
                model = gr.Dropdown(models, value=first, label=t("Model"), allow_custom_value=True, scale=4)
                refresh = gr.Button(t("↻ Refresh"), size="sm", scale=1, min_width=80)
            models_note = gr.Markdown(broken_note())
            choices = categories_of(first) if first else []
            # custom values: the API may name a category of another model; the core checks it
            category = gr.Dropdown(translated_choices(choices), value=choices[0] if choices else None,
                                   label=t("Category"), allow_custom_value=True)
            with gr.Row():
                count = gr.Slider(1, 64, value=8, step=1, label=t("How many"))
                seed = gr.Number(value=7, precision=0, label=t("Seed (same seed, same images)"),
                                 info=t("Any whole number. Keep it to get the same images again; change it for "
                                        "new ones."))
            variety = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label=t("Variety (low: typical, high: varied)"),
                                info=t("Low: safe, typical products. High: more unusual ones (and more misses)."))
            size = gr.Radio(["64", "256", "512", "1024"], value="512", label=t("Output size (px, square)"))
            upscaler = gr.Radio(upscaler_choices(), value="model", label=t("Enlarge from 64 px with"),
                                info=t("The model draws fine detail; Lanczos is quicker but soft at 512 px and up."))
            go = gr.Button(t("Generate"), variant="primary")
            new_seed = gr.Button(t("New seed"))
        with gr.Column(scale=2):
            gallery = gr.Gallery(label=t("Generated images (PNG)"), format="png", columns=4, height=520,
                                 interactive=False,
                                 buttons=["download", "fullscreen"])
            status = gr.Markdown()
            archive = gr.File(label=t("Download all (ZIP)"), interactive=False)
            selected = gr.State(None)
            send = gr.Button(t("Send selected image to Enhance"))
    with gr.Accordion(t("Interpolate between two seeds or categories (animated GIF)"), open=False):
        with gr.Row():
            category_a = gr.Dropdown(translated_choices(choices), value=choices[0] if choices else None,
                                     label=t("From category"), allow_custom_value=True)
            category_b = gr.Dropdown(translated_choices(choices), value=choices[-1] if choices else None,
                                     label=t("To category"), allow_custom_value=True)
            seed_a = gr.Number(value=1, precision=0, label=t("From seed"))
            seed_b = gr.Number(value=2, precision=0, label=t("To seed"))
            frames = gr.Slider(4, 48, value=16, step=1, label=t("Frames"))
        morph = gr.Button(t("Interpolate"))
        animation = gr.Image(label=t("Interpolation"), type="filepath", format="gif", interactive=False)
    return dict(model=model, refresh=refresh, models_note=models_note, category=category, count=count,
                seed=seed, variety=variety, size=size, upscaler=upscaler, go=go,
                new_seed=new_seed, gallery=gallery, status=status, archive=archive, selected=selected, send=send,
                category_a=category_a, category_b=category_b, seed_a=seed_a, seed_b=seed_b, frames=frames,
                morph=morph, animation=animation)


def wire_generate(g: dict, demo: gr.Blocks):
    g["model"].change(on_model_change, g["model"], [g["category"], g["category_a"], g["category_b"]],
                      api_visibility="private")
    g["go"].click(generate, [g["model"], g["category"], g["count"], g["seed"], g["variety"], g["size"],
                             g["upscaler"]],
                  [g["gallery"], g["archive"], g["status"]], api_name="generate", concurrency_id="model",
                  concurrency_limit=2)
    g["new_seed"].click(lambda: int.from_bytes(os.urandom(3), "big"), None, g["seed"], api_visibility="private")
    g["morph"].click(interpolate, [g["model"], g["category_a"], g["category_b"], g["seed_a"], g["seed_b"],
                                   g["frames"], g["variety"]], g["animation"], api_name="interpolate",
                     concurrency_id="model")
    g["gallery"].select(remember_selection, g["gallery"], g["selected"], api_visibility="private")


# -- Enhance ------------------------------------------------------------------------------------------

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


# every request that computes (Generate, Interpolate, Enhance, its batches, Recognise) counts here: while another
# one runs, or a fine-tune, enlargements are drawn by Lanczos instead of the upscaler (seconds of CPU per photo),
# and the visitor is told, so nobody waits behind it
JOBS = Running()


def busy(others: int) -> bool:
    """Whether the app is doing other work besides this request (``others`` requests, or a fine-tune)."""
    job = _running.get("job")
    return bool(others) or (job is not None and job.on_cpu and not job.finished.is_set())


# a visitor waiting on one photo goes first: batches, Recognise and a CPU fine-tune wait (up to GIVE_WAY_S
# before each photo or step) while a single Enhance runs
SINGLE_PHOTOS = Running()
# single photos run four at a time: the CPU is shared among them, so a normal photo (0.5 s of CPU) is not held up
# in the queue behind the heaviest recipes (3000 px with a shadow: 1 s), as it was with two workers
PHOTO_WORKERS = 4
GIVE_WAY_S = 3.0
BUSY_NOTE = ("The app was busy with other work, so any enlargement was drawn by Lanczos resampling (faster, "
             "softer) instead of the upscaler: enhance again when the app is quiet for a sharper result.")
GENERATE_BUSY_NOTE = ("The app was busy with other work, so the images were enlarged by Lanczos (faster, softer) "
                      "instead of the upscaler: generate again when the app is quiet for sharper ones.")


def when_busy(recipe: Recipe, others: int) -> Recipe:
    """The recipe as this request runs it: with other work running (``busy``), Lanczos for the upscaler."""
    if busy(others) and recipe.upscaler == "model":
        from dataclasses import replace

        return replace(recipe, upscaler="lanczos")
    return recipe


REPORT_HEADERS = ["rule", "result", "measured", "source"]
BATCH_HEADERS = ["file", "output", "verdict", "notes"]


def enhance_photo(files, name: str | None, recipe_json: str, request: gr.Request = None):
    """The chosen uploaded photo through the recipe: ((before, after), report rows, verdict, output file,
    settings used)."""
    from productgen import studio

    try:
        recipe = read_recipe(recipe_json)
        with unpacked(files, request) as (photos, _):
            photo = pick_photo(photos, name)
            original, icc = studio.read_photo(photo)
        with JOBS.one() as others, SINGLE_PHOTOS.one():
            quick = when_busy(recipe, others)
            result = studio.process_image(original, quick, icc)
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
    from productgen import studio
    from productgen.background import segment

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
    from productgen import studio

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
                rows.append(studio.process_one(photo, quick, folder / "out", used))
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
            w["mask"] = gr.Image(label=t("What is kept (the background is tinted red)"), type="pil", format="jpeg",
                                 interactive=False, height=320)
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
    w["files"].upload(on_upload, w["files"], w["photo"], api_visibility="private")
    outputs = [w["slider"], w["report"], w["verdict"], w["download"], w["settings"], w["mask"]]
    # one photo (Enhance, Auto) has its own workers; batches and Recognise share one other: under load a
    # merchant's single photo never queues behind someone's batch
    w["preview_button"].click(recipe_from_controls, top + controls, w["recipe"], api_visibility="private").then(
        enhance_photo, [w["files"], w["photo"], w["recipe"]], outputs, api_name="enhance", concurrency_id="photo",
        concurrency_limit=PHOTO_WORKERS)
    w["auto_button"].click(auto_controls, [w["files"], w["photo"], w["recipe"]],
                           [w["auto"]] + controls + [w["recipe"]], api_name="auto_settings").then(
        enhance_photo, [w["files"], w["photo"], w["recipe"]], outputs, api_visibility="private",
        concurrency_id="photo", concurrency_limit=PHOTO_WORKERS)
    batch = w["batch_button"].click(enhance_batch, [w["files"], w["recipe"]],
                                    [w["batch_zip"], w["batch_table"], w["batch_status"]],
                                    api_name="enhance_batch", concurrency_id="batch",
                                    concurrency_limit=1)
    w["stop"].click(None, cancels=[batch], api_visibility="private")
    w["save_recipe"].click(save_recipe, w["recipe"], w["recipe_file"], api_visibility="private")
    w["load_recipe"].upload(load_recipe, w["load_recipe"], top + controls + [w["recipe"]],
                            api_visibility="private")


# -- Recognise ----------------------------------------------------------------------------------------

def swatches_html(colours) -> str:
    chips = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:4px 10px 4px 0">'
        f'<span style="width:28px;height:28px;border-radius:6px;border:1px solid #999;background:{c.hex};'
        f'margin-right:6px"></span>{c.name} · {c.hex} · {c.share * 100:.0f}%</span>' for c in colours)
    return f'<div class="swatches">{chips}</div>'


TABLE_HEADERS = ["file", "category", "status", "confidence", "colours", "title"]
STATUS_WORDS = {"ok": "ok", "check": "⚠ check", "unknown": "⚠ unknown type", "edited": "✎ set by you"}


def recognise_table(results, request: gr.Request | None = None):
    rows = [[r.file, say(request, "{category}", category=r.result.category), say(request, STATUS_WORDS[r.status]),
             f"{r.result.categories[0][1]:.2f}", ", ".join(c.name for c in r.result.colours),
             r.result.listing(language(request))[0]]
            if r.result else [r.file, "", say(request, "error"), "", "", said(request, f"error: {r.error}")]
            for r in results]
    return table(request, TABLE_HEADERS, rows)


def first_result_view(result, request: gr.Request | None = None):
    """(cut-out, headline, top 3, swatches, title, alt text, tags) of one photo's recognition."""
    if result.unknown:
        names = ", ".join(say(request, "{category}", category=name) for name, _ in result.categories)
        headline = say(request, "### ⚠️ Unknown product type\nThis does not look like any type the model knows. "
                       "Closest: {names}. Pick the right one below if it is one of them; the title uses only the "
                       "colours.", names=names)
    elif result.unsure:
        headline = say(request, "### ⚠️ Check this\nThe model is not sure; the top 3 are below. Correct the "
                       "category below before you use the title.")
    else:
        headline = say(request, "### ✅ {category}", category=result.category)
    if result.notes:
        headline += "\n\n" + "\n".join(f"- {said(request, note)}" for note in result.notes)
    top3 = {say(request, "{category}", category=name): p for name, p in result.categories}
    title, alt_text, tags = result.listing(language(request))
    return result.product, headline, top3, swatches_html(result.colours), title, alt_text, ", ".join(tags)


def recognise_photos(files, request: gr.Request = None, progress=gr.Progress()):
    """Recognise uploaded photos: the first photo's cut-out, verdict, top 3, swatches, title, alt text and
    tags; the table and CSV of all; the results (state) and the files whose category can be corrected."""
    from productgen.recognise import recognise_files, write_csv

    try:
        with unpacked(files, request) as (photos, skipped), JOBS.one():
            if not photos:
                raise ValueError("no photos to recognise: upload JPEG/PNG/WebP files or a ZIP of them")
            SINGLE_PHOTOS.wait_until_idle(GIVE_WAY_S)
            results = recognise_files(photos, cached_classifier(),
                                      progress=lambda done, total: progress((done, total), unit="photos"))
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    for name, reason in skipped:
        gr.Warning(said(request, f"{name} skipped: {reason}"))
    first = next((r.result for r in results if r.result), None)
    if first is None:
        raise problem(request, "None of the files could be read as a photo (see the table).")
    view = first_result_view(first, request)
    for item in results:  # the state keeps the tags, not every cut-out picture
        if item.result:
            item.result.product = None
    csv_path = write_csv(results, work_folder("recognise-", request) / "tags.csv", language(request))
    readable = [r.file for r in results if r.result]
    return (*view, recognise_table(results, request), str(csv_path), results,
            gr.Dropdown(choices=readable, value=readable[0]))


def correct_category(results, file, category, request: gr.Request = None):
    """The merchant's category for one photo: its title, alt text and tags follow; the table and CSV are
    written again."""
    from productgen.recognise import write_csv

    if not results:
        raise problem(request, "Recognise some photos first.")
    item = next((r for r in results if r.file == file and r.result), None)
    if item is None or not category:
        raise problem(request, "Choose a photo and a category.")
    item.result = item.result.with_category(category)
    item.status_override = "edited"
    csv_path = write_csv(results, work_folder("recognise-", request) / "tags.csv", language(request))
    title, alt_text, tags = item.result.listing(language(request))
    return recognise_table(results, request), str(csv_path), results, title, alt_text, ", ".join(tags)


_classifier = {}


def cached_classifier():
    from productgen.classifier import load_classifier

    if "model" not in _classifier:
        _classifier["model"] = load_classifier()
    return _classifier["model"]


def build_recognise_tab():
    from productgen.weights import read_json, resolve_model_dir

    w = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            w["files"] = gr.File(label=t("Photos (one or many, or a ZIP)"), file_count="multiple",
                                 file_types=["image", ".zip"])
            w["go"] = gr.Button(t("Recognise"), variant="primary")
            w["product"] = gr.Image(label=t("What was recognised (the product, cut out)"), interactive=False,
                                    type="pil", height=260)
        with gr.Column(scale=2):
            w["verdict"] = gr.Markdown()
            w["top3"] = gr.Label(num_top_classes=3, label=t("Category (first photo)"))
            w["swatches"] = gr.HTML(label=t("Colours"))
            w["title"] = gr.Textbox(label=t("Suggested title"), buttons=["copy"])
            w["alt"] = gr.Textbox(label=t("Alt text"), buttons=["copy"])
            w["tags"] = gr.Textbox(label=t("Tags"), buttons=["copy"])
    w["table"] = gr.Dataframe(headers=TABLE_HEADERS, label=t("All photos"), wrap=True, interactive=False,
                              column_widths=["18%", "16%", "12%", "10%", "16%", "28%"])
    with gr.Row():
        w["fix_file"] = gr.Dropdown(label=t("Correct the category of this photo"), choices=[], scale=2)
        # the names from the model's config: building the UI loads no model (recognise.UNKNOWN is "unknown")
        categories = read_json(resolve_model_dir("classifier") / "config.json")["architecture"]["categories"]
        w["fix_category"] = gr.Dropdown(label=t("Right category"), scale=2,
                                        choices=translated_choices(sorted(categories) + ["unknown"]))
        w["fix"] = gr.Button(t("Apply"), scale=1)
    w["csv"] = gr.File(label=t("Download the table (CSV)"), interactive=False)
    w["results"] = gr.State()
    return w


def wire_recognise(w: dict):
    w["go"].click(recognise_photos, w["files"],
                  [w["product"], w["verdict"], w["top3"], w["swatches"], w["title"], w["alt"], w["tags"],
                   w["table"], w["csv"], w["results"], w["fix_file"]], api_name="recognise",
                   concurrency_id="batch", concurrency_limit=1)
    w["fix"].click(correct_category, [w["results"], w["fix_file"], w["fix_category"]],
                   [w["table"], w["csv"], w["results"], w["title"], w["alt"], w["tags"]], api_name="correct_category")


# -- Fine-tune ----------------------------------------------------------------------------------------

def finetune_photos(files, category: str, workdir: Path, request: gr.Request | None = None):
    """Uploaded photos (files or ZIP) as training data: ZIP sub-folders name categories, else ``category``."""
    from productgen.finetune import photos_as_data

    collected = collect_uploads(workspace.upload_paths(files), workdir / "unpacked")
    for name, reason in collected.skipped:
        gr.Warning(said(request, f"{name} skipped: {reason}"))
    return photos_as_data(collected.files, collected.categories, category, workdir)


def ensure_owner_key(stored: str | None):
    """This browser's secret key (kept in its local storage): it owns the models it fine-tunes and is the only
    one that can continue or stop them."""
    import secrets

    key = stored if isinstance(stored, str) and len(stored) >= 16 else secrets.token_urlsafe(24)
    return key, key


def start_finetune(files, category, base, budget_kind, budget, name, resume, owner_key, request: gr.Request):
    """Stream a fine-tune: yields (preview grid, loss table, status, Generate's model list, owner key)."""
    import shutil

    import pandas as pd

    from productgen.finetune import FinetuneJob, check_budget, target_folder, wall_clock_limit

    owner_key, _ = ensure_owner_key(owner_key)
    workdir = work_folder("finetune-", request)
    try:
        minutes, steps = check_budget(budget_kind, budget, wall_clock_limit())
        weights.known_generator(base)
        target = target_folder(name, bool(resume), owner_key)
        data = finetune_photos(files, category, workdir, request)  # decoded into memory: the files can go
        if MIN_PHOTOS <= len(data) < GOOD_PHOTOS[0]:
            gr.Warning(say(request, "Only {count} photos: the new model will be rough. {low}-{high} photos work "
                           "best.", count=len(data), low=GOOD_PHOTOS[0], high=GOOD_PHOTOS[1]))
        shutil.rmtree(workdir, ignore_errors=True)
        job = FinetuneJob(base, data, target, minutes, steps, resume=bool(resume), classifier=cached_classifier(),
                          owner=weights.owner_hash(owner_key), max_minutes=wall_clock_limit())
        if job.on_cpu:  # on a GPU the fine-tune hardly slows a photo down
            job.give_way = lambda: SINGLE_PHOTOS.wait_until_idle(GIVE_WAY_S)
        job.start()
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    _running["job"] = job
    try:
        yield (None, pd.DataFrame(columns=["step", "loss", "series"]),
               say(request, "Training on {photos}...", photos=data.summary()),
               gr.update(), owner_key)
        while not job.finished.wait(1.5):
            yield (*job_view(job, request), owner_key)
    finally:  # the visitor went away (Gradio closes the stream): stop, keeping the last checkpoint
        if not job.finished.is_set():
            job.stop()
    final = job_view(job, request)
    if job.error:
        raise problem(request, f"Fine-tuning stopped: {job.error}")
    limit = say(request, " It stopped at this app's {minutes}-minute limit.", minutes=f"{job.max_minutes:g}") \
        if job.hit_limit else ""
    status = say(request, "**Model `{name}` is ready in Generate.**", name=target.name) + limit + " " + \
        say(request, job.plain_quality)
    yield final[0], final[1], status, gr.update(choices=weights.generator_names(), value=target.name), owner_key


_running: dict[str, object] = {}  # the server's one fine-tune (training takes every core); read-only to others


def job_view(job, request: gr.Request | None = None):
    import pandas as pd

    preview = job.preview[1] if job.preview else None
    losses = pd.DataFrame(job.losses or [], columns=["step", "loss", "series"])
    losses["series"] = [say(request, name) for name in losses["series"]]
    report = job.progress
    if report is None:
        return preview, losses, say(request, "Starting..."), gr.update()
    text = say(request, "Learning: step {step}, {seen} photos looked at so far{eta}.", step=report.step,
               seen=report.images_seen, eta=say(request, ", about {seconds} s left", seconds=f"{report.eta_s:.0f}")
               if report.eta_s is not None else "")
    return preview, losses, text, gr.update()


def stop_finetune(owner_key: str, request: gr.Request = None):
    """Stop the running fine-tune, if this browser (its owner key) started it."""
    job = _running.get("job")
    if job is None or job.finished.is_set() or not owner_key or job.owner != weights.owner_hash(owner_key):
        return gr.update() if job is not None and job.finished.is_set() else \
            say(request, "No fine-tune of yours is running.")
    job.stop()
    return say(request, "Stopping after this step; the checkpoint is kept...")


FINETUNE_INTRO = (
    "**Teach the image generator your own products.** Upload photos of one kind of product (a ZIP with one "
    "folder per kind for several), each on its own, from the front, on any background: each product is cut "
    "out onto white first. It needs at least {min_photos} photos and does best with {good_low}-"
    "{good_high}; a few minutes "
    "here on a computer without a graphics card (about 3 by default), a minute on one with. You get a new "
    "model, under the name you give, that Generate offers at once.")


def build_finetune_tab():
    w = {}
    gr.Markdown(t(FINETUNE_INTRO))
    if on_cpu_space():
        gr.Markdown(f"⚠️ This Space has no GPU. Fine-tuning is meant for your own computer's GPU; here it is "
                    f"capped at {SPACE_CPU_MINUTES:.0f} minutes on the CPU, and the model is lost when the Space "
                    "restarts: download it or push it to the Hub.")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            w["files"] = gr.File(label=t("Your product photos (at least {min_photos}; {good_low}-"
                                         "{good_high} work best), or a ZIP with a folder per category"),
                                 file_count="multiple",
                                 file_types=["image", ".zip"])
            w["category"] = gr.Textbox(label=t("Category of these photos (if not in ZIP folders)"),
                                       placeholder=t("e.g. Ceramic mugs"))
            w["base"] = gr.Dropdown(weights.generator_names(), value=weights.DEFAULT_GENERATOR,
                                    label=t("Start from model"))
            with gr.Row():
                w["budget_kind"] = gr.Radio(translated_choices(["minutes", "steps"]), value="minutes",
                                            label=t("Budget in"))
                w["budget"] = gr.Number(value=3, label=t("Budget"))
            w["name"] = gr.Textbox(label=t("Name of your model"), value="my-products")
            w["resume"] = gr.Checkbox(False, label=t("Continue this model's training (same photos; steps count on)"))
            w["owner_store"] = gr.BrowserState("", storage_key="productgen-owner")
            w["owner_key"] = gr.Textbox("", visible=False)  # this browser's key: it owns what it fine-tunes
            with gr.Row():
                w["start"] = gr.Button(t("Start fine-tuning"), variant="primary")
                w["stop"] = gr.Button(t("Stop"), variant="stop")
        with gr.Column(scale=2):
            w["preview"] = gr.Image(label=t("Samples so far (same seeds each time)"), type="pil", format="png",
                                    interactive=False, height=480)
            w["plot"] = gr.LinePlot(x="step", y="loss", color="series",
                                    label=t("How it learns: two parts train against each other; the lines settle "
                                          "as it learns"))
            w["status"] = gr.Markdown()
    return w


def wire_finetune(w: dict, generate_model):
    w["start"].click(start_finetune, [w["files"], w["category"], w["base"], w["budget_kind"], w["budget"], w["name"],
                                      w["resume"], w["owner_key"]],
                     [w["preview"], w["plot"], w["status"], generate_model, w["owner_key"]], api_name="finetune",
                     concurrency_id="finetune", concurrency_limit=1).then(
        lambda key: key, w["owner_key"], w["owner_store"], api_visibility="private")
    w["stop"].click(stop_finetune, w["owner_key"], w["status"], api_name="stop_finetune")


def wire_model_lists(g: dict, f: dict, tabs):
    """Models made by any visitor appear on a refresh click and whenever a tab is opened."""
    outputs = [g["model"], f["base"], g["models_note"]]
    g["refresh"].click(refresh_models, g["model"], outputs, api_visibility="private")
    tabs.select(refresh_models, g["model"], outputs, api_visibility="private")


# -- the app -----------------------------------------------------------------------------------------

def empty_tables(request: gr.Request):
    """The tables' column names in the visitor's language (Gradio translates no Dataframe header itself)."""
    return table(request, REPORT_HEADERS, []), table(request, BATCH_HEADERS, []), table(request, TABLE_HEADERS, [])


def build_app() -> gr.Blocks:
    # Gradio's own copies of uploads and results are deleted after workspace.MAX_AGE_S, checked as often as it allows
    age = workspace.MAX_AGE_S
    with gr.Blocks(title="productgen", delete_cache=(min(600, age // 2), age)) as demo:
        gr.Markdown(t("# productgen\nProduct images for your shop: generate new ones, make your photos "
                    "marketplace-ready, tag them. Everything runs on this computer."))
        with gr.Tabs() as tabs:
            with gr.Tab(t("Generate"), id="generate"):
                generate_widgets = build_generate_tab()
            with gr.Tab(t("Enhance"), id="enhance"):
                enhance_widgets = build_enhance_tab()
            with gr.Tab(t("Recognise"), id="recognise"):
                recognise_widgets = build_recognise_tab()
            with gr.Tab(t("Fine-tune"), id="finetune"):
                finetune_widgets = build_finetune_tab()
        wire_generate(generate_widgets, demo)
        wire_enhance(enhance_widgets)
        wire_recognise(recognise_widgets)
        wire_finetune(finetune_widgets, generate_widgets["model"])
        wire_model_lists(generate_widgets, finetune_widgets, tabs)
        demo.load(ensure_owner_key, finetune_widgets["owner_store"],
                  [finetune_widgets["owner_store"], finetune_widgets["owner_key"]], api_visibility="private")
        demo.unload(end_session)
        demo.load(empty_tables, None, [enhance_widgets["report"], enhance_widgets["batch_table"],
                                       recognise_widgets["table"]], api_visibility="private")
        generate_widgets["send"].click(send_to_enhance, generate_widgets["selected"],
                                       [enhance_widgets["files"], enhance_widgets["photo"], tabs],
                                       api_visibility="private")
    return demo


def warm_up() -> None:
    """Import torch and the sampler in the background, so the first Generate does not wait for them."""
    import threading

    threading.Thread(target=lambda: (__import__("productgen.sampling"), one_thread_per_request()), daemon=True).start()


def one_thread_per_request() -> None:
    """A server runs several requests at once: one thread each (torch and OpenCV) keeps them from fighting over
    the cores, which costs one photo a little and many visitors a lot less. ``PRODUCTGEN_THREADS`` overrides."""
    import cv2
    import torch

    threads = int(os.environ.get("PRODUCTGEN_THREADS", "1"))
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def theme() -> gr.themes.Base:
    """Gradio's default look with text and buttons at 4.5:1 contrast or more (WCAG AA): darker grey for hints and
    slider ends, a darker orange and red behind white button text."""
    return gr.themes.Default().set(
        body_text_color_subdued="*neutral_600", input_placeholder_color="*neutral_500",
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_cancel_background_fill="#b91c1c", button_cancel_background_fill_hover="#991b1b")


# Gradio marks an empty image box with aria-label on a plain div, which assistive technology ignores; the role
# makes it a labelled picture. Every upload button is named "Click to upload or drop files" (in English, in any
# language): each gets its own box's label instead ("Photos (one or many, or a ZIP)", in the page's language).
# Tabbing out of a dropdown left its list open over the form (Gradio treats Tab as typing, which opens it):
# Tab in a dropdown closes the list, as Escape does, and moves on.
HEAD = """<script>
document.addEventListener("keydown", event => {
  if (event.key !== "Tab" || !event.target.matches || !event.target.matches("input[role=combobox]")) return;
  event.stopPropagation();
  event.target.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
}, true);
new MutationObserver(() => {
  document.querySelectorAll("div.unpadded_box[aria-label]:not([role])").forEach(box => box.setAttribute("role", "img"));
  document.querySelectorAll("button.upload-container[aria-label]").forEach(button => {
    const label = button.closest(".block")?.querySelector("[data-testid=block-label]")?.innerText?.trim();
    if (label && button.getAttribute("aria-label") !== label) button.setAttribute("aria-label", label);
  });
}).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
</script>"""


# On a phone: the four tabs fit in one row (Gradio would fold two behind "⋯"), and a table wider than the screen
# scrolls sideways instead of being cut off.
CSS = """
@media (max-width: 640px) {
  .tab-container button { padding: 0 8px !important; font-size: 15px !important; }
  .gradio-container { padding-left: 8px !important; padding-right: 8px !important; }
  .table-wrap .cell-wrap, .table-wrap .cell-wrap span { font-family: var(--font) !important; font-size: 13px !important;
    padding-left: 3px !important; padding-right: 3px !important; }
}
.table-wrap, .table-container { overflow-x: auto !important; max-width: 100%; }
"""


def main() -> None:
    demo = build_app()
    demo.queue(max_size=64, default_concurrency_limit=2)
    # the page is served first; torch is imported afterwards (in a thread it would hold the GIL meanwhile)
    demo.launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                server_port=int(os.environ["GRADIO_SERVER_PORT"]) if os.environ.get("GRADIO_SERVER_PORT") else None,
                max_file_size="50mb", footer_links=["api", "settings"], prevent_thread_lock=True,
                i18n=translations(), theme=theme(), head=HEAD, css=CSS)
    warm_up()
    demo.block_thread()


if __name__ == "__main__":
    main()
