"""Load: N concurrent gradio_client users mixing every endpoint against the app on localhost.

    python bench/load.py [--users 40] [--seconds 300] [--think 2 8]

Starts ``app.py`` on a free loopback port (its temp-file age limit set to 180 s, from the default hour, so that the
bound shows within the run; a batch may wait about two minutes in the queue at this load, and an upload older than
the limit is gone when its turn comes). Each user repeats a random action with a pause of ``--think`` seconds
between them (people read the result before the next click): Generate, Interpolate, Auto, Enhance (a normal photo),
the heaviest recipe the app accepts (3000 px canvas with a shadow), a batch of two, Recognise; one more user starts
a short fine-tune now and then. Prints per-endpoint p50/p95, the errors (a refusal the app is meant to give, such
as "a fine-tune is already running", is counted apart), the app's memory over time and after the load stops, the
temp folder's size, and whether the shipped weights are byte-identical afterwards.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
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
HEAVY = '{"canvas": [3000, 3000], "shadow": 1, "preset": "etsy"}'
EXPECTED_REFUSALS = ("already running",)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(port: int, temp: Path, models: Path) -> subprocess.Popen:
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_TEMP_DIR": str(temp), "PRODUCTGEN_MODELS": str(models), "PRODUCTGEN_TEMP_MAX_AGE_S": "180"}
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


def folder_mb(folder: Path) -> float:
    """Size of the files under ``folder``; the app deletes files while this walks, so a vanished one counts 0."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / 2**20


def shipped_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "weights").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def photos(folder: Path) -> dict[str, Path]:
    from PIL import Image, ImageDraw

    clean = Image.new("RGB", (1200, 1200), (238, 236, 232))
    ImageDraw.Draw(clean).ellipse((250, 200, 950, 1000), fill=(150, 40, 60))
    floor = Image.effect_noise((900, 900), 40).convert("RGB")
    floor = Image.blend(floor, Image.new("RGB", floor.size, (150, 110, 70)), 0.6)
    ImageDraw.Draw(floor).rectangle((250, 200, 650, 700), fill=(40, 90, 170))
    paths = {"clean": folder / "clean.jpg", "floor": folder / "floor.jpg"}
    clean.save(paths["clean"], quality=90)
    floor.save(paths["floor"], quality=90)
    for index in range(10):
        small = Image.new("RGB", (96, 96), (255, 255, 255))
        ImageDraw.Draw(small).ellipse((20 + index, 15, 76, 80 - index), fill=(40 + 15 * index, 60, 150))
        small.save(folder / f"mug{index}.png")
    return paths


ACTIONS = ["generate", "interpolate", "auto", "enhance", "enhance_heavy", "enhance_batch", "recognise"]


def act(client, action: str, turn: int, paths: dict, handle_file) -> None:
    clean, floor = handle_file(str(paths["clean"])), handle_file(str(paths["floor"]))
    if action == "generate":
        client.predict("default", "Watches", 8, turn, 0.8, "256", api_name="/generate")
    elif action == "interpolate":
        client.predict("default", "Watches", "Handbags", turn, turn + 1, 8, 0.8, api_name="/interpolate")
    elif action == "auto":
        client.predict([floor], None, "", api_name="/auto_settings")
    elif action == "enhance":
        client.predict([clean if turn % 2 else floor], None, "", api_name="/enhance")
    elif action == "enhance_heavy":
        client.predict([floor], None, HEAVY, api_name="/enhance")
    elif action == "enhance_batch":
        client.predict([clean, floor], "", api_name="/enhance_batch")
    else:
        client.predict([clean, floor], api_name="/recognise")


def connect(client_class, url: str, who: str, errors: list):
    """A client of the app, or None with the failure counted as an error: a visitor who cannot even load the
    page is the worst answer (all the users connect at once, right after the app first answers)."""
    try:
        return client_class(url, verbose=False, download_files=False)
    except Exception as error:  # noqa: BLE001 - counted and shown
        errors.append(f"{who} could not connect: {type(error).__name__}: {error}"[:300])
        return None


