"""First paint of bigger countries' maps beside Afghanistan's, in the browser (issue #17).

:mod:`bench.countries` measures the server's side; this opens the running app (one warm
server, ``bench.browser.app_server``) at ``?country=XX`` in a fresh browser context each
time (an empty HTTP cache: a new visitor), countries taking turns, and times the page from
``goto`` to every unit painted in the map's frame::

    .venv/bin/python -m bench.countries_paint --rounds 5

It prints the median and range per country and the ratio of medians to Afghanistan's
(issue #17's target: at most 1.5x). The built-in claims are Afghanistan's, so the other
maps are drawn with no claims: this is the geometry's cost, which is the bulk of a first
paint.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench import browser as br
from bench.cold import folders
from geo.model.countries import country_info

COUNTRIES = ("AF", "GB", "SD", "PK", "MM", "UA")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    seconds: dict[str, list[float]] = {code: [] for code in COUNTRIES}
    with tempfile.TemporaryDirectory(prefix="bench-paint-") as name, sync_playwright() as pw:
        tmp = Path(name)
        folder = next(iter(folders(tmp, 0).values()))
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        try:
            with br.app_server("ours", folder, tmp / "server.log") as server:
                for i in range(args.rounds + 1):  # the first round warms the server
                    for code in COUNTRIES:
                        units = country_info(code).units
                        context = browser.new_context(viewport={"width": 1400, "height": 1000})
                        context.add_init_script(br.INIT_JS)
                        try:
                            page = context.new_page()
                            opened = br.now_ms()
                            page.goto(f"{server.url}?country={code}", wait_until="commit")
                            paint = br.wait_first_paint(page, "ours", units)
                            took = (paint.painted_ms - opened) / 1000
                        finally:
                            context.close()
                        if i:
                            seconds[code].append(took)
                        print(f"round {i} {code} ({units} units): {took:.2f} s", file=sys.stderr)
        finally:
            browser.close()

    base = statistics.median(seconds["AF"])
    print(f"\nopen page to every unit painted, warm server, {args.rounds} rounds each:")
    for code, seen in seconds.items():
        median = statistics.median(seen)
        print(
            f"  {country_info(code).name:16} {country_info(code).units:4} units  "
            f"median {median:.2f} s ({min(seen):.2f}-{max(seen):.2f})  x AF {median / base:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
