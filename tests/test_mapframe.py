"""The map frame gets what ``st_folium`` would send it, from a base map rendered once."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import streamlit_folium
from streamlit_folium import st_folium

from dashboard import mapframe
from geo.dataset import load_dataset
from geo.paths import DATA_DIR
from geo.views.foliummap import base_map


def _map() -> Any:
    return base_map(
        credit="Boundaries: Natural Earth",
        geometry_url="../data_files/provinces.geojson",
        leaflet_js="../leaflet_assets/leaflet.js",
        leaflet_css="../leaflet_assets/leaflet.css",
    )


@pytest.fixture
def sent(monkeypatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: calls.append(kw))
    return calls


def test_the_frame_gets_what_st_folium_would_send(sent) -> None:
    st_folium(
        _map(),
        key="claims_map",
        height=600,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
    )
    mapframe.show_map(
        mapframe.render_base_frame(_map()),
        "window.claimsMap.apply({});",
        key="claims_map",
        height=600,
        returned_objects=["last_active_drawing"],
    )
    theirs, ours = sent
    assert ours.pop("feature_group") == "window.claimsMap.apply({});"
    assert theirs.pop("feature_group") is None
    # Each folium map has a random id; everything the frame is keyed on is the same.
    assert ours.pop("id").startswith("map_") and theirs.pop("id").startswith("map_")
    assert callable(ours.pop("on_change")) and callable(theirs.pop("on_change"))
    assert ours == theirs
    assert ours["js_links"] == ["../leaflet_assets/leaflet.js"]


def test_the_default_lists_what_the_frame_reports_in_its_order(sent) -> None:
    # The frame compares its report with the default as JSON text: the keys' order counts.
    asked = ["last_active_drawing", "last_object_clicked_count"]
    st_folium(_map(), key="claims_map", returned_objects=asked)
    mapframe.show_map(
        mapframe.render_base_frame(_map()), "", key="claims_map", height=600, returned_objects=asked
    )
    theirs, ours = sent
    assert list(ours["default"]) == list(theirs["default"]) == list(reversed(asked))
    # The frame's own count starts at 0: its first report is no change (no rerun).
    assert ours["default"]["last_object_clicked_count"] == 0


def test_the_component_key_is_st_folium_s(sent) -> None:
    frame = mapframe.render_base_frame(_map())
    st_folium(_map(), key="changes_map", returned_objects=[])
    assert frame.component_key("changes_map") == sent[0]["key"]
    assert frame.component_key("claims_map") != frame.component_key("changes_map")


def test_base_map_is_rendered_once_per_dataset_and_style(monkeypatch) -> None:
    rendered: list[object] = []
    real = mapframe.render_base_frame

    def counting(folium_map: Any) -> mapframe.BaseFrame:
        rendered.append(folium_map)
        return real(folium_map)

    monkeypatch.setattr(mapframe, "render_base_frame", counting)
    data = load_dataset(DATA_DIR)
    first = mapframe.base_frame(data)
    assert mapframe.base_frame(data) is first
    presenting = mapframe.base_frame(data, presenter=True)
    assert presenting is not first and presenting.script != first.script
    assert len(rendered) == 2
    named = mapframe.base_frame(data, names=True)
    assert named is not first and mapframe.base_frame(data, names=True) is named
    assert "if (true) { addNames(); }" in named.script
    assert "if (false) { addNames(); }" in first.script
    assert len(rendered) == 3

    other = load_dataset(DATA_DIR)
    assert mapframe.base_frame(other) is not first
    assert len(rendered) == 4

    # A dataset's frames go with it, so a later dataset never gets them by reusing its id.
    # Keyed by (dataset, presenter, names on the map).
    keys = {(id(data), False, False), (id(data), True, False)}
    assert keys <= set(mapframe._FRAMES)
    del data, first, presenting, named
    gc.collect()
    assert not keys & set(mapframe._FRAMES)
