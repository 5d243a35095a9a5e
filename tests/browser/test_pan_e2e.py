"""Panning and zooming the map stay in the browser: the app is not rerun for them."""

from __future__ import annotations

import pytest

from tests.browser.mapui import Tab, map_iframe, open_app, wait_idle

pytestmark = pytest.mark.browser


def test_pan_and_zoom_do_not_rerun_the_app(tab: Tab, app_url: str) -> None:
    page = tab.page
    sent: list[int] = []
    # Every rerun request travels from the page to the server over Streamlit's websocket.
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    frame = open_app(page, f"{app_url}/")
    wait_idle(page)
    page.wait_for_timeout(1500)
    before = len(sent)

    box = map_iframe(page).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.6
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y - 60, steps=12)
    page.mouse.up()
    frame.locator(".leaflet-control-zoom-in").click()
    page.mouse.move(x, y)
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(2500)  # streamlit-folium debounces map events by 250 ms
    moved = frame.evaluate("window.map.getZoom()")
    assert sent[before:] == [], f"panning and zooming sent {len(sent) - before} messages"

    # The same listener hears a filter change, which does rerun the app: the silence above
    # is not a deaf listener. The rerun restyles the map and keeps the viewer's zoom.
    page.get_by_text("Number of claims").first.click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('metric') === 'claims'")
    assert len(sent) > before
    wait_idle(page)
    assert moved == frame.evaluate("window.map.getZoom()")
    tab.assert_clean()
