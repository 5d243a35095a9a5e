"""Curation in Chromium (issue #13): an editor signs in, adds a source with its text and a
claim quoting it, sees it on the map, reviews it and reads its history; two editors on two
app processes change one claim. Every new text field carries a script payload."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

import store
from dashboard.curation import CLAIM_LABELS, SOURCE_LABELS
from dashboard.signin import EDITORS_FILE_ENV
from geo.dataset import load_dataset
from geo.paths import DATA_DIR
from store.edits import history
from tests.browser.conftest import _running_app
from tests.browser.mapui import (
    PANJSHIR,
    PROVINCE_BOX,
    Tab,
    artifact,
    choose_in_selectbox,
    download,
    nav_link,
    province_point,
    wait_for_map,
    wait_idle,
)
from tests.test_store import _user_dataset

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
# Test text, not from any real source; the quote below is in it, the bad one is not.
TEXT = "Units moved into the upper valley\nlast week, the spokesman said. <script>x</script>"
QUOTE = "moved into the upper valley last week"
# Hostile, yet valid, values for every text field the editor fills in.
SOURCE = {
    "title": "<img src=x onerror=alert('title')> bulletin",
    "publisher": "<script>window.__pwned=1</script> Wire",
    "author": "<b>Bold</b> Writer",
    "published": "2022-10-02",
    "kind": "<i>report</i>",
    "url": "javascript:alert('url')",
    "speaker": "<svg onload=alert('speaker')>",
    "reliability_note": '=HYPERLINK("http://x","click")',
}
CLAIM = {
    "claimant": "<script>window.__pwned=2</script>",
    "actor": "<b>Bold</b> Actor",
    "place": "<img src=x onerror=alert('place')>",
    "locator": "<iframe src=javascript:alert('locator')>",
    "summary": "<img src=x onerror=alert('summary')>",
}
REASON = "<img src=x onerror=alert('reason')>"


@pytest.fixture(scope="module")
def editors_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("editors") / "editors.toml"
    hasher = PasswordHasher()
    path.write_text(
        "".join(
            f'[editors.{name}]\npassword_hash = "{hasher.hash(PASSWORD)}"\n'
            for name in ("amina", "bilal")
        ),
        encoding="utf-8",
    )
    return {EDITORS_FILE_ENV: str(path)}


def _team(url: str) -> store.Store:
    opened = store.open_store(url)
    opened.save(_user_dataset(load_dataset(DATA_DIR)), name="team")
    return opened


@pytest.fixture(scope="module")
def curation_app(
    chromium: Path, editors_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, store.Store]]:
    """The app with editors, on a SQLite store holding the saved dataset "team"."""
    folder = tmp_path_factory.mktemp("curation")
    url = f"sqlite:///{folder / 'claims.db'}"
    team = _team(url)
    with _running_app(folder / "app.log", database_url=url, env=editors_env) as base:
        yield base, team


@pytest.fixture(scope="module")
def two_processes(
    chromium: Path,
    pg_server,
    editors_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, store.Store]]:
    """Two app processes with editors on one PostgreSQL database holding "team"."""
    url = pg_server.create_database("two_editors")
    team = _team(url)
    folder = tmp_path_factory.mktemp("two-editors")
    with (
        _running_app(folder / "first.log", database_url=url, env=editors_env) as first,
        _running_app(folder / "second.log", database_url=url, env=editors_env) as second,
    ):
        yield first, second, team


def open_page(page: Page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    wait_idle(page)


def sign_in(page: Page, name: str) -> None:
    page.get_by_label("Editor name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    wait_idle(page)


def main(page: Page) -> Locator:
    """The page's own part (the sidebar's filters share some labels with the forms)."""
    return page.get_by_test_id("stMain")


def choose(page: Page, label: str, option: str, typed: str | None = None) -> None:
    """:func:`mapui.choose_in_selectbox`, for the selectbox in the page's own part."""
    named = page.get_by_role("combobox", name=label, exact=True)
    box = main(page).locator(named)
    main(page).get_by_test_id("stSelectbox").filter(has=named).get_by_role(
        "button", name="Open"
    ).click()
    if typed is not None:
        box.fill(typed)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)
    wait_idle(page)


def type_into(page: Page, label: str, value: str) -> None:
    """Fill a field of a form (sent with the form)."""
    main(page).get_by_label(label, exact=True).fill(value)


