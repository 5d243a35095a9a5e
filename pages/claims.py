"""Claims page: every claim in view, searchable and sortable, with its source."""

from __future__ import annotations

import streamlit as st

from dashboard import datastore, render, signin, state
from geo.escape import csv_safe_frame, md
from geo.model.problems import problems_frame
from geo.model.vocab import STATUSES
from geo.views.tables import claims_table, search
from store import BUILTIN, BUILTIN_LABEL, SaveRefused
from store.edits import EditConflict, history_frame

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
        if data.label == BUILTIN_LABEL:
            st.download_button(
                "Download the rejected rows (CSV)",
                lambda: (
                    csv_safe_frame(data.claims_load.rejected).to_csv(index=False).encode("utf-8")
                ),
                file_name="rejected-rows.csv",
                mime="text/csv",
                on_click="ignore",
            )
        else:
            st.caption("The rejected rows of your file can be downloaded on the Your data page.")

# --- review ---------------------------------------------------------------------------------
st.subheader("Review")
slug = state.shown_dataset_slug()
in_view = [str(c) for c in context.result.shown["claim_id"]]
picked = st.selectbox(
    "Claim",
    in_view,
    index=None,
    placeholder="Choose a claim in view to read its history"
    + (" or review it" if signin.editing_enabled() else ""),
    key="review_claim",
)
if picked is not None and slug is not None:
    edits_of_claim = datastore.history(slug, picked)
    with st.expander(f"History of claim {md(picked)} ({len(edits_of_claim)} changes)"):
        if edits_of_claim:
            st.dataframe(history_frame(edits_of_claim), hide_index=True, width="stretch")
        else:
            st.caption("Not changed since the dataset was saved.")

if not signin.editing_enabled():
    st.info(
        "This app is read-only: no editor is configured. An operator can name editors "
        "(see the README's section on editing)."
    )
elif slug is None or slug == BUILTIN:
    st.info(
        "Only saved datasets are reviewed here: the built-in claims come from the project's "
        "files, and an upload must be saved first (Your data page)."
    )
elif (who := signin.editor()) is None:
    with st.form("sign_in"):
        st.markdown("**Editors: sign in to review claims**")
        name = st.text_input("Editor name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            refusal = signin.sign_in(name, password)
            if refusal is None:
                st.rerun()
            st.error(refusal)
elif picked is not None:
    left, right = st.columns([3, 1])
    left.caption(f"Signed in as **{md(who)}**. Every change records your name and reason.")
    if right.button("Sign out"):
        signin.sign_out()
        st.rerun()
    row = context.result.shown[context.result.shown["claim_id"] == picked].iloc[0]
    version = datastore.claim_version(slug, picked)
    other_sources = [s for s in data.sources["source_id"] if s != row["source_id"]]
    with st.form(f"review_{picked}"):
        st.markdown(f"Claim **{md(picked)}**, status **{md(row['status'])}**, version {version}")
        statuses = list(STATUSES)
        status = st.selectbox("Status", statuses, index=statuses.index(str(row["status"])))
        backing = st.selectbox(
            "Corroborated by (for 'corroborated': another source that backs it)",
            other_sources,
            index=None,
            format_func=data.citation,
        )
        retract = st.checkbox("Retract this claim (it is kept, hidden from every view)")
        reason = st.text_input("Reason (required)", max_chars=500)
        if st.form_submit_button("Save the review", type="primary"):
            try:
                if retract:
                    datastore.set_retracted(
                        slug,
                        picked,
                        True,
                        editor=who,
                        reason=reason,
                        expected_version=version,
                    )
                else:
                    datastore.edit_claim(
                        slug,
                        picked,
                        {"status": status},
                        editor=who,
                        reason=reason,
                        expected_version=version,
                        corroborated_by=backing,
                    )
            except EditConflict as conflict:
                st.error(md(str(conflict)))
                st.dataframe(history_frame(conflict.since), hide_index=True)
            except SaveRefused as refusal:
                st.error(f"Not saved: {md(str(refusal))}")
            else:
                st.rerun()

if slug is not None:
    log = datastore.history(slug)
    st.download_button(
        f"Download this dataset's change history (CSV, {len(log)} changes)",
        csv_safe_frame(history_frame(log)).to_csv(index=False).encode("utf-8"),
        file_name=f"history-{slug}.csv",
        mime="text/csv",
    )
