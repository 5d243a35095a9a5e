"""Filter change to repaint: this checkout's app against another's, served at once, taking
turns. For a change to what happens after a filter change, judged side by side::

    git worktree add --detach /tmp/before HEAD~1
    .venv/bin/python -m bench.repaint_ab /tmp/before --rounds 8
    .venv/bin/python -m bench.repaint_ab /tmp/before --rounds 6 --synthetic 100000

Each round, each app makes ``--per-round`` filter changes (the actor picked, then cleared),
the order of the two reversed every other round (``bench.browser.repaints_in_turns``). It
prints, for each, the median and interquartile range of the click to the repaint, and of
the click to the whole page updated (the later of the repaint and the run's last message).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench import browser as br
from bench.cold import folders
from bench.run import BROWSER_ACTOR


def _summary(seconds: list[float]) -> str:
    q1, _, q3 = statistics.quantiles([s * 1000 for s in seconds], n=4)
    return f"median {statistics.median(seconds) * 1000:.0f} ms (IQR {q1:.0f}-{q3:.0f})"


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

    apps = {"this": ("ours", br.REPO), "other": ("ours", args.other.resolve())}
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as name, sync_playwright() as pw:
        tmp = Path(name)
        label, folder = list(folders(tmp, args.synthetic).items())[-1]
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        try:
            measured = br.repaints_in_turns(
                browser,
                apps,
                folder,
                tmp,
                actor=BROWSER_ACTOR,
                polygons=34,
                rounds=args.rounds,
                per_round=args.per_round,
            )
        finally:
            browser.close()
    print(f"{label}, {len(measured['this']['filter_change_s'])} changes each, taking turns:")
    for key, (_, repo) in apps.items():
        print(f"  {key} ({repo}): repaint {_summary(measured[key]['filter_change_s'])}")
        print(f"    whole page updated {_summary(measured[key]['whole_page_s'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
