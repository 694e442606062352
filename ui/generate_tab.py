"""The Generate tab: new product images from a class-conditional GAN, and an animated morph between two."""
from __future__ import annotations

import os
from pathlib import Path

import gradio as gr

from productgen.limits import OUTPUT_SIZES
from productgen.store import weights

from .common import UPSCALER_NAMES, USER_ERRORS, as_user_error, fraction, problem, upscaler_choices, whole, work_folder
from .server import GENERATE_BUSY_NOTE, JOBS, busy
from .words import say, t, translated_choices

CONCEPT_NOTE = ("**AI concept images of products that do not exist**: for mock-ups, ideas and ads, not as photos of "
                "a product you sell. Each file is marked as AI-generated.")


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


def generate(model: str, category: str, count: float, seed: float, variety: float, size: str,
             upscaler: str = "model", request: gr.Request = None):
    """Generate ``count`` images; returns (gallery items, ZIP path, status text)."""
    from productgen.gan import sampling

    try:
        count, seed = whole(count, "How many", 1, 64), whole(seed, "Seed", 0, 2**31 - 1)
        variety, size = fraction(variety, "Variety"), whole(size, "Output size", 64, 1024)
        if size not in OUTPUT_SIZES:
            raise ValueError(f"Output size: choose {', '.join(map(str, OUTPUT_SIZES))} (got {size}).")
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
    how = "" if size <= generator.image_size else say(request, ", enlarged by our upscaler model"
                                                      if chosen == "model" else ", enlarged by Lanczos")
    status = say(request, "{count} × {category}, seed {seed}, variety {variety}, {size} px{how} (AI-generated, "
                 "marked in each PNG)", count=len(paths), category=category, seed=seed, variety=f"{variety:.2f}",
                 size=size, how=how)
    if size > generator.image_size and chosen != upscaler:
        status += " " + say(request, GENERATE_BUSY_NOTE)
    return list(zip([str(p) for p in paths], captions)), str(archive), status


def interpolate(model: str, category_a: str, category_b: str, seed_a: float, seed_b: float, frames: float,
                variety: float, request: gr.Request = None):
    """An animated GIF morphing from (seed A, category A) to (seed B, category B)."""
    from productgen.gan import sampling

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
    gr.Markdown(t(CONCEPT_NOTE))
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
            size = gr.Radio([str(s) for s in OUTPUT_SIZES], value="512", label=t("Output size (px, square)"))
            upscaler = gr.Radio(upscaler_choices(), value="model", label=t("Enlarge with"),
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


