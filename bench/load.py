"""Load: N concurrent gradio_client users (mixed Generate and Enhance) against the app on localhost.

    python bench/load.py [--users 20] [--seconds 60]

Starts ``app.py`` on a free loopback port, runs each user's loop for a bounded
time, then prints throughput, p50/p95 latency per action, the error count (with
the first errors) and the app's peak resident memory. Traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(port: int) -> subprocess.Popen:
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_TEMP_DIR": tempfile.mkdtemp(prefix="productgen-load-")}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the app did not start")


def rss_mb(pid: int) -> float:
    total = 0
    for child in [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                             text=True).stdout.split()]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def photo(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 1200), (238, 236, 232))
    ImageDraw.Draw(image).ellipse((250, 200, 950, 1000), fill=(150, 40, 60))
    image.save(path, quality=90)
    return path


def user(url: str, number: int, until: float, picture: str, results: list, errors: list) -> None:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False, download_files=False)
    turn = number
    while time.monotonic() < until:
        action = "generate" if turn % 2 == 0 else "enhance"
        started = time.monotonic()
        try:
            if action == "generate":
                client.predict("default", "Watches", 8, turn, 0.8, "256", api_name="/generate")
            else:
                client.predict([handle_file(picture)], None, "", api_name="/enhance")
            results.append((action, time.monotonic() - started))
        except Exception as error:  # noqa: BLE001 - counted and shown
            errors.append(f"{action}: {type(error).__name__}: {error}"[:300])
        turn += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    port = free_port()
    app = start_app(port)
    url = f"http://127.0.0.1:{port}/"
    picture = str(photo(Path(tempfile.mkdtemp()) / "load.jpg"))
    results, errors, peak = [], [], [0.0]
    stop = threading.Event()

    def watch():
        while not stop.wait(0.5):
            peak[0] = max(peak[0], rss_mb(app.pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    until = started + args.seconds
    users = [threading.Thread(target=user, args=(url, i, until, picture, results, errors)) for i in range(args.users)]
    for thread in users:
        thread.start()
    for thread in users:
        thread.join(args.seconds + 300)  # a request started before the deadline may finish after it
    elapsed = time.monotonic() - started
    stop.set()
    app.terminate()
    app.wait(10)
    print(f"{args.users} users for {args.seconds:.0f} s: {len(results)} requests in {elapsed:.0f} s = "
          f"{len(results) / elapsed:.2f}/s, errors {len(errors)}, peak app memory {peak[0]:.0f} MB")
    for action in ("generate", "enhance"):
        times = sorted(t for a, t in results if a == action)
        if times:
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"  {action}: {len(times)} requests, p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s")
    for line in errors[:5]:
        print(f"  error: {line}")


if __name__ == "__main__":
    main()
