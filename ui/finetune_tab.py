"""The Fine-tune tab: teach the generator a merchant's own products, watch it learn, stop it, and find the new
model in Generate."""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from productgen.io import workspace
from productgen.io.archives import collect_uploads
from productgen.limits import GOOD_PHOTOS, MIN_PHOTOS, SPACE_CPU_MINUTES, on_cpu_space
from productgen.store import weights

from .common import USER_ERRORS, as_user_error, problem, work_folder
from .server import GIVE_WAY_S, SINGLE_PHOTOS, cached_classifier, current_finetune, in_background
from .words import said, say, t, translated_choices


def finetune_photos(files, category: str, workdir: Path, size: int = 64, request: gr.Request | None = None):
    """Uploaded photos (files or ZIP) as training data at ``size`` px: ZIP sub-folders name categories, else
    ``category``."""
    from productgen.gan.finetune import photos_as_data

    collected = collect_uploads(workspace.upload_paths(files), workdir / "unpacked")
    for name, reason in collected.skipped:
        gr.Warning(said(request, f"{name} skipped: {reason}"))
    return photos_as_data(collected.files, collected.categories, category, workdir, size)


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

    from productgen.gan.finetune import FinetuneJob, check_budget, target_folder, wall_clock_limit

    owner_key, _ = ensure_owner_key(owner_key)
    workdir = work_folder("finetune-", request)
    try:
        minutes, steps = check_budget(budget_kind, budget, wall_clock_limit())
        weights.known_generator(base)
        target = target_folder(name, bool(resume), owner_key)
        # decoded into memory (the files can go), each photo cut out in the background thread
        size = weights.generator_image_size(base)
        data = in_background(finetune_photos, files, category, workdir, size, request)
        if MIN_PHOTOS <= len(data) < GOOD_PHOTOS[0]:
            gr.Warning(say(request, "Only {count} photos: the new model will be rough. {low}-{high} photos work "
                           "best.", count=len(data), low=GOOD_PHOTOS[0], high=GOOD_PHOTOS[1]))
        shutil.rmtree(workdir, ignore_errors=True)
        job = FinetuneJob(base, data, target, minutes, steps, resume=bool(resume), classifier=cached_classifier(),
                          owner=weights.owner_hash(owner_key), max_minutes=wall_clock_limit())
        if job.on_cpu:  # on a GPU the fine-tune hardly slows a photo down
            job.give_way, job.background = lambda: SINGLE_PHOTOS.wait_until_idle(GIVE_WAY_S), True
        job.start()
    except USER_ERRORS as error:
        raise as_user_error(error, request) from error
    current_finetune["job"] = job
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
    note = job.note()
    if note:
        template, values = note
        note = "\n\n⚠️ " + say(request, template, **{**values, "why": say(request, values["why"])}) + "\n\n"
    status = say(request, "**Model `{name}` is ready in Generate.**", name=target.name) + limit + " " + \
        (note or "") + say(request, job.plain_quality)
    yield final[0], final[1], status, gr.update(choices=weights.generator_names(), value=target.name), owner_key


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
    job = current_finetune.get("job")
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


