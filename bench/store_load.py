"""The store against the CSV loader: ``python -m bench.store_load [--claims N] [--rounds R]``.

Makes N synthetic claims (bench/synth.py) as a data folder, fills a SQLite store and a
PostgreSQL store (a throwaway server from Debian's package, tests/pgserver.py) with them,
saves a 100,000-claim upload as a dataset on each, then loads the same claims R times
each way, alternating, each load in a fresh process so its peak memory is its own:

- csv: ``geo.dataset.load_dataset`` on the folder (what the app did before the store);
- sqlite / postgresql: ``Store.load("builtin")``.

Prints a table of the median and range of each, and the ratio to the CSV loader's median
(the goal: at most 2x, peak memory under 1 GB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _measure(kind: str, folder: Path, url: str) -> int:
    """In this (fresh) process: load once, print seconds and peak RSS as JSON."""
    from bench.memory import peak_rss

    if kind == "csv":
        from geo.dataset import load_dataset

        start = time.perf_counter()
        data = load_dataset(folder)
    else:
        import store

        s = store.open_store(url)
        start = time.perf_counter()
        data = s.load("builtin")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_rss": peak_rss(), "claims": len(data.claims)}))
    return 0


def _run(kind: str, folder: Path, url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.store_load", "--measure", kind, str(folder), url],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--save-claims", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", nargs=3, metavar=("KIND", "FOLDER", "URL"))
    args = parser.parse_args(argv)
    if args.measure:
        kind, folder, url = args.measure
        return _measure(kind, Path(folder), url)

    import store
    from bench.synth import make_claims, write_data_dir
    from geo.dataset import load_dataset
    from tests.pgserver import running_postgres

    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp, running_postgres() as pg:
        names = load_dataset(REPO / "data").names
        folder = write_data_dir(
            Path(tmp) / "data", make_claims(args.claims, names), repo_data=REPO / "data"
        )
        small = write_data_dir(
            Path(tmp) / "small", make_claims(args.save_claims, names), repo_data=REPO / "data"
        )
        upload = load_dataset(small)
        urls = {
            "sqlite": f"sqlite:///{tmp}/claims.db",
            "postgresql": pg.create_database("bench"),
        }
        fill: dict[str, float] = {}
        save: dict[str, float] = {}
        for engine, url in urls.items():
            s = store.open_store(url)
            start = time.perf_counter()
            s.sync_builtin(folder)
            fill[engine] = time.perf_counter() - start
            start = time.perf_counter()
            s.save(upload, name=f"upload of {args.save_claims}")
            save[engine] = time.perf_counter() - start
            s.engine.dispose()

        runs: dict[str, list[dict[str, float]]] = {"csv": [], **{e: [] for e in urls}}
        for _ in range(args.rounds):
            runs["csv"].append(_run("csv", folder, ""))
            for engine, url in urls.items():
                runs[engine].append(_run(engine, folder, url))

    csv_median = statistics.median(r["seconds"] for r in runs["csv"])
    print(f"\nLoading {args.claims:,} claims, {args.rounds} runs each (fresh process per run)\n")
    print("| from | median s | range s | x CSV | peak RSS MB (max) |")
    print("|---|---|---|---|---|")
    for kind, results in runs.items():
        secs = [r["seconds"] for r in results]
        med = statistics.median(secs)
        peak = max(r["peak_rss"] for r in results) / 2**20
        print(
            f"| {kind} | {med:.2f} | {min(secs):.2f}-{max(secs):.2f} | "
            f"{med / csv_median:.2f} | {peak:.0f} |"
        )
    print()
    for engine in urls:
        print(
            f"{engine}: filling the store with {args.claims:,} claims {fill[engine]:.1f} s; "
            f"saving a {args.save_claims:,}-claim dataset {save[engine]:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
