"""What the browser tests know about the page: where the map frame is and how to read it.

The map is a streamlit-folium component: an iframe whose page holds Leaflet (``window.map``)
and the claims layer from :mod:`geo.views.foliummap`, which marks ``document.body`` with
``data-claims-painted`` (polygons drawn), ``data-claims-view`` (data layers applied so far)
or ``data-claims-error`` (the boundary file did not load).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page, expect

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
TIMEOUT_MS = 60_000
PROVINCES = 34
MAP_IFRAME = 'iframe[src*="streamlit_folium.st_folium"]'
POLYGONS = "path.leaflet-interactive"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

ACTOR = "Actor (who the claim is about)"
METRIC_RADIO = "Colour the map by"
PROVINCE_BOX = "Province (or click the map)"

# A point well inside Panjshir (the valley, north-east of Kabul).
PANJSHIR = ("AF-PAN", "Panjshir", 35.3, 69.6)

# The extra claim the second app serves: every text field that reaches HTML is hostile.
XSS_SUMMARY = "<img src=x onerror=alert(1)>"
XSS_ACTOR = "<b>Bold</b> Actor"
XSS_CLAIMANT = "<script>window.__pwned=1</script>"


@dataclass
class Tab:
    """A page plus what it tried to do: requests, blocked requests, dialogs, script errors."""

    page: Page
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Local requests that failed or answered 4xx/5xx: not failures by themselves (the page may
    # have moved on), but the first thing to read when a script error is reported.
    failed: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No request left localhost, no dialog opened (an XSS would), no script crashed."""
        assert self.blocked == [], f"requests that tried to leave localhost: {self.blocked}"
        assert self.dialogs == [], f"dialogs opened (script ran from data?): {self.dialogs}"
        assert self.errors == [], (
            f"uncaught errors in the page: {self.errors}; failed local requests: {self.failed}"
        )

    def __repr__(self) -> str:
        # What pytest prints for a failing test: the findings first, not 40 local URLs.
        return (
            f"Tab(blocked={self.blocked!r}, dialogs={self.dialogs!r}, errors={self.errors!r}, "
            f"failed={self.failed!r}, "
            f"{len(self.requests)} local requests, url={self.page.url!r})"
        )


def artifact(name: str) -> Path:
    """Where to save a screenshot called ``name`` (the folder is git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (or never touch the network at all)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


def wait_idle(page: Page) -> None:
    """Wait until the app's script is not running and the session is connected."""
    page.locator(
        '[data-testid="stApp"][data-test-script-state="notRunning"]'
        '[data-test-connection-state="CONNECTED"]'
    ).wait_for(timeout=TIMEOUT_MS)


def map_iframe(page: Page) -> Locator:
    return page.locator(MAP_IFRAME)


def wait_for_map(page: Page) -> Frame:
    """Wait for the map frame to draw its boundaries (or report why not); return the frame."""
    crash = page.get_by_test_id("stException")
    map_iframe(page).or_(crash).first.wait_for(state="attached", timeout=TIMEOUT_MS)
    if crash.count():
        raise AssertionError(f"the app raised an exception:\n{crash.first.inner_text()}")
    expect(map_iframe(page)).to_have_count(1)
    body = page.frame_locator(MAP_IFRAME).locator(
        "body[data-claims-painted], body[data-claims-error]"
    )
    body.wait_for(state="attached", timeout=TIMEOUT_MS)
    # A new map (another country, presenter mode) replaces the iframe: the element found
    # now may be the new one, whose document is not attached yet.
    frame = map_iframe(page).element_handle().content_frame()
    for _ in range(50):
        if frame is not None:
            break
        page.wait_for_timeout(100)
        frame = map_iframe(page).element_handle().content_frame()
    assert frame is not None, "the map iframe has no content frame"
    frame.wait_for_function(
        "() => document.body && (document.body.hasAttribute('data-claims-painted')"
        " || document.body.hasAttribute('data-claims-error'))",
        timeout=TIMEOUT_MS,
    )
    error = frame.evaluate("document.body.getAttribute('data-claims-error')")
    assert error is None, f"the map could not load its boundaries: {error}"
    frame.wait_for_function("() => Number(document.body.getAttribute('data-claims-view')) > 0")
    # A new session's sidebar comes in the run the map's first paint starts (app.py).
    sidebar(page).get_by_text("Presenter mode").wait_for(state="attached", timeout=TIMEOUT_MS)
    wait_idle(page)
    wait_map_settled(frame)
    return frame


