"""The Listing tab: photos uploaded once become listings (``productgen.listing``): each through the cut-out,
Enhance and Recognise; reviewed as a table with each photo's before/after and report one click away; category or
title corrected; one ZIP of the images and a Shopify CSV to download."""
from __future__ import annotations

import gradio as gr

from productgen.enhance.marketplaces import PRESETS
from productgen.enhance.studio import Recipe
from productgen.listing.pack import HOUSEHOLD, UNKNOWN, listing_recipe, preview_path

from .common import USER_ERRORS, as_user_error, problem, unpacked, work_folder
from .recognise_tab import STATUS_WORDS as RECOGNISE_STATUS
from .server import GIVE_WAY_S, JOBS, SINGLE_PHOTOS, busy, cached_classifier, in_background
from .words import language, said, say, t, table

LISTING_HEADERS = ["#", "file", "category", "status", "title", "colours", "verdict"]
STATUS_WORDS = {**RECOGNISE_STATUS, "error": "error"}


def read_listing_recipe(recipe_json) -> Recipe:
    """The recipe box's JSON, or the listing's default recipe when it is empty."""
    if recipe_json is not None and not isinstance(recipe_json, str):
        raise ValueError("the recipe must be JSON text (as the Listing tab shows it), or empty for the defaults")
    return Recipe.from_json(recipe_json) if recipe_json and recipe_json.strip() else listing_recipe()


def with_preset(recipe_json: str, preset: str, request: gr.Request = None):
    """The recipe box with the marketplace chosen above it."""
    try:
        recipe = read_listing_recipe(recipe_json)
        recipe.preset = preset
        recipe.__post_init__()
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    return recipe.to_json()


def listing_table(listing, request: gr.Request | None = None):
    rows = []
    for number, pack in enumerate(listing.packs, 1):
        category = say(request, "{category}", category=pack.category) if pack.ok else ""
        title = pack.listing(listing.language)[0] if pack.ok else said(request, pack.reason)
        colours = say(request, ", ").join(colour_name(c.name, request) for c in pack.recognition.colours) \
            if pack.ok else ""
        verdict = say(request, pack.verdict.upper())
        rows.append([number, pack.file, category, say(request, STATUS_WORDS[pack.status]), title, colours, verdict])
    return table(request, LISTING_HEADERS, rows)


def colour_name(name: str, request: gr.Request | None) -> str:
    """A colour's name in the visitor's language (the glossary of the locale file; a name missing stays)."""
    from productgen.recognise.colours import local_name

    return local_name(name, language(request))


def category_choices(pack, own: list[str], fashion: list[str], request: gr.Request | None) -> list[tuple]:
    """The photo's closest types first (with the model's probability), then the merchant's own categories of this
    batch, the household group, every type the classifier knows, and "unknown"; labels in the visitor's language,
    values the English names."""
    closest = [(say(request, "{category} ({percent}%)", category=name, percent=round(p * 100)), name)
               for name, p in (pack.recognised.categories if pack.ok else [])]
    yours = [(say(request, "Yours: {category}", category=name), name) for name in own]
    household = [(say(request, "Household: {category}", category=name), name) for name in HOUSEHOLD]
    known = [(say(request, "{category}", category=name), name) for name in sorted(fashion) + [UNKNOWN]]
    choices, seen = [], set()
    for label, value in closest + yours + household + known:
        if value not in seen:
            choices.append((label, value))
            seen.add(value)
    return choices


def report_words(pack, request: gr.Request | None) -> str:
    """The marketplace check and the notes of one photo, as a list."""
    if not pack.ok:
        return said(request, pack.reason)
    lines = [f"**{say(request, 'Marketplace check')}: {say(request, pack.verdict.upper())}**"]
    lines += [f"- {say(request, r.rule)}: {say(request, r.status.upper())} ({said(request, r.measured)})"
              for r in pack.report]
    lines += [f"- {said(request, note)}" for note in pack.notes]
    return "\n".join(lines)


def show_photo(listing, index, own: list[str], request: gr.Request = None):
    """One photo's detail: headline, (before, after), report, the category choices (nothing chosen), an empty
    box for one's own category, title, alt text, tags."""
    if listing is None or index is None or not 0 <= int(index) < len(listing.packs):
        return "", None, "", gr.Dropdown(choices=[], value=None), "", "", "", ""
    pack = listing.packs[int(index)]
    head = f"### {int(index) + 1}. {pack.file}"
    if pack.ok:
        head += " · " + say(request, "{category}", category=pack.category) + \
            " · " + say(request, STATUS_WORDS[pack.status])
        if pack.certainty is not None:
            head += " · " + say(request, "certainty {value:.2f}", value=pack.certainty)
    pair = None
    if pack.ok and listing.previews is not None:
        pair = tuple(str(preview_path(listing.previews, pack.image, part)) for part in ("before", "after"))
    title, alt_text, tags = pack.listing(listing.language)
    choices = category_choices(pack, own or [], listing.fashion, request)
    return (head, pair, report_words(pack, request), gr.Dropdown(choices=choices, value=None), "", title, alt_text,
            ", ".join(tags))


