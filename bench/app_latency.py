"""App start-up time and Generate latency through gradio_client, on this machine.

    python bench/app_latency.py

Prints seconds from ``python app.py`` to the first HTTP answer (median of 5 starts; the
first one warms the disk cache and is not counted), then the median
of 5 Generate requests for 16 images at 512 px (the answer, without fetching the
files; then with the client fetching every PNG and the ZIP), against a 1.5 s target, drawn at 128 px and
enlarged by the x4 upscaler model and by Lanczos (the fast path), with their ratio.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import free_port, start_app  # noqa: E402


def main() -> None:
    from gradio_client import Client

    scratch = Path(tempfile.mkdtemp(prefix="app-latency-"))
    temp, models = scratch / "gradio", scratch / "models"

    starts = []
    for _ in range(6):
        port = free_port()
        started = time.monotonic()
        app = start_app(port, temp, models)
        starts.append(time.monotonic() - started)
        app.terminate()
        app.wait(10)
    starts = starts[1:]
    print(f"start-up: median {statistics.median(starts):.2f} s until the app answers HTTP (target <= 5 s), "
          f"all {[round(s, 2) for s in starts]}")
    port = free_port()
    app = start_app(port, temp, models)
    try:
        for download in (False, True):
            client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=download)
            medians = {}
            for upscaler in ("lanczos", "model"):
                client.predict("default", "Watches", 16, 0, 0.8, "512", upscaler, api_name="/generate")  # warm-up
                times = []
                for seed in range(1, 6):
                    begun = time.monotonic()
                    client.predict("default", "Watches", 16, seed, 0.8, "512", upscaler, api_name="/generate")
                    times.append(time.monotonic() - begun)
                medians[upscaler] = statistics.median(times)
                what = "with the files downloaded" if download else "answer only"
                print(f"generate 16 x 512 px, {upscaler} ({what}): median {medians[upscaler]:.2f} s "
                      f"(target <= 1.5 s), all {[round(t, 2) for t in times]}")
            print(f"  upscaler model / Lanczos: x{medians['model'] / medians['lanczos']:.2f}")
    finally:
        app.terminate()
        app.wait(10)


if __name__ == "__main__":
    main()
