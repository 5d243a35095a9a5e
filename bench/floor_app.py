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

from dashboard import mapframe, perf, state  # noqa: E402
from geo.views.filtering import ClaimFilter, filter_claims, summarise  # noqa: E402
from geo.views.foliummap import view_script  # noqa: E402
from geo.views.mapview import build_map_view  # noqa: E402

st.set_page_config(page_title="Floor", layout="wide")
perf.settle("floor")
data = state.dataset()
chosen = st.sidebar.multiselect(
    state.CATEGORY_LABELS["actors"], list(data.filter_options.actors), placeholder="All"
)
result = filter_claims(data.claims, ClaimFilter(actors=frozenset(chosen) if chosen else None))
view = build_map_view(data.names, summarise(result), "presence", palette=data.palette)
mapframe.show_map(
    mapframe.base_frame(data),
    view_script(view),
    key="claims_map",
    height=600,
    returned_objects=["last_active_drawing"],
)
