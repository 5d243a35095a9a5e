"""Sources page: each source document, what is known of it, and the claims it supports."""

from __future__ import annotations

import streamlit as st

from dashboard import render, state
from geo.escape import md
from geo.views.tables import sources_table

context = state.current()
data = context.data

st.title("Sources")
st.caption(render.CAVEAT)
table = sources_table(data, context.result.shown)
st.dataframe(table, hide_index=True, width="stretch")
for _, source in table.iterrows():
    with st.container(border=True):
        st.markdown(f"**{md(data.citation(str(source['source_id'])))}**")
        st.markdown(
            f"Kind: {md(source['kind'])} · speaker: {md(source['speaker'])} · "
            f"supports {int(source['claims'])} claims ({int(source['claims in view'])} in view)"
        )
        st.caption(f"Reliability: {md(source['reliability_note'])}")
