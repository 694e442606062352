"""productgen's web app: the UI only. Every action calls the core library in ``productgen/``.

Importing this module loads no model and starts nothing; ``python app.py`` launches it.
Each action has a stable ``api_name`` for ``gradio_client``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import gradio as gr

from productgen import sampling
from productgen.archives import ArchiveError
from productgen.data import DataError
from productgen.imageio import ImageError
from productgen.weights import WeightsError

USER_ERRORS = (ValueError, ImageError, ArchiveError, DataError, WeightsError, FileNotFoundError)
DEFAULT_MODEL = "default"


def work_folder(prefix: str) -> Path:
    """A fresh folder for one request's output files, under Gradio's temp folder."""
    root = Path(os.environ.get("GRADIO_TEMP_DIR", tempfile.gettempdir())) / "productgen"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))


def as_user_error(error: Exception) -> gr.Error:
    return gr.Error(str(error), print_exception=False)


# -- Generate -----------------------------------------------------------------------------------------

def model_names() -> list[str]:
    names = list(sampling.available_generators())
    return sorted(names, key=lambda name: (name != DEFAULT_MODEL, name))


def categories_of(model: str) -> list[str]:
    try:
        return sampling.generator_categories(model)
    except USER_ERRORS:
        return []


def on_model_change(model: str):
    choices = categories_of(model)
    return gr.update(choices=choices, value=choices[0] if choices else None), \
        gr.update(choices=choices, value=choices[0] if choices else None), \
        gr.update(choices=choices, value=choices[-1] if choices else None)


def generate(model: str, category: str, count: float, seed: float, variety: float, size: str):
    """Generate ``count`` images; returns (gallery items, ZIP path, status text)."""
    try:
        generator = sampling.cached_generator(model)
        images = generator.sample(category, int(count), int(seed), float(variety), int(size))
    except USER_ERRORS as error:
        raise as_user_error(error) from error
    paths, archive = sampling.save_samples(images, work_folder("generate-"), f"{category}_seed{int(seed)}")
    captions = [f"{category} · seed {int(seed)} · #{i + 1}" for i in range(len(paths))]
    status = f"{len(paths)} × {category}, seed {int(seed)}, variety {variety:.2f}, {size} px (AI-generated, " \
             "marked in each PNG)"
    return list(zip([str(p) for p in paths], captions)), str(archive), status


def interpolate(model: str, category_a: str, category_b: str, seed_a: float, seed_b: float, frames: float,
                variety: float):
    """An animated GIF morphing from (seed A, category A) to (seed B, category B)."""
    try:
        generator = sampling.cached_generator(model)
        images = generator.interpolate((int(seed_a), int(seed_b)), (category_a, category_b), int(frames),
                                       float(variety), size=256)
    except USER_ERRORS as error:
        raise as_user_error(error) from error
    return str(sampling.save_animation(images, work_folder("interpolate-") / "interpolation.gif"))


def remember_selection(gallery, event: gr.SelectData):
    item = gallery[event.index]
    return item["image"]["path"] if isinstance(item, dict) else item[0]


def build_generate_tab():
    models = model_names()
    first = DEFAULT_MODEL if DEFAULT_MODEL in models else (models[0] if models else None)
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = gr.Dropdown(models, value=first, label="Model", allow_custom_value=True)
            choices = categories_of(first) if first else []
            category = gr.Dropdown(choices, value=choices[0] if choices else None, label="Category")
            with gr.Row():
                count = gr.Slider(1, 64, value=8, step=1, label="How many")
                seed = gr.Number(value=7, precision=0, label="Seed (same seed, same images)")
            variety = gr.Slider(0.0, 1.0, value=0.8, step=0.05, label="Variety (low: typical, high: varied)")
            size = gr.Radio(["64", "256", "512", "1024"], value="512", label="Output size (px, square)")
            go = gr.Button("Generate", variant="primary")
            new_seed = gr.Button("New seed")
        with gr.Column(scale=2):
            gallery = gr.Gallery(label="Generated images (PNG)", format="png", columns=4, height=520,
                                 buttons=["download", "fullscreen"])
            status = gr.Markdown()
            archive = gr.File(label="Download all (ZIP)")
            selected = gr.State(None)
            send = gr.Button("Send selected image to Enhance")
    with gr.Accordion("Interpolate between two seeds or categories (animated GIF)", open=False):
        with gr.Row():
            category_a = gr.Dropdown(choices, value=choices[0] if choices else None, label="From category")
            category_b = gr.Dropdown(choices, value=choices[-1] if choices else None, label="To category")
            seed_a = gr.Number(value=1, precision=0, label="From seed")
            seed_b = gr.Number(value=2, precision=0, label="To seed")
            frames = gr.Slider(4, 48, value=16, step=1, label="Frames")
        morph = gr.Button("Interpolate")
        animation = gr.Image(label="Interpolation", type="filepath", format="gif")
    return dict(model=model, category=category, count=count, seed=seed, variety=variety, size=size, go=go,
                new_seed=new_seed, gallery=gallery, status=status, archive=archive, selected=selected, send=send,
                category_a=category_a, category_b=category_b, seed_a=seed_a, seed_b=seed_b, frames=frames,
                morph=morph, animation=animation)


def wire_generate(g: dict, demo: gr.Blocks):
    g["model"].change(on_model_change, g["model"], [g["category"], g["category_a"], g["category_b"]],
                      api_visibility="private")
    g["go"].click(generate, [g["model"], g["category"], g["count"], g["seed"], g["variety"], g["size"]],
                  [g["gallery"], g["archive"], g["status"]], api_name="generate", concurrency_id="model",
                  concurrency_limit=2)
    g["new_seed"].click(lambda: int.from_bytes(os.urandom(3), "big"), None, g["seed"], api_visibility="private")
    g["morph"].click(interpolate, [g["model"], g["category_a"], g["category_b"], g["seed_a"], g["seed_b"],
                                   g["frames"], g["variety"]], g["animation"], api_name="interpolate",
                     concurrency_id="model")
    g["gallery"].select(remember_selection, g["gallery"], g["selected"], api_visibility="private")


# -- the app -----------------------------------------------------------------------------------------

def build_app() -> gr.Blocks:
    with gr.Blocks(title="productgen") as demo:
        gr.Markdown("# productgen\nProduct images for your shop: generate new ones, make your photos "
                    "marketplace-ready, tag them. Everything runs on this computer.")
        with gr.Tabs() as tabs:
            with gr.Tab("Generate", id="generate"):
                generate_widgets = build_generate_tab()
        wire_generate(generate_widgets, demo)
        demo.tabs = tabs
    return demo


def main() -> None:
    demo = build_app()
    demo.queue(max_size=64, default_concurrency_limit=2)
    demo.launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                server_port=int(os.environ["GRADIO_SERVER_PORT"]) if os.environ.get("GRADIO_SERVER_PORT") else None,
                max_file_size="50mb", footer_links=["api", "settings"])


if __name__ == "__main__":
    main()
