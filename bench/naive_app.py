"""The naive map page, runnable: ``streamlit run bench/naive_app.py``.

What a typical tutorial writes: the claims table is read once (``st.cache_data``), but on
every rerun the full-resolution boundary GeoJSON is read from disk, the claims are filtered
and counted with plain pandas, and a new ``folium.Map`` with a ``folium.Choropleth`` and
tooltips is built and handed to ``st_folium`` whole (no ``feature_group_to_add``). See
:mod:`bench.naive` for the map itself. Reads the claims from ``CLAIMS_MAP_DATA_DIR`` (or
``data/``) like the real app; serves Leaflet locally like the real app, since this machine
has no internet.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402

from dashboard import static  # noqa: E402

ACTOR = "Actor (who the claim is about)"
DATES = "Claims dated within"


def main() -> None:
    # Imported here, not when the server imports this file to find ``app``: a component
    # (st_folium's) declared outside a script run is never registered.
    import pandas as pd
    from streamlit_folium import st_folium

    from bench import naive
    from bench.geos import naive_afghanistan
    from dashboard import assets
    from geo.paths import active_data_dir

    st.set_page_config(page_title="Claimed activity by province (naive)", layout="wide")

    @st.cache_data
    def load_claims(path: str) -> pd.DataFrame:
        claims = pd.read_csv(path, dtype=str, keep_default_na=False)
        claims["date_start"] = pd.to_datetime(claims["date_start"])
        claims["date_end"] = pd.to_datetime(
            claims["date_end"].where(claims["date_end"] != "", claims["date_start"])
        )
        claims["province"] = claims["province"].replace("", None)
        return claims

    claims = load_claims(str(active_data_dir() / "claims.csv"))

    with st.sidebar:
        actors = st.multiselect(ACTOR, sorted(claims["actor"].unique()), placeholder="All")
        lo, hi = claims["date_start"].min().date(), claims["date_end"].max().date()
        dates = st.date_input(DATES, (lo, hi))

    start = dates[0] if len(dates) > 0 else None
    end = dates[1] if len(dates) > 1 else None
    boundary_file, key, key_map = naive_afghanistan()
    m, counts = naive.build_map(
        boundary_file,
        claims,
        naive.NaiveFilter(actors or None, start, end),
        key=key,
        key_map=key_map,
        leaflet_js=assets.leaflet_js(),
        leaflet_css=assets.leaflet_css(),
    )

    st.title("Claimed activity by province (naive)")
    st.write(f"{int(counts['n_claims'].sum())} claims on the map")
    st_folium(m, height=600, use_container_width=True, key="naive_map")


if __name__ == "__main__":
    main()
else:
    # Leaflet from the app's own routes, as the real app serves it (no internet here).
    app = st.App(__file__, routes=static.routes())
