"""Benchmark of the claims map against a naive version of the same page (issue #5).

Run from the repository root::

    .venv/bin/python -m bench.run            # the full run, a few minutes
    .venv/bin/python -m bench.run --quick    # a smoke run, about a minute
    .venv/bin/python -m bench.run --no-browser

It prints tables and PASS/FAIL against the targets (it never fails on a target: these are
measurements, not tests) and saves everything to ``bench/out/results-<date>.json``, with
the profiles of the largest rerun in ``bench/out/profile-<geo>-<date>.txt``.
See ``bench/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
if str(REPO) not in sys.path:  # also runnable as `python bench/run.py`
    sys.path.insert(0, str(REPO))

# The filter change every rerun measurement makes: one of the top actors, one year.
WINDOW = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
METRIC = "presence"  # the map's default colouring
BROWSER_ACTOR = "Taliban"  # the most claimed actor in both the built-in and synthetic data
PACKAGES = (
    "streamlit",
    "streamlit-folium",
    "folium",
    "branca",
    "Jinja2",
    "pandas",
    "numpy",
    "pyarrow",
    "geopandas",
    "shapely",
    "pyogrio",
    "playwright",
    "psutil",
    "bokeh-sampledata",
)


@dataclass(frozen=True)
class Config:
    quick: bool
    sizes: tuple[int, ...]
    runs: int
    warmup: int
    naive_county_sizes: tuple[int, ...]  # the naive county page costs ~10 s a rerun
    naive_county_runs: int
    string_dtype_check: bool
    memory_claims: int
    loader_claims: int
    browser: bool
    browser_synthetic_claims: int
    changes: int
    sessions: int
    cold_starts: int  # per app and data set, ours and naive alternating; 0: the first page's
    ours_runs: int  # ours' reruns per size, the sizes taking turns
    turn_rounds: int  # repaints with the apps taking turns (browser.repaints_in_turns)
    turn_changes: int  # filter changes per app and round
    extra_variants: tuple[str, ...]  # measured on the built-in data only


def config(args: argparse.Namespace) -> Config:
    if args.quick:
        return Config(
            quick=True,
            sizes=(1_000, 100_000),
            runs=3,
            warmup=1,
            naive_county_sizes=(1_000,),
            naive_county_runs=1,
            string_dtype_check=False,
            memory_claims=100_000,
            loader_claims=args.loader_claims or 0,
            browser=args.browser,
            browser_synthetic_claims=0,
            changes=2,
            sessions=2,
            cold_starts=0,
            ours_runs=5,
            turn_rounds=2,
            turn_changes=1,
            extra_variants=(),
        )
    return Config(
        quick=False,
        sizes=(1_000, 100_000, 1_000_000),
        runs=5,
        warmup=1,
        naive_county_sizes=(1_000, 100_000, 1_000_000),
        naive_county_runs=5,
        string_dtype_check=True,
        memory_claims=1_000_000,
        loader_claims=args.loader_claims or 1_000_000,
        browser=args.browser,
        browser_synthetic_claims=100_000,
        changes=7,
        sessions=10,
        cold_starts=7,
        ours_runs=25,
        turn_rounds=6,
        turn_changes=3,
        extra_variants=("ours-nogc", "floor"),
    )


# --- helpers -------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _iqr(values: list[float]) -> str:
    """The middle half of ``values``, in seconds."""
    if len(values) < 4:
        return "n/a"
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"{q1:.2f}-{q3:.2f} s"


def _polled_note(*apps: dict[str, Any]) -> str:
    # Paints the frame's watcher missed were timed by polling, up to ~20 ms late.
    polled = sum(a.get("paints_timed_by_polling", 0) for a in apps)
    return f"; WARNING: {polled} paint(s) timed by polling, not in the frame" if polled else ""


def timed(fn: Callable[..., Any], runs: int, warmup: int) -> dict[str, Any]:
    """Median and min of ``runs`` timed calls of ``fn(phases=...)`` after ``warmup`` calls.

    ``fn`` adds the seconds of each of its steps to the dict it is given; the result holds
    each step's median over the timed runs (a mean let one slow run, such as a garbage
    collection of this process's large heap, show as a slow step), and the last call's
    return value.
    """
    result = None
    for _ in range(warmup):
        result = fn(phases={})
    times = []
    per_run: list[dict[str, float]] = []
    for _ in range(runs):
        phases: dict[str, float] = {}
        started = time.perf_counter()
        result = fn(phases=phases)
        times.append(time.perf_counter() - started)
        per_run.append(phases)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "runs_s": times,
        # Each step's median: the steps' medians need not add up to the whole's.
        "phases_s": {k: statistics.median(p.get(k, 0.0) for p in per_run) for k in per_run[0]},
        "result": result,
    }


def timed_in_turns(fns: dict[Any, Callable[..., Any]], runs: int, warmup: int) -> dict:
    """:func:`timed` for several functions, taking turns: round by round, each is called
    once. A busy spell of this shared machine then slows every one of them a little
    rather than one of them a lot, so the ratio between them holds still."""
    results = {key: None for key in fns}
    for _ in range(warmup):
        for key, fn in fns.items():
            results[key] = fn(phases={})
    times: dict[Any, list[float]] = {key: [] for key in fns}
    per_run: dict[Any, list[dict[str, float]]] = {key: [] for key in fns}
    for _ in range(runs):
        for key, fn in fns.items():
            phases: dict[str, float] = {}
            started = time.perf_counter()
            results[key] = fn(phases=phases)
            times[key].append(time.perf_counter() - started)
            per_run[key].append(phases)
    return {
        key: {
            "median_s": statistics.median(times[key]),
            "min_s": min(times[key]),
            "runs_s": times[key],
            "phases_s": {
                k: statistics.median(p.get(k, 0.0) for p in per_run[key]) for k in per_run[key][0]
            },
            "result": results[key],
        }
        for key in fns
    }


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    value = seconds * 1000
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def secs(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"


def size(n: float | None) -> str:
    if n is None:
        return "-"
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= factor:
            return f"{n / factor:,.1f} {unit}"
    return f"{n:,.0f} B"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def git_state() -> dict[str, Any]:
    """The commit measured, and which files outside bench/ differ from it."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        # Only the end: a porcelain line starts with its status, maybe a space.
        return done.stdout.rstrip()

    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line[3:].startswith("bench/")
    ]
    return {"commit": git("rev-parse", "HEAD").strip(), "modified_outside_bench": changed}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for text in f:
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


