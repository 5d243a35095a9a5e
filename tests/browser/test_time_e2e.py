"""Time and exports in headless Chromium: playback, the download buttons, the Timeline page.

Run with ``pytest tests/browser -m browser``. Each test leaves a screenshot of its final state
in ``test-artifacts/``; every test fails if a request left localhost or a dialog opened.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import _running_app
from tests.browser.mapui import (
    ARTIFACTS,
    NO_CLAIMS_FILL,
    PROVINCES,
    TIMEOUT_MS,
    Tab,
    artifact,
    as_of_line,
    as_of_slider,
    download,
    fills,
    map_iframe,
    nav_link,
    open_app,
    png_size,
    view_count,
    wait_for_map,
    wait_idle,
)

pytestmark = pytest.mark.browser

KAPISA = "AF-KAP"  # its one claim is about the winter of 2021-22 (from 2021-12-01)
CAVEAT_START = "These are claims, not established facts"


def month_after(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return (d.replace(day=1) + dt.timedelta(days=32)).replace(day=d.day).isoformat()


def shown_count(page: Page) -> int:
    line = page.get_by_text(re.compile(r"^\d+ of \d+ claims shown$"))
    expect(line).to_be_visible()
    return int(line.inner_text().split()[0])


# --- a. playback -----------------------------------------------------------------------------

# Called on every animation frame: records each new value of the "As of" slider, so a value
# that is shown for a single rerun is not missed.
_RECORD_AS_OF_JS = """n => {
  const thumb = document.querySelector(
    '[data-testid="stSidebar"] input[type="range"][aria-label="As of"]');
  const seen = (window.__asOfSeen ||= []);
  const value = thumb && thumb.getAttribute('aria-valuetext');
  if (value && seen[seen.length - 1] !== value) { seen.push(value); }
  return seen.length >= n;
}"""

_FILL_IS_NOT_JS = """([code, empty]) => {
  let fill = null;
  window.map.eachLayer(l => {
    if (l.feature && l._path && l.options.interactive !== false
        && l.feature.properties.code === code) { fill = l._path.getAttribute('fill'); }
  });
  return fill !== null && fill.toLowerCase() !== empty;
}"""


def play_two_steps_and_pause(page: Page) -> list[str]:
    """Press Play, wait until the date has moved on twice, press Pause; the dates seen."""
    page.evaluate(_RECORD_AS_OF_JS, 1)
    page.get_by_role("button", name="Play", exact=True).click()
    pause = page.get_by_role("button", name="Pause", exact=True)
    expect(pause).to_be_visible()
    page.wait_for_function(_RECORD_AS_OF_JS, arg=3, polling="raf", timeout=TIMEOUT_MS)
    pause.click()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    wait_idle(page)
    return page.evaluate("window.__asOfSeen")


def test_playback_steps_the_map_through_time(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/?asof=2021-09-01")
    slider = as_of_slider(page)
    line = as_of_line(page)
    expect(slider).to_have_attribute("aria-valuetext", "2021-09-01")
    expect(line).to_have_text("As of 2021-09-01")
    start_fills = fills(frame)
    assert start_fills[KAPISA].lower() == NO_CLAIMS_FILL, start_fills

    # Play: the date moves on by itself, a month a step; Pause stops it.
    seen = play_two_steps_and_pause(page)
    paused_at = slider.get_attribute("aria-valuetext")
    assert paused_at is not None
    expect(line).to_have_text(f"As of {paused_at}")
    assert seen[0] == "2021-09-01", seen
    # At most one more step between the last date recorded and the click on Pause.
    assert paused_at in (seen[-1], month_after(seen[-1])), f"Pause did not stop at {seen}"
    assert all(b == month_after(a) for a, b in itertools.pairwise(seen)), (
        f"playback did not step a month at a time: {seen}"
    )
    time.sleep(3.5)  # longer than three steps would take
    wait_idle(page)
    expect(slider).to_have_attribute("aria-valuetext", paused_at)
    assert page.evaluate("window.__asOfSeen")[-1] == paused_at, "the date moved after Pause"

    # Step on to the winter: Kapisa's claim (from 2021-12-01) comes into view.
    frame = wait_for_map(page)  # the same frame, unless Play or Pause rebuilt it (see below)
    next_button = page.get_by_role("button", name="Next", exact=True)
    for _ in range(6):
        value = slider.get_attribute("aria-valuetext") or ""
        if value >= "2022-01":
            break
        next_button.click()
        expect(slider).not_to_have_attribute("aria-valuetext", value)
        wait_idle(page)
    winter = slider.get_attribute("aria-valuetext") or ""
    assert winter.startswith(("2022-01", "2022-02")), winter
    expect(line).to_have_text(f"As of {winter}")
    frame.wait_for_function(_FILL_IS_NOT_JS, arg=[KAPISA, NO_CLAIMS_FILL])
    assert fills(frame) != start_fills
    page.wait_for_function("d => location.search.includes('asof=' + d)", arg=winter)
    wait_idle(page)
    tab.assert_clean()


def test_play_and_pause_restyle_the_same_map_frame(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/?asof=2021-09-01")
    map_iframe(page).evaluate("e => { e.__frameMarker = 'x'; }")
    frame.evaluate("window.__frameMarker = 'x'")
    start_view = view_count(frame)

    seen = play_two_steps_and_pause(page)
    assert len(seen) >= 3, seen
    assert map_iframe(page).evaluate("e => e.__frameMarker") == "x", "the iframe was replaced"
    assert frame.evaluate("window.__frameMarker") == "x", "the map frame was reloaded"
    # Restyled in place (a step that brings nothing new into view sends nothing new).
    assert view_count(frame) > start_view, "the map was not restyled"
    tab.assert_clean()


# --- b. downloads ----------------------------------------------------------------------------


def test_export_buttons_download_the_current_view(tab: Tab, app_url: str) -> None:
    page = tab.page
    open_app(page, f"{app_url}/?metric=claims&actor=Taliban")
    shown = shown_count(page)
    assert shown > 0
    panel = page.get_by_test_id("stExpander").filter(has_text="Download or share this view")
    panel.get_by_text("Download or share this view").click()
    expect(panel.get_by_test_id("stDownloadButton")).to_have_count(5)

    def get(label: str, save_as: Path | None = None):
        return download(page, panel.get_by_role("button", name=label, exact=True), save_as)

    # The slide and square PNGs.
    for label, name, size in (
        ("Slide PNG 16:9", "claims-map-1920x1080.png", (1920, 1080)),
        ("Square PNG", "claims-map-1080x1080.png", (1080, 1080)),
    ):
        got = get(label, save_as=ARTIFACTS / f"download-{name}")
        assert got.name == name
        assert png_size(got.data) == size, f"{label}: {png_size(got.data)}"

    # The claims, with the caveat and the filters in '#' lines first.
    table = get("Claims CSV")
    assert table.name == "claims-in-view.csv"
    text = table.data.decode("utf-8-sig")
    first = text.splitlines()[0]
    assert first.startswith("# caveat,"), first
    assert CAVEAT_START in first, first
    preamble, table_text = text.split("\r\n\r\n", 1)
    assert all(line.startswith("# ") for line in preamble.splitlines()), preamble
    rows = list(csv.DictReader(io.StringIO(table_text)))
    assert len(rows) == shown, f"{len(rows)} rows in the CSV, {shown} claims shown"
    assert {r["actor"] for r in rows} == {"Taliban"}, {r["actor"] for r in rows}

    # The provinces with their counts, and the metadata as a member.
    shapes = get("Provinces GeoJSON")
    assert shapes.name == "provinces-in-view.geojson"
    collection = json.loads(shapes.data)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == PROVINCES
    assert collection["metadata"]["caveat"].startswith(CAVEAT_START)
    assert "Taliban" in json.dumps(collection["metadata"]["filters"])

    meta = get("Metadata JSON")
    assert meta.name == "claims-view-metadata.json"
    record = json.loads(meta.data)
    assert record["caveat"].startswith(CAVEAT_START)
    assert record["row_count"] == shown
    assert "Taliban" in json.dumps(record["filters"])

    # The permalink is this app with this view's query.
    code = panel.get_by_test_id("stCode")
    expect(code).to_contain_text("metric=claims")
    link = urlsplit(code.inner_text().strip())
    app = urlsplit(app_url)
    assert (link.scheme, link.netloc) == (app.scheme, app.netloc), link
    assert parse_qs(link.query) == {"metric": ["claims"], "actor": ["Taliban"]}, link
    wait_idle(page)
    tab.assert_clean()


# --- c. the Timeline page ----------------------------------------------------------------------

NRF_AUGUST = '[aria-label^="month: 2021-08;"][aria-label*="; actor: National Resistance Front;"]'


def test_timeline_bar_click_lists_its_claims(tab: Tab, app_url: str) -> None:
    page = tab.page
    # From the map (a direct first link to /timeline on a new server is the bug below).
    open_app(page, f"{app_url}/")
    nav_link(page, "Timeline").click()
    page.wait_for_url(re.compile(r"/timeline$"))
    expect(page.get_by_role("heading", name="Claims per month")).to_be_visible()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(2)
    bars = '[role="graphics-symbol"][aria-roledescription="bar"]'
    expect(charts.nth(0).locator(bars).first).to_be_visible()
    expect(charts.nth(1).locator(bars).first).to_be_visible()
    expect(page.get_by_text("Click a bar to read its claims and their sources.")).to_be_visible()
    picked = page.get_by_text(re.compile(r"^\d+ claims in the selected bar$"))
    expect(picked).to_have_count(0)
    wait_idle(page)

    page.screenshot(path=artifact("timeline_bar_click_lists_its_claims-1-chart"))

    bar = charts.nth(0).locator(NRF_AUGUST)
    expect(bar).to_have_count(1)
    label = bar.get_attribute("aria-label") or ""
    count = int(re.search(r"; claims: (\d+);", label).group(1))  # type: ignore[union-attr]
    assert count > 0, label
    bar.click()

    expect(picked).to_have_text(f"{count} claims in the selected bar")
    cards = page.get_by_test_id("stMarkdownContainer").filter(
        has_text=re.compile(r"^National Resistance Front: ")
    )
    expect(cards).to_have_count(count)
    # Each card says who claims it and where the source says so, in its small print.
    expect(cards.filter(has_text="Claimed by ").filter(has_text="Where: ")).to_have_count(count)
    expect(page.get_by_text("Click a bar to read its claims and their sources.")).to_have_count(0)
    wait_idle(page)
    picked.scroll_into_view_if_needed()
    tab.assert_clean()


# --- d. a direct link on a new server ------------------------------------------------------------


@pytest.fixture
def new_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a server that no browser session has visited yet."""
    log = tmp_path_factory.mktemp("new-app") / "streamlit.log"
    with _running_app(log) as url:
        yield url


# new_app_url comes first so that its server stops after the tab closes: the other order let
# the page, still loading, see the server vanish and report that as a script error.
def test_first_visit_to_a_new_server_can_open_the_timeline(new_app_url: str, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{new_app_url}/timeline", wait_until="domcontentloaded")
    heading = page.get_by_role("heading", name="Timeline", exact=True)
    crash = page.get_by_test_id("stException")
    heading.or_(crash).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    assert crash.count() == 0, f"the Timeline page crashed:\n{crash.first.inner_text()}"
    expect(heading).to_be_visible()
    # The app's own navigation (app.py), not one Streamlit made from the pages/ folder.
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    expect(links).to_have_count(7)  # each link's text also holds its icon's name
    expect(links).to_contain_text(
        ["Map", "Timeline", "Claims", "Add claims", "Sources", "Your data", "About"]
    )
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    wait_for_map(page)  # the "what changed" map, drawn from the same first visit
