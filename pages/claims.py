"""Claims page: every claim in view, searchable and sortable, with its source."""

from __future__ import annotations

import streamlit as st

from dashboard import curation, datastore, exports, render, signin, state
from dashboard.curation import BULK_FORM, RESTORE_FORM, key
from geo.escape import csv_safe_frame, md
from geo.model.problems import problems_frame
from geo.model.vocab import STATUSES
from geo.views.tables import claims_table, search
from geo.views.viewstate import ViewState
from store import BUILTIN, BUILTIN_LABEL, SaveRefused
from store.edits import REVIEW_STATUSES, EditConflict, history_frame

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

who = curation.editor()
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
elif state.recorded() is not None:
    st.info("Editing is off in the as-recorded view: show the data as it is now to review.")
elif who is None:
    curation.sign_in_form()
else:
    curation.signed_in_line(who)
    if picked is not None:
        row = context.result.shown[context.result.shown["claim_id"] == picked].iloc[0]
        version = curation.opened_versions(slug, [picked]).get(picked)
        other_sources = [s for s in data.sources["source_id"] if s != row["source_id"]]
        with st.form(f"review_{picked}"):
            st.markdown(
                f"Claim **{md(picked)}**, status **{md(row['status'])}**, version {version}"
            )
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
                    if version is None:
                        raise KeyError(picked)
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
                    # Shown once; the next try starts from the other editor's version.
                    curation.forget_versions(slug, [picked])
                    st.error(md(str(conflict)))
                    st.dataframe(history_frame(conflict.since), hide_index=True)
                except KeyError:
                    st.error(f"Not saved: claim {md(picked)} is no longer in this dataset.")
                except SaveRefused as refusal:
                    st.error(f"Not saved: {md(str(refusal))}")
                else:
                    curation.forget_versions(slug, [picked])
                    st.rerun()

    st.markdown("**Review many claims at once**")
    claim_sources = dict(
        zip(
            context.result.shown["claim_id"].astype(str),
            context.result.shown["source_id"].astype(str),
            strict=True,
        )
    )
    st.selectbox(
        "Choose all claims in view of one source",
        sorted(set(claim_sources.values())),
        index=None,
        format_func=data.citation,
        key=key(BULK_FORM, "source"),
        on_change=curation.choose_claims_of_source,
        args=(claim_sources,),
    )
    chosen = st.multiselect(
        "Claims to review (the claims in view; narrow them with the filters)",
        in_view,
        key=key(BULK_FORM, "claims"),
    )
    curation.field_note(BULK_FORM, "claims")
    if chosen:
        curation.opened_versions(slug, chosen)  # read now, checked at the save
        st.caption(
            f"{len(chosen)} claims chosen, at the versions read now: changes by others "
            "after this are not overwritten."
        )
    left, right = st.columns(2)
    left.selectbox("New status", list(REVIEW_STATUSES), key=key(BULK_FORM, "status"))
    right.selectbox(
        "Corroborated by (for 'corroborated')",
        list(data.sources["source_id"]),
        index=None,
        format_func=data.citation,
        key=key(BULK_FORM, "corroborated_by"),
    )
    curation.field_note(BULK_FORM, "corroborated_by")
    st.text_input("Reason for all of them (required)", key=key(BULK_FORM, "reason"), max_chars=500)
    curation.field_note(BULK_FORM, "reason")
    st.button("Change their status", on_click=curation.review_many, args=(slug,))
    curation.form_notes(BULK_FORM, ("claims", "corroborated_by", "reason"))

    retracted = datastore.retracted_claims(slug)
    if retracted is not None and not retracted.empty:
        st.markdown(f"**Retracted claims ({len(retracted)}, hidden from every view)**")
        st.dataframe(retracted, hide_index=True, width="stretch")
        st.selectbox(
            "Claim to restore",
            list(retracted["claim_id"]),
            index=None,
            key=key(RESTORE_FORM, "claim"),
        )
        st.text_input("Reason for restoring (required)", key=key(RESTORE_FORM, "reason"))
        curation.field_note(RESTORE_FORM, "reason")
        st.button(
            "Restore the claim",
            on_click=curation.restore,
            args=(
                slug,
                st.session_state.get(key(RESTORE_FORM, "claim")),
                dict(zip(retracted["claim_id"], retracted["version"].astype(int), strict=True)),
            ),
        )
        curation.form_notes(RESTORE_FORM, ("reason",))

if slug is not None and slug != BUILTIN:
    st.markdown("**History**")
    log = datastore.history(slug)
    st.download_button(
        f"Download this dataset's change history (CSV, {len(log)} changes)",
        csv_safe_frame(history_frame(log)).to_csv(index=False).encode("utf-8"),
        file_name=f"history-{slug}.csv",
        mime="text/csv",
    )
    day = st.date_input(
        "Show the dataset as recorded on (a date of editing, not of the claims)",
        value=None,
        key="recorded_day",
        format="YYYY-MM-DD",
    )
    if day is not None:
        link = exports.permalink(ViewState(dataset=slug, recorded=day.isoformat()))
        st.link_button(f"Open the map as recorded on {day.isoformat()}", link)
        st.code(link, language=None)
        st.caption("Give this link to a colleague: it shows the data as it stood then.")
