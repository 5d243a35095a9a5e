"""Two app processes on one real PostgreSQL server: a dataset saved on one opens on the other."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import store
from geo.dataset import load_dataset
from geo.paths import DATA_DIR
from tests.browser.conftest import _running_app
from tests.browser.mapui import (
    Tab,
    artifact,
    choose_in_multiselect,
    fills,
    open_app,
    save_acled_as,
    sidebar,
    view_count,
    wait_for_map,
    wait_for_new_view,
    wait_idle,
)

pytestmark = pytest.mark.browser

# Where the upload's five claims are, and two provinces with claims only in the built-in data.
WITH_CLAIMS = ("AF-HEL", "AF-KAB", "AF-SAR")
BUILTIN_ONLY = ("AF-PAN", "AF-KAP")


@pytest.fixture(scope="module")
def two_processes(
    chromium: Path, pg_server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    """Two ``streamlit run app.py`` processes sharing one PostgreSQL database (and its URL)."""
    url = pg_server.create_database("two_processes")
    folder = tmp_path_factory.mktemp("two-processes")
    with (
        _running_app(folder / "first.log", database_url=url) as first,
        _running_app(folder / "second.log", database_url=url) as second,
    ):
        yield first, second, url


def dataset_options(page: Page, typed: str) -> list[str]:
    """The Dataset picker's choices that match ``typed``, as its list shows them."""
    wait_idle(page)
    box = sidebar(page).get_by_role("combobox", name="Dataset", exact=True)
    box.click()
    box.fill(typed)
    page.wait_for_timeout(500)  # the list filters as one types; an empty one shows nothing
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def test_a_dataset_saved_on_one_process_opens_from_its_link_on_the_other(
    tab: Tab, browser, two_processes: tuple[str, str, str]
) -> None:
    first, second, _ = two_processes
    # A colleague already has the second process open, on the built-in data.
    colleague = browser.new_page()
    colleague_frame = open_app(colleague, f"{second}/")
    assert dataset_options(colleague, "Built") == ["Built-in data"]
    assert dataset_options(colleague, "Helmand") == ["No results"]

    page = tab.page
    open_app(page, f"{first}/")
    save_acled_as(page, "Helmand and Kabul, May 2022")
    frame = wait_for_map(page)
    page.wait_for_url(re.compile(r"dataset=helmand-and-kabul-may-2022"))
    saved_at = time.monotonic()
    on_first = fills(frame)
    link = page.url
    page.screenshot(path=artifact("store-first-process-after-save"))

    # The link, on the other process: the same dataset, the same colours.
    other = browser.new_page()
    other_frame = open_app(other, link.replace(first, second))
    expect(other.get_by_text(re.compile(r"5 of 5 claims shown"))).to_be_visible()
    assert fills(other_frame) == on_first
    empty = on_first["AF-PAN"]
    assert all(on_first[c] != empty for c in WITH_CLAIMS)
    assert all(on_first[c] == empty for c in BUILTIN_ONLY)
    other.screenshot(path=artifact("store-second-process-permalink"))

    # The colleague's open page lists it without a restart, from a rerun that starts 1.5 s
    # after the save (the store's version is polled at most once a second). No clock is
    # asserted: how long the rerun then takes depends on the machine, not on the store.
    time.sleep(max(0.0, saved_at + 1.5 - time.monotonic()))
    views = view_count(colleague_frame)
    choose_in_multiselect(colleague, "Actor (who the claim is about)", "Taliban")
    wait_for_new_view(colleague_frame, views)
    assert dataset_options(colleague, "Helmand") == ["Helmand and Kabul, May 2022"]
    colleague.close()
    other.close()
    tab.assert_clean()


def test_a_link_to_a_deleted_dataset_says_so_on_any_process(
    tab: Tab, two_processes: tuple[str, str, str]
) -> None:
    _, second, url = two_processes
    team = store.open_store(url)
    team.save(load_dataset(DATA_DIR), name="Short-lived")
    open_app(tab.page, f"{second}/?dataset=short-lived")  # the second process loads it
    assert team.delete("short-lived")
    time.sleep(1.1)  # processes learn of a change within a second (dashboard/datastore.py)
    page = tab.page
    open_app(page, f"{second}/?dataset=short-lived")
    expect(page.get_by_text(re.compile("no saved dataset has that name"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"of 45 claims shown"))).to_be_visible()
    tab.assert_clean()


def test_a_map_frame_whose_push_socket_reaches_another_process_still_repaints(
    tab: Tab, two_processes: tuple[str, str, str]
) -> None:
    # Behind a load balancer the frame's push socket may land on a process that does not
    # run its session: the socket opens, takes the frame's token and never sends a layer.
    # Playwright answers the socket itself here, exactly so; Streamlit's own delivery
    # must then bring every layer.
    first, _, _ = two_processes
    page = tab.page
    silent: list[str] = []

    def elsewhere(ws) -> None:  # no connect_to_server: nothing ever reaches our process
        ws.on_message(lambda message: silent.append(message))

    page.route_web_socket(re.compile(r"/_claims_map/push"), elsewhere)
    frame = open_app(page, f"{first}/")
    before = fills(frame)
    views = view_count(frame)
    choose_in_multiselect(page, "Actor (who the claim is about)", "Taliban")
    wait_for_new_view(frame, views)
    wait_idle(page)
    assert fills(frame) != before, "the filter change never reached the map"
    assert silent, "the frame never opened its push socket"
    pushed = frame.evaluate("Number(document.body.getAttribute('data-claims-pushed') || 0)")
    assert pushed == 0
    tab.assert_clean()
