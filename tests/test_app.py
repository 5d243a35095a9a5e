"""Every page renders through Streamlit's AppTest; filters and URL parameters take effect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import render, state
from geo.dataset import load_dataset
from geo.escape import md
from geo.views.foliummap import REPORT_PAINT

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = (
    "pages/map.py",
    "pages/timeline.py",
    "pages/claims.py",
    "pages/sources.py",
    "pages/your_data.py",
    "pages/about.py",
)


def run(**params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def text_of(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(parts)


def shown_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "claims shown" in m.value)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page: str) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if page != "pages/map.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{page} has no title"
    # The Map page's filters are drawn after the page (see app.py), the others' before it
    # (Your data may stop early); every page has them.
    labels = [m.label for m in at.sidebar.multiselect]
    assert labels == list(state.CATEGORY_LABELS.values()), page


def test_a_new_sessions_first_map_run_sends_the_map_alone() -> None:
    # The sidebar comes in the run the frame's "painted" starts (conftest emulates it);
    # without that run, the first one drew no filters, and asked the frame to say so.
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    AppTest.run.__wrapped__(at)  # type: ignore[attr-defined]
    assert not at.exception and at.title
    assert [m.label for m in at.sidebar.multiselect] == []
    assert at.session_state[state.MAP_ALONE]

    def asks_for_paint() -> bool:
        (frame,) = at.get("component_instance")
        return REPORT_PAINT in frame.proto.json_args

    assert asks_for_paint()
    at.run()  # any rerun, the frame's report or another, draws it
    assert [m.label for m in at.sidebar.multiselect] == list(state.CATEGORY_LABELS.values())
    assert not at.session_state[state.MAP_ALONE]
    assert not asks_for_paint()


def test_map_page_says_what_is_in_view() -> None:
    at = run()
    assert not at.exception
    assert "45 of 45 claims shown" in shown_line(at)
    assert "country" in shown_line(at)
    assert "These are claims, not established facts" in text_of(at)


def test_a_filter_changes_what_is_shown() -> None:
    # AppTest drops widgets drawn before st.navigation's page on reruns, so the filter is
    # set through the URL here; the browser tests change it through the widget itself.
    everything, taliban = shown_line(run()), shown_line(run(actor="Taliban"))
    assert everything.startswith("**45 of 45 claims shown")
    assert taliban.startswith("**9 of 45 claims shown")
    assert "36 hidden by the actor filter" in taliban


def test_url_parameters_restore_the_view() -> None:
    at = run(metric="claims", actor="Taliban", place="AF-PAN", **{"from": "2022-01-01"})
    assert not at.exception
    assert at.radio(key="metric").value == "claims"
    assert at.multiselect(key="f_actor").value == ["Taliban"]
    assert at.selectbox(key="place").value == "AF-PAN"
    assert at.date_input(key="f_dates").value[0].isoformat() == "2022-01-01"
    assert "hidden by the date window filter" in shown_line(at)


def test_bad_url_parameters_are_ignored_with_a_note() -> None:
    at = run(metric="bogus", actor=["Nobody", "Taliban"], to="notadate", place="XX-1")
    assert not at.exception
    notes = "\n".join(w.value for w in at.warning)
    for bad in ("bogus", "Nobody", "notadate", "XX"):
        assert bad in notes
    assert at.radio(key="metric").value == "presence"
    assert at.multiselect(key="f_actor").value == ["Taliban"]


def test_choosing_a_province_lists_its_claims_with_sources() -> None:
    at = run(place="AF-PAN")
    text = text_of(at)
    assert "Panjshir" in text
    assert "National Resistance Front" in text
    assert "Does the anti" in text  # the source citation
    assert "season precision" in text


def test_country_wide_claims_are_drawn_only_when_their_box_is_open() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    expected = int(load_dataset().claims["province"].isna().sum())
    box = next(e for e in at.expander if e.label.startswith("Country-wide claims in view"))
    assert f"({expected}, not on the map)" in box.label  # counted while it is closed
    assert not any("Claimed by" in m.value for m in at.markdown)
    at.session_state["country_wide_open"] = True
    at.run()
    cards = [m.value for m in at.markdown if "Claimed by" in m.value]
    assert len(cards) == expected > 0
    assert all("status **" in c and "Source: " in c and "precision" in c for c in cards)


def test_presenter_mode_writes_out_filters_and_date() -> None:
    at = run(presenter="1", actor="Taliban")
    assert not at.exception
    assert at.toggle(key="presenter").value is True
    text = text_of(at)
    assert "as of" in text and "filters:" in text and "Taliban" in text


def test_claims_page_searches_and_downloads() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/claims.py").run()
    at.text_input(key="claims_search").input("Balkhab").run()
    assert not at.exception
    assert any("1 of 45 claims in view match" in m.value for m in at.markdown)


def test_sources_page_counts_claims() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/sources.py").run()
    assert any("supports 45 claims" in m.value for m in at.markdown)


def test_as_of_date_narrows_the_map_and_is_written_out() -> None:
    at = run(asof="2022-01-15", asof_mode="window")
    assert not at.exception
    assert any("As of 2022\\-01\\-15" in m.value for m in at.markdown)
    assert at.slider(key="asof").value.isoformat() == "2022-01-15"
    line = shown_line(at)
    assert not line.startswith("**45 of 45")
    assert "hidden by the date window filter" in line
    assert [b.label for b in at.button][:3] == ["Back", "Play", "Next"]


def test_stepping_moves_the_as_of_date_by_a_month() -> None:
    # Monthly steps run from the first claim's date (2021-08-01) on the same day each month.
    at = run(asof="2022-01-15")
    next(b for b in at.button if b.label == "Next").click().run()
    assert at.session_state["asof"].isoformat() == "2022-02-01"
    at = run(asof="2022-01-15")
    next(b for b in at.button if b.label == "Back").click().run()
    assert at.session_state["asof"].isoformat() == "2022-01-01"


def test_timeline_counts_and_what_changed() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/timeline.py").run()
    assert not at.exception, [e.value for e in at.exception]
    headings = [h.value for h in at.subheader]
    assert headings[:2] == ["Claims per month", "Each claim as a date range"]
    at.date_input(key="chg_before").set_value(dt.date(2021, 10, 1)).run()
    at.date_input(key="chg_after").set_value(dt.date(2022, 2, 28)).run()
    assert not at.exception
    # Winter presence (Kapisa, Badakhshan, Takhar, Parwan) and the Balkhab defection
    # (Sar-e Pol) are new; Kabul's August claims have left the 91-day window.
    summary = next(m.value for m in at.markdown if "appeared" in m.value)
    assert summary.startswith("**5** appeared · **1** disappeared")


def test_map_caption_names_the_sources_in_view_and_counts_the_rest() -> None:
    data = load_dataset()
    only = sorted(data.sources["source_id"])[:1]
    one = render.sources_line(data, only)
    assert one.startswith(f"Source: {data.citation(only[0])}")
    assert one.endswith(".") and not one.endswith("..")
    assert render.sources_line(data, []) == "No sources in view."
    many = only * (render.MAX_LISTED_SOURCES + 3)
    line = render.sources_line(data, many)
    assert line.count(data.citation(only[0])) == render.MAX_LISTED_SOURCES
    assert line.endswith("; and 3 more (the Sources page lists every source).")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    caption = next(c.value for c in at.caption if c.value.startswith("Map colours"))
    assert md(data.citation(only[0])) in caption