# --- 1. server-side rerun ------------------------------------------------------------------


def bench_reruns(cfg: Config, tmp: Path) -> dict[str, Any]:
    from bench import geos, ours

    out: dict[str, Any] = {
        "aggregate": ours.aggregate_name(),
        "filter": {"actor": "the most claimed actor", "window": [str(d) for d in WINDOW]},
        "metric": METRIC,
        "rows": [],
        "profiles": {},
    }
    for geo in (geos.afghanistan(), geos.us_counties(tmp)):
        _bench_geo(cfg, geo, out)
    return out


def _ours(claims, geo, claim_filter, phases=None):
    from bench import ours, synth

    return ours.rerun(
        claims,
        geo.names,
        claim_filter,
        METRIC,
        geo.base_kwargs,
        phases=phases,
        source_labels=synth.source_labels(),
    )


def _naive(claims, geo, naive_filter, phases=None):
    from bench import naive

    return naive.rerun(
        geo.naive_file,
        claims,
        naive_filter,
        key=geo.naive_key,
        key_map=geo.naive_key_map,
        center=geo.center,
        zoom=geo.zoom,
        phases=phases,
    )


def _bench_geo(cfg: Config, geo: Any, out: dict[str, Any]) -> None:
    from bench import naive, ours, synth
    from bench.prof import profile
    from geo.views.filtering import ClaimFilter

    # Paid once per dataset by the page (dashboard/mapframe.py), so outside the reruns.
    out.setdefault("base_frame_s", {})[geo.key] = ours.base_frame_seconds(geo.base_kwargs)

    log(f"{geo.label}: generating {max(cfg.sizes):,} claims")
    all_claims = synth.make_claims(max(cfg.sizes), geo.names)
    actor = synth.top_actor(all_claims)
    claim_filter = ClaimFilter(start=WINDOW[0], end=WINDOW[1], actors=frozenset([actor]))
    naive_filter = naive.NaiveFilter([actor], *WINDOW)
    tables = {n: all_claims.iloc[:n].copy() for n in cfg.sizes}
    # Ours at every size taking turns, many runs (each costs milliseconds): the targets
    # compare sizes with each other.
    log(
        f"{geo.key}: ours at {', '.join(f'{n:,}' for n in cfg.sizes)} claims taking turns, "
        f"x{cfg.ours_runs}"
    )
    ours_timed = timed_in_turns(
        {n: partial(_ours, tables[n], geo, claim_filter) for n in cfg.sizes},
        cfg.ours_runs,
        cfg.warmup,
    )
    for n in cfg.sizes:
        claims = tables.pop(n)
        run_naive = partial(_naive, claims, geo, naive_filter)
        counties = geo.key == "us_counties"
        do_naive = not counties or n in cfg.naive_county_sizes
        naive_runs = cfg.naive_county_runs if counties else cfg.runs
        if do_naive:
            log(f"{geo.key} {n:,} claims: naive x{naive_runs}")
        mine = ours_timed[n]
        first = mine.pop("result")
        row: dict[str, Any] = {
            "geo": geo.key,
            "polygons": geo.n_polygons,
            "claims": n,
            "actor": actor,
            "claims_on_map_in_view": sum(first.counts.values()),
            "places_with_claims": len(first.counts),
            "ours": mine,
            "ours_payload_bytes": first.payload_bytes,
            # The layer travels on the push socket; the component's arguments carry its number.
            "ours_data_layer_bytes": len(first.pushed.encode("utf-8")),
            "ours_sent_bytes": first.args.sent_bytes + len(first.pushed.encode("utf-8")),
        }
        if do_naive:
            # The naive county page costs ~10 s a rerun: no warm-up run there.
            theirs = timed(run_naive, naive_runs, 0 if counties else cfg.warmup)
            reference = theirs.pop("result")
            # Correctness cross-check (not a timing assert): same counts per place.
            assert reference.counts == first.counts, (
                f"{geo.key} at {n:,}: ours and naive disagree on claims per place"
            )
            row["counts_agree"] = True
            row["naive"] = theirs
            row["naive_sent_bytes"] = reference.args.sent_bytes
            row["naive_page_bytes"] = reference.args.page_bytes
            # Its boundaries as nested lists: 500,000 objects on the counties, which every
            # full collection walks while they live (0.2 s inside the profiled rerun).
            del reference
            row["speedup"] = theirs["median_s"] / mine["median_s"]
        out["rows"].append(row)

    n = max(cfg.sizes)
    if cfg.string_dtype_check and geo.key == "afghanistan":
        log(f"{geo.key} {n:,} claims with string (not category) text columns")
        as_strings = synth.with_string_dtypes(all_claims)
        check = _ours(as_strings, geo, claim_filter)
        reference = _naive(as_strings, geo, naive_filter)
        assert check.counts == reference.counts, "string dtypes: ours and naive disagree"
        out["string_dtypes"] = {
            "geo": geo.key,
            "claims": n,
            "ours": timed(partial(_ours, as_strings, geo, claim_filter), 3, 0),
        }
        out["string_dtypes"]["ours"].pop("result")
    # A table's first filter change also makes what the filter keeps per table (its rows
    # in date order, each column coded): once per loaded table, timed on its own, and
    # outside the profile, which is of a rerun as every later filter change makes it.
    # What the reruns above left for the collector: collected here, not inside the
    # profiled rerun (a collection there showed as 0.26-0.29 s of one function's time).
    gc.collect()
    started = time.perf_counter()
    _ours(all_claims, geo, claim_filter)
    out.setdefault("first_rerun_s", {})[geo.key] = {"claims": n, "s": time.perf_counter() - started}
    log(f"{geo.key}: profiling one rerun at {n:,} claims")
    out["profiles"][geo.key] = profile(partial(_ours, all_claims, geo, claim_filter))
    out["profiles"][geo.key]["claims"] = n


