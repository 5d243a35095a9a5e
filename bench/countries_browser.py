"""A big country's map in the browser beside Afghanistan's, the same claims on each (#17).

Issue #17's targets, relative to Afghanistan's 34 provinces: first paint at most 1.5x,
filter change to repaint at most 1.5x, bytes per change at most 2x. :mod:`bench.countries`
measures the server's side and :mod:`bench.countries_paint` the first paint of the built-in
claims (which are Afghanistan's, so other maps carry none). Here each map gets the same
number of synthetic claims (``bench.synth``): a data folder is made whose provinces are the
country's built-in units, and the app runs on it through ``bench.browser.measure_app``, as
``bench.run`` measures Afghanistan: first paint, filter changes to repaint, bytes::

    .venv/bin/python -m bench.countries_browser [--claims 10000] [--country GB]

It measures; it asserts nothing about the figures.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench import browser as br
from bench import synth
from geo.model.countries import country_info, country_registry
from geo.paths import DATA_DIR

ACTOR = "Taliban"  # synth's most claimed actor


def country_folder(tmp: Path, code: str) -> Path:
    """A folder laid out like data/ whose provinces are ``code``'s built-in units."""
    info = country_info(code)
    folder = tmp / f"units-{code}"
    folder.mkdir()
    shutil.copy(info.places_path, folder / "provinces.csv")
    shutil.copy(info.boundaries_path, folder / "provinces.geojson")
    meta = info.boundaries_path.with_name(info.boundaries_path.name + ".meta.json")
    shutil.copy(meta, folder / "provinces.geojson.meta.json")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--country", default="GB", help="the big map (ISO alpha-2)")
    parser.add_argument("--changes", type=int, default=7)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-countries-") as name, sync_playwright() as pw:
        tmp = Path(name)
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        try:
            for code in ("AF", args.country):
                units = DATA_DIR if code == "AF" else country_folder(tmp, code)
                registry = country_registry(code)
                names = {c: registry.name(c) for c in registry.codes}
                folder = synth.write_data_dir(
                    tmp / f"data-{code}",
                    synth.make_claims(args.claims, names),
                    repo_data=units,
                )
                results[code] = br.measure_app(
                    browser,
                    "ours",
                    folder,
                    tmp / f"{code}.log",
                    actor=ACTOR,
                    polygons=len(names),
                    changes=args.changes,
                    sessions=1,
                )
                results[code]["units"] = len(names)
        finally:
            browser.close()

    rows = [
        ("open page to painted (cold server), s", "first_paint_cold_s"),
        ("open page to painted (warm), s", "first_paint_warm_s"),
        ("filter change to repaint (median), s", "filter_change_median_s"),
        ("bytes per filter change (median)", "filter_change_bytes_median"),
    ]
    af, big = results["AF"], results[args.country]
    print(f"\n{args.claims:,} synthetic claims on each map; ours in headless Chromium\n")
    print(f"{'':40} {'AF':>10} {args.country:>10} {'x AF':>6}")
    print(f"{'units':40} {af['units']:>10} {big['units']:>10}")
    for label, key in rows:
        a, b = af.get(key), big.get(key)
        if a is None or b is None:
            print(f"{label:40} {'-':>10} {'-':>10}")
            continue
        print(f"{label:40} {a:>10.3f} {b:>10.3f} {b / a:>6.2f}")
    print(
        f"{'new map frames per change':40} {af['filter_change_new_frames']:>10} "
        f"{big['filter_change_new_frames']:>10}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
