"""Another viewer's filter changes while one user uploads the worst file the limit allows.

Issue #14 asks that no single upload make the server unavailable to others. This starts
the app (``bench.browser.app_server``), has one protocol client (``bench.stclient``) change
a sidebar filter over and over, and halfway through has a second client upload a claims
table at the upload limit whose every row is rejected (the costliest shape per byte,
SECURITY.md). It prints the first client's rerun times before, during and after the read,
the read's own time, and the server's memory::

    .venv/bin/python -m bench.upload_pressure            # 50 MB, the default limit
    .venv/bin/python -m bench.upload_pressure --mb 10

It measures; it asserts nothing about the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench import browser as br
from bench.cold import folders
from bench.stclient import Run, Session
from geo.model.claims import COLUMNS

# A claims-format row every check rejects: no such province, date or source. About 60 bytes.
ROW = "C{i},Someone,Some group,presence,Atlantis{j},,,2023-13-45,,day,claimed,nowhere,l,,x\n"


def worst_file(megabytes: int) -> bytes:
    """A claims table of all-rejected rows, just under ``megabytes`` MB."""
    limit = megabytes * 1024 * 1024 - 4096
    parts = [",".join(COLUMNS) + "\n"]
    size, i = len(parts[0]), 0
    while True:
        row = ROW.format(i=i, j=i % 997)
        if size + len(row) > limit:
            break
        parts.append(row)
        size += len(row)
        i += 1
    return "".join(parts).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the upload (the limit)")
    parser.add_argument("--before", type=float, default=10.0, help="seconds of filters first")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of filters after")
    args = parser.parse_args(argv)
    data = worst_file(args.mb)
    rows = data.count(b"\n") - 1
    print(f"upload: {len(data) / 2**20:.1f} MB, {rows:,} rows, every one rejected")

    with tempfile.TemporaryDirectory(prefix="bench-pressure-") as name:
        tmp = Path(name)
        folder = next(iter(folders(tmp, 0).values()))
        with br.app_server("ours", folder, tmp / "server.log") as server:
            memory: list[tuple[float, int]] = []
            reruns: list[tuple[float, float]] = []
            phase: dict[str, float] = {}
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    memory.append((time.monotonic(), server.rss()))
                    time.sleep(0.2)

            def viewer() -> None:
                rng = random.Random(1)
                session = Session(server.url, timeout=600)
                session.connect()
                run: Run = session.rerun(page_name="")
                while not stop.is_set():
                    box = next(
                        e
                        for e in run.elements.values()
                        if e.kind == "multiselect" and e.label.startswith("Actor (")
                    )
                    options = list(box.proto.options)
                    picks = rng.sample(options, k=1) if rng.random() > 0.3 else []
                    session.set_value(box, "string_array_value", picks)
                    started = time.monotonic()
                    run = session.rerun()
                    reruns.append((started, time.monotonic() - started))
                    time.sleep(0.2)
                session.close()

            threads = [threading.Thread(target=sample), threading.Thread(target=viewer)]
            for t in threads:
                t.start()
            time.sleep(args.before)

            uploader = Session(server.url, timeout=900)
            uploader.connect()
            uploader.rerun(page_name="")
            page = uploader.rerun(page_name="your_data")
            put = uploader.upload(
                page.widget("file_uploader", "Claims table"), "worst.csv", data, "text/csv"
            )
            phase["read_start"] = time.monotonic()
            read = uploader.rerun()
            phase["read_end"] = time.monotonic()
            said = [t for t in read.texts if "rows loaded" in t or "rejected" in t][:2]
            time.sleep(args.after)
            uploader.close()
            stop.set()
            for t in threads:
                t.join(60)

    start, end = phase["read_start"], phase["read_end"]
    print(f"PUT {put:.1f} s; the Your data page's read {end - start:.1f} s; it said {said}")
    for label, seen in (
        ("before", [s for t, s in reruns if t + s < start]),
        ("during", [s for t, s in reruns if t < end and t + s > start]),
        ("after", [s for t, s in reruns if t > end]),
    ):
        if seen:
            q = statistics.quantiles(seen, n=10) if len(seen) > 1 else seen * 9
            print(
                f"other viewer's filter reruns {label:6}: {len(seen):3} runs, "
                f"p50 {statistics.median(seen):.2f} s, p90 {q[8]:.2f} s, max {max(seen):.2f} s"
            )
        else:
            print(f"other viewer's filter reruns {label:6}: none")
    base = [m for t, m in memory if t < start]
    print(
        f"server RSS: {max(base) / 2**20:.0f} MB before, peak "
        f"{max(m for _, m in memory) / 2**20:.0f} MB, "
        f"{memory[-1][1] / 2**20:.0f} MB at the end"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
