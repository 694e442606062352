"""The Enhance tab's layout: the upload and the one action on the left with the recipe's settings folded under it;
the result, its verdict and what is kept side by side on the right, the brush that fixes the cut-out in view under
them, then the report, the download and the batch. Its events are wired in ``ui.enhance_tab``."""
from __future__ import annotations

import gradio as gr

from productgen.enhance.filters import WHITE_BALANCE_SOURCES, EnhanceSettings
from productgen.enhance.marketplaces import PRESETS
from productgen.enhance.studio import Recipe

from .common import upscaler_choices
from .words import t, translated_choices

REPORT_HEADERS = ["rule", "result", "measured", "source"]
BATCH_HEADERS = ["file", "output", "verdict", "notes"]


def build_enhance_tab():
    w = {}
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            w["files"] = gr.File(label=t("Photos (one or many, or a ZIP)"), file_count="multiple",
                                 file_types=["image", ".zip"])
            w["photo"] = gr.Dropdown([], label=t("Photo to preview"), allow_custom_value=True)
            w["preset"] = gr.Dropdown([(p.name, key) for key, p in PRESETS.items()], value="amazon",
                                      label=t("Marketplace"))
            w["preview_button"] = gr.Button(t("Enhance this photo"), variant="primary")
            build_settings(w)
        with gr.Column(scale=2):
            with gr.Row():
                with gr.Column(min_width=280):
                    # a JPEG preview: PNG took 0.35 s of each Enhance request to encode (and ten times the bytes)
                    w["slider"] = gr.ImageSlider(label=t("Before / after"), type="pil", format="jpeg",
                                                 interactive=False)
                    w["verdict"] = gr.Markdown()
                with gr.Column(min_width=280):
                    w["mask"] = gr.Image(label=t("What is kept (the background shows as a chequerboard): tap your "
                                                 "product to keep only it"), type="pil", format="jpeg",
                                         interactive=False, height=320)
                    with gr.Row():
                        w["tap_mode"] = gr.Radio([(t("Keep what I tap"), "keep"), (t("Remove what I tap"), "remove")],
                                                 value="keep", label=t("A tap on the kept view"), min_width=200)
                        w["clear_taps"] = gr.Button(t("Clear my taps"), size="sm", min_width=100)
            build_painter(w)
            w["report"] = gr.Dataframe(headers=REPORT_HEADERS, label=t("Compliance"), wrap=True, interactive=False,
                                       datatype=["str", "str", "str", "markdown"],
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


def build_settings(w: dict) -> None:
    """The recipe's controls, folded: Enhance chooses the colour settings for each photo unless told otherwise, and
    shows here what it chose."""
    defaults = EnhanceSettings()
    with gr.Accordion(t("Colour and tone settings"), open=False):
        w["auto"] = gr.Checkbox(True, label=t("Choose them automatically for each photo (untick to use the values "
                                              "below)"))
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
                                        info=t("How much crisper edges get. 0 = off; above 1.5 edges may glow."))
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


def build_painter(w: dict) -> None:
    """"Fix the cut-out", in view under the result: a brush that erases (red) and restores (green), with the
    editor's own zoom and undo."""
    gr.Markdown(t("### Fix the cut-out\nPaint **red** to erase what should go (a strip of bedspread, a hand, a "
                  "second object) and **green** to restore product that was cut away, then press *Apply my "
                  "corrections*. A stroke need not cover it all: a region of the same colours that it touches goes "
                  "with it, and a green stroke on a dropped object brings it all back. Kept parts outlined in "
                  "yellow look like the surface: look there first. The check is measured again on your corrected "
                  "cut-out."))
    w["painting"] = gr.ImageEditor(
        label=t("Paint on the photo"), type="numpy", image_mode="RGBA", sources=[], transforms=[],
        layers=False, format="png", height=420,
        placeholder=t("Press Enhance this photo first: its cut-out appears here to paint on."),
        brush=gr.Brush(colors=["#e11d2a", "#16a34a"], default_color="#e11d2a", color_mode="fixed",
                       default_size=14))
    w["touch_button"] = gr.Button(t("Apply my corrections"), variant="primary")
    w["painted_for"] = gr.State(None)
    w["tapped"] = gr.State(None)
    w["shown"] = gr.State(None)  # the settings the last photo was enhanced with, as slider values
