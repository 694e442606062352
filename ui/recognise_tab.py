"""The Recognise tab: category, colours, title, alt text and tags of a merchant's photos, "unknown" when the
product is none of the known types, and the merchant's corrections before the CSV is written."""
from __future__ import annotations

from dataclasses import replace

import gradio as gr

from productgen.listing.pack import HOUSEHOLD
from productgen.recognise.colours import local_name

from .common import USER_ERRORS, as_user_error, problem, unpacked, work_folder
from .server import GIVE_WAY_S, JOBS, SINGLE_PHOTOS, cached_classifier, in_background
from .words import household_label, language, said, say, t, table, translated_choices


def swatches_html(colours, language: str = "en") -> str:
    """The product's colours as chips, each named in ``language``."""
    chips = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:4px 10px 4px 0">'
        f'<span style="width:28px;height:28px;border-radius:6px;border:1px solid #999;background:{c.hex};'
        f'margin-right:6px"></span>{local_name(c.name, language)} · {c.hex} · {c.share * 100:.0f}%</span>'
        for c in colours)
    return f'<div class="swatches">{chips}</div>'


TABLE_HEADERS = ["file", "category", "status", "confidence", "colours", "title"]
STATUS_WORDS = {"ok": "ok", "check": "⚠ check", "unknown": "⚠ unknown type", "edited": "✎ set by you"}


def recognise_table(results, request: gr.Request | None = None):
    rows = [[r.file, say(request, "{category}", category=r.result.category), say(request, STATUS_WORDS[r.status]),
             f"{r.result.categories[0][1]:.2f}",
             ", ".join(local_name(c.name, language(request)) for c in r.result.colours),
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
    # one answer: an unknown type is said as such, never under the closest type's name (those are in the headline)
    top3 = say(request, "Unknown product type") if result.unknown else \
        {say(request, "{category}", category=name): p for name, p in result.categories}
    title, alt_text, tags = result.listing(language(request))
    swatches = swatches_html(result.colours, language(request))
    return result.product, headline, top3, swatches, title, alt_text, ", ".join(tags)


def recognise_photos(files, request: gr.Request = None, progress=gr.Progress()):
    """Recognise uploaded photos: the first photo's cut-out, verdict, top 3, swatches, title, alt text and
    tags; the table and CSV of all; the results (state) and the files whose category can be corrected."""
    from productgen.recognise.pipeline import recognise_files, write_csv

    try:
        with unpacked(files, request) as (photos, skipped), JOBS.one():
            if not photos:
                raise ValueError("no photos to recognise: upload JPEG/PNG/WebP files or a ZIP of them")
            SINGLE_PHOTOS.wait_until_idle(GIVE_WAY_S)
            results = in_background(recognise_files, photos, cached_classifier(),
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


def correct_category(results, file, category, own: str = "", request: gr.Request = None):
    """The merchant's category for one photo (chosen, or typed: any name of their own): its title, alt text and
    tags follow; the table and CSV are written again. A category that is not one of the classifier's clothing
    types gets no gender."""
    from productgen.listing.pack import clean_category
    from productgen.recognise.pipeline import write_csv

    if not results:
        raise problem(request, "Recognise some photos first.")
    item = next((r for r in results if r.file == file and r.result), None)
    category = (own or "").strip() or category
    if item is None or not category:
        raise problem(request, "Choose a photo and a category.")
    known = model_categories()
    try:
        category = clean_category(category, known)
    except ValueError as error:
        raise as_user_error(error, request) from error
    answer = item.result if category in known else replace(item.result, gender=None)
    item.result = answer.with_category(category)
    item.status_override = "edited"
    csv_path = write_csv(results, work_folder("recognise-", request) / "tags.csv", language(request))
    title, alt_text, tags = item.result.listing(language(request))
    return recognise_table(results, request), str(csv_path), results, title, alt_text, ", ".join(tags)


def model_categories() -> list[str]:
    """The shipped classifier's types, from its config: building the UI loads no model."""
    from productgen.store.weights import read_json, resolve_model_dir

    return read_json(resolve_model_dir("classifier") / "config.json")["architecture"]["categories"]


def build_recognise_tab():
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
        # nothing chosen until the merchant chooses; the household group first, then the model's types
        household = [(t(household_label(name)), name) for name in HOUSEHOLD]
        w["fix_category"] = gr.Dropdown(label=t("Right category"), scale=2, value=None,
                                        choices=household + translated_choices(sorted(model_categories()) +
                                                                               ["unknown"]))
        w["fix_own"] = gr.Textbox("", label=t("Or type your own category"), max_length=60, scale=2)
        w["fix"] = gr.Button(t("Apply"), scale=1)
    w["csv"] = gr.File(label=t("Download the table (CSV)"), interactive=False)
    w["results"] = gr.State()
    return w


def wire_recognise(w: dict):
    w["go"].click(recognise_photos, w["files"],
                  [w["product"], w["verdict"], w["top3"], w["swatches"], w["title"], w["alt"], w["tags"],
                   w["table"], w["csv"], w["results"], w["fix_file"]], api_name="recognise",
                   concurrency_id="batch", concurrency_limit=1)
    w["fix"].click(correct_category, [w["results"], w["fix_file"], w["fix_category"], w["fix_own"]],
                   [w["table"], w["csv"], w["results"], w["title"], w["alt"], w["tags"]], api_name="correct_category")


