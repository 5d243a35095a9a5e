"""The map page in headless Chromium: drawing, filtering, clicking, escaping, links, presenting.

Run with ``pytest tests/browser -m browser``. Each test leaves a screenshot of its final state
in ``test-artifacts/``; every test fails if a request left localhost or a dialog opened.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, Route, expect
from xstatic.pkg.leaflet import VERSION as LEAFLET_VERSION

from dashboard import push
from geo.dataset import load_dataset
from geo.views.filtering import ClaimFilter, filter_claims, summarise
from geo.views.mapview import build_map_view
from geo.views.viewstate import ViewState
from tests.browser.mapui import (
    ACTOR,
    MAP_IFRAME,
    PANJSHIR,
    POLYGONS,
    PROVINCE_BOX,
    PROVINCES,
    REPO,
    XSS_ACTOR,
    XSS_CLAIMANT,
    XSS_SUMMARY,
    Tab,
    artifact,
    choose_in_multiselect,
    choose_in_selectbox,
    fills,
    link_warnings,
    map_iframe,
    multiselect_tags,
    nav_link,
    notes_column,
    open_app,
    painted,
    province_point,
    sidebar,
    view_count,
    wait_for_map,
    wait_for_new_view,
    wait_idle,
)

pytestmark = pytest.mark.browser

DATA = REPO / "data"
GEOJSON_URL = "/_claims_map/data/provinces.geojson"
LAYER_URL = "/_claims_map/layer"
LEAFLET_URL = f"/_claims_map/leaflet/{LEAFLET_VERSION}/leaflet.js"
SELECTED_OUTLINE = "#d00000"


def province_codes() -> set[str]:
    with (DATA / "provinces.csv").open(newline="", encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f)}


def query(page: Page) -> dict[str, list[str]]:
    """The page's current query parameters (read from the document, which is always fresh)."""
    return page.evaluate(
        """() => {
          const out = {};
          for (const [k, v] of new URLSearchParams(location.search)) { (out[k] ||= []).push(v); }
          return out;
        }"""
    )


def fetches_of(tab: Tab, path: str) -> int:
    return sum(1 for url in tab.requests if path in url)


# --- a. drawing ----------------------------------------------------------------------------


