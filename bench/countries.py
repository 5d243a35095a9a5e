"""Afghanistan beside bigger maps: a country of ~230 units and regions of several countries.

Issue #17's targets, relative to Afghanistan's 34 provinces: first paint at most 1.5x,
filter change to repaint at most 1.5x, bytes per change at most 2x. Measured here, server
side, on the app's own code (what :mod:`bench.ours` times for one rerun) with the same
number of synthetic claims spread over each map's units:

- geometry: the GeoJSON the map frame fetches once (its bytes are the first paint's bulk),
  the neighbours' outlines it fetches beside it, and the seconds to build the map's dataset
  (``region`` + ``country_view``);
- base frame: the one-time render of the base map's strings;
- rerun: filter -> aggregate -> map view -> data layer for a filter change (median of 5),
  and the data layer's bytes (what one change sends to the browser).

The browser's own paint time is not measured here (see bench/browser.py for Afghanistan's);
it grows with the number of vertices drawn, which the geometry bytes stand for.

    .venv/bin/python -m bench.countries [--claims 100000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.ours import rerun
from bench.synth import make_claims, source_labels, top_actor, with_string_dtypes
from geo.dataset import country_view, load_dataset
from geo.model.countries import neighbours, region
from geo.views.filtering import ClaimFilter

MAPS: dict[str, tuple[str, ...]] = {
    "Afghanistan": ("AF",),
    "United Kingdom (232 units)": ("GB",),
    "Afghanistan and neighbours": ("AF", "PK", "IR", "TJ", "TM", "UZ"),
    "Sahel region": ("ML", "NE", "BF", "TD", "NG", "MR", "SN"),
    "Horn and Sudan": ("SD", "SS", "ET", "ER", "SO", "KE", "UG"),
}
RUNS = 5


def measure(codes: tuple[str, ...], claims_count: int) -> dict[str, float]:
    base = load_dataset()
    started = time.perf_counter()
    found = region(codes)
    data = base if codes == ("AF",) else country_view(base, found)
    geometry = data.geojson
    build_seconds = time.perf_counter() - started
    context = neighbours(found.codes).to_json(drop_id=True)
    names = data.names
    claims = with_string_dtypes(make_claims(claims_count, names))
    actor = top_actor(claims)
    change = ClaimFilter(actors=frozenset({actor}))
    kwargs = {"credit": "Boundaries: Natural Earth", "geometry_url": "x.geojson"}
    labels = source_labels()
    rerun(claims, names, change, "presence", kwargs, source_labels=labels)  # warm-up
    times, sizes = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        done = rerun(claims, names, change, "presence", kwargs, source_labels=labels)
        times.append(time.perf_counter() - t0)
        sizes.append(len(done.pushed.encode("utf-8")))
    return {
        "units": len(names),
        "geometry_bytes": len(geometry.encode("utf-8")),
        "context_bytes": len(context.encode("utf-8")),
        "build_s": build_seconds,
        "rerun_s": statistics.median(times),
        "change_bytes": statistics.median(sizes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    args = parser.parse_args()
    rows = {name: measure(codes, args.claims) for name, codes in MAPS.items()}
    af = rows["Afghanistan"]
    print(f"{args.claims:,} synthetic claims per map; ratios are to Afghanistan's\n")
    print(
        f"{'map':30} {'units':>5} {'geometry KB':>12} {'x':>5} {'+context KB':>11} {'build s':>8} "
        f"{'rerun ms':>9} {'x':>5} {'change KB':>10} {'x':>5}"
    )
    for name, r in rows.items():
        print(
            f"{name:30} {r['units']:>5} {r['geometry_bytes'] / 1000:>12.1f} "
            f"{r['geometry_bytes'] / af['geometry_bytes']:>5.2f} "
            f"{r['context_bytes'] / 1000:>11.1f} {r['build_s']:>8.2f} "
            f"{r['rerun_s'] * 1000:>9.1f} {r['rerun_s'] / af['rerun_s']:>5.2f} "
            f"{r['change_bytes'] / 1000:>10.1f} {r['change_bytes'] / af['change_bytes']:>5.2f}"
        )


if __name__ == "__main__":
    main()
