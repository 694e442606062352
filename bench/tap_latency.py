"""How fast a tap answers in the browser: a 12 MP phone photo in the Enhance tab, headless Chromium (Playwright)
tapping the kept view; seconds from the click until the kept view shows the new cut-out (the tap's answer, against
a 1 s target), and until Enhance of the whole photo that follows has answered too (the baseline, same run).

    python bench/tap_latency.py --photo ../shared/data/realphotos/images/clothing/<file>.jpg [--taps 5]

The photo is enlarged to 4000x3000 (12 MP) and saved as a JPEG (quality 90), as a phone writes it. Each tap
alternates between keeping and removing at a point near the middle, so every tap changes the answer.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import free_port, start_app  # noqa: E402

KEPT = "What is kept (the background shows as a chequerboard): tap your product to keep only it"
# the address of the last picture shown in the block labelled so (a new answer is a new file)
SHOWN = ("(label => { const blocks = [...document.querySelectorAll('.block')].filter(b => b.textContent.includes(label)"
         " && b.querySelector('img')); const images = blocks.length ? blocks[blocks.length - 1].querySelectorAll('img')"
         " : []; return images.length ? images[images.length - 1].src : null; })")
# whether the block labelled so shows Gradio's "processing" timer (its status tracker)
BUSY = ("(label => { const blocks = [...document.querySelectorAll('.block')].filter(b => b.textContent.includes(label)"
        " && b.querySelector('img')); return blocks.length > 0 && blocks[blocks.length - 1].querySelector("
        "'.meta-text, .meta-text-center, .eta-bar') !== null; })")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", required=True, help="a phone photo (enlarged to 4000x3000)")
    parser.add_argument("--taps", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="tap-latency-"))
    photo = scratch / "photo-12mp.jpg"
    Image.open(args.photo).convert("RGB").resize((4000, 3000), Image.LANCZOS).save(photo, quality=90)
    port = free_port()
    app = start_app(port, scratch / "gradio", scratch / "models")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                                 args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(120_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_role("tab", name="Enhance").click()
            page.get_by_role("tabpanel").locator("input[type=file]").first.set_input_files(str(photo))
            page.wait_for_function("() => [...document.querySelectorAll('input')].some(i => i.value === "
                                   f"'{photo.name}')")
            page.get_by_role("button", name="Enhance this photo", exact=True).click()
            picture = page.locator(".block", has=page.get_by_text(KEPT, exact=True)).locator("img").first
            picture.wait_for()
            page.wait_for_function(f"() => {SHOWN}('Before / after')")
            answers, wholes = [], []
            for number in range(args.taps):
                page.get_by_label("Remove what I tap" if number % 2 else "Keep what I tap").check()
                view = page.evaluate(f"() => {SHOWN}(`{KEPT}`)")
                picture.scroll_into_view_if_needed()
                box = picture.bounding_box()
                started = time.monotonic()
                page.mouse.click(box["x"] + box["width"] * (0.45 + 0.02 * number), box["y"] + box["height"] * 0.5)
                page.wait_for_function(f"(old) => {SHOWN}(`{KEPT}`) !== old", arg=view, polling=10)
                answers.append(time.monotonic() - started)
                # the whole photo's Enhance follows (its answer may be the same file as before): busy, then done
                page.wait_for_function(f"() => {BUSY}('Before / after')", polling=10, timeout=15_000)
                page.wait_for_function(f"() => !{BUSY}('Before / after')", polling=10)
                wholes.append(time.monotonic() - started)
            browser.close()
    finally:
        app.terminate()
        app.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
    answer, whole = statistics.median(answers), statistics.median(wholes)
    print(f"a tap on a 12 MP photo: the kept view answers in a median {answer:.2f} s (target <= 1 s), all "
          f"{[round(t, 2) for t in answers]}")
    print(f"baseline, Enhance of the whole photo after the same tap: median {whole:.2f} s, all "
          f"{[round(t, 2) for t in wholes]}")
    print(f"  the tap's answer / the whole Enhance: x{answer / whole:.2f}")


if __name__ == "__main__":
    main()
