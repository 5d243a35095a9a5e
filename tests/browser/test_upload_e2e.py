"""The "Your data" page in headless Chromium: upload an ACLED export, fix a name, map it.

Run with ``pytest tests/browser -m browser``. Screenshots go to ``test-artifacts/``; the test
fails if a request left localhost or a dialog opened.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Frame, Locator, Page, expect

from tests.browser.mapui import (
    ARTIFACTS,
    NO_CLAIMS_FILL,
    PROVINCE_BOX,
    REPO,
    Tab,
    artifact,
    choose_in_multiselect,
    choose_in_selectbox,
    download,
    fills,
    nav_link,
    notes_column,
    open_app,
    painted,
    sidebar,
    view_count,
    wait_for_map,
    wait_for_new_view,
    wait_idle,
)

pytestmark = pytest.mark.browser

ACLED = REPO / "tests" / "corpus" / "acled_afghanistan.csv"
CLAIMS_UPLOADER = "Claims table"
# Rows of acled_afghanistan.csv (the header is row 1) that the report rejects, and why:
# 5 protest, 7 'Atlantis', 8 time_precision 4, 9 ambiguous date, 10 arrests, 12 'Hilmnd',
# 13 a repeated event id.
REJECTED_ROWS = {5, 7, 8, 9, 10, 12, 13}
# Where the six claims loaded after the fix are: Helmand (2), Kabul (3), Sar-e Pol (1).
WITH_CLAIMS = ("AF-HEL", "AF-KAB", "AF-SAR")
# Provinces with claims in the built-in data and none in the upload.
EMPTIED = ("AF-PAN", "AF-KAP")
RANGE_DASH = "\u2013"  # between the two dates of a date range input


def wait_for_fills(frame: Frame, claims: tuple[str, ...], none: tuple[str, ...]) -> None:
    """Wait until the provinces in ``claims`` have a claim colour and those in ``none`` not."""
    frame.wait_for_function(
        """([claims, none, empty]) => {
          const fill = {};
          window.map.eachLayer(l => {
            if (l.feature && l._path && l.options.interactive !== false) {
              fill[l.feature.properties.code] = (l._path.getAttribute('fill') || '').toLowerCase();
            }
          });
          return claims.every(c => fill[c] && fill[c] !== empty)
              && none.every(c => fill[c] === empty);
        }""",
        arg=[list(claims), list(none), NO_CLAIMS_FILL],
    )


def upload_acled(page: Page) -> Locator:
    """Go to "Your data" by its link, upload the ACLED file; return the "N of M rows" text."""
    nav_link(page, "Your data").click()
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    page.wait_for_url(re.compile(r"/your_data$"))
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=CLAIMS_UPLOADER)
    uploader.locator('input[type="file"]').set_input_files(ACLED)
    report = page.get_by_text(re.compile(r"^\d+ of \d+ rows loaded$"))
    expect(report).to_have_text("5 of 12 rows loaded")
    return report


def test_uploaded_acled_export_is_fixed_and_replaces_the_map(tab: Tab, app_url: str) -> None:
    page = tab.page
    # The built-in data first: Panjshir and Kapisa have claims there.
    frame = open_app(page, f"{app_url}/")
    builtin = fills(frame)
    for code in EMPTIED:
        assert builtin[code].lower() != NO_CLAIMS_FILL, f"{code} has no claims in built-in data"

    # The report: 5 of 12 rows, every rejected row listed and downloadable.
    report = upload_acled(page)
    expect(page.get_by_text("acled_afghanistan.csv: an ACLED export; 12 data rows")).to_be_visible()
    wait_idle(page)
    rejected_button = page.get_by_test_id("stDownloadButton").get_by_role(
        "button", name="Download the rejected rows (CSV)"
    )
    expect(rejected_button).to_be_visible()
    page.screenshot(path=artifact("uploaded_acled_export-1-report"))

    rejected = download(
        page, rejected_button, save_as=ARTIFACTS / "uploaded_acled_export-rejected.csv"
    )
    assert rejected.name == "rejected-acled_afghanistan.csv"
    rows = list(csv.DictReader(io.StringIO(rejected.data.decode("utf-8-sig"))))
    assert {int(r["row"]) for r in rows} == REJECTED_ROWS, rows
    by_row = {int(r["row"]): r for r in rows}
    assert by_row[7]["admin1"] == "Atlantis", by_row[7]
    assert "Atlantis" in by_row[7]["problems"], by_row[7]
    assert by_row[12]["admin1"] == "Hilmnd", by_row[12]
    assert all(r["problems"].strip() for r in rows), "a rejected row gives no reason"

    # Say what 'Hilmnd' means; the row loads.
    expect(page.get_by_role("button", name=re.compile(r"^Apply \d+ fix"))).to_have_count(0)
    choose_in_selectbox(page, "'Hilmnd' is", "Helmand (AF-HEL)")
    page.get_by_role("button", name="Apply 1 fix", exact=True).click()
    expect(report).to_have_text("6 of 12 rows loaded")
    expect(page.get_by_role("combobox", name="'Hilmnd' is", exact=True)).to_have_count(0)
    expect(page.get_by_role("combobox", name="'Atlantis' is", exact=True)).to_be_visible()
    wait_idle(page)
    page.screenshot(path=artifact("uploaded_acled_export-2-fixed"))

    # Show only these claims: the map page, with the six claims and nothing else.
    page.get_by_role("button", name="Show only these claims", exact=True).click()
    expect(page.get_by_role("heading", name="Claimed activity by province")).to_be_visible()
    frame = wait_for_map(page)
    assert page.evaluate("location.pathname") == "/", page.url
    expect(page.get_by_text(re.compile(r"^\d+ of \d+ claims shown$"))).to_have_text(
        "6 of 6 claims shown"
    )
    wait_for_fills(frame, claims=WITH_CLAIMS, none=EMPTIED)
    mine = fills(frame)
    with_claims = {c for c, f in mine.items() if f.lower() != NO_CLAIMS_FILL}
    assert with_claims == set(WITH_CLAIMS), mine

    # Kabul's notes are the uploaded ACLED events.
    choose_in_selectbox(page, PROVINCE_BOX, "Kabul", typed="Kabul")
    notes = notes_column(page)
    expect(notes.get_by_text(re.compile(r"^Kabul: \d+ claims? in view$"))).to_have_text(
        "Kabul: 3 claims in view"
    )
    card = notes.get_by_test_id("stVerticalBlock").filter(has_text="Synthetic test event")
    expect(card.filter(has_text="ACLED event").first).to_be_visible()
    wait_idle(page)
    page.screenshot(path=artifact("uploaded_acled_export-3-map"))
    tab.assert_clean()


def test_show_only_these_claims_keeps_the_sidebar_view(tab: Tab, app_url: str) -> None:
    page = tab.page
    open_app(page, f"{app_url}/?metric=claims")
    by_claims = page.get_by_role("radio", name="Number of claims")
    dates = sidebar(page).get_by_test_id("stDateInput")
    expect(by_claims).to_be_checked()
    expect(dates).to_contain_text(RANGE_DASH)
    upload_acled(page)
    expect(by_claims).to_be_checked()
    wait_idle(page)

    page.get_by_role("button", name="Show only these claims", exact=True).click()
    expect(page.get_by_role("heading", name="Claimed activity by province")).to_be_visible()
    frame = wait_for_map(page)
    expect(page.get_by_text(re.compile(r"^\d+ of \d+ claims shown$"))).to_have_text(
        "5 of 5 claims shown"
    )
    # Read once, not waited for: a lost value does not come back.
    assert by_claims.is_checked(), "the map is no longer coloured by number of claims"
    assert frame.locator(".claims-legend .title").inner_text() == "Number of claims"
    assert RANGE_DASH in dates.inner_text(), f"the date range became {dates.inner_text()!r}"
    assert "metric=claims" in page.evaluate("location.search"), page.url
    tab.assert_clean()


def test_uploaded_boundaries_are_fetched_once_not_sent_with_each_filter_change(
    tab: Tab, app_url: str
) -> None:
    # A user's boundaries exist only in memory; the map fetches them from the app's own
    # server (dashboard/served.py) instead of carrying them in every data layer.
    page = tab.page
    received: list[int] = []  # sizes of the websocket messages after the filter change
    counting = [False]

    def count(payload: str | bytes) -> None:
        if counting[0]:
            received.append(len(payload))

    page.on("websocket", lambda socket: socket.on("framereceived", count))
    open_app(page, f"{app_url}/")
    nav_link(page, "Your data").click()
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    page.get_by_text("Map layer: the built-in Afghan provinces, or your own boundary file").click()
    boundary = page.get_by_test_id("stFileUploader").filter(has_text="Boundary file")
    boundary.locator('input[type="file"]').set_input_files(REPO / "data" / "provinces.geojson")
    expect(page.get_by_text("34 places read from provinces.geojson.")).to_be_visible()
    wait_idle(page)  # the upload's rerun redraws the boxes below
    choose_in_selectbox(page, "Property with each place's code", "code")
    choose_in_selectbox(page, "Property with each place's name", "name")
    credit = page.get_by_label("Credit for these boundaries (shown next to the map)")
    credit.fill("Natural Earth, as in this repository")
    credit.press("Enter")
    wait_idle(page)
    claims = page.get_by_test_id("stFileUploader").filter(has_text=CLAIMS_UPLOADER)
    claims.locator('input[type="file"]').set_input_files(REPO / "data" / "claims.csv")
    expect(page.get_by_text(re.compile(r"^45 of 45 rows loaded$"))).to_be_visible()
    wait_idle(page)
    # (The built-in boundaries come from the data folder's own address.)
    before = len([u for u in tab.requests if "/_claims_map/files/" in u])
    page.get_by_role("button", name="Show only these claims", exact=True).click()
    frame = wait_for_map(page)
    assert painted(frame) == "34"
    fetched = [u for u in tab.requests if "/_claims_map/files/" in u][before:]
    assert len(fetched) == 1 and fetched[0].endswith(".geojson"), fetched
    wait_idle(page)

    views = view_count(frame)
    counting[0] = True
    choose_in_multiselect(page, "Actor (who the claim is about)", "Taliban")
    wait_for_new_view(frame, views)
    wait_idle(page)
    boundary_bytes = (REPO / "data" / "provinces.geojson").stat().st_size
    # A change sends the data layer and the page's other messages (about 25 KB here), never
    # the boundary file again (101 KB).
    assert 0 < sum(received) < boundary_bytes / 2, (sum(received), boundary_bytes)
    assert len([u for u in tab.requests if "/_claims_map/files/" in u]) == before + 1
    assert not [u for u in tab.failed if "/_claims_map/" in u], tab.failed
    page.screenshot(path=artifact("uploaded_boundaries-map"))
    tab.assert_clean()