def test_map_paints_every_province_with_nothing_from_outside(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/")

    assert painted(frame) == str(PROVINCES)
    expect(frame.locator(POLYGONS)).to_have_count(PROVINCES)
    assert frame.evaluate("document.body.hasAttribute('data-claims-error')") is False
    assert frame.evaluate("typeof window.claimsMap") == "object"
    colours = fills(frame)
    assert set(colours) == province_codes(), "polygons and provinces.csv name other places"
    assert all(re.fullmatch(r"#[0-9A-Fa-f]{6}", c) for c in colours.values()), colours
    expect(frame.locator(".claims-legend .title")).to_have_text("Who claims presence")
    # Leaflet and the boundaries came from this server, once each.
    assert fetches_of(tab, LEAFLET_URL) == 1, tab.requests
    assert fetches_of(tab, GEOJSON_URL) == 1, tab.requests
    tab.assert_clean()


def _held_boundaries(page: Page) -> list[Route]:
    """Hold the page's requests for the boundary file until released."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(f"**{GEOJSON_URL}*", hold)
    return held


def _wait_held(page: Page, held: list[Route]) -> Route:
    for _ in range(300):
        if held:
            return held[0]
        page.wait_for_timeout(100)
    raise AssertionError("the map frame never asked for its boundaries")


def _open_holding_boundaries(page: Page, url: str) -> Route:
    """Open ``url`` with the map's boundary file held back; returns the held request."""
    held = _held_boundaries(page)
    page.goto(url, wait_until="domcontentloaded")
    return _wait_held(page, held)


PRESENTER_TOGGLE = "Presenter mode"


def reported(page: Page) -> str | None:
    """Why the map frame told the page to draw the rest: "painted", "late" or not yet."""
    body = page.frame_locator(MAP_IFRAME).locator("body")
    return body.get_attribute("data-claims-reported")


def test_a_new_session_gets_its_map_first_and_its_sidebar_once_the_map_has_painted(
    tab: Tab, app_url: str
) -> None:
    # The first run sends the map alone; the frame says when it has painted, and the run
    # that starts draws the sidebar (app.py, dashboard.state.map_alone).
    page = tab.page
    frame = open_app(page, f"{app_url}/?metric=claims&actor=Taliban")
    expect(sidebar(page).get_by_text(PRESENTER_TOGGLE)).to_be_visible()
    assert reported(page) == "painted"
    assert painted(frame) == str(PROVINCES)
    # The link's view survived the run without its widgets.
    expect(page.get_by_role("radio", name="Number of claims")).to_be_checked()
    expect(multiselect_tags(page, ACTOR)).to_have_text(re.compile(r"^\s*Taliban\s*$"))
    expect(frame.locator(".claims-legend .title")).to_have_text("Number of claims")
    expect(link_warnings(page)).to_have_count(0)
    assert query(page) == {"metric": ["claims"], "actor": ["Taliban"]}


def test_the_sidebar_waits_for_the_map_but_not_for_a_slow_boundary_file(
    tab: Tab, app_url: str
) -> None:
    page = tab.page
    boundaries = _open_holding_boundaries(page, f"{app_url}/")
    wait_idle(page)
    expect(page.get_by_text("Claimed activity by province")).to_be_visible()
    expect(sidebar(page).get_by_text(PRESENTER_TOGGLE)).to_have_count(0)
    # Held for longer than the frame waits: the sidebar comes with the map still unpainted.
    expect(sidebar(page).get_by_text(PRESENTER_TOGGLE)).to_be_visible()
    assert reported(page) == "late"
    expect(page.frame_locator(MAP_IFRAME).locator("body[data-claims-painted]")).to_have_count(0)
    boundaries.continue_()
    frame = wait_for_map(page)
    assert painted(frame) == str(PROVINCES)
    assert reported(page) == "late"  # told once


def test_a_map_that_cannot_load_its_boundaries_still_gets_its_sidebar(
    tab: Tab, app_url: str
) -> None:
    page = tab.page
    boundaries = _open_holding_boundaries(page, f"{app_url}/")
    boundaries.fulfill(status=503, body="boundaries unavailable")
    body = page.frame_locator(MAP_IFRAME).locator("body[data-claims-error]")
    body.wait_for(state="attached")
    expect(sidebar(page).get_by_text(PRESENTER_TOGGLE)).to_be_visible()
    assert reported(page) == "painted"  # as painted as it will be, not left to the timer


def test_a_session_that_has_its_sidebar_keeps_it_on_the_map_page(tab: Tab, app_url: str) -> None:
    page = tab.page
    page.goto(f"{app_url}/sources", wait_until="domcontentloaded")
    expect(sidebar(page).get_by_text(PRESENTER_TOGGLE)).to_be_visible()
    held = _held_boundaries(page)
    nav_link(page, "Map").click()
    boundaries = _wait_held(page, held)
    wait_idle(page)
    expect(sidebar(page).get_by_text(PRESENTER_TOGGLE)).to_be_visible()
    boundaries.continue_()
    wait_for_map(page)


# --- b. filtering --------------------------------------------------------------------------


def mark_map(page: Page, frame: Frame) -> None:
    """Tag the iframe element, its window, the Leaflet map and each polygon."""
    map_iframe(page).evaluate("e => { e.__frameMarker = 'x'; }")
    frame.evaluate(
        """() => {
          window.__frameMarker = 'x';
          window.map.__frameMarker = 'x';
          document.querySelectorAll('path.leaflet-interactive')
            .forEach(p => { p.__frameMarker = 'x'; });
        }"""
    )


def assert_same_map(page: Page, frame: Frame) -> None:
    """The map was restyled in place: same iframe, same page in it, same map, same polygons."""
    expect(map_iframe(page)).to_have_count(1)
    assert map_iframe(page).evaluate("e => e.__frameMarker") == "x", "the iframe was replaced"
    assert map_iframe(page).element_handle().content_frame() == frame
    assert frame.evaluate("window.__frameMarker") == "x", "the map frame was reloaded"
    assert frame.evaluate("window.map.__frameMarker") == "x", "the Leaflet map was rebuilt"
    marked = frame.evaluate(
        "() => Array.from(document.querySelectorAll('path.leaflet-interactive'))"
        ".filter(p => p.__frameMarker === 'x').length"
    )
    assert marked == PROVINCES, "the province polygons were redrawn from scratch"


def test_filter_change_restyles_the_same_map_frame(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/")
    mark_map(page, frame)
    view = view_count(frame)
    colours = fills(frame)

    # The metric radio.
    sidebar(page).get_by_text("Number of claims", exact=True).click()
    view = wait_for_new_view(frame, view)
    wait_idle(page)
    expect(page.get_by_role("radio", name="Number of claims")).to_be_checked()
    expect(frame.locator(".claims-legend .title")).to_have_text("Number of claims")
    assert_same_map(page, frame)
    by_claims = fills(frame)
    assert by_claims != colours, "colouring by number of claims left every fill unchanged"
    page.screenshot(path=artifact("filter_change_restyles_the_same_map_frame-1-metric"))

    # A category filter.
    choose_in_multiselect(page, ACTOR, "Taliban")
    wait_for_new_view(frame, view)
    wait_idle(page)
    expect(multiselect_tags(page, ACTOR)).to_have_text(re.compile(r"^\s*Taliban\s*$"))
    assert_same_map(page, frame)
    assert fills(frame) != by_claims, "filtering to one actor left every fill unchanged"
    assert frame.locator(POLYGONS).count() == PROVINCES
    assert fetches_of(tab, GEOJSON_URL) == 1, "the boundaries were fetched again"
    page.wait_for_function("() => location.search.includes('actor=Taliban')")
    assert query(page) == {"metric": ["claims"], "actor": ["Taliban"]}

    # Each layer also came over the app's own socket (dashboard/push.py), and a layer
    # older than the one shown, arriving late by either road, changes nothing; a layer of
    # a new session (a reload or a server restart: numbered from 1 again) is applied.
    pushed = frame.evaluate("Number(document.body.getAttribute('data-claims-pushed'))")
    assert pushed >= 2, f"{pushed} data layers came over the socket, for two filter changes"
    # Streamlit carried only their numbers: the frame never had to ask for one.
    assert frame.evaluate("window.claimsMap.asked") == 0
    assert fetches_of(tab, LAYER_URL) == 0
    shown, before = view_count(frame), fills(frame)
    empty = (
        "{codes: [], fills: [], fill: [], flags: [], tips: [], rows: [], listed: [],"
        " lines: [], legend: [], notes: ['', ''], title: 'another'}"
    )
    stale = frame.evaluate(
        f"() => window.claimsMap.apply({empty}, 1, window.claimsMap.shown().token)"
    )
    assert stale is False and view_count(frame) == shown and fills(frame) == before
    renewed = frame.evaluate(f"() => window.claimsMap.apply({empty}, 1, 'a new session')")
    assert renewed is True and view_count(frame) == shown + 1
    tab.assert_clean()


def test_a_layer_the_push_socket_loses_is_asked_for(tab: Tab, app_url: str) -> None:
    # The socket is open and the server counts the frame as listening, so Streamlit
    # carries only each layer's number; here every layer the server pushes is lost on the
    # way (Playwright passes the frame's messages on and drops the server's). The frame
    # must ask the server for the layer and repaint.
    page = tab.page
    dropped: list[str] = []

    def lossy(ws) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: dropped.append(message))

    page.route_web_socket(re.compile(r"/_claims_map/push"), lossy)
    frame = open_app(page, f"{app_url}/")
    colours, views = fills(frame), view_count(frame)
    choose_in_multiselect(page, ACTOR, "Taliban")
    wait_for_new_view(frame, views)
    wait_idle(page)
    assert fills(frame) != colours, "the filter change never reached the map"
    assert dropped, "the server pushed no layer: the frame was not listening"
    assert frame.evaluate("document.body.getAttribute('data-claims-pushed')") is None
    assert frame.evaluate("window.claimsMap.asked") >= 1
    assert fetches_of(tab, LAYER_URL) >= 1
    assert frame.evaluate("document.body.hasAttribute('data-claims-error')") is False
    tab.assert_clean()


def test_the_frame_says_when_it_has_painted_a_pushed_layer(tab: Tab, app_url: str) -> None:
    # The run that pushed a layer holds the rest of the page until the frame says it has
    # painted it (dashboard/push.py): the frame must say so, in the words the server takes.
    page = tab.page
    said: list[str] = []
    sockets: list[object] = []

    def overheard(ws) -> None:
        sockets.append(ws)
        server = ws.connect_to_server()
        ws.on_message(lambda message: (said.append(message), server.send(message)))

    page.route_web_socket(re.compile(r"/_claims_map/push"), overheard)
    frame = open_app(page, f"{app_url}/")
    painted: list[str] = []
    for actor in ("Taliban", "United States"):  # two filter changes: two pushed layers
        views = view_count(frame)
        choose_in_multiselect(page, ACTOR, actor)
        wait_for_new_view(frame, views)
        wait_idle(page)
        painted.append(f"painted {frame.evaluate('window.claimsMap.shown().seq')}")
    assert set(painted) <= set(said), (painted, said)
    assert all(push._painted(m) is not None for m in said[1:]), said  # [0] is the token
    # The server kept the socket open after hearing it: both layers came over it.
    assert len(sockets) == 1, f"the frame opened {len(sockets)} sockets"
    assert frame.evaluate("Number(document.body.getAttribute('data-claims-pushed'))") == 2
    assert frame.evaluate("window.claimsMap.asked") == 0
    tab.assert_clean()


def test_a_layer_that_cannot_be_had_is_said_and_the_next_one_comes_whole(
    tab: Tab, app_url: str
) -> None:
    # Every pushed layer is lost and the server cannot give one when asked (a restarted
    # process, say): after a few tries the frame says its map is not up to date and stops
    # listening, so that the next filter change's layer comes whole through Streamlit.
    page = tab.page
    page.route_web_socket(
        re.compile(r"/_claims_map/push"),
        lambda ws: ws.connect_to_server().on_message(lambda message: None),
    )
    asked: list[str] = []

    def refuse(route) -> None:
        asked.append(route.request.url)
        route.fulfill(status=404, body="no layer for this session here")

    page.route(re.compile(r"/_claims_map/layer$"), refuse)
    frame = open_app(page, f"{app_url}/")
    colours, views = fills(frame), view_count(frame)
    choose_in_multiselect(page, ACTOR, "Taliban")
    stale = frame.locator(".claims-legend .stale")
    expect(stale).to_have_text(re.compile("Not up to date"), timeout=20_000)
    assert len(asked) == 4, asked  # the first ask and three more
    assert fills(frame) == colours and view_count(frame) == views
    page.keyboard.press("Escape")
    sidebar(page).get_by_text("Number of claims", exact=True).click()
    wait_for_new_view(frame, views)
    wait_idle(page)
    expect(stale).to_have_count(0)
    assert fills(frame) != colours
    assert len(asked) == 4, "the frame asked again instead of taking the whole layer"
    tab.assert_clean()


# --- c. clicking ---------------------------------------------------------------------------


def test_clicking_panjshir_shows_its_source_notes(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/")
    notes = notes_column(page)
    expect(notes).to_contain_text("Click a province on the map")
    expect(notes.get_by_text(re.compile(r"claims? in view$"))).to_have_count(0)
    province = page.get_by_role("combobox", name=PROVINCE_BOX)
    expect(province).to_have_value("")

    code, name, lat, lng = PANJSHIR
    point = province_point(page, frame, code, lat, lng)
    page.mouse.click(point.x, point.y)

    expect(province).to_have_value(name)
    expect(notes.get_by_text(re.compile(rf"^{name}: \d+ claims? in view$"))).to_be_visible()
    cards = notes.get_by_text("National Resistance Front: presence").filter(visible=True)
    expect(cards.first).to_be_visible()
    source = notes.get_by_text(
        "Source: Peter Bergen, “Does the anti-Taliban resistance stand a chance?”"
    ).filter(visible=True)
    expect(source.first).to_be_visible()
    page.wait_for_function("() => new URLSearchParams(location.search).get('place') === 'AF-PAN'")
    assert "place=AF-PAN" in page.evaluate("location.href")
    # The map outlines the chosen province.
    frame.wait_for_function(
        """([code, colour]) => {
          let stroke = null;
          window.map.eachLayer(l => {
            if (l.feature && l._path && l.options.interactive !== false
                && l.feature.properties.code === code) { stroke = l._path.getAttribute('stroke'); }
          });
          return stroke === colour;
        }""",
        arg=[code, SELECTED_OUTLINE],
    )
    wait_idle(page)
    tab.assert_clean()


def test_clicking_the_last_clicked_province_again_after_choosing_another_selects_it(
    tab: Tab, app_url: str
) -> None:
    # The map reports a value only when it changes: a click on the province it last
    # reported used to do nothing once the box had chosen another one.
    page = tab.page
    frame = open_app(page, f"{app_url}/")
    province = page.get_by_role("combobox", name=PROVINCE_BOX)
    code, name, lat, lng = PANJSHIR
    point = province_point(page, frame, code, lat, lng)
    page.mouse.click(point.x, point.y)
    expect(province).to_have_value(name)
    wait_idle(page)

    choose_in_selectbox(page, PROVINCE_BOX, "Kabul", typed="Kabul")
    wait_idle(page)
    page.mouse.click(point.x, point.y)
    expect(province).to_have_value(name)
    expect(
        notes_column(page).get_by_text(re.compile(rf"^{name}: \d+ claims? in view$"))
    ).to_be_visible()
    wait_idle(page)
    tab.assert_clean()


# --- d. escaping ---------------------------------------------------------------------------


def test_hostile_claim_text_is_shown_as_text(tab: Tab, xss_app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{xss_app_url}/?place=AF-PAN")
    notes = notes_column(page)
    expect(page.get_by_role("combobox", name=PROVINCE_BOX)).to_have_value("Panjshir")

    # The literal text is on the page, as text.
    expect(notes.get_by_text(XSS_SUMMARY, exact=True)).to_be_visible()
    expect(notes.get_by_text(f"{XSS_ACTOR}: presence")).to_be_visible()
    expect(notes.get_by_text(f"Claimed by {XSS_CLAIMANT}")).to_be_visible()
    expect(frame.locator(".claims-legend")).to_contain_text(
        f"presence claimed for {XSS_ACTOR}", use_inner_text=True
    )

    # The hover tooltip shows it as text too.
    code, _, lat, lng = PANJSHIR
    point = province_point(page, frame, code, lat, lng)
    page.mouse.move(point.x - 3, point.y - 3)
    page.mouse.move(point.x, point.y)
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(XSS_CLAIMANT, use_inner_text=True)
    expect(tooltip).to_contain_text(XSS_ACTOR, use_inner_text=True)
    expect(tooltip.locator("script")).to_have_count(0)
    expect(tooltip.locator("b", has_text="Bold")).to_have_count(0)

    # Nothing of it ran or became markup, on the page or in the map frame.
    for where in (page, frame):
        assert where.evaluate("typeof window.__pwned") == "undefined"
        expect(where.locator('img[src="x"]')).to_have_count(0)
        expect(where.locator("b", has_text="Bold")).to_have_count(0)
        expect(where.locator("script", has_text=XSS_CLAIMANT)).to_have_count(0)
    assert tab.dialogs == []
    tab.assert_clean()


def test_province_tooltip_is_readable_inside_the_map(tab: Tab, app_url: str) -> None:
    # Leaflet's tooltip pane has no width: a wrapping tooltip without a set width shrinks to
    # its longest word and, opening upwards, runs far off the top of the map.
    page = tab.page
    frame = open_app(page, f"{app_url}/")
    code, name, lat, lng = PANJSHIR
    point = province_point(page, frame, code, lat, lng)
    page.mouse.move(point.x - 3, point.y - 3)
    page.mouse.move(point.x, point.y)
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(name)
    box = tooltip.evaluate(
        """t => { const r = t.getBoundingClientRect();
                  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                          width: innerWidth, height: innerHeight}; }"""
    )
    tab.assert_clean()
    inside = (
        box["left"] >= 0
        and box["top"] >= 0
        and box["right"] <= box["width"]
        and box["bottom"] <= box["height"]
    )
    assert inside, f"the tooltip sticks out of the {box['width']}x{box['height']} map: {box}"


def test_every_tooltip_is_the_one_python_writes(
    tab: Tab, crowded_app_url: str, crowded_data_dir: Path
) -> None:
    # The browser assembles the claimant and source lines from label indices (see
    # ListedLine in geo/views/mapview.py); each province's tooltip must come out as Python's.
    data = load_dataset(crowded_data_dir)
    summary = summarise(filter_claims(data.claims, ClaimFilter()))
    view = build_map_view(
        data.names,
        summary,
        ViewState().metric,
        source_labels=data.source_labels,
        palette=data.palette,
    )
    expected = {s.code: s.tooltip_html for s in view.styles}
    frame = open_app(tab.page, f"{crowded_app_url}/")
    shown = frame.evaluate(
        """() => {
          const out = {};
          Object.values(window.map._layers).forEach((layer) => {
            if (layer.feature && layer.getTooltip && layer.getTooltip()) {
              out[layer.feature.properties.code] = layer.getTooltip().getContent();
            }
          });
          return out;
        }"""
    )
    assert summary["claimants"].map(len).max() == 10, "lists long enough to be cut"
    assert summary["source_ids"].map(len).max() == 10
    assert sum(tip.count("and 5 more") for tip in expected.values()) == 2  # claimants, sources
    assert any("Sources: Test &lt;i&gt;publisher" in tip for tip in expected.values())
    assert shown == expected
    tab.assert_clean()


# --- e. links ------------------------------------------------------------------------------


def test_link_restores_metric_and_filter(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/?metric=claims&actor=Taliban")

    expect(page.get_by_role("radio", name="Number of claims")).to_be_checked()
    expect(page.get_by_role("radio", name="Who claims presence")).not_to_be_checked()
    expect(multiselect_tags(page, ACTOR)).to_have_text(re.compile(r"^\s*Taliban\s*$"))
    expect(frame.locator(".claims-legend .title")).to_have_text("Number of claims")
    expect(link_warnings(page)).to_have_count(0)
    assert painted(frame) == str(PROVINCES)
    assert query(page) == {"metric": ["claims"], "actor": ["Taliban"]}
    tab.assert_clean()


def test_bad_link_values_are_reported_and_the_page_still_works(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/?metric=bogus&from=notadate")

    warnings = link_warnings(page)
    expect(warnings.filter(has_text="'bogus'")).to_be_visible()
    expect(warnings.filter(has_text="'notadate'")).to_be_visible()
    expect(warnings).to_have_count(2)
    # Otherwise the default view.
    expect(page.get_by_role("heading", name="Claimed activity by province")).to_be_visible()
    expect(page.get_by_role("radio", name="Who claims presence")).to_be_checked()
    expect(frame.locator(POLYGONS)).to_have_count(PROVINCES)
    assert painted(frame) == str(PROVINCES)
    expect(frame.locator(".claims-legend .title")).to_have_text("Who claims presence")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    tab.assert_clean()


# --- f. presenting -------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [{"width": 1920, "height": 1080}], ids=["1920x1080"])
def test_presenter_mode_shows_map_and_caveats_without_sidebar(tab: Tab, app_url: str) -> None:
    page = tab.page
    frame = open_app(page, f"{app_url}/?presenter=1")

    expect(sidebar(page)).to_be_hidden()
    expect(page.get_by_test_id("stSidebarCollapsedControl")).to_be_hidden()
    expect(page.get_by_role("heading", name="Claimed activity by province")).to_be_visible()
    expect(page.get_by_text("These are claims, not established facts")).to_be_visible()
    line = page.get_by_text(re.compile(r"as of \d{4}-\d{2}-\d{2} · filters: "))
    expect(line).to_be_visible()
    expect(line).to_contain_text("filters: none (all claims)")
    assert painted(frame) == str(PROVINCES)
    expect(frame.locator(POLYGONS)).to_have_count(PROVINCES)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    box = page.locator(MAP_IFRAME).bounding_box()
    assert box is not None and box["height"] >= 700, box
    wait_idle(page)
    tab.assert_clean()