def first_photo(listing) -> int | None:
    """The row of the first photo that was listed (None when none was)."""
    return next((number for number, pack in enumerate(listing.packs) if pack.ok), None)


def status_words(listing, request: gr.Request | None) -> str:
    failed = sum(not pack.ok for pack in listing.packs)
    done, total = len(listing.packs) - failed, len(listing.packs)
    if failed:
        return say(request, "{done} of {total} photos listed; {failed} could not be read (see the table).",
                   done=done, total=total, failed=failed)
    return say(request, "{done} of {total} photos listed.", done=done, total=total)


def make_listings(files, recipe_json: str, enlarge: bool, vendor: str, saved=None, request: gr.Request = None,
                  progress=gr.Progress()):
    """Every uploaded photo into a listing: (table, ZIP, status, the listing, photo choices) and the first photo's
    detail, which offers the categories the merchant ``saved`` in this browser."""
    from productgen.listing.batch import list_photos

    try:
        recipe = read_listing_recipe(recipe_json)
        vendor = (vendor or "").strip()[:255]
        with unpacked(files, request) as (photos, skipped), JOBS.one() as others:
            if not photos:
                raise ValueError("no photos to list: upload JPEG/PNG/WebP files or a ZIP of them")
            SINGLE_PHOTOS.wait_until_idle(GIVE_WAY_S)
            folder = work_folder("listing-", request)
            # both cores (a pool of processes) when the app is otherwise idle; one, in the background, when not
            listing = in_background(
                list_photos, photos, folder, recipe, skipped, language(request), vendor, "", bool(enlarge),
                1 if busy(others) else None, cached_classifier(), previews=folder / "previews",
                progress=lambda done, total, name: progress((done, total), desc=name, unit="photos"))
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    first = first_photo(listing)
    names = [(f"{number}. {pack.file}", number - 1) for number, pack in enumerate(listing.packs, 1)]
    own = from_browser(saved)[0]
    return (listing_table(listing, request), str(listing.archive), status_words(listing, request), listing,
            gr.Dropdown(choices=names, value=first), *show_photo(listing, first, own, request), own)


def correct_listing(listing, index, category, own_category: str, title: str, own: list[str],
                    request: gr.Request = None):
    """The merchant's category (chosen, or typed: remembered for this batch) and/or title for one photo: its
    title, alt text and tags follow, and the ZIP is written again."""
    if listing is None:
        raise problem(request, "Make listings first.")
    if index is None or not isinstance(index, (int, float)) or not 0 <= int(index) < len(listing.packs):
        raise problem(request, "Choose a photo of the listing first.")
    index, own = int(index), list(own or [])
    pack = listing.packs[index]
    typed = (own_category or "").strip()
    chosen = typed or category or None
    current = pack.listing(listing.language)[0]
    new_title = None if title is None or title.strip() == current else title
    if chosen is None and new_title is None:
        raise problem(request, "Choose or type a category, or edit the title, then apply.")
    try:
        pack = listing.correct(index, chosen, new_title)
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    if typed and pack.category not in own and pack.category not in listing.fashion and pack.category != UNKNOWN:
        own.append(pack.category)
    return (listing_table(listing, request), str(listing.archive), listing, own,
            *show_photo(listing, index, own, request))


