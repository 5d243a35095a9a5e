"""Prototype (bench only): the floor page with our map as a custom component v2.

``streamlit run bench/v2_app.py``. The same page as bench/floor_app.py (one actor filter,
our data layer, Streamlit's own delivery, no push), but the map is a Streamlit 1.67 custom
component v2 of our own (bench/v2/map.js): Leaflet in the app's page, no iframe, no
streamlit-folium, and each rerun sends the data layer's payload as the component's data.
The benchmark (bench/v2.py) measures it beside the floor page. See docs/components-v2.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402
from starlette.responses import FileResponse, Response  # noqa: E402
from starlette.routing import BaseRoute, Route  # noqa: E402

from dashboard import static  # noqa: E402

MODULE = Path(__file__).resolve().parent / "v2" / "map.js"
ROUTE = "/_claims_map/v2/map.js"
# Sent with every rerun (a component's inline code is part of its element): a few lines
# that load the real module once from the app's own route.
LOADER = """
export default async function (component) {
  const module = await import(new URL('_claims_map/v2/map.js', document.baseURI).href);
  module.mount(component);
}
"""


def _module(_request: object) -> Response:
    return FileResponse(MODULE, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


def routes() -> list[BaseRoute]:
    return [*static.routes(), Route(ROUTE, _module, methods=["GET"])]


def main() -> None:
    from dashboard import perf, state
    from geo.views.filtering import ClaimFilter, filter_claims, summarise
    from geo.views.mapview import build_map_view

    st.set_page_config(page_title="Floor, components v2", layout="wide")
    perf.settle("v2")
    claims_map = st.components.v2.component("claims_map_v2", js=LOADER, isolate_styles=False)
    data = state.dataset()
    chosen = st.sidebar.multiselect(
        state.CATEGORY_LABELS["actors"], list(data.filter_options.actors), placeholder="All"
    )
    chosen_actors = frozenset(chosen) if chosen else None
    result = filter_claims(data.claims, ClaimFilter(actors=chosen_actors))
    view = build_map_view(data.names, summarise(result), "presence", palette=data.palette)
    claims_map(key="claims_map", data=view.payload(), height=600, on_place_change=lambda: None)


if __name__ == "__main__":
    main()
else:
    app = st.App(__file__, routes=routes())
