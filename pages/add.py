"""Add page: a signed-in editor adds a source (with its text) and its claims to a saved dataset."""

from __future__ import annotations

import streamlit as st

from dashboard import curation, render, signin, state
from dashboard.curation import CLAIM_FORM, CLAIM_LABELS, SOURCE_FORM, SOURCE_LABELS, key
from geo.escape import md
from geo.model.vocab import CLAIM_TYPES, DATE_PRECISIONS, STATUSES
from store import BUILTIN
from store.edits import SOURCE_FIELDS

context = state.current()
data = context.data
slug = state.shown_dataset_slug()

st.title("Add sources and claims")
st.caption(render.CAVEAT)
render.url_notes(context.url_notes)

if not signin.editing_enabled():
    st.info(
        "This app is read-only: no editor is configured. An operator can name editors "
        "(see the README's section on editing)."
    )
    st.stop()
if state.recorded() is not None:
    st.info("Editing is off in the as-recorded view: show the data as it is now to add claims.")
    st.stop()
if slug is None or slug == BUILTIN:
    st.info(
        "Claims are added to a saved dataset: choose one in the sidebar's Dataset picker, or "
        "save an upload on the Your data page first. The built-in claims come from the "
        "project's files."
    )
    st.stop()
who = curation.editor()
if who is None:
    curation.sign_in_form()
    st.stop()
curation.signed_in_line(who)
st.markdown(f"Adding to the dataset **{md(data.label)}**.")

# --- the source -------------------------------------------------------------------------
# Forms: a field's value is sent with the others when the form is, not on each keystroke.
st.subheader("1. The source")
with (
    st.expander("Add a new source", expanded=bool(curation.problems(SOURCE_FORM))),
    st.form("add_source_form", border=False),
):
    for field in SOURCE_FIELDS:
        st.text_input(SOURCE_LABELS[field], key=key(SOURCE_FORM, field), max_chars=2000)
        curation.field_note(SOURCE_FORM, field)
    st.text_area(
        "Full text (optional): paste the document, and every quote from it is checked",
        key=key(SOURCE_FORM, "full_text"),
        height=160,
    )
    curation.field_note(SOURCE_FORM, "full_text")
    st.text_input("Note for the history (optional)", key=key(SOURCE_FORM, "reason"))
    st.form_submit_button(
        "Add the source", on_click=curation.add_source, args=(slug,), type="primary"
    )
curation.form_notes(SOURCE_FORM, (*SOURCE_FIELDS, "full_text"))

# --- the claim ----------------------------------------------------------------------------
st.subheader("2. The claim")
source_ids = [str(s) for s in data.sources["source_id"]]
st.selectbox(
    CLAIM_LABELS["source_id"],
    source_ids,
    index=None,
    format_func=data.citation,
    placeholder="Choose the source, or add it above",
    key=key(CLAIM_FORM, "source_id"),
)
curation.field_note(CLAIM_FORM, "source_id")
# Outside the form: what the province names, and suggestions to click, as it is typed.
province_key = key(CLAIM_FORM, "province")
typed = st.text_input(CLAIM_LABELS["province"], key=province_key)
match = curation.province_match(data.places, typed or "")
# One container, whatever it holds: the form below keeps its place, and its fields.
with st.container():
    if match is not None and match.matched:
        st.caption(f"{md(typed)} is {md(data.places.name(str(match.code)))} ({md(match.code)}).")
    elif match is not None:
        st.caption(
            f"{md(typed)} names no single place on this map"
            + ("; did you mean:" if match.suggestions else ".")
        )
        for suggestion in match.suggestions:
            st.button(
                f"{suggestion.name} ({suggestion.code})",
                key=f"suggest_{suggestion.code}",
                on_click=curation.accept,
                args=(province_key, suggestion.name),
            )
    curation.field_note(CLAIM_FORM, "province")

with st.form("add_claim_form", border=False):
    left, right = st.columns(2)
    with left:
        st.text_input(CLAIM_LABELS["claimant"], key=key(CLAIM_FORM, "claimant"))
        curation.field_note(CLAIM_FORM, "claimant")
    with right:
        st.text_input(CLAIM_LABELS["actor"], key=key(CLAIM_FORM, "actor"))
        curation.field_note(CLAIM_FORM, "actor")
    left, right = st.columns(2)
    with left:
        st.selectbox(
            CLAIM_LABELS["claim_type"],
            list(CLAIM_TYPES),
            index=None,
            key=key(CLAIM_FORM, "claim_type"),
        )
        curation.field_note(CLAIM_FORM, "claim_type")
    with right:
        st.text_input(CLAIM_LABELS["place"], key=key(CLAIM_FORM, "place"))
        curation.field_note(CLAIM_FORM, "place")

    start, end, precision = st.columns(3)
    with start:
        st.text_input(CLAIM_LABELS["date_start"], key=key(CLAIM_FORM, "date_start"))
        curation.field_note(CLAIM_FORM, "date_start")
    with end:
        st.text_input(CLAIM_LABELS["date_end"], key=key(CLAIM_FORM, "date_end"))
        curation.field_note(CLAIM_FORM, "date_end")
    with precision:
        st.selectbox(
            CLAIM_LABELS["date_precision"],
            list(DATE_PRECISIONS),
            index=None,
            key=key(CLAIM_FORM, "date_precision"),
        )
        curation.field_note(CLAIM_FORM, "date_precision")

    left, right = st.columns(2)
    with left:
        st.selectbox(
            CLAIM_LABELS["status"], list(STATUSES), index=None, key=key(CLAIM_FORM, "status")
        )
        curation.field_note(CLAIM_FORM, "status")
    with right:
        st.selectbox(
            "Corroborated by (for 'corroborated': another source that backs it)",
            source_ids,
            index=None,
            format_func=data.citation,
            key=key(CLAIM_FORM, "corroborated_by"),
        )
        curation.field_note(CLAIM_FORM, "corroborated_by")
    st.text_input(CLAIM_LABELS["locator"], key=key(CLAIM_FORM, "locator"))
    curation.field_note(CLAIM_FORM, "locator")
    st.text_area(CLAIM_LABELS["quote"], key=key(CLAIM_FORM, "quote"), height=80)
    curation.field_note(CLAIM_FORM, "quote")
    st.text_input(CLAIM_LABELS["summary"], key=key(CLAIM_FORM, "summary"), max_chars=300)
    curation.field_note(CLAIM_FORM, "summary")
    st.text_input("Note for the history (optional)", key=key(CLAIM_FORM, "reason"))
    st.form_submit_button(
        "Add the claim", on_click=curation.add_claim, args=(slug,), type="primary"
    )
curation.form_notes(CLAIM_FORM, (*CLAIM_LABELS, "corroborated_by"))
