"""Memory of a million claims, in a fresh process: ``python -m bench.memory --claims N``.

Imports what the app imports, then measures the process's resident memory (RSS) before
and after building the claims table, after one rerun on it (filter, aggregate, map view,
data layer), and the peak. Prints one JSON object. Run by ``bench.run`` as a subprocess so
that nothing else the benchmark holds is counted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
import tempfile
from pathlib import Path

import psutil


def rss() -> int:
    return psutil.Process().memory_info().rss


def peak_rss() -> int:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries that across exec,
    so a child would report its parent's size at fork time."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--geo", choices=["afghanistan", "us_counties"], default="afghanistan")
    parser.add_argument(
        "--load",
        type=Path,
        help="instead: load this data folder the way the app does (load_dataset)",
    )
    args = parser.parse_args(argv)
    if args.load:
        return loader(args.load)

    import streamlit  # noqa: F401  (the server has it loaded too)

    from bench import geos, ours, synth
    from geo.views.filtering import ClaimFilter

    scratch = tempfile.TemporaryDirectory(prefix="bench-mem-")
    geo = geos.afghanistan() if args.geo == "afghanistan" else geos.us_counties(Path(scratch.name))
    gc.collect()
    before = rss()
    claims = synth.make_claims(args.claims, geo.names)
    gc.collect()
    after_claims = rss()
    deep = int(claims.memory_usage(deep=True).sum())
    actor = synth.top_actor(claims)
    claim_filter = ClaimFilter(
        start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31), actors=frozenset([actor])
    )
    ours.rerun(claims, geo.names, claim_filter, "presence", geo.base_kwargs)
    gc.collect()
    after_rerun = rss()
    peak = peak_rss()
    json.dump(
        {
            "claims": args.claims,
            "geo": args.geo,
            "rss_before": before,
            "rss_after_claims": after_claims,
            "rss_delta_claims": after_claims - before,
            "dataframe_deep_bytes": deep,
            "rss_after_rerun": after_rerun,
            "rss_peak": peak,
        },
        sys.stdout,
    )
    print()
    scratch.cleanup()
    return 0


def loader(folder: Path) -> int:
    """RSS and peak of the app's ``geo.dataset.load_dataset`` on a data folder."""
    import time

    import streamlit  # noqa: F401

    from geo.dataset import load_dataset

    gc.collect()
    before = rss()
    started = time.perf_counter()
    data = load_dataset(folder)
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss()
    peak = peak_rss()
    json.dump(
        {
            "claims": len(data.claims),
            "rejected": data.rejected_rows,
            "load_seconds": seconds,
            "rss_before": before,
            "rss_after_load": after,
            "rss_delta_load": after - before,
            "rss_peak": peak,
            "claims_deep_bytes": int(data.claims.memory_usage(deep=True).sum()),
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