_SETTLED_JS = """() => {
  const map = window.map;
  if (!map || map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) { return false; }
  const svg = document.querySelector('.leaflet-overlay-pane svg');
  if (!svg) { return false; }
  const s = svg.getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();
  return s.left <= c.left + 1 && s.top <= c.top + 1 && s.right >= c.right - 1
         && s.bottom >= c.bottom - 1;
}"""


def wait_map_settled(frame: Frame, timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until the map has stopped moving and its polygons are drawn over the whole map.

    While Leaflet animates a zoom (the map refits itself as the frame settles), the SVG layer
    still has its old extent and polygons near the edge look cut off; a map whose SVG layer
    never covers the frame again would keep them cut off, and fails here.
    """
    for _ in range(2):  # twice, a moment apart: a refit may start just after the first look
        frame.wait_for_function(_SETTLED_JS, timeout=timeout_ms)
        time.sleep(0.3)


def open_app(page: Page, url: str) -> Frame:
    page.goto(url, wait_until="domcontentloaded")
    return wait_for_map(page)


def painted(frame: Frame) -> str | None:
    return frame.evaluate("document.body.getAttribute('data-claims-painted')")


def view_count(frame: Frame) -> int:
    return int(frame.evaluate("document.body.getAttribute('data-claims-view') || '0'"))


def wait_for_new_view(frame: Frame, after: int) -> int:
    """Wait until the map applied a data layer after the ``after``-th one; return the count."""
    try:
        frame.wait_for_function(
            "n => Number(document.body.getAttribute('data-claims-view')) > n",
            arg=after,
            timeout=TIMEOUT_MS,
        )
    except PlaywrightError as exc:
        if frame.is_detached():
            raise AssertionError("the map frame was replaced by a new one") from exc
        raise
    return view_count(frame)


def fills(frame: Frame) -> dict[str, str]:
    """Fill colour of each province polygon, by place code."""
    return frame.evaluate(
        """() => {
          const out = {};
          window.map.eachLayer(l => {
            if (l.feature && l._path && l.options.interactive !== false) {
              out[l.feature.properties.code] = l._path.getAttribute('fill');
            }
          });
          return out;
        }"""
    )


def legend_title(frame: Frame) -> str:
    return frame.locator(".claims-legend .title").inner_text()


@dataclass(frozen=True)
class Point:
    x: float
    y: float


_POINT_JS = """([code, lat, lng]) => {
  const map = window.map;
  let layer = null;
  map.eachLayer(l => {
    if (l.feature && l.feature.properties && l.feature.properties.code === code
        && l.options.interactive !== false) { layer = l; }
  });
  if (!layer) { return {error: 'no clickable layer has code ' + code}; }
  if (map._animatingZoom || (map._panAnim && map._panAnim._inProgress)) {
    return {error: 'the map is still moving'};
  }
  const p = map.latLngToContainerPoint([lat, lng]);
  const box = map.getContainer().getBoundingClientRect();
  const x = box.left + p.x, y = box.top + p.y;
  const hit = document.elementFromPoint(x, y);
  if (hit !== layer._path) {
    return {error: 'the point for ' + code + ' lands on ' + (hit ? hit.outerHTML.slice(0, 80)
            : 'nothing') + ', not on its polygon'};
  }
  return {x: x, y: y};
}"""


def province_point(page: Page, frame: Frame, code: str, lat: float, lng: float) -> Point:
    """Where, in page coordinates, to point the mouse to hit province ``code``.

    Leaflet gives the point's position in the map container; the iframe's place on the page
    turns it into page coordinates. The point is checked to land on the province's own
    polygon (not on the legend, a control or a neighbour), and to hold still between two
    readings, since the map refits itself while the frame settles.
    """
    element = map_iframe(page)
    element.scroll_into_view_if_needed()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    last: tuple[float, float] | None = None
    problem = ""
    while time.monotonic() < deadline:
        result = frame.evaluate(_POINT_JS, [code, lat, lng])
        if "error" in result:
            problem, last = result["error"], None
        else:
            here = (result["x"], result["y"])
            if here == last:
                left, top = element.evaluate(
                    "e => { const r = e.getBoundingClientRect();"
                    " return [r.left + e.clientLeft, r.top + e.clientTop]; }"
                )
                return Point(left + here[0], top + here[1])
            last = here
        time.sleep(0.3)
    raise AssertionError(f"could not find a steady point inside {code}: {problem}")


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def notes_column(page: Page) -> Locator:
    """The column under the "Source notes" heading."""
    return page.get_by_test_id("stColumn").filter(
        has=page.get_by_role("heading", name="Source notes")
    )


def choose_in_multiselect(page: Page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def multiselect_tags(page: Page, label: str) -> Locator:
    widget = page.get_by_test_id("stMultiSelect").filter(
        has=page.get_by_role("combobox", name=label)
    )
    return widget.get_by_test_id("stMultiSelectTagsContainer")


def link_warnings(page: Page) -> Locator:
    """The warnings about bad URL parameters (each paragraph starts "Link: ")."""
    return page.get_by_test_id("stAlert").get_by_text(re.compile(r"^Link: "))


# --- helpers for the upload, time and export tests ---------------------------------------------

# The fill of a province with no claims in view (``baseStyle`` in geo.views.foliummap, and
# ``geo.views.mapview.NO_CLAIMS``; compare ignoring case).
NO_CLAIMS_FILL = "#f4f4f4"
AS_OF_SLIDER = "As of"


def nav_link(page: Page, title: str) -> Locator:
    """The sidebar's navigation link to the page called ``title``."""
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def choose_in_selectbox(page: Page, label: str, option: str, typed: str | None = None) -> None:
    """Choose ``option`` in the selectbox called ``label``.

    Clicking the box only focuses it: its "Open" button opens the list. The list is
    virtualised (only the options in sight are in the DOM), so ``typed`` narrows it first.
    """
    box = page.get_by_role("combobox", name=label, exact=True)
    widget = page.get_by_test_id("stSelectbox").filter(has=box)
    widget.get_by_role("button", name="Open").click()
    if typed is not None:
        box.fill(typed)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


@dataclass(frozen=True)
class Downloaded:
    name: str
    data: bytes


def download(page: Page, button: Locator, save_as: Path | None = None) -> Downloaded:
    """Click ``button`` and return the file the browser downloads (also saved to ``save_as``)."""
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    got = info.value
    failure = got.failure()
    assert failure is None, f"the download of {got.suggested_filename!r} failed: {failure}"
    data = Path(got.path()).read_bytes()
    if save_as is not None:
        save_as.parent.mkdir(exist_ok=True)
        save_as.write_bytes(data)
    return Downloaded(got.suggested_filename, data)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which must come first)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"not a PNG: starts {data[:16]!r}"
    assert data[12:16] == b"IHDR", f"the PNG does not start with its IHDR chunk: {data[:32]!r}"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def as_of_slider(page: Page) -> Locator:
    """The sidebar's "As of" slider (its value is the thumb's ``aria-valuetext``).

    Found by its ``aria-label``: its accessible name also takes in the group's label.
    """
    return sidebar(page).locator(f'input[type="range"][aria-label="{AS_OF_SLIDER}"]')


def as_of_line(page: Page) -> Locator:
    """The "As of YYYY-MM-DD (...)" line above the map."""
    return page.get_by_test_id("stMarkdownContainer").get_by_text(
        re.compile(r"^As of \d{4}-\d{2}-\d{2}")
    )


# --- saving a dataset (the store tests) ----------------------------------------------------

# An ACLED export whose 12 rows give 5 claims, in Helmand, Kabul and Sar-e Pul.
ACLED = REPO / "tests" / "corpus" / "acled_afghanistan.csv"


def save_acled_as(page: Page, name: str) -> None:
    """Upload :data:`ACLED` on Your data and save it as a dataset called ``name``.

    The app then shows the map of it, with ``?dataset=<slug of name>`` in the URL.
    """
    nav_link(page, "Your data").click()
    page.wait_for_url(re.compile(r"/your_data$"))
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Claims table")
    uploader.locator('input[type="file"]').set_input_files(ACLED)
    expect(page.get_by_text(re.compile(r"^5 of 12 rows loaded$"))).to_be_visible()
    wait_idle(page)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Your name (optional)").fill("Analyst A")
    page.get_by_role("button", name="Save dataset").click()
