"""The floor: Streamlit, one actor filter and our map, nothing else.

``streamlit run bench/floor_app.py``. The same base map and data layer as the real Map
page, on the same data, with none of its sidebar, notes or captions: how fast a filter
change can repaint in Streamlit with this map at all. It keeps Streamlit's post-run
garbage collection cheap the way the real app does (``dashboard.perf``); without that, the
~50 ms collection holds the GIL and the map's message waits behind it. The benchmark
measures it beside ours and the naive page, so the gap between ours and this floor is what
the page itself costs. Reads the data from ``CLAIMS_MAP_DATA_DIR`` (or ``data/``) like the
real app.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402

from dashboard import static  # noqa: E402


def main() -> None:
    # Imported here, not when the server imports this file to find ``app``: a component
    # (st_folium's) declared outside a script run is never registered.
    from dashboard import mapframe, perf, state
    from geo.views.filtering import ClaimFilter, filter_claims, summarise
    from geo.views.foliummap import view_script
    from geo.views.mapview import build_map_view

    st.set_page_config(page_title="Floor", layout="wide")
    perf.settle("floor")
    data = state.dataset()
    chosen = st.sidebar.multiselect(
        state.CATEGORY_LABELS["actors"], list(data.filter_options.actors), placeholder="All"
    )
    chosen_actors = frozenset(chosen) if chosen else None
    result = filter_claims(data.claims, ClaimFilter(actors=chosen_actors))
    view = build_map_view(data.names, summarise(result), "presence", palette=data.palette)
    mapframe.show_map(
        mapframe.base_frame(data),
        view_script(view),
        key="claims_map",
        height=600,
        returned_objects=["last_active_drawing"],
    )


if __name__ == "__main__":
    main()
else:
    # Leaflet and the boundaries from the app's own routes, as the real app serves them.
    app = st.App(__file__, routes=static.routes())
