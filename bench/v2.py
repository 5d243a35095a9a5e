"""Prototype measurement: the floor page with streamlit-folium's frame against the same page
with a custom component v2 of our own (bench/v2_app.py), taking turns::

    .venv/bin/python -m bench.v2 --rounds 3

Per app and round: launch to map painted (cold start), filter changes to map repainted
(the page's own input timestamp to the paint noted in the page by a MutationObserver, in
the animation frame after the change), whether the map was rebuilt, bytes at first load
and per change (DevTools), and server RSS with one and with ten sessions. The floor is
measured by bench/browser.py's own code (its watcher lives in the map frame); the v2 page
by the same steps here, its watcher in the page, as the map has no frame.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from bench import browser as br

OUT = br.REPO / "bench" / "out"
br.APPS["v2"] = "bench/v2_app.py"
br.VARIANTS["v2"] = ("v2", [])

# In the page: note each change of the map's data-claims-view / -painted, in the animation
# frame after it, and mark the map element so a rebuilt map shows.
V2_INIT_JS = r"""
(() => {
  if (window.top !== window) { return; }
  const note = () => { window.__benchInput = Date.now(); };
  window.addEventListener('mousedown', note, true);
  window.addEventListener('keydown', note, true);
  window.__bench = {events: []};
  let pending = false;
  function snapshot() {
    pending = false;
    const host = document.querySelector('.claims-v2-map');
    if (!host) { return; }
    const e = {painted: host.getAttribute('data-claims-painted'),
               view: Number(host.getAttribute('data-claims-view') || 0)};
    const last = window.__bench.events[window.__bench.events.length - 1];
    if (last && last.painted === e.painted && last.view === e.view) { return; }
    e.t = Date.now();
    window.__bench.events.push(e);
  }
  new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(snapshot); }
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['data-claims-painted', 'data-claims-view']});
})();
"""

STATE_JS = """() => {
  const host = document.querySelector('.claims-v2-map');
  return {
    marked: Boolean(host && host.__benchMark),
    painted: host ? host.getAttribute('data-claims-painted') : null,
    view: host ? Number(host.getAttribute('data-claims-view') || 0) : 0,
    events: window.__bench ? window.__bench.events : [],
  };
}"""


def _wait(page: Page, test: Any, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + br.WAIT_SECONDS
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        if test(state):
            return state
        page.wait_for_timeout(20)
    raise TimeoutError(f"v2: {what} not seen within {br.WAIT_SECONDS} s")


def _painted_at(state: dict[str, Any], after_view: int) -> float:
    times = [e["t"] for e in state["events"] if e["painted"] and e["view"] > after_view]
    return float(times[0]) if times else br.now_ms()


def measure_v2(
    browser: Browser, data_dir: Path, log: Path, *, changes: int, sessions: int
) -> dict[str, Any]:
    out: dict[str, Any] = {"app": "v2"}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(V2_INIT_JS)
    try:
        with br.app_server("v2", data_dir, log) as server:
            page = context.new_page()
            meter = br.Meter(page)
            opened = br.now_ms()
            page.goto(server.url, wait_until="commit")
            state = _wait(page, lambda s: s["painted"] and s["view"] >= 1, "first paint")
            painted = _painted_at(state, 0)
            out["cold_start_s"] = (painted - server.launched_ms) / 1000
            out["first_paint_cold_s"] = (painted - opened) / 1000
            br.wait_idle(page)
            meter.wait_quiet()
            out["first_load"] = meter.snapshot()
            page.wait_for_timeout(500)
            out["rss_1_session"] = server.rss()
            timings, change_bytes, rebuilt = [], [], 0
            for i in range(changes):
                page.evaluate("() => { document.querySelector('.claims-v2-map').__benchMark = 1; }")
                before = page.evaluate(STATE_JS)["view"]
                meter.reset()
                clicked = br.now_ms()
                if i % 2 == 0:
                    br.choose_actor(page, "Taliban")
                else:
                    br.clear_actor(page)
                state = _wait(page, lambda s, b=before: s["view"] > b or not s["marked"], "repaint")
                rebuilt += int(not state["marked"])
                started = br.input_time(page, clicked)
                page.keyboard.press("Escape")
                timings.append((_painted_at(state, before) - started) / 1000)
                br.wait_idle(page)
                meter.wait_quiet()
                change_bytes.append(meter.snapshot()["received"])
            out["filter_change_s"] = timings
            out["filter_change_median_s"] = statistics.median(timings)
            out["filter_change_new_frames"] = rebuilt
            out["filter_change_bytes_median"] = statistics.median(change_bytes)
            extra = [context.new_page() for _ in range(max(0, sessions - 1))]
            for p in extra:
                p.goto(server.url, wait_until="commit")
            for p in extra:
                _wait(p, lambda s: s["painted"] and s["view"] >= 1, "paint of another session")
                br.wait_idle(p)
            page.wait_for_timeout(1500)
            out["sessions"] = 1 + len(extra)
            out["rss_n_sessions"] = server.rss()
            out["rss_ratio"] = out["rss_n_sessions"] / out["rss_1_session"]
            out["outside_requests"] = meter.outside
    finally:
        context.close()
    return out


FIGURES = {
    "cold start s": lambda a: a["cold_start_s"],
    "repaint s": lambda a: a["filter_change_median_s"],
    "new map frames": lambda a: a["filter_change_new_frames"],
    "first load KB": lambda a: a["first_load"]["received"] / 1000,
    "first load without /static/ KB": lambda a: (
        a["first_load"]["received_without_streamlit_bundle"] / 1000
    ),
    "bytes per change KB": lambda a: a["filter_change_bytes_median"] / 1000,
    "RSS 1 MB": lambda a: a["rss_1_session"] / 1e6,
    "RSS 10 MB": lambda a: a["rss_n_sessions"] / 1e6,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=10)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from geo.paths import DATA_DIR

    runs: dict[str, list[dict[str, Any]]] = {"floor": [], "v2": []}
    with tempfile.TemporaryDirectory(prefix="bench-v2-") as name, sync_playwright() as pw:
        tmp = Path(name)
        folder = tmp / "builtin" / "data"
        shutil.copytree(DATA_DIR, folder)
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        try:
            for i in range(args.rounds):
                for kind in runs:
                    time.sleep(1.0)
                    log = tmp / f"{kind}-{i}.log"
                    if kind == "v2":
                        got = measure_v2(
                            browser, folder, log, changes=args.changes, sessions=args.sessions
                        )
                    else:
                        got = br.measure_app(
                            browser,
                            kind,
                            folder,
                            log,
                            actor="Taliban",
                            polygons=34,
                            changes=args.changes,
                            sessions=args.sessions,
                        )
                    runs[kind].append(got)
                    shown = ", ".join(f"{k} {f(got):.3f}" for k, f in FIGURES.items())
                    print(f"{kind} {i + 1}: {shown}", file=sys.stderr, flush=True)
                    if got.get("outside_requests"):
                        print(f"  requests outside: {got['outside_requests']}", file=sys.stderr)
        finally:
            browser.close()
    print(f"\nbuilt-in data, {args.rounds} runs each: median (min-max)")
    for key, figure in FIGURES.items():
        cells = []
        for kind, found in runs.items():
            values = [figure(r) for r in found]
            cells.append(
                f"{kind} {statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"
            )
        print(f"  {key}: " + "; ".join(cells))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"v2-{time.strftime('%Y-%m-%dT%H%M')}.json"
    with contextlib.suppress(OSError):
        path.write_text(json.dumps(runs, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