def user(url, number, until, paths, think, results, errors, refusals) -> None:
    from gradio_client import Client, handle_file

    client = connect(Client, url, "user", errors)
    if client is None:
        return
    pick = random.Random(number)
    turn = number
    while time.monotonic() < until:
        action = pick.choice(ACTIONS)
        started = time.monotonic()
        try:
            act(client, action, turn, paths, handle_file)
            results.append((action, time.monotonic() - started))
        except Exception as error:  # noqa: BLE001 - counted and shown
            errors.append(f"{action}: {type(error).__name__}: {error}"[:300])
        turn += 1
        time.sleep(pick.uniform(*think))


def finetuner(url, until, folder: Path, results, errors, refusals) -> None:
    from gradio_client import Client, handle_file

    client = connect(Client, url, "finetune", errors)
    if client is None:
        return
    mugs = [handle_file(str(folder / f"mug{i}.png")) for i in range(10)]
    run = 0
    while time.monotonic() < until - 60:
        started = time.monotonic()
        try:
            client.predict(mugs, "Mugs", "default", "steps", 20, f"load-mugs-{run}", False, "",
                           api_name="/finetune")
            results.append(("finetune", time.monotonic() - started))
        except Exception as error:  # noqa: BLE001
            text = f"finetune: {type(error).__name__}: {error}"[:300]
            (refusals if any(r in text for r in EXPECTED_REFUSALS) else errors).append(text)
        run += 1
        time.sleep(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--think", type=float, nargs=2, default=[2.0, 8.0], help="pause between a user's actions")
    args = parser.parse_args()
    before = shipped_digest()
    work = Path(tempfile.mkdtemp(prefix="productgen-load-"))
    temp, models = work / "gradio", work / "models"
    port = free_port()
    app = start_app(port, temp, models)
    url = f"http://127.0.0.1:{port}/"
    paths = photos(work)
    results, errors, refusals, memory = [], [], [], []
    stop = threading.Event()
    started = time.monotonic()

    def watch():
        while not stop.wait(5):
            memory.append((time.monotonic() - started, rss_mb(app.pid), folder_mb(temp)))

    threading.Thread(target=watch, daemon=True).start()
    until = started + args.seconds
    threads = [threading.Thread(target=user, args=(url, i, until, paths, args.think, results, errors, refusals))
               for i in range(args.users)]
    threads.append(threading.Thread(target=finetuner, args=(url, until, work, results, errors, refusals)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.seconds + 600)  # a request started before the deadline may finish after it
    elapsed = time.monotonic() - started
    time.sleep(60)  # load stopped: does the memory come back down?
    after = rss_mb(app.pid)
    stop.set()
    temp_end = folder_mb(temp)
    app.terminate()
    app.wait(10)
    warm = [m for t, m, _ in memory if t >= 30] or [memory[-1][1]]
    print(f"{args.users} users (+1 fine-tuning) for {args.seconds:.0f} s, {args.think[0]:g}-{args.think[1]:g} s "
          f"between actions: {len(results)} requests in {elapsed:.0f} s = {len(results) / elapsed:.2f}/s, "
          f"errors {len(errors)}, expected refusals {len(refusals)}")
    for action in ACTIONS + ["finetune"]:
        times = sorted(t for a, t in results if a == action)
        if times:
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"  {action}: {len(times)} requests, p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s")
    print(f"memory (MB): after warm-up (30 s) {warm[0]:.0f}, peak {max(m for _, m, _ in memory):.0f}, "
          f"60 s after the load {after:.0f} ({after / warm[0] - 1:+.0%} vs after warm-up)")
    print("  over time: " + ", ".join(f"{t:.0f}s {m:.0f}" for t, m, _ in memory[::6]))
    print(f"temp folder (MB): peak {max(f for _, _, f in memory):.0f}, at the end {temp_end:.0f}; "
          "over time: " + ", ".join(f"{t:.0f}s {f:.0f}" for t, _, f in memory[::6]))
    print(f"shipped weights byte-identical: {shipped_digest() == before}")
    for line in errors[:8]:
        print(f"  error: {line}")
    for line in refusals[:2]:
        print(f"  expected refusal: {line}")


if __name__ == "__main__":
    main()
