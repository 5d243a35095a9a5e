"""Filter change to repaint: this checkout's app against another's, served at once, taking
turns. For a change to what happens after a filter change, judged side by side::

    git worktree add --detach /tmp/before HEAD~1
    .venv/bin/python -m bench.repaint_ab /tmp/before --rounds 8
    .venv/bin/python -m bench.repaint_ab /tmp/before --rounds 6 --synthetic 100000

Each round, each app makes ``--per-round`` filter changes (the actor picked, then cleared),
the order of the two reversed every other round. It prints, for each, the median and
interquartile range of the click to the repaint, and of the click to the whole page
updated (the later of the repaint and the run's last message).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

from bench import browser as br
from bench.cold import folders
from bench.run import BROWSER_ACTOR


def _summary(values: list[float]) -> str:
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"median {statistics.median(values):.0f} ms (IQR {q1:.0f}-{q3:.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (a git worktree, say)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=3, help="changes per app and round")
    parser.add_argument("--synthetic", type=int, default=0, help="a data set this large instead")
    args = parser.parse_args(argv)
    if not (args.other / "app.py").is_file():
        parser.error(f"{args.other} has no app.py: give the root of another checkout")

    from playwright.sync_api import sync_playwright

    repos = {"this": br.REPO, "other": args.other.resolve()}
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as name, sync_playwright() as pw:
        tmp = Path(name)
        label, folder = list(folders(tmp, args.synthetic).items())[-1]
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        repaint: dict[str, list[float]] = {k: [] for k in repos}
        whole: dict[str, list[float]] = {k: [] for k in repos}
        try:
            with contextlib.ExitStack() as stack:
                pages = {}
                for key, repo in repos.items():
                    server = stack.enter_context(
                        br.app_server("ours", folder, tmp / f"{key}.log", repo=repo)
                    )
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    stack.callback(context.close)
                    context.add_init_script(br.INIT_JS)
                    page = context.new_page()
                    meter = br.Meter(page)
                    page.goto(server.url, wait_until="commit")
                    paint = br.wait_first_paint(page, "ours", 34)
                    br.wait_idle(page)
                    pages[key] = [page, meter, paint.frame, 0]
                for r in range(args.rounds):
                    for key in list(repos) if r % 2 == 0 else list(repos)[::-1]:
                        page, meter, frame, done = pages[key]
                        page.bring_to_front()
                        page.wait_for_timeout(300)
                        for _ in range(args.per_round):
                            meter.reset()
                            started, painted = br.filter_change(
                                page, "ours", frame, done, BROWSER_ACTOR, 34
                            )
                            meter.wait_quiet()
                            last = meter.phases(started, painted.painted_ms)["to_last_message"]
                            took = painted.painted_ms - started
                            repaint[key].append(took)
                            whole[key].append(max(took, (last or 0.0) * 1000))
                            frame, done = painted.frame, done + 1
                            print(f"{key}: {took:.0f} ms", file=sys.stderr)
                        pages[key] = [page, meter, frame, done]
        finally:
            browser.close()
    print(f"\n{label}, {len(repaint['this'])} changes each, taking turns:")
    for key, repo in repos.items():
        print(
            f"  {key} ({repo}): repaint {_summary(repaint[key])}; whole page {_summary(whole[key])}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