def build_listing_tab():
    w = {}
    gr.Markdown(t("**Upload your photos once**: each becomes a listing (the photo on white for the marketplace, its "
                  "category, colours, title, alt text and tags, and the marketplace check). Select a row to see the "
                  "photo and correct it; then download one ZIP with the images and a CSV for Shopify's product "
                  "import."))
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            w["files"] = gr.File(label=t("Photos (one or many, or a ZIP)"), file_count="multiple",
                                 file_types=["image", ".zip"])
            w["go"] = gr.Button(t("Make listings"), variant="primary")
            w["status"] = gr.Markdown()
            w["zip"] = gr.File(label=t("Download the listing (ZIP with products.csv)"), interactive=False)
            with gr.Accordion(t("Recipe (applied to every photo)"), open=False):
                w["preset"] = gr.Dropdown([(p.name, key) for key, p in PRESETS.items()], value="shopify",
                                          label=t("Marketplace"))
                w["enlarge"] = gr.Checkbox(False, label=t("Enlarge to the marketplace's recommended size"),
                                           info=t("Off: each image keeps near its photo's size (only enlarged to "
                                                  "the size the marketplace requires). On: every image at the "
                                                  "recommended size; a small photo will look soft."))
                w["vendor"] = gr.Textbox(label=t("Vendor (your shop or brand, for the CSV)"), max_length=255)
                # plain text: the code editor's syntax colours fall under WCAG's contrast on a light page
                w["recipe"] = gr.Textbox(listing_recipe().to_json(), label=t("Recipe"), lines=10, max_lines=30)
        with gr.Column(scale=2):
            w["table"] = gr.Dataframe(headers=LISTING_HEADERS, label=t("Listings (select a row to see and correct "
                                                                         "it)"), wrap=True, interactive=False,
                                      column_widths=["6%", "18%", "14%", "12%", "26%", "14%", "10%"])
            w["photo"] = gr.Dropdown(choices=[], label=t("Photo"))
            w["head"] = gr.Markdown()
            with gr.Row():
                w["slider"] = gr.ImageSlider(label=t("Before / after"), type="filepath", interactive=False,
                                             format="jpeg", scale=1, height=360)
                w["report"] = gr.Markdown()
            with gr.Row():
                w["category"] = gr.Dropdown(choices=[], value=None, label=t("Right category"), scale=2,
                                            info=t("Nothing is chosen until you choose."))
                w["own"] = gr.Textbox(label=t("Or type your own category"), max_length=60, scale=2)
            w["title"] = gr.Textbox(label=t("Title"), max_length=255)
            w["apply"] = gr.Button(t("Apply my correction"), variant="primary")
            w["alt"] = gr.Textbox(label=t("Alt text"), interactive=False, buttons=["copy"])
            w["tags"] = gr.Textbox(label=t("Tags"), interactive=False, buttons=["copy"])
            with gr.Row():
                w["my_list"] = gr.Textbox(label=t("My categories (one per line)"), lines=3, max_lines=12, scale=3,
                                          info=t("The categories you type are added here and offered for every "
                                                 "photo. Save them to have them again next time in this browser."))
                w["save_list"] = gr.Button(t("Save my categories"), scale=1)
    w["listing"] = gr.State()
    w["own_categories"] = gr.State([])  # the merchant's own categories, offered for every photo of this batch
    w["saved_categories"] = gr.BrowserState([], storage_key="productgen_my_categories")  # kept in the browser
    return w


MAX_OWN = 200  # categories in the merchant's list


def own_list(text: str | None) -> list[str]:
    """The merchant's categories from the list box: one a line, blanks and repeats left out, each at most 60
    characters (as the box for one)."""
    names = []
    for line in (text or "").splitlines():
        name = " ".join(line.split())[:60]
        if name and name.casefold() not in {known.casefold() for known in names}:
            names.append(name)
    return names[:MAX_OWN]


def from_browser(saved) -> tuple[list[str], str]:
    """The list saved in the browser (whatever the browser sends: only its strings count), for a new batch."""
    names = own_list("\n".join(name for name in saved if isinstance(name, str)) if isinstance(saved, list) else "")
    return names, "\n".join(names)


def save_categories(text: str | None, request: gr.Request = None):
    """Keep the list box's categories for this batch and in the browser for next time."""
    names = own_list(text)
    return names, names, "\n".join(names), say(request, "Saved {count} categories in this browser.",
                                                   count=len(names))


def wire_listing(w: dict):
    detail = [w["head"], w["slider"], w["report"], w["category"], w["own"], w["title"], w["alt"], w["tags"]]
    w["preset"].input(with_preset, [w["recipe"], w["preset"]], w["recipe"], api_visibility="private")
    w["go"].click(make_listings, [w["files"], w["recipe"], w["enlarge"], w["vendor"], w["saved_categories"]],
                  [w["table"], w["zip"], w["status"], w["listing"], w["photo"]] + detail + [w["own_categories"]],
                  api_name="make_listings",
                  concurrency_id="batch", concurrency_limit=1).then(
        lambda own: "\n".join(own or []), w["own_categories"], w["my_list"],
        api_visibility="private")  # a new batch starts from the list saved in this browser

    def select_row(listing, event: gr.SelectData):
        return event.index[0] if listing is not None and event.index else gr.skip()

    w["table"].select(select_row, w["listing"], w["photo"], api_visibility="private")
    w["photo"].change(show_photo, [w["listing"], w["photo"], w["own_categories"]], detail, api_visibility="private")
    w["apply"].click(correct_listing, [w["listing"], w["photo"], w["category"], w["own"], w["title"],
                                       w["own_categories"]],
                     [w["table"], w["zip"], w["listing"], w["own_categories"]] + detail,
                     api_name="correct_listing").then(lambda own: "\n".join(own or []), w["own_categories"],
                                                      w["my_list"], api_visibility="private")
    w["save_list"].click(save_categories, w["my_list"], [w["own_categories"], w["saved_categories"], w["my_list"],
                                                          w["status"]], api_visibility="private")
