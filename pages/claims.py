"""Claims page: every claim in view, searchable and sortable, with its source."""

from __future__ import annotations

import streamlit as st

from dashboard import render, state
from geo.escape import csv_safe_frame
from geo.problems import problems_frame
from geo.tables import claims_table, search

context = state.current()
data = context.data

st.title("Claims")
st.caption(render.CAVEAT)
render.url_notes(context.url_notes)
render.coverage(context, rejected=data.rejected_rows)

table = claims_table(context.result.shown, data)
query = st.text_input(
    "Search the claims in view",
    key="claims_search",
    placeholder="Words in any column, e.g. Panjshir or defection",
)
found = search(table, query)
if query:
    st.markdown(f"{len(found)} of {len(table)} claims in view match the search.")
st.dataframe(found, hide_index=True, width="stretch")
st.download_button(
    "Download these claims (CSV)",
    csv_safe_frame(found).to_csv(index=False).encode("utf-8"),
    file_name="claims-in-view.csv",
    mime="text/csv",
    help="Text that a spreadsheet would run as a formula is prefixed with a quote.",
)

if data.problems:
    with st.expander(f"Load report: {data.rejected_rows} rows rejected"):
        st.dataframe(problems_frame(data.problems), hide_index=True)
        if data.label == "built-in data":
            st.download_button(
                "Download the rejected rows (CSV)",
                csv_safe_frame(data.claims_load.rejected).to_csv(index=False).encode("utf-8"),
                file_name="rejected-rows.csv",
                mime="text/csv",
            )
        else:
            st.caption("The rejected rows of your file can be downloaded on the Your data page.")