def send(page: Page, label: str, value: str) -> None:
    """Fill a field outside a form and leave it, which sends it: wait for that rerun."""
    box = main(page).get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")
    with contextlib.suppress(PlaywrightError):  # it may have run and finished already
        page.locator('[data-testid="stApp"][data-test-script-state="running"]').wait_for(
            timeout=3000
        )
    wait_idle(page)


def field_message(page: Page, label: str) -> str:
    """The error drawn beside the field called ``label``: just after it (for the province,
    in the box after it, below the line that says what it matched)."""
    field = (
        main(page)
        .get_by_test_id("stElementContainer")
        .filter(has=page.get_by_label(label, exact=True))
    )
    after = field.locator("xpath=following-sibling::div[1]")
    expect(after.get_by_test_id("stAlert")).to_be_visible()
    return after.inner_text()


def nothing_ran(tab: Tab) -> None:
    page = tab.page
    frames = [page, *(f for f in page.frames if f != page.main_frame)]
    for where in frames:
        assert where.evaluate("typeof window.__pwned") == "undefined"
        expect(where.locator('img[src="x"]')).to_have_count(0)
        expect(where.locator("svg[onload]")).to_have_count(0)
        expect(where.locator("b", has_text="Bold")).to_have_count(0)
    assert tab.dialogs == []


def test_an_editor_adds_a_source_and_a_claim_sees_it_on_the_map_and_reviews_it(
    tab: Tab, curation_app: tuple[str, store.Store]
) -> None:
    base, team = curation_app
    page = tab.page
    open_page(page, f"{base}/add?dataset=team")
    sign_in(page, "amina")

    # The source, with its text.
    page.get_by_text("Add a new source").click()
    for field, value in SOURCE.items():
        type_into(page, SOURCE_LABELS[field], value)
    main(page).get_by_label(re.compile(r"^Full text")).fill(TEXT)
    page.get_by_role("button", name="Add the source").click()
    expect(page.get_by_text(re.compile(r"^Added source \S+; its claims"))).to_be_visible()
    wait_idle(page)

    # The claim, first with three bad fields: each gets its message, nothing is saved.
    send(page, CLAIM_LABELS["province"], "Atlantis")
    expect(page.get_by_text("Atlantis names no single place on this map.")).to_be_visible()
    for field, value in CLAIM.items():
        type_into(page, CLAIM_LABELS[field], value)
    choose(page, CLAIM_LABELS["claim_type"], "presence")
    type_into(page, CLAIM_LABELS["date_start"], "2022-09-20")
    type_into(page, CLAIM_LABELS["date_end"], "2022-09-01")
    choose(page, CLAIM_LABELS["date_precision"], "week")
    choose(page, CLAIM_LABELS["status"], "reported")
    quote = main(page).get_by_label(CLAIM_LABELS["quote"], exact=True)
    quote.fill("moved into the lower valley")
    page.get_by_role("button", name="Add the claim").click()
    wait_idle(page)
    assert "names no single known place" in field_message(page, CLAIM_LABELS["province"])
    assert "before it starts" in field_message(page, CLAIM_LABELS["date_end"])
    assert "not found in the text" in field_message(page, CLAIM_LABELS["quote"])
    assert len(team.load("team").claims) == 3
    page.screenshot(path=artifact("curation-claim-refused-at-its-fields"))

    # Fixed: a misspelt province's suggestion accepted with a click.
    send(page, CLAIM_LABELS["province"], "Panjshr")
    page.get_by_role("button", name="Panjshir (AF-PAN)").click()
    wait_idle(page)
    expect(main(page).get_by_label(CLAIM_LABELS["province"], exact=True)).to_have_value("Panjshir")
    type_into(page, CLAIM_LABELS["date_end"], "2022-09-27")
    quote.fill(QUOTE)
    page.get_by_role("button", name="Add the claim").click()
    expect(page.get_by_text(re.compile(r"^Added claim A001"))).to_be_visible()
    assert len(team.load("team").claims) == 4

    # On the map at once: its card and the tooltip show every field as text.
    nav_link(page, "Map").click()
    frame = wait_for_map(page)
    expect(page.get_by_text(re.compile(r"4 of 4 claims shown"))).to_be_visible()
    choose_in_selectbox(page, PROVINCE_BOX, "Panjshir", typed="Panj")
    wait_idle(page)
    expect(page.get_by_text(CLAIM["summary"], exact=True)).to_be_visible()
    expect(page.get_by_text(f"Claimed by {CLAIM['claimant']}", exact=False)).to_be_visible()
    code, _, lat, lng = PANJSHIR
    point = province_point(page, frame, code, lat, lng)
    page.mouse.move(point.x - 3, point.y - 3)
    page.mouse.move(point.x, point.y)
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(CLAIM["claimant"], use_inner_text=True)
    expect(tooltip).to_contain_text(CLAIM["actor"], use_inner_text=True)
    nothing_ran(tab)

    # Reviewed on the Claims page: an empty reason is refused, then the change lands.
    nav_link(page, "Claims").click()
    expect(page.get_by_role("heading", name="Claims", exact=True)).to_be_visible()
    wait_idle(page)
    choose(page, "Claim", "A001", typed="A001")
    wait_idle(page)
    choose(page, "Status", "disputed")
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text(re.compile(r"Not saved: reason"))).to_be_visible()
    assert [e.kind for e in history(team, "team", "A001")] == ["add"]
    choose(page, "Status", "disputed")
    page.get_by_label("Reason (required)", exact=True).fill(REASON)
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("History of claim A001 (2 changes)")).to_be_visible()
    wait_idle(page)
    [_, reviewed] = history(team, "team", "A001")
    assert (reviewed.editor, reviewed.reason, reviewed.changes["status"]) == (
        "amina",
        REASON,
        ("reported", "disputed"),
    )

    # The history and the claims download as text, formulas neutralised.
    button = page.get_by_role("button", name=re.compile(r"^Download this dataset's change"))
    rows = list(csv.DictReader(io.StringIO(download(page, button).data.decode("utf-8"))))
    assert {"field": "status", "new": "disputed", "reason": REASON} in [
        {k: r[k] for k in ("field", "new", "reason")} for r in rows
    ]
    notes = {r["new"] for r in rows if r["field"] == "reliability_note"}
    assert notes == {"'" + SOURCE["reliability_note"]}
    button = page.get_by_role("button", name="Download these claims (CSV)")
    claims = download(page, button).data.decode("utf-8")
    assert CLAIM["summary"] in claims and CLAIM["claimant"] in claims
    page.get_by_text("History of claim A001 (2 changes)").click()
    wait_idle(page)
    nothing_ran(tab)
    tab.assert_clean()


