"""What ``streamlit_folium.st_folium`` computes in Python on every rerun, minus Streamlit.

The naive page calls ``st_folium``; the real app renders its base map once instead (see
dashboard/mapframe.py) and only shares :class:`ComponentArgs` for counting bytes.

``st_folium`` renders the map, pulls out its HTML, header and Leaflet script, renders each
feature group to a script of its own and hashes the script into the component key; the
strings are then sent to the browser as the component's arguments. This module does the
same steps with the same (private) helpers, so a benchmark times exactly that work and can
count the bytes of what would be sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from streamlit_folium import (
    _get_header,
    _get_html,
    _get_map_string,
    generate_js_hash,
)


@dataclass(frozen=True)
class ComponentArgs:
    script: str
    header: str
    html: str
    feature_group: str | None
    key: str
    page_bytes: int = 0  # the whole map as an HTML page (m.get_root().render()), naive only

    @property
    def sent_bytes(self) -> int:
        """Bytes of the strings handed to the component (what goes over the websocket)."""
        return sum(
            len(s.encode("utf-8"))
            for s in (self.script, self.header, self.html, self.feature_group or "")
        )

    @property
    def feature_group_bytes(self) -> int:
        return len((self.feature_group or "").encode("utf-8"))


def component_args(folium_map: folium.Map, key: str | None = "claims_map") -> ComponentArgs:
    """The strings ``st_folium(folium_map, key=key)`` sends, with no feature group."""
    page = folium_map.get_root().render()
    folium_map.render()
    html = _get_html(folium_map)
    header = _get_header(folium_map)
    script = _get_map_string(folium_map)
    folium_map.get_bounds()
    return ComponentArgs(
        script,
        header,
        html,
        None,
        generate_js_hash(script, key, False),
        len(page.encode("utf-8")),
    )