# --- 4. memory -----------------------------------------------------------------------------


def bench_memory(cfg: Config, tmp: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def child(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "bench.memory", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    log(f"memory: {cfg.memory_claims:,} synthetic claims in a fresh process")
    out: dict[str, Any] = {"in_process": child("--claims", str(cfg.memory_claims))}
    if cfg.loader_claims:
        from bench import synth
        from geo.dataset import load_dataset
        from geo.paths import DATA_DIR

        log(f"memory: the app's loader on a claims.csv of {cfg.loader_claims:,} claims")
        folder = tmp / "loader" / "data"
        claims = synth.make_claims(cfg.loader_claims, load_dataset(DATA_DIR).names)
        synth.write_data_dir(folder, claims, repo_data=DATA_DIR)
        del claims
        out["loader"] = child("--load", str(folder))
    return out


# --- 2, 3, 5. the browser ------------------------------------------------------------------


def bench_browser(cfg: Config, tmp: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from bench import browser as br
    from bench import synth
    from geo.dataset import load_dataset
    from geo.paths import DATA_DIR

    datasets: dict[str, Path] = {}
    builtin = tmp / "builtin" / "data"
    shutil.copytree(DATA_DIR, builtin)
    datasets[f"built-in ({len(load_dataset(builtin).claims)} claims)"] = builtin
    if cfg.browser_synthetic_claims:
        n = cfg.browser_synthetic_claims
        folder = tmp / "synthetic" / "data"
        names = load_dataset(DATA_DIR).names
        synth.write_data_dir(folder, synth.make_claims(n, names), repo_data=DATA_DIR)
        datasets[f"synthetic ({n:,} claims)"] = folder

    out: dict[str, Any] = {"datasets": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=br.CHROMIUM, args=br.CHROMIUM_ARGS)
        out["chromium"] = browser.version
        try:
            for label, folder in datasets.items():
                results: dict[str, Any] = {}
                variants = ("ours", "naive", *(cfg.extra_variants if folder == builtin else ()))
                for kind in variants:
                    log(f"browser: {kind} app on {label}")
                    results[kind] = br.measure_app(
                        browser,
                        kind,
                        folder,
                        tmp / f"{kind}-{folder.parent.name}.log",
                        actor=BROWSER_ACTOR,
                        polygons=34,
                        changes=cfg.changes,
                        sessions=cfg.sessions,
                    )
                    results[kind]["cold_starts_s"] = [results[kind]["cold_start_s"]]
                # Launches of their own, ours and naive taking turns: a launch right after
                # an app's ten sessions closed, or after the memory runs, is slowed by the
                # clean-up still going on, and which app comes first must not matter.
                if cfg.cold_starts:
                    cold: dict[str, list[float]] = {"ours": [], "naive": []}
                    for i in range(cfg.cold_starts):
                        for kind in cold:
                            log(f"browser: {kind} cold start {i + 1} on {label}")
                            time.sleep(1.0)
                            seconds, in_frame = br.cold_start(
                                browser, kind, folder, tmp / f"{kind}-cold{i}.log", 34
                            )
                            cold[kind].append(seconds)
                            results[kind]["paints_timed_by_polling"] += int(not in_frame)
                    for kind, times in cold.items():
                        results[kind]["cold_starts_s"] = times
                for kind in results:
                    results[kind]["cold_start_median_s"] = statistics.median(
                        results[kind]["cold_starts_s"]
                    )
                if cfg.turn_rounds:
                    turns = ("ours", "naive", *(("floor",) if "floor" in results else ()))
                    log(f"browser: repaints, {', '.join(turns)} taking turns, on {label}")
                    in_turns = br.repaints_in_turns(
                        browser,
                        {kind: (kind, br.REPO) for kind in turns},
                        folder,
                        tmp,
                        actor=BROWSER_ACTOR,
                        polygons=34,
                        rounds=cfg.turn_rounds,
                        per_round=cfg.turn_changes,
                    )
                    for kind, measured in in_turns.items():
                        results[kind]["in_turns"] = measured
                out["datasets"][label] = results
        finally:
            browser.close()
    return out


# --- targets -------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(name: str, measured: str, ok: bool | None) -> None:
        found.append({"target": name, "measured": measured, "pass": ok})

    rows = results.get("rerun", {}).get("rows", [])
    for geo in dict.fromkeys(r["geo"] for r in rows):
        mine = [r for r in rows if r["geo"] == geo]
        small, big = mine[0], mine[-1]
        label = f"{geo} ({small['polygons']:,} polygons)"
        ratio = big["ours"]["median_s"] / small["ours"]["median_s"]
        add(
            f"rerun at {big['claims']:,} <= 3x rerun at {small['claims']:,}, {label}",
            f"{ms(big['ours']['median_s'])} vs {ms(small['ours']['median_s'])} = {ratio:.1f}x",
            ratio <= 3,
        )
        if "speedup" in big:
            add(
                f"rerun >= 10x cheaper than naive at {big['claims']:,}, {label}",
                f"naive {ms(big['naive']['median_s'])} / ours {ms(big['ours']['median_s'])}"
                f" = {big['speedup']:.1f}x",
                big["speedup"] >= 10,
            )

    for label, apps in results.get("browser", {}).get("datasets", {}).items():
        o, n = apps["ours"], apps["naive"]
        speed = n["filter_change_median_s"] / o["filter_change_median_s"]
        one_after_other = (
            f"ours {secs(o['filter_change_median_s'])} vs naive "
            f"{secs(n['filter_change_median_s'])} = {speed:.1f}x; new frames: ours "
            f"{o['filter_change_new_frames']}/{len(o['filter_change_s'])}, naive "
            f"{n['filter_change_new_frames']}/{len(n['filter_change_s'])}; whole page updated: "
            f"ours {secs(o.get('filter_change_settled_median_s'))} vs naive "
            f"{secs(n.get('filter_change_settled_median_s'))}" + _polled_note(o, n)
        )
        if "in_turns" in o and "in_turns" in n:
            # Judged on the changes made taking turns (browser.repaints_in_turns): more of
            # them, and a busy spell of the machine falls on both apps alike.
            ot, nt = o["in_turns"], n["in_turns"]
            turns_speed = nt["filter_change_median_s"] / ot["filter_change_median_s"]
            floor = apps.get("floor", {}).get("in_turns")
            floor_note = (
                f"; the floor app {secs(floor['filter_change_median_s'])} = "
                f"{nt['filter_change_median_s'] / floor['filter_change_median_s']:.1f}x"
                if floor
                else ""
            )
            add(
                f"filter change to repaint >= 5x faster than naive, no new map frame; {label}",
                f"taking turns, {len(ot['filter_change_s'])} changes each: ours "
                f"{secs(ot['filter_change_median_s'])} (IQR {_iqr(ot['filter_change_s'])}) vs "
                f"naive {secs(nt['filter_change_median_s'])} (IQR "
                f"{_iqr(nt['filter_change_s'])}) = {turns_speed:.1f}x{floor_note}; "
                "whole page updated: "
                f"ours {secs(ot['whole_page_median_s'])} vs naive "
                f"{secs(nt['whole_page_median_s'])}; new frames: "
                f"ours {o['filter_change_new_frames'] + ot['new_frames']}; one app after the "
                f"other: {one_after_other}",
                turns_speed >= 5 and o["filter_change_new_frames"] + ot["new_frames"] == 0,
            )
        else:
            add(
                f"filter change to repaint >= 5x faster than naive, no new map frame; {label}",
                one_after_other,
                speed >= 5 and o["filter_change_new_frames"] == 0,
            )
        if "ours-nogc" in apps:
            g = apps["ours-nogc"]
            add(
                f"(the same with runner.postScriptGC=false); {label}",
                f"ours-nogc {secs(g['filter_change_median_s'])} = "
                f"{n['filter_change_median_s'] / g['filter_change_median_s']:.1f}x faster than "
                f"naive; new frames {g['filter_change_new_frames']}",
                n["filter_change_median_s"] / g["filter_change_median_s"] >= 5
                and g["filter_change_new_frames"] == 0,
            )
        first = o["first_load"]["received"]
        own = o["first_load"]["received_without_streamlit_bundle"]
        per_change = o["filter_change_bytes_median"]
        add(
            f"bytes per filter change <= 1/4 of first load; {label}",
            f"ours {size(per_change)} per change vs {size(first)} first load "
            f"= 1/{first / per_change:.0f}; vs {size(own)} without Streamlit's own /static/ "
            f"bundle = 1/{own / per_change:.1f} (naive {size(n['filter_change_bytes_median'])}"
            " per change)",
            per_change <= first / 4,
        )
        add(
            f"{o['sessions']} sessions <= 1.5x the memory of one; {label}",
            f"ours {size(o['rss_n_sessions'])} vs {size(o['rss_1_session'])} = "
            f"{o['rss_ratio']:.2f}x (naive {n['rss_ratio']:.2f}x)",
            o["rss_ratio"] <= 1.5,
        )
        add(
            f"cold start no slower than naive; {label}",
            f"ours {secs(o['cold_start_median_s'])} vs naive {secs(n['cold_start_median_s'])}"
            + _polled_note(o, n),
            o["cold_start_median_s"] <= n["cold_start_median_s"],
        )

    memory = results.get("memory", {})
    if "in_process" in memory:
        m = memory["in_process"]
        add(
            f"{m['claims']:,} claims < 1 GB (process holding them after a rerun)",
            f"RSS {size(m['rss_after_rerun'])} (claims table {size(m['dataframe_deep_bytes'])},"
            f" RSS grew {size(m['rss_delta_claims'])}; peak while generating "
            f"{size(m['rss_peak'])})",
            m["rss_after_rerun"] < 1e9,
        )
    if "loader" in memory:
        m = memory["loader"]
        if m["claims"] >= 1_000_000:
            add(
                "1,000,000 claims < 1 GB when loaded by the app's own loader (load_dataset)",
                f"peak {size(m['rss_peak'])}, kept {size(m['rss_after_load'])} at "
                f"{m['claims']:,} claims ({m['load_seconds']:.1f} s)",
                m["rss_peak"] < 1e9,
            )
        else:  # a smaller run: project the peak linearly from what this size cost
            per_claim_peak = (m["rss_peak"] - m["rss_before"]) / m["claims"]
            projected = m["rss_before"] + per_claim_peak * 1_000_000
            add(
                "1,000,000 claims < 1 GB when loaded by the app's own loader (load_dataset), "
                f"projected from {m['claims']:,}",
                f"peak {size(m['rss_peak'])} at {m['claims']:,} ({m['load_seconds']:.1f} s); "
                f"projected peak at 1M {size(projected)}, "
                f"load {m['load_seconds'] * 1_000_000 / m['claims']:.0f} s",
                projected < 1e9,
            )
    return found


# --- printing ------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    parts: list[str] = []
    rerun = results.get("rerun")
    if rerun:
        parts.append(
            "1. Server-side cost of one rerun after a filter change (filter + aggregate + "
            f"map view + data layer; aggregate = {rerun['aggregate']}). The base map's "
            "strings are rendered once per dataset, not per rerun: "
            + ", ".join(f"{g} {ms(t)}" for g, t in rerun.get("base_frame_s", {}).items())
            + ".\n"
            f"   Filter: the most claimed actor, {WINDOW[0]} to {WINDOW[1]}; metric "
            f"{METRIC}. Median [min] of {results['config']['runs']} runs."
        )
        rows = []
        for r in rerun["rows"]:
            naive = r.get("naive")
            rows.append(
                [
                    f"{r['geo']} ({r['polygons']:,})",
                    f"{r['claims']:,}",
                    f"{r['claims_on_map_in_view']:,}",
                    f"{ms(r['ours']['median_s'])} [{ms(r['ours']['min_s'])}]",
                    f"{ms(naive['median_s'])} [{ms(naive['min_s'])}]" if naive else "-",
                    f"{r['speedup']:.1f}x" if naive else "-",
                    size(r["ours_data_layer_bytes"]),
                    size(r["ours_sent_bytes"]),
                    size(r.get("naive_sent_bytes")),
                    "yes" if r.get("counts_agree") else "-",
                ]
            )
        parts.append(
            table(
                [
                    "boundaries (polygons)",
                    "claims",
                    "in view",
                    "ours",
                    "naive",
                    "naive/ours",
                    "data layer",
                    "ours sends",
                    "naive sends",
                    "counts agree",
                ],
                rows,
            )
        )
        if "string_dtypes" in rerun:
            s = rerun["string_dtypes"]
            parts.append(
                f"   Same rerun with string (not category) text columns, {s['geo']} at "
                f"{s['claims']:,}: {ms(s['ours']['median_s'])} [{ms(s['ours']['min_s'])}]"
            )
        for geo, first in rerun.get("first_rerun_s", {}).items():
            parts.append(
                f"   A table's first filter change, {geo} at {first['claims']:,}: "
                f"{ms(first['s'])} (also makes the table's date order and coded columns, once)"
            )
        phase_rows = []
        for r in rerun["rows"]:
            if r["claims"] == max(x["claims"] for x in rerun["rows"]):
                for name, seconds in r["ours"]["phases_s"].items():
                    phase_rows.append([f"{r['geo']} ours", name, ms(seconds)])
                for name, seconds in r.get("naive", {}).get("phases_s", {}).items():
                    phase_rows.append([f"{r['geo']} naive", name, ms(seconds)])
        parts.append("   Where a rerun's time goes, at the largest size (median of each step):")
        parts.append(table(["page", "step", "time"], phase_rows))
        for geo, prof in rerun["profiles"].items():
            parts.append(f"   cProfile, ours, {geo} at {prof['claims']:,} claims, by own time:")
            parts.append(
                table(
                    ["function", "calls", "own", "total"],
                    [
                        [p["function"], str(p["calls"]), ms(p["tottime_s"]), ms(p["cumtime_s"])]
                        for p in prof["by_tottime"][:8]
                    ],
                )
            )

    browser = results.get("browser")
    if browser:
        for label, apps in browser["datasets"].items():
            parts.append(
                f"2/3/5. The real apps in headless Chromium {browser.get('chromium', '')}, {label}:"
            )

            measures: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
                ("cold start: launch to map painted", lambda a: secs(a["cold_start_median_s"])),
                ("open page to painted (cold server)", lambda a: secs(a["first_paint_cold_s"])),
                ("open page to painted (warm)", lambda a: secs(a["first_paint_warm_s"])),
                ("filter change to repaint (median)", lambda a: secs(a["filter_change_median_s"])),
                (
                    "… the apps taking turns (median)",
                    lambda a: (
                        secs(a["in_turns"]["filter_change_median_s"]) if "in_turns" in a else "-"
                    ),
                ),
                (
                    "filter change to whole page updated",
                    lambda a: secs(a.get("filter_change_settled_median_s")),
                ),
                (
                    "new map frame per filter change",
                    lambda a: f"{a['filter_change_new_frames']} of {len(a['filter_change_s'])}",
                ),
                (
                    "paints timed by polling, not in the frame",
                    lambda a: str(a.get("paints_timed_by_polling", "?")),
                ),
                ("bytes, first load", lambda a: size(a["first_load"]["received"])),
                ("  of which websocket", lambda a: size(a["first_load"]["ws_in"])),
                (
                    "  without Streamlit's /static/ bundle",
                    lambda a: size(a["first_load"]["received_without_streamlit_bundle"]),
                ),
                (
                    "bytes per filter change (median)",
                    lambda a: size(a["filter_change_bytes_median"]),
                ),
                ("server RSS, 1 session", lambda a: size(a["rss_1_session"])),
                (
                    "server RSS, N sessions",
                    lambda a: f"{size(a['rss_n_sessions'])} (N={a['sessions']})",
                ),
                ("ratio N / 1", lambda a: f"{a['rss_ratio']:.2f}x"),
            ]
            names = list(apps)
            rows = [[name, *(fn(apps[a]) for a in names)] for name, fn in measures]
            parts.append(table(["", *names], rows))
            for name in names:
                phases = [b.get("phases", {}) for b in apps[name]["filter_change_bytes"]]
                if phases:
                    med = {
                        k: statistics.median([p[k] for p in phases if p.get(k) is not None] or [0])
                        for k in phases[0]
                    }
                    parts.append(
                        f"   {name}, a filter change's time (medians): "
                        + ", ".join(f"{k.replace('_', ' ')} {secs(v)}" for k, v in med.items())
                    )

    memory = results.get("memory")
    if memory:
        m = memory["in_process"]
        parts.append(
            f"4. Memory, {m['claims']:,} claims in a fresh process: RSS before "
            f"{size(m['rss_before'])}, after building them {size(m['rss_after_claims'])}, "
            f"after a rerun {size(m['rss_after_rerun'])}, peak {size(m['rss_peak'])}; the "
            f"table itself is {size(m['dataframe_deep_bytes'])} (pandas deep)."
        )
        if "loader" in memory:
            m = memory["loader"]
            parts.append(
                f"   The app's loader (load_dataset) on {m['claims']:,} claims: "
                f"{m['load_seconds']:.1f} s, RSS {size(m['rss_before'])} -> "
                f"{size(m['rss_after_load'])}, peak {size(m['rss_peak'])} "
                f"(table {size(m['claims_deep_bytes'])})."
            )

    found = results.get("targets", [])
    if found:
        parts.append("Targets:")
        for t in found:
            verdict = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
            parts.append(f"  [{verdict}] {t['target']}\n         {t['measured']}")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the claims map against a naive page.")
    parser.add_argument("--quick", action="store_true", help="fewer sizes and runs (~1 min)")
    parser.add_argument(
        "--no-browser", dest="browser", action="store_false", help="skip the browser parts"
    )
    parser.add_argument(
        "--loader-claims",
        type=int,
        default=0,
        help="claims for the app-loader memory measurement (full run: 1,000,000)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where to save the JSON")
    args = parser.parse_args(argv)
    cfg = config(args)
    started = time.perf_counter()
    today = dt.date.today().isoformat()
    results: dict[str, Any] = {
        "date": today,
        "command": " ".join([Path(sys.executable).name, "-m", "bench.run", *sys.argv[1:]]),
        "machine": machine(),
        "git": git_state(),
        "load_average_at_start": os.getloadavg(),
        "config": cfg.__dict__,
    }
    with tempfile.TemporaryDirectory(prefix="claims-bench-") as folder:
        tmp = Path(folder)
        results["rerun"] = bench_reruns(cfg, tmp)
        results["memory"] = bench_memory(cfg, tmp)
        if cfg.browser:
            results["browser"] = bench_browser(cfg, tmp)
    results["targets"] = targets(results)
    results["load_average_at_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started

    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if cfg.quick else ""
    for geo, prof in results["rerun"]["profiles"].items():
        (args.out / f"profile-{geo}-{today}{suffix}.txt").write_text(prof.pop("text"))
    path = args.out / f"results-{today}{suffix}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(report(results))
    load = ", ".join(f"{x:.1f}" for x in results["load_average_at_end"])
    print(f"\nLoad average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores.")
    print(
        f"\nSaved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}"
        f" in {results['seconds']:.0f} s."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
