"""Map styling: no-claims is its own class, status shows on the map, text is escaped, and
the base map stays byte-identical across filter changes so the map frame is kept."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit_folium import _get_map_string, generate_js_hash

from geo.views.filtering import province_summary
from geo.views.foliummap import base_map, view_script
from geo.views.mapview import (
    CATEGORICAL,
    NO_CLAIMS,
    OTHER_ACTOR,
    SEQUENTIAL,
    MapView,
    build_map_view,
    presence_palette,
)

NAMES = {"AF-PAN": "Panjshir", "AF-KAB": "Kabul", "AF-HEL": "Helmand"}
XSS = "<img src=x onerror=alert(1)>"


def claims(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "claim_id": f"c{i}",
                "actor": actor,
                "claim_type": ctype,
                "province": code,
                "status": status,
                "claimant": claimant,
                "date_start": pd.Timestamp("2022-01-01"),
                "date_end": pd.Timestamp("2022-01-01") + pd.Timedelta(days=i),
                "date_precision": "day",
                "location_precision": "place",
                "source_id": "s",
            }
            for i, (actor, ctype, code, status, claimant) in enumerate(rows)
        ]
    )
    return frame.astype({c: "string" for c in frame.columns if not c.startswith("date_")})


@pytest.fixture
def sample() -> pd.DataFrame:
    return claims(
        ("NRF", "presence", "AF-PAN", "claimed", "NRF"),
        ("Taliban", "presence", "AF-PAN", "corroborated", "CNN"),
        ("Taliban", "control", "AF-KAB", "claimed", "NRF"),
    )


def styles(view) -> dict:
    return {s.code: s for s in view.styles}


def test_no_claims_is_not_the_lowest_colour(sample) -> None:
    view = build_map_view(NAMES, province_summary(sample), "claims")
    hel = styles(view)["AF-HEL"]
    assert hel.fill == NO_CLAIMS and not hel.has_claims
    assert NO_CLAIMS not in SEQUENTIAL
    assert {s.fill for s in view.styles if s.has_claims} <= set(SEQUENTIAL)
    assert view.legend[-1].label == "no claims in view"


def test_unverified_only_is_hatched_corroborated_is_not(sample) -> None:
    s = styles(build_map_view(NAMES, province_summary(sample), "presence"))
    assert s["AF-KAB"].hatched and not s["AF-KAB"].verified
    assert s["AF-PAN"].verified and not s["AF-PAN"].hatched
    assert not s["AF-HEL"].hatched


def test_presence_colours_by_actor(sample) -> None:
    view = build_map_view(NAMES, province_summary(sample), "presence")
    s = styles(view)
    assert s["AF-PAN"].metric_text == "presence claimed for: NRF, Taliban"
    assert s["AF-KAB"].metric_text == "claims in view, but nobody claims presence"
    only_nrf = build_map_view(NAMES, province_summary(sample.iloc[:1]), "presence")
    assert styles(only_nrf)["AF-PAN"].fill in CATEGORICAL


def test_more_claims_is_a_darker_class() -> None:
    rows = [("A", "attack", "AF-PAN", "claimed", "X")] * 3 + [
        ("A", "attack", "AF-KAB", "claimed", "X")
    ]
    s = styles(build_map_view(NAMES, province_summary(claims(*rows)), "claims"))
    assert SEQUENTIAL.index(s["AF-PAN"].fill) > SEQUENTIAL.index(s["AF-KAB"].fill)


def test_tooltip_says_whose_claim_and_escapes_everything() -> None:
    evil = claims((XSS, "presence", "AF-PAN", "claimed", "<script>x()</script>"))
    view = build_map_view(NAMES, province_summary(evil), "presence")
    tip = styles(view)["AF-PAN"].tooltip_html
    assert "Claimed by: &lt;script&gt;x()&lt;/script&gt;" in tip
    assert "<script" not in tip and "<img" not in tip
    legend = " ".join(e["l"] for e in view.payload()["legend"])
    assert "<img" not in legend and "&lt;img" in legend


def test_payload_tooltips_rebuild_each_place_exactly(sample) -> None:
    many = claims(
        *[
            (f"Actor {i % 3}", "presence", p, "claimed", f"Claimant {i % 4}")
            for i in range(12)
            for p in ("AF-PAN", "AF-KAB")
        ],
        (XSS, "attack", "AF-PAN", "reported", "<b>CNN</b>"),
    )
    view = build_map_view(NAMES, province_summary(many), "presence")
    payload = view.payload()
    lines = payload["lines"]
    assert len(lines) == len(set(lines)), "each distinct line is sent once"
    assert payload["codes"] == [s.code for s in view.styles]
    for i, style in enumerate(view.styles):
        assert tooltip_from_payload(payload, i) == style.tooltip_html
        assert payload["fills"][payload["fill"][i]] == style.fill
        flags = payload["flags"][i]
        assert (bool(flags & 1), bool(flags & 2), bool(flags & 4)) == (
            style.hatched,
            style.verified,
            style.has_claims,
        )
    assert "&lt;b&gt;CNN&lt;/b&gt;" in styles(view)["AF-PAN"].tooltip_html


def tooltip_from_payload(payload: dict, i: int) -> str:
    """Place ``i``'s tooltip as geo/views/foliummap.py's browser code writes it from the payload."""
    lines, cut = payload["lines"], payload["max"]

    def listed(k: int, row: int) -> str:
        column = payload["listed"][k]
        start = sum(min(n, cut) for n in column["n"][:row])
        n = column["n"][row]
        names = [column["l"][j] for j in column["i"][start : start + min(n, cut)]]
        return column["p"] + column["s"].join(names) + (f" and {n - cut} more" if n > cut else "")

    row = payload["rows"][i]
    return "<br>".join(lines[t] if t >= 0 else listed(-1 - t, row) for t in payload["tips"][i])


def test_listed_lines_are_sent_as_escaped_labels_once() -> None:
    rows = [(f"A{i}", "attack", p, "claimed", f"<i>C{i % 7}</i>") for i in range(40) for p in NAMES]
    view = build_map_view(NAMES, province_summary(claims(*rows)), "claims")
    payload = view.payload()
    claimants = payload["listed"][0]
    # Each place lists its first five (sorted) of seven: only those labels travel.
    assert sorted(claimants["l"]) == [f"&lt;i&gt;C{i}&lt;/i&gt;" for i in range(5)]
    assert not any(line.startswith("Claimed by") for line in payload["lines"])
    assert list(claimants["n"]) == [7] * len(NAMES)
    assert len(claimants["i"]) == 5 * len(NAMES)
    for i, style in enumerate(view.styles):
        assert tooltip_from_payload(payload, i) == style.tooltip_html
        assert "and 2 more" in style.tooltip_html


def test_listed_lines_of_places_with_more_and_fewer_values() -> None:
    # Kabul 1 claimant, Panjshir 7, Helmand none: offsets past a cut list, and a place
    # without claims, whose row is -1.
    rows = [("A", "attack", "AF-KAB", "claimed", "Solo")]
    rows += [("A", "attack", "AF-PAN", "claimed", f"P{i}") for i in range(7)]
    names = {"AF-PAN": "Panjshir", "AF-KAB": "Kabul", "AF-HEL": "Helmand"}
    view = build_map_view(names, province_summary(claims(*rows)), "claims")
    payload = view.payload()
    tips = {s.code: tooltip_from_payload(payload, i) for i, s in enumerate(view.styles)}
    assert tips == {s.code: s.tooltip_html for s in view.styles}
    assert "Claimed by: P0, P1, P2, P3, P4 and 2 more" in tips["AF-PAN"]
    assert "Claimed by: Solo<br>" in tips["AF-KAB"]
    assert "Claimed by" not in tips["AF-HEL"]
    assert payload["rows"][list(names).index("AF-HEL")] == -1
    with pytest.raises(ValueError, match="without claims"):
        view.listed[0].line(-1)


def test_a_view_rejects_places_listing_from_other_lines() -> None:
    def view(claimant: str) -> MapView:
        row = ("A", "attack", "AF-PAN", "claimed", claimant)
        return build_map_view(NAMES, province_summary(claims(row)), "claims")

    one, other = view("X"), view("Y")
    with pytest.raises(ValueError, match="view's own lines"):
        MapView(one.metric, one.title, one.styles, one.legend, listed=other.listed)


def test_data_layer_cannot_close_its_script(sample) -> None:
    evil = claims((XSS + "</script>", "presence", "AF-PAN", "claimed", "X"))
    script = view_script(build_map_view(NAMES, province_summary(evil), "presence"))
    assert "<" not in script and ">" not in script
    assert "claimsMap.apply(" in script


def test_base_map_is_identical_across_filter_changes(sample) -> None:
    # streamlit-folium keys the map frame on a hash of the base map's script: equal hashes
    # mean a filter change restyles the existing map instead of rebuilding it.
    def frame_key() -> str:
        m = base_map(credit="Natural Earth", geometry_url="../data/provinces.geojson")
        return generate_js_hash(_get_map_string(m), "claims_map")

    first = frame_key()
    build_map_view(NAMES, province_summary(sample.iloc[:1]), "latest")
    assert frame_key() == first


def test_offline_map_names_no_cdn() -> None:
    m = base_map(
        credit="Natural Earth",
        geometry_url="../x/provinces.geojson",
        leaflet_js="../local/leaflet.js",
        leaflet_css="../local/leaflet.css",
    )
    assert m.default_js == [("leaflet", "../local/leaflet.js")]
    assert m.default_css == [("leaflet_css", "../local/leaflet.css")]
    urls = re.findall(r"https?://[^\"' )]+", m.get_root().render())
    assert urls == ["http://www.w3.org/2000/svg"]  # an XML namespace, never fetched


def test_many_values_fall_in_five_classes_each_in_exactly_one() -> None:
    names = {f"P{i}": f"Place {i}" for i in range(40)}
    rows = [("A", "attack", f"P{i}", "claimed", "X") for i in range(40) for _ in range(i + 1)]
    view = build_map_view(names, province_summary(claims(*rows)), "claims")
    assert len(view.legend) == 6  # five classes and "no claims in view"
    fills = [styles(view)[f"P{i}"].fill for i in range(40)]
    order = [SEQUENTIAL.index(f) for f in fills]
    assert order == sorted(order)  # more claims never gets a lighter class
    assert set(fills) == set(SEQUENTIAL)


def test_tooltip_names_sources_as_readers_know_them(sample) -> None:
    view = build_map_view(
        NAMES, province_summary(sample), "claims", source_labels={"s": "CNN (Opinion), 2022-08-30"}
    )
    assert "Sources: CNN (Opinion), 2022-08-30" in styles(view)["AF-PAN"].tooltip_html


def test_an_actor_keeps_its_colour_whatever_the_filter(sample) -> None:
    palette = presence_palette(sample)
    everyone = styles(
        build_map_view(NAMES, province_summary(sample.iloc[1:2]), "presence", palette=palette)
    )
    assert everyone["AF-PAN"].fill == palette["Taliban"]
    nrf_only = styles(
        build_map_view(NAMES, province_summary(sample.iloc[:1]), "presence", palette=palette)
    )
    assert nrf_only["AF-PAN"].fill == palette["NRF"] != palette["Taliban"]


def test_actors_beyond_the_palette_share_one_labelled_colour() -> None:
    rows = [(f"Group {i}", "presence", "AF-PAN", "claimed", "X") for i in range(9)]
    data = claims(*rows)
    palette = presence_palette(data)
    assert len(palette) == len(CATEGORICAL)
    view = build_map_view(NAMES, province_summary(data.iloc[8:9]), "presence", palette=palette)
    (only,) = [s for s in view.styles if s.has_claims]
    assert "Group 8" not in palette  # ties are broken by name: Group 0 to 6 get colours
    assert only.fill == OTHER_ACTOR
    assert any(e.label == "presence claimed for another actor" for e in view.legend)


JINJA = "{{ cycler.__init__.__globals__.os.getcwd() }} {% if 1 %}x{% endif %} {# c"


def test_template_syntax_in_the_credit_and_file_name_is_inert() -> None:
    # branca re-renders scripts as Jinja templates: data must never be evaluated there.
    # (Place names never enter the script: the frame fetches the boundary file.)
    m = base_map(credit=JINJA, geometry_url=f"../files/{JINJA}.geojson")
    html = m.get_root().render()
    script = _get_map_string(m)
    for text in (html, script):
        assert "cycler.__init__" in text  # still there, as text
        assert str(Path.cwd()) not in text  # never evaluated


def test_template_syntax_in_claims_is_inert() -> None:
    evil = claims((JINJA, "presence", "AF-PAN", "claimed", "{{ 7*7 }}"))
    view = build_map_view(NAMES, province_summary(evil), "presence")
    rendered = view_script(view)
    assert "7*7 }}" in rendered and "49" not in rendered


def test_long_lists_in_tooltips_are_cut_with_a_count() -> None:
    rows = [("A", "attack", "AF-PAN", "claimed", f"Claimant {i}") for i in range(8)]
    tip = styles(build_map_view(NAMES, province_summary(claims(*rows)), "claims"))["AF-PAN"]
    assert "Claimant 4 and 3 more" in tip.tooltip_html
    assert "Claimant 7" not in tip.tooltip_html