def _reviewer(browser: Browser, url: str, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_page(page, f"{url}/claims?dataset=team")
    sign_in(page, name)
    choose(page, "Claim", "U1", typed="U1")
    expect(page.get_by_text(re.compile(r"Claim U1, status claimed, version 1"))).to_be_visible()
    wait_idle(page)
    return page


def test_two_editors_on_two_processes_change_one_claim_and_the_second_is_refused(
    browser: Browser, two_processes: tuple[str, str, store.Store]
) -> None:
    first, second, team = two_processes
    amina = _reviewer(browser, first, "amina")
    bilal = _reviewer(browser, second, "bilal")

    choose(amina, "Status", "disputed")
    amina.get_by_label("Reason (required)", exact=True).fill("a second report contests it")
    amina.get_by_role("button", name="Save the review").click()
    expect(amina.get_by_text("History of claim U1 (1 changes)")).to_be_visible()

    choose(bilal, "Status", "denied")
    bilal.get_by_label("Reason (required)", exact=True).fill("the party denied it")
    bilal.get_by_role("button", name="Save the review").click()
    refusal = bilal.get_by_text(
        # Streamlit's Markdown writes the message's "->" as an arrow.
        re.compile(r"claim U1 was changed by amina \(version 1 (->|\u2192) 2: status\)")
    )
    expect(refusal).to_be_visible()
    # The other's change is shown: a table of it under the message.
    expect(bilal.get_by_test_id("stDataFrame").last).to_be_visible()
    bilal.screenshot(path=artifact("curation-second-editor-refused"))

    [entry] = history(team, "team", "U1")
    assert (entry.editor, entry.changes) == ("amina", {"status": ("claimed", "disputed")})
    claims = team.load("team").claims
    assert claims.loc[claims["claim_id"] == "U1", "status"].item() == "disputed"

    # Trying again, having read amina's change, starts from her version and lands.
    wait_idle(bilal)
    choose(bilal, "Status", "denied")
    bilal.get_by_label("Reason (required)", exact=True).fill("the party denied it")
    bilal.get_by_role("button", name="Save the review").click()
    expect(bilal.get_by_text("History of claim U1 (2 changes)")).to_be_visible()
    assert [e.editor for e in history(team, "team", "U1")] == ["amina", "bilal"]
    amina.close()
    bilal.close()
