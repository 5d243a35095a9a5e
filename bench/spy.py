"""Where the server's time goes during filter changes: py-spy samples the running app.

    .venv/bin/python -m bench.spy                    # ours, built-in data, 6 filter changes
    .venv/bin/python -m bench.spy --app naive --claims 100000

Needs ``py-spy`` (``pip install py-spy``; a dev-only tool, not needed by ``bench.run``).
Samples every thread of the ``streamlit run`` process while the browser makes the filter
changes, then prints the functions the script thread spent its time in (inclusive) and the
ones it spent its own time in. Idle waits are left out. Raw samples are kept in bench/out/.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
IDLE = ("select (selectors", "wait (threading", "_wait_for_tstate_lock", "sleep")


def summarise(raw: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    busy = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any("ScriptRunner._run_script_thread" in f for f in frames):
            continue
        if any(frames[-1].startswith(idle) for idle in IDLE):
            continue
        n = int(count)
        busy += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not busy:
        return "no samples of the script thread"
    lines = [f"script thread busy: {busy} samples", "", "inclusive:"]
    lines += [f"{n * 100 / busy:5.1f}%  {f[:140]}" for f, n in inclusive.most_common(top)]
    lines += ["", "own time:"]
    lines += [f"{n * 100 / busy:5.1f}%  {f[:140]}" for f, n in own.most_common(top // 2)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    from bench import browser as br
    from bench import synth
    from geo.dataset import load_dataset
    from geo.paths import DATA_DIR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=sorted(br.VARIANTS), default="ours")
    parser.add_argument("--claims", type=int, default=0, help="synthetic claims (0: built-in)")
    parser.add_argument("--changes", type=int, default=6)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    spy_bin = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy_bin).exists():
        print("py-spy is not installed: pip install py-spy", file=sys.stderr)
        return 2
    kind = br.VARIANTS[args.app][0]
    OUT.mkdir(parents=True, exist_ok=True)
    raw = OUT / f"spy-{args.app}-{args.claims or 'builtin'}.txt"
    with tempfile.TemporaryDirectory(prefix="claims-spy-") as folder:
        data = Path(folder) / "data"
        if args.claims:
            names = load_dataset(DATA_DIR).names
            synth.write_data_dir(data, synth.make_claims(args.claims, names), repo_data=DATA_DIR)
        else:
            shutil.copytree(DATA_DIR, data)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_init_script(br.INIT_JS)
            with br.app_server(args.app, data, Path(folder) / "app.log") as server:
                page = context.new_page()
                page.goto(server.url, wait_until="commit")
                frame = br.wait_first_paint(page, kind, 34).frame
                br.wait_idle(page)
                pid = str(server.proc.pid)
                command = [spy_bin, "record", "-p", pid, "-o", str(raw), "-f", "raw"]
                spy = subprocess.Popen(
                    [*command, "-r", "200", "--idle", "-d", "120"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    time.sleep(1.5)  # py-spy attaches
                    for i in range(args.changes):
                        before = br.mark(frame)
                        if i % 2 == 0:
                            br.choose_actor(page, "Taliban")
                        else:
                            br.clear_actor(page)
                        frame = br.wait_repaint(page, kind, before, 34, br.now_ms()).frame
                        page.keyboard.press("Escape")
                        br.wait_idle(page)
                finally:
                    spy.send_signal(2)  # SIGINT: py-spy writes its samples and exits
                    spy.wait(timeout=60)
            browser.close()
    print(summarise(raw, args.top))
    print(f"\nraw samples: {raw.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
