"""productgen's web app: the UI only. Every action calls the core library in ``productgen/``; each tab is built and
wired in its own module of ``ui/`` (``ui/common.py`` holds what they share), and this file puts them together.

Importing this module loads no model and starts nothing; ``python app.py`` launches it.
Each action has a stable ``api_name`` for ``gradio_client``.
"""
from __future__ import annotations

import os

import gradio as gr

from productgen.io import workspace
from ui.common import end_session
from ui.enhance_tab import BATCH_HEADERS, REPORT_HEADERS, build_enhance_tab, wire_enhance
from ui.finetune_tab import build_finetune_tab, ensure_owner_key, wire_finetune
from ui.generate_tab import build_generate_tab, refresh_models, send_to_enhance, wire_generate
from ui.listing_tab import LISTING_HEADERS, build_listing_tab, wire_listing
from ui.recognise_tab import TABLE_HEADERS, build_recognise_tab, wire_recognise
from ui.words import t, table, translations


def wire_model_lists(g: dict, f: dict, tabs):
    """Models made by any visitor appear on a refresh click and whenever a tab is opened."""
    outputs = [g["model"], f["base"], g["models_note"]]
    g["refresh"].click(refresh_models, g["model"], outputs, api_visibility="private")
    tabs.select(refresh_models, g["model"], outputs, api_visibility="private")


# -- the app -----------------------------------------------------------------------------------------

def empty_tables(request: gr.Request):
    """The tables' column names in the visitor's language (Gradio translates no Dataframe header itself)."""
    return (table(request, REPORT_HEADERS, []), table(request, BATCH_HEADERS, []), table(request, TABLE_HEADERS, []),
            table(request, LISTING_HEADERS, []))


def build_app() -> gr.Blocks:
    # Gradio's own copies of uploads and results are deleted after workspace.MAX_AGE_S, checked as often as it allows
    age = workspace.MAX_AGE_S
    with gr.Blocks(title="productgen", delete_cache=(min(600, age // 2), age)) as demo:
        gr.Markdown(t("# productgen\nProduct images for your shop: generate new ones, make your photos "
                    "marketplace-ready, tag them. Everything runs on this computer."))
        with gr.Tabs() as tabs:
            with gr.Tab(t("Listing"), id="listing"):  # the one flow: photos in, listings out
                listing_widgets = build_listing_tab()
            with gr.Tab(t("Generate"), id="generate"):
                generate_widgets = build_generate_tab()
            with gr.Tab(t("Enhance"), id="enhance"):
                enhance_widgets = build_enhance_tab()
            with gr.Tab(t("Recognise"), id="recognise"):
                recognise_widgets = build_recognise_tab()
            with gr.Tab(t("Fine-tune"), id="finetune"):
                finetune_widgets = build_finetune_tab()
        wire_listing(listing_widgets)
        wire_generate(generate_widgets, demo)
        wire_enhance(enhance_widgets)
        wire_recognise(recognise_widgets)
        wire_finetune(finetune_widgets, generate_widgets["model"])
        wire_model_lists(generate_widgets, finetune_widgets, tabs)
        demo.load(ensure_owner_key, finetune_widgets["owner_store"],
                  [finetune_widgets["owner_store"], finetune_widgets["owner_key"]], api_visibility="private")
        demo.unload(end_session)
        demo.load(empty_tables, None, [enhance_widgets["report"], enhance_widgets["batch_table"],
                                       recognise_widgets["table"], listing_widgets["table"]], api_visibility="private")
        generate_widgets["send"].click(send_to_enhance, generate_widgets["selected"],
                                       [enhance_widgets["files"], enhance_widgets["photo"], tabs],
                                       api_visibility="private")
    return demo


def warm_up() -> None:
    """Import torch and the sampler in the background, so the first Generate does not wait for them."""
    import threading

    warm = lambda: (__import__("productgen.gan.sampling"), one_thread_per_request())  # noqa: E731
    threading.Thread(target=warm, daemon=True).start()


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
  // once files are in, "add more" is an upload button inside an icon button (nested controls, named by an
  // untranslated key): the outer one gets the box's name and opens the file picker; the inner one is made inert
  document.querySelectorAll("button.icon-button button.upload-container").forEach(inner => {
    const outer = inner.parentElement.closest("button.icon-button"), label = inner.getAttribute("aria-label");
    if (outer.getAttribute("aria-label") !== label) { outer.setAttribute("aria-label", label); outer.title = label; }
    if (inner.inert) return;
    inner.inert = true;
    outer.addEventListener("click", () => inner.querySelector("input[type=file]")?.click());
  });
}).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
</script>"""


# On a phone: the five tabs fit in one row (Gradio would fold two behind "⋯"), and a table wider than the screen
# scrolls sideways instead of being cut off.
CSS = """
@media (max-width: 640px) {
  .tab-container button { padding: 0 5px !important; font-size: 14px !important; }
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
