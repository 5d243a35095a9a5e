"""Map page: the choropleth of claims in view, with source notes for the chosen province."""

from __future__ import annotations

import streamlit as st

from dashboard import exports, mapframe, perf, playback, push, render, state
from geo.escape import md
from geo.views.filtering import sources_in_view, summarise
from geo.views.foliummap import expected_layer, layer_payload, numbered_layer, report_paint
from geo.views.mapview import METRICS, build_map_view

MAP_KEY = "claims_map"
# Cards are for reading; past this many the Claims page's table serves better.
MAX_CARDS = 200

perf.settle("map")
context = state.current()
data, view, result = context.data, context.view, context.result
presenter = view.presenter


def _clicked() -> None:
    # streamlit-folium stores the map's return value under MAP_KEY before calling this.
    value = st.session_state.get(MAP_KEY) or {}
    feature = value.get("last_active_drawing") or {}
    code = (feature.get("properties") or {}).get("code")
    if code in data.names:
        st.session_state[state.PLACE] = code


summary = summarise(result)
place = st.session_state.get(state.PLACE)
map_view = build_map_view(
    data.names,
    summary,
    view.metric,
    selected=place,
    source_labels=data.source_labels,
    palette=data.palette,
)
payload = layer_payload(map_view)
token, seq, changed = push.next_layer(st.session_state, payload)
layer, message = numbered_layer(payload, seq, token)
if changed:
    # Straight to the frame (dashboard/push.py), ahead of Streamlit; the page's other
    # messages wait until the frame has painted it (briefly), so as not to delay that.
    push.send(st.session_state, token, message)
    push.wait_painted(token, seq)
if push.listening(token):
    layer = expected_layer(seq, token)  # the frame has the layer, or asks for it
if st.session_state.get(state.MAP_ALONE):
    layer = report_paint(layer, token)  # the sidebar comes in the run it starts (app.py)

# The page's places are fixed first, so the map sits at the same place on every run
# (whatever notes appear above it) and keeps its frame, and so it can be sent first.
# (After the push: these are messages to the browser, which the push need not wait for.)
header = st.container()
playback_row = st.container()
map_column, notes_column = st.columns([3, 2] if not presenter else [5, 2], gap="medium")
with map_column:
    mapframe.show_map(
        mapframe.base_frame(data, presenter=presenter, names=state.names_on_map()),
        layer,
        key=MAP_KEY,
        height=760 if presenter else 600,
        # The count too: the frame reports a value only when it changes, and a click on
        # the province it last reported (chosen since in the box) would change nothing.
        returned_objects=["last_active_drawing", "last_object_clicked_count"],
        on_change=_clicked,
    )

with header:
    if presenter:
        st.markdown(render.PRESENTER_CSS, unsafe_allow_html=True)
    st.title("Claimed activity by province")
    st.caption(render.CAVEAT)
    render.url_notes(context.url_notes)
    if presenter:
        st.markdown(
            f"**{md(METRICS[view.metric])}** · as of {md(exports.as_of_text(view, result))} · "
            f"filters: {md(exports.filters_text(view))}"
        )
    elif view.as_of is not None:
        st.markdown(f"**As of {md(view.as_of)}** ({md(state.AS_OF_LABELS[view.as_of_mode])})")
    render.coverage(context, rejected=data.rejected_rows)

with playback_row:
    playback.controls(*data.date_bounds)

credit = f"Boundaries: {data.boundary_credit}"
if data.boundary_vintage:
    credit += f". {data.boundary_vintage.rstrip('.')}"
with map_column:
    st.caption(
        f"Map colours: {md(map_view.title.lower())}. "
        + " · ".join(md(f"{e.label}") for e in map_view.legend)
        + f". {md(credit)}. "
        + md(render.sources_line(data, sources_in_view(result)))
    )

with notes_column:
    st.subheader("Source notes")
    codes = sorted(data.names, key=data.names.__getitem__)
    st.selectbox(
        "Province (or click the map)",
        codes,
        index=None,
        format_func=data.names.__getitem__,
        placeholder="Choose a province…",
        key=state.PLACE,
    )
    if place:
        claims_here = result.at(place)
        st.markdown(
            f"**{md(data.names[place])}**: {len(claims_here)} claim"
            f"{'s' if len(claims_here) != 1 else ''} in view"
        )
        if claims_here.empty:
            st.info("No claims in view for this province. Widen the filters to see more.")
        for _, claim in claims_here.sort_values("date_start").head(MAX_CARDS).iterrows():
            render.claim_card(claim, data)
        if len(claims_here) > MAX_CARDS:
            st.caption(f"The first {MAX_CARDS} are shown; the Claims page lists them all.")
    else:
        st.info("Click a province on the map, or choose one above, to read its claims.")
    # Expanders that track their state (key, on_change) draw their contents only when
    # open: closed, they cost a filter change nothing.
    country_box = st.expander(
        f"Country-wide claims in view ({result.country_wide_count}, not on the map)",
        key="country_wide_open",
        on_change="rerun",
    )
    if country_box.open:
        with country_box:
            country_wide = result.country_wide
            for _, claim in country_wide.sort_values("date_start").head(MAX_CARDS).iterrows():
                render.claim_card(claim, data)
            if len(country_wide) > MAX_CARDS:
                st.caption(f"The first {MAX_CARDS} are shown; the Claims page lists them all.")

export_box = st.expander("Download or share this view", key="exports_open", on_change="rerun")
if export_box.open:
    with export_box:
        exports.panel(data, view, result, map_view, summary)
