"""Streamlit's collection after every run: the app's ``gc.freeze()`` or the public option.

Streamlit runs ``gc.collect()`` after every script run unless ``runner.postScriptGC`` is
false. The app has kept that collection cheap by freezing the libraries and the built-in
data out of the collector's sight (dashboard/perf.py). This runs the app each way, taking
turns, on the built-in data and on a million synthetic claims, and prints the repaint
after a filter change and the server's memory with one and with ten sessions::

    .venv/bin/python -m bench.postgc --rounds 3
    .venv/bin/python -m bench.postgc --rounds 1 --claims 0      # the built-in data only

Variants (bench/browser.py): ``ours`` as configured by the repository (its
.streamlit/config.toml), ``ours-nogc`` with the option off on the command line, and
``ours-nogc-nofreeze`` with the option off and ``gc.freeze`` made a no-op. Prints each
measurement as it comes, then the median and range of each variant per data set.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import browser as br
from bench import synth

OUT = br.REPO / "bench" / "out"
FIGURES = {
    "repaint_s": lambda a: a["filter_change_median_s"],
    "rss_1_MB": lambda a: a["rss_1_session"] / 1e6,
    "rss_after_changes_MB": lambda a: a["rss_after_changes"] / 1e6,
    "rss_10_MB": lambda a: a["rss_n_sessions"] / 1e6,
    "ratio_10_1": lambda a: a["rss_ratio"],
}


def _folders(tmp: Path, claims: int) -> dict[str, Path]:
    from geo.dataset import load_dataset
    from geo.paths import DATA_DIR

    builtin = tmp / "builtin" / "data"
    shutil.copytree(DATA_DIR, builtin)
    folders = {f"built-in ({len(load_dataset(builtin).claims)} claims)": builtin}
    if claims:
        folder = tmp / "synthetic" / "data"
        names = load_dataset(DATA_DIR).names
        synth.write_data_dir(folder, synth.make_claims(claims, names), repo_data=DATA_DIR)
        folders[f"synthetic ({claims:,} claims)"] = folder
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per variant and data set")
    parser.add_argument("--claims", type=int, default=1_000_000, help="synthetic data set; 0: none")
    parser.add_argument("--changes", type=int, default=7, help="filter changes per run")
    parser.add_argument("--sessions", type=int, default=10, help="pages open at the end")
    parser.add_argument(
        "--variants", default="ours,ours-nogc,ours-nogc-nofreeze", help="comma-separated"
    )
    args = parser.parse_args(argv)
    variants = args.variants.split(",")

    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"load_average_at_start": os.getloadavg(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-postgc-") as name, sync_playwright() as pw:
        tmp = Path(name)
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        try:
            for label, folder in _folders(tmp, args.claims).items():
                runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
                for i in range(args.rounds):
                    for variant in variants:  # taking turns: the machine's drift hits all
                        time.sleep(1.0)
                        measured = br.measure_app(
                            browser,
                            variant,
                            folder,
                            tmp / f"{variant}-{i}.log",
                            actor="Taliban",
                            polygons=34,
                            changes=args.changes,
                            sessions=args.sessions,
                        )
                        runs[variant].append(measured)
                        shown = ", ".join(f"{k} {f(measured):.3f}" for k, f in FIGURES.items())
                        print(f"{label}: {variant} {i + 1}: {shown}", file=sys.stderr, flush=True)
                results["runs"][label] = runs
                print(f"\n{label}, {args.rounds} runs each: median (min-max)")
                for variant, measured in runs.items():
                    cells = []
                    for key, figure in FIGURES.items():
                        values = [figure(m) for m in measured]
                        cells.append(
                            f"{key} {statistics.median(values):.3f} "
                            f"({min(values):.3f}-{max(values):.3f})"
                        )
                    print(f"  {variant}: " + "; ".join(cells))
        finally:
            browser.close()
    results["load_average_at_end"] = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"postgc-{time.strftime('%Y-%m-%dT%H%M')}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    load = ", ".join(f"{x:.1f}" for x in results["load_average_at_end"])
    print(f"\nLoad average at the end: {load}. Saved {path.relative_to(br.REPO)}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
