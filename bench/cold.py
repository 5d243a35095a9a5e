"""Cold starts only: ours and the naive page taking turns, launch to map painted.

The full ``bench.run`` takes six minutes and measures five cold starts per app at its end,
when the machine is warm from everything before. This runs only the cold starts, so a
change to start-up can be judged in a minute or two, side by side with the naive page::

    .venv/bin/python -m bench.cold --rounds 7
    .venv/bin/python -m bench.cold --rounds 5 --synthetic 100000

It prints each launch, then the median and range of each app and their ratio. The apps
start as in ``bench.run`` (``bench.browser.app_server``: a SQLite store already filled, as
on a restart of a deployed app).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import browser as br
from bench import synth


def folders(tmp: Path, synthetic: int) -> dict[str, Path]:
    """A copy of the built-in data folder and, if ``synthetic``, one of that many claims."""
    from geo.dataset import load_dataset
    from geo.paths import DATA_DIR

    builtin = tmp / "builtin" / "data"
    shutil.copytree(DATA_DIR, builtin)
    folders = {f"built-in ({len(load_dataset(builtin).claims)} claims)": builtin}
    if synthetic:
        folder = tmp / "synthetic" / "data"
        names = load_dataset(DATA_DIR).names
        synth.write_data_dir(folder, synth.make_claims(synthetic, names), repo_data=DATA_DIR)
        folders[f"synthetic ({synthetic:,} claims)"] = folder
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="launches per app and data set")
    parser.add_argument("--synthetic", type=int, default=0, help="also a data set this large")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-cold-") as name, sync_playwright() as pw:
        tmp = Path(name)
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        try:
            for label, folder in folders(tmp, args.synthetic).items():
                times: dict[str, list[float]] = {"ours": [], "naive": []}
                for i in range(args.rounds):
                    # Taking turns, so that a drift in the machine's speed hits both.
                    for kind, seen in times.items():
                        time.sleep(1.0)
                        seconds, _ = br.cold_start(
                            browser, kind, folder, tmp / f"{kind}-cold{i}.log", 34
                        )
                        seen.append(seconds)
                        print(f"{label}: {kind} {i + 1}: {seconds:.2f} s", file=sys.stderr)
                medians = {k: statistics.median(v) for k, v in times.items()}
                print(f"\n{label}, {args.rounds} launches each, launch to map painted:")
                for kind, seen in times.items():
                    spread = f"{min(seen):.2f}-{max(seen):.2f}"
                    print(f"  {kind:5} median {medians[kind]:.2f} s ({spread})")
                print(f"  ours / naive = {medians['ours'] / medians['naive']:.2f}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
