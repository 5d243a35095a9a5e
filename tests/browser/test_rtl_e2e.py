"""A Dari claims table as Excel saves it on a Persian-locale Windows machine (Windows-1256),
uploaded and read in headless Chromium: right to left in the tooltip, the legend and the
claim cards, and on the slide PNG. Screenshots go to ``test-artifacts/rtl-*.png``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.mapui import (
    ARTIFACTS,
    PANJSHIR,
    PROVINCE_BOX,
    REPO,
    Tab,
    artifact,
    choose_in_selectbox,
    download,
    nav_link,
    notes_column,
    open_app,
    png_size,
    province_point,
    wait_for_map,
    wait_idle,
)

pytestmark = pytest.mark.browser

DARI_CP1256 = REPO / "tests" / "corpus" / "claims_dari_cp1256.csv"
ACTOR = "طالبان"  # the Panjshir claim's actor
CLAIMANT = "سخنگوي جبهه مقاومت ملي"  # its claimant, as Windows-1256 spells it (Arabic yeh)
FSI, PDI = "\u2068", "\u2069"

# The direction the browser lays out each element holding this text in.
_DIRECTIONS = """([root, text]) => Array.from(root.querySelectorAll('[dir="auto"]'))
    .filter(e => e.textContent.includes(text))
    .map(e => getComputedStyle(e).direction)"""


def upload_dari(page: Page) -> None:
    nav_link(page, "Your data").click()
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Claims table")
    uploader.locator('input[type="file"]').set_input_files(DARI_CP1256)
    expect(page.get_by_text(re.compile(r"^\d+ of \d+ rows loaded$"))).to_have_text(
        "2 of 2 rows loaded"
    )
    expect(page.get_by_text(re.compile(r"read as Windows-1256")).first).to_be_visible()


def test_a_dari_table_reads_right_to_left_on_the_map_the_notes_and_the_slide(
    tab: Tab, app_url: str
) -> None:
    page = tab.page
    open_app(page, f"{app_url}/")
    upload_dari(page)
    wait_idle(page)
    page.screenshot(path=artifact("rtl-1-upload"))

    page.get_by_role("button", name="Show only these claims", exact=True).click()
    frame = wait_for_map(page)
    expect(page.get_by_text(re.compile(r"^\d+ of \d+ claims shown$"))).to_have_text(
        "2 of 2 claims shown"
    )

    # The legend names the actors in Dari, each in an element laid out right to left.
    legend = frame.locator(".claims-legend")
    expect(legend).to_contain_text(f"presence claimed for {ACTOR}", use_inner_text=True)
    assert frame.evaluate(_DIRECTIONS, [legend.element_handle(), ACTOR]) == ["rtl"]

    # The tooltip: the claimant in Dari, right to left, as text.
    choose_in_selectbox(page, PROVINCE_BOX, "Panjshir", typed="Panjshir")
    frame = wait_for_map(page)
    code, _, lat, lng = PANJSHIR
    point = province_point(page, frame, code, lat, lng)
    page.mouse.move(point.x - 3, point.y - 3)
    page.mouse.move(point.x, point.y)
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(f"Claimed by: {CLAIMANT}", use_inner_text=True)
    assert frame.evaluate(_DIRECTIONS, [tooltip.element_handle(), CLAIMANT]) == ["rtl"]
    expect(tooltip.locator('[dir="auto"]', has_text=CLAIMANT)).to_have_count(1)
    page.screenshot(path=artifact("rtl-2-map-tooltip"))
    tooltip.screenshot(path=artifact("rtl-3-tooltip"))

    # The claim card in the source notes: the Dari text between Unicode isolates, so its
    # words and the English around them each keep their own order.
    notes = notes_column(page)
    card = notes.get_by_test_id("stVerticalBlock").filter(has_text=ACTOR).last
    expect(card).to_be_visible()
    text = card.text_content() or ""
    assert f"{FSI}{ACTOR}{PDI}: presence" in text, text
    assert f"Claimed by {FSI}{CLAIMANT}{PDI}" in text, text
    page.mouse.move(5, 5)  # the tooltip away from the notes
    wait_idle(page)
    notes.screenshot(path=artifact("rtl-4-notes"))

    # The slide PNG of this view, kept to be looked at.
    panel = page.get_by_test_id("stExpander").filter(has_text="Download or share this view")
    panel.get_by_text("Download or share this view").click()
    slide = download(
        page,
        panel.get_by_role("button", name="Slide PNG 16:9", exact=True),
        save_as=ARTIFACTS / "rtl-5-slide-1920x1080.png",
    )
    assert png_size(slide.data) == (1920, 1080)
    tab.assert_clean()
