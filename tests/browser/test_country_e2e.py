"""Another country's built-in units in headless Chromium: pick Sudan, upload an export of
it, see its states coloured (#17).

The export is written here and is synthetic test data: its actors, sources and notes are
made up and say so; it claims nothing about Sudan.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page, expect

from geo.reading.acled import ACLED_COLUMNS
from tests.browser.mapui import (
    NO_CLAIMS_FILL,
    Tab,
    artifact,
    choose_in_selectbox,
    fills,
    nav_link,
    open_app,
    wait_for_map,
    wait_idle,
)

pytestmark = pytest.mark.browser

# Where the test export's events are, by Sudan's ISO 3166-2 codes.
COLOURED = ("SD-KH", "SD-DN", "SD-DS")


def _event(i: int, admin1: str) -> dict[str, str]:
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=f"SDNTEST{i:02d}",
        event_date="2024-03-0" + str(i),
        year="2024",
        time_precision="1",
        event_type="Battles",
        sub_event_type="Armed clash",
        actor1="Test Group A",
        actor2="Test Group B",
        iso="729",
        country="Sudan",
        admin1=admin1,
        location="Test Village",
        geo_precision="1",
        source="Test News Agency",
        notes=f"Synthetic test event {i} (test data, not a real event).",
        timestamp="1710000000",
    )
    return row


def sudan_export() -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ACLED_COLUMNS))
    writer.writeheader()
    for i, admin1 in enumerate(("Khartoum", "North Darfur", "South Darfur", "Khartoum"), 1):
        writer.writerow(_event(i, admin1))
    return out.getvalue().encode("utf-8")


def codes_on_map(frame: Frame) -> set[str]:
    return set(fills(frame))


def wait_for_country(page: Page, code: str) -> Frame:
    """The map frame once it shows ``code``'s units (a new map may replace the frame)."""
    seen: set[str] = set()
    for _ in range(40):
        try:
            frame = wait_for_map(page)
            seen = codes_on_map(frame)
        except PlaywrightError:  # the old map's frame, replaced while it was read
            page.wait_for_timeout(250)
            continue
        if any(c.startswith(f"{code}-") for c in seen):
            return frame
        page.wait_for_timeout(250)
    raise AssertionError(f"the map never showed {code}'s units: {sorted(seen)}")


def test_pick_sudan_upload_an_export_and_see_its_states(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/")
    assert "AF-KAB" in codes_on_map(frame)

    choose_in_selectbox(page, "Country", "Sudan", typed="Sud")
    frame = wait_for_country(page, "SD")
    page.wait_for_url(re.compile(r"[?&]country=SD"))
    assert len(codes_on_map(frame)) == 17
    # Its neighbours, for orientation: outlines and names, nothing to click.
    frame.wait_for_function("() => document.body.hasAttribute('data-claims-context')")
    names = frame.locator(".claims-context-label span").all_inner_texts()
    assert {"South Sudan", "Chad", "Egypt", "Eritrea"} <= set(names), names
    assert {f.lower() for f in fills(frame).values()} == {NO_CLAIMS_FILL}, "Sudan: no claims"
    expect(page.get_by_text(re.compile(r"No claims on Sudan's units"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Boundaries of Sudan as of 2012-2013"))).to_be_visible()
    page.screenshot(path=artifact("country_sudan-1-picked"))

    nav_link(page, "Your data").click()
    page.wait_for_url(re.compile(r"/your_data"))
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Claims table")
    uploader.locator('input[type="file"]').set_input_files(
        {"name": "test-sudan-export.csv", "mimeType": "text/csv", "buffer": sudan_export()}
    )
    expect(page.get_by_text(re.compile(r"^4 of 4 rows loaded$"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"This export is about Sudan"))).to_be_visible()
    wait_idle(page)
    page.get_by_role("button", name="Show only these claims").click()

    frame = wait_for_country(page, "SD")
    frame.wait_for_function(
        """([coloured, empty]) => {
          const fill = {};
          window.map.eachLayer(l => {
            if (l.feature && l._path && l.options.interactive !== false) {
              fill[l.feature.properties.code] = (l._path.getAttribute('fill') || '').toLowerCase();
            }
          });
          return coloured.every(c => fill[c] && fill[c] !== empty);
        }""",
        arg=[list(COLOURED), NO_CLAIMS_FILL],
    )
    shown = fills(frame)
    assert {c for c, f in shown.items() if f.lower() != NO_CLAIMS_FILL} == set(COLOURED)
    expect(page.get_by_text(re.compile(r"4 of 4 claims shown"))).to_be_visible()
    page.screenshot(path=artifact("country_sudan-2-uploaded"))


def test_presenter_mode_writes_names_without_overlap_and_neighbours(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/")
    assert frame.locator(".claims-name-label").count() == 0, "names are off outside presenting"
    frame.wait_for_function("() => document.body.hasAttribute('data-claims-context')")
    neighbours = set(frame.locator(".claims-context-label span").all_inner_texts())
    assert {"Tajikistan", "Pakistan", "Iran"} <= neighbours, neighbours

    frame = open_app(page, f"{app_url}/?presenter=1")
    frame.wait_for_function("() => Number(document.body.getAttribute('data-claims-names')) > 0")
    boxes = frame.evaluate(
        """() => Array.from(document.querySelectorAll('.claims-name-label span'))
              .filter(e => e.style.visibility !== 'hidden')
              .map(e => { const r = e.getBoundingClientRect();
                          return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""
    )
    shown = {b[0] for b in boxes}
    assert len(shown) >= 15 and {"Helmand", "Kandahar", "Badakhshan"} <= shown, shown
    for i, (name, left, top, right, bottom) in enumerate(boxes):
        for other in boxes[i + 1 :]:
            apart = right < other[1] or left > other[3] or bottom < other[2] or top > other[4]
            assert apart, f"{name} overlaps {other[0]}"
    page.screenshot(path=artifact("country_names-presenter"))
