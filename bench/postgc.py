"""Streamlit's collection after every run: the app's ``gc.freeze()`` or the public option.

Streamlit runs ``gc.collect()`` after every script run unless ``runner.postScriptGC`` is
false. The app has kept that collection cheap by freezing the libraries and the built-in
data out of the collector's sight (dashboard/perf.py). This runs the app each way, taking
turns, on the built-in data and on a million synthetic claims, and prints the repaint
after a filter change and the server's memory with one and with ten sessions::

    .venv/bin/python -m bench.postgc --rounds 3
    .venv/bin/python -m bench.postgc --rounds 1 --claims 0      # the built-in data only
    .venv/bin/python -m bench.postgc --in-process --runs 40     # the collector's own pauses

``--in-process`` runs the real app script with Streamlit's ``AppTest`` (no browser, no
server) in a fresh process per variant, changing the actor filter on every run, and notes
every pause of the garbage collector (``gc.callbacks``) and the process's memory: the
collector's share of a filter change, which the browser's repaint times blur on a shared
machine.

Variants (bench/browser.py): ``ours`` as configured by the repository (its
.streamlit/config.toml), ``ours-nogc`` with the option off on the command line, and
``ours-nogc-nofreeze`` with the option off and ``gc.freeze`` made a no-op. Prints each
measurement as it comes, then the median and range of each variant per data set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import browser as br
from bench.cold import folders

OUT = br.REPO / "bench" / "out"
FIGURES = {
    "repaint_s": lambda a: a["filter_change_median_s"],
    "rss_1_MB": lambda a: a["rss_1_session"] / 1e6,
    "rss_after_changes_MB": lambda a: a["rss_after_changes"] / 1e6,
    "rss_10_MB": lambda a: a["rss_n_sessions"] / 1e6,
    "ratio_10_1": lambda a: a["rss_ratio"],
}


# Variant -> (runner.postScriptGC, whether the app's gc.freeze works)
IN_PROCESS = {
    "ours": (True, True),
    "ours-nogc": (False, True),
    "ours-nogc-nofreeze": (False, False),
    "ours-gc-nofreeze": (True, False),
}


def child(variant: str, data_dir: Path, runs: int) -> dict[str, Any]:
    """The app script run ``runs`` times in this process, the actor filter changed each
    time; the collector's pauses and the memory."""
    import gc

    import psutil
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    post_gc, freeze = IN_PROCESS[variant]
    os.environ[br.DATA_DIR_ENV] = str(data_dir)
    os.environ[br.DATABASE_URL_ENV] = br.filled_store(data_dir)
    config.set_option("runner.postScriptGC", post_gc)
    if not freeze:
        gc.freeze = lambda: None
    pauses: list[tuple[int, float]] = []
    started: list[float] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append((info["generation"], time.perf_counter() - started.pop()))

    at = AppTest.from_file(str(br.REPO / "app.py"), default_timeout=300)
    for _ in range(2):  # loading and imports; the app freezes in its second run
        at.run()
        if post_gc:
            gc.collect(2)  # see below
    gc.callbacks.append(note)
    rss_start = psutil.Process().memory_info().rss
    per_run: list[dict[str, float]] = []
    for i in range(runs):
        before = len(pauses)
        box = at.multiselect(key="f_actor")
        box.set_value(["Taliban"] if i % 2 == 0 else [])
        t0 = time.perf_counter()
        at.run()
        if post_gc:
            # What Streamlit's script runner does after each run when the option is on;
            # AppTest's runner does not get that far (checked: no full collection).
            gc.collect(2)
        wall = time.perf_counter() - t0
        mine = pauses[before:]
        per_run.append(
            {
                "wall_s": wall,
                "gc_s": sum(s for _, s in mine),
                "gc_full": sum(1 for g, _ in mine if g == 2),
                "gc_longest_s": max((s for _, s in mine), default=0.0),
            }
        )
        assert not at.exception, at.exception
    gc.callbacks.remove(note)
    return {
        "variant": variant,
        "runs": per_run,
        "frozen_objects": gc.get_freeze_count(),
        "rss_start": rss_start,
        "rss_end": psutil.Process().memory_info().rss,
    }


def in_process(folders: dict[str, Path], variants: list[str], rounds: int, runs: int) -> None:
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(br.REPO)}
    for label, folder in folders.items():
        found: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
        for i in range(rounds):
            for variant in variants:
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.postgc",
                        "--child",
                        variant,
                        "--data",
                        str(folder),
                        "--runs",
                        str(runs),
                    ],
                    cwd=br.REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=1800,
                    check=True,
                )
                result = json.loads(done.stdout.strip().splitlines()[-1])
                found[variant].append(result)
                r = result["runs"]
                print(
                    f"{label}: {variant} {i + 1}: run {_ms([x['wall_s'] for x in r])}, "
                    f"collector {_ms([x['gc_s'] for x in r])} per run, "
                    f"{sum(x['gc_full'] for x in r)} full collections in {len(r)} runs, "
                    f"longest pause {max(x['gc_longest_s'] for x in r) * 1000:.0f} ms, "
                    f"RSS {result['rss_start'] / 1e6:.0f} -> {result['rss_end'] / 1e6:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
        print(f"\n{label}, in process, {rounds} x {runs} runs each:")
        for variant, results in found.items():
            runs_all = [x for res in results for x in res["runs"]]
            print(
                f"  {variant}: run median {_ms([x['wall_s'] for x in runs_all])}; collector "
                f"median {_ms([x['gc_s'] for x in runs_all])}, mean "
                f"{statistics.mean(x['gc_s'] for x in runs_all) * 1000:.1f} ms per run; "
                f"full collections {sum(x['gc_full'] for x in runs_all)} in {len(runs_all)}; "
                f"longest {max(x['gc_longest_s'] for x in runs_all) * 1000:.0f} ms; RSS end "
                + ", ".join(f"{res['rss_end'] / 1e6:.0f}" for res in results)
                + " MB"
            )


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-process", action="store_true", help="AppTest, no browser")
    parser.add_argument("--runs", type=int, default=40, help="--in-process: runs per process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3, help="runs per variant and data set")
    parser.add_argument("--claims", type=int, default=1_000_000, help="synthetic data set; 0: none")
    parser.add_argument("--changes", type=int, default=7, help="filter changes per run")
    parser.add_argument("--sessions", type=int, default=10, help="pages open at the end")
    parser.add_argument(
        "--variants", default="ours,ours-nogc,ours-nogc-nofreeze", help="comma-separated"
    )
    args = parser.parse_args(argv)
    variants = args.variants.split(",")
    if args.child:
        json.dump(child(args.child, args.data, args.runs), sys.stdout)
        print()
        return 0
    if args.in_process:
        with tempfile.TemporaryDirectory(prefix="bench-postgc-") as name:
            in_process(folders(Path(name), args.claims), variants, args.rounds, args.runs)
        return 0

    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"load_average_at_start": os.getloadavg(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-postgc-") as name, sync_playwright() as pw:
        tmp = Path(name)
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        try:
            for label, folder in folders(tmp, args.claims).items():
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
