"""The editing forms' glue: who is signed in, what each form sends to the store, and the
messages each field gets back.

Every save is made in a widget's callback, before the page is drawn, so that the page's
fields are then drawn with their messages beside them (or cleared after a save), and
the page's data already holds the change. Each callback asks :func:`editor` afresh:
a session that is not signed in changes nothing, whatever values its widgets were sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import streamlit as st

from dashboard import datastore, signin
from geo.escape import md
from geo.model.places import Match, PlaceRegistry
from geo.model.problems import Problem
from store import SaveRefused, StoreError
from store.edits import EDITABLE, SOURCE_FIELDS, EditConflict, EditRefused

SOURCE_FORM = "add_source"
CLAIM_FORM = "add_claim"
BULK_FORM = "bulk"
RESTORE_FORM = "restore"
_PROBLEMS = "_curation_problems"  # form -> {field: message}
_CONFLICT = "_curation_conflict"  # form -> EditConflict
_DONE = "_curation_done"  # form -> what was saved
# The version of each claim this session read when it opened it for review: the save
# names it, so that another editor's save in between is refused, not overwritten.
_OPENED = "_opened_versions"

SOURCE_LABELS = {
    "title": "Title",
    "publisher": "Publisher",
    "author": "Author",
    "published": "Published (YYYY-MM-DD)",
    "kind": "Kind (e.g. report, interview, statement)",
    "url": "Address (URL)",
    "speaker": "Speaker (who speaks in it, if not the author)",
    "reliability_note": "Reliability note",
}
CLAIM_LABELS = {
    "claimant": "Claimant (who says it)",
    "actor": "Actor (who the claim is about)",
    "claim_type": "Claim type",
    "province": "Province (name or code; blank for country-wide)",
    "place": "Place (district, valley, town)",
    "date_start": "Start date (YYYY-MM-DD)",
    "date_end": "End date (YYYY-MM-DD; blank for the same day)",
    "date_precision": "Date precision",
    "status": "Status",
    "source_id": "Source",
    "locator": "Locator (where in the source: page, paragraph, time)",
    "quote": "Quote (verbatim from the source)",
    "summary": "Summary (one line, in your own words)",
}


def key(form: str, field: str) -> str:
    """The widget key of ``field`` on ``form``."""
    return f"{form}_{field}"


def editor() -> str | None:
    """The signed-in editor, or None (a viewer, or an app with no editor configured)."""
    return signin.editor() if signin.editing_enabled() else None


def sign_in_form() -> None:
    with st.form("sign_in"):
        st.markdown("**Editors: sign in to add and review claims**")
        name = st.text_input("Editor name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            refusal = signin.sign_in(name, password)
            if refusal is None:
                st.rerun()
            st.error(refusal)


def signed_in_line(who: str) -> None:
    left, right = st.columns([3, 1])
    left.caption(f"Signed in as **{md(who)}**. Every change records your name.")
    if right.button("Sign out"):
        signin.sign_out()
        st.rerun()


# --- messages at the fields ---------------------------------------------------------------


def problems(form: str) -> dict[str, str]:
    return st.session_state.get(_PROBLEMS, {}).get(form, {})


def field_note(form: str, field: str) -> None:
    """The message the last save of ``form`` got for ``field``, drawn beside it."""
    message = problems(form).get(field)
    if message:
        st.error(md(message), icon=":material/error:")


def form_notes(form: str, fields: Iterable[str]) -> None:
    """What the last save of ``form`` did: done, a conflict, or problems not at a field.

    In one container, drawn or empty: what follows keeps its place on the page (a
    message that comes and goes would otherwise make the browser draw the rest anew).
    """
    with st.container():
        _form_notes(form, fields)


def _form_notes(form: str, fields: Iterable[str]) -> None:
    done = st.session_state.get(_DONE, {}).pop(form, None)
    if done:
        st.success(md(done), icon=":material/check:")
    conflict: EditConflict | None = st.session_state.get(_CONFLICT, {}).pop(form, None)
    if conflict is not None:
        from store.edits import history_frame

        st.error(md(str(conflict)), icon=":material/sync_problem:")
        st.dataframe(history_frame(conflict.since), hide_index=True)
    shown = set(fields)
    for field, message in problems(form).items():
        if field not in shown:
            st.error(f"Not saved: {md(message)}", icon=":material/error:")


def _outcome(
    form: str, *, done: str = "", refused: list[Problem] | None = None, message: str = ""
) -> None:
    notes: dict[str, str] = {}
    for p in refused or []:
        field = p.column or "form"
        shown = f"{p.message} (you wrote {p.value!r})" if p.value and p.column else p.message
        notes[field] = f"{notes[field]}; {shown}" if field in notes else shown
    if message:
        notes["form"] = message
    st.session_state.setdefault(_PROBLEMS, {})[form] = notes
    if done:
        st.session_state.setdefault(_DONE, {})[form] = done


def _run(form: str, action: Callable[[str], str]) -> bool:
    """Run ``action(editor)``; keep its outcome for the page to draw. True if it saved."""
    who = editor()
    if who is None:
        _outcome(form, message="sign in as an editor first; nothing was saved")
        return False
    try:
        done = action(who)
    except EditRefused as refusal:
        _outcome(form, refused=refusal.problems)
    except EditConflict as conflict:
        _outcome(form)
        st.session_state.setdefault(_CONFLICT, {})[form] = conflict
        return False
    except (SaveRefused, StoreError, KeyError) as error:
        text = f"no such claim or dataset: {error}" if isinstance(error, KeyError) else str(error)
        _outcome(form, message=text)
    else:
        _outcome(form, done=done)
        return True
    return False


# --- adding -------------------------------------------------------------------------------


def add_source(slug: str) -> None:
    """Callback: add the source the form holds; on success, pick it for the next claim."""

    def action(who: str) -> str:
        fields = {f: str(st.session_state.get(key(SOURCE_FORM, f)) or "") for f in SOURCE_FIELDS}
        source_id = datastore.add_source(
            slug,
            fields,
            editor=who,
            full_text=str(st.session_state.get(key(SOURCE_FORM, "full_text")) or ""),
            reason=str(st.session_state.get(key(SOURCE_FORM, "reason")) or ""),
        )
        st.session_state[key(CLAIM_FORM, "source_id")] = source_id
        return f"Added source {source_id}; its claims can be added below."

    if _run(SOURCE_FORM, action):
        for field in (*SOURCE_FIELDS, "full_text", "reason"):
            st.session_state[key(SOURCE_FORM, field)] = ""


# Kept after a claim is added: the next claim is often from the same source and claimant.
_KEPT_FIELDS = ("claimant", "source_id", "claim_type", "date_precision", "status")


def add_claim(slug: str) -> None:
    """Callback: add the claim the form holds."""

    def action(who: str) -> str:
        fields = {f: str(st.session_state.get(key(CLAIM_FORM, f)) or "") for f in EDITABLE}
        backing = st.session_state.get(key(CLAIM_FORM, "corroborated_by"))
        claim_id = datastore.add_claim(
            slug,
            fields,
            editor=who,
            reason=str(st.session_state.get(key(CLAIM_FORM, "reason")) or ""),
            corroborated_by=backing if fields["status"] == "corroborated" else None,
        )
        return f"Added claim {claim_id}. It is on the map and in every view now."

    if _run(CLAIM_FORM, action):
        for field in (*EDITABLE, "reason"):
            if field not in _KEPT_FIELDS:
                st.session_state[key(CLAIM_FORM, field)] = ""


def province_match(places: PlaceRegistry, text: str) -> Match | None:
    """What the province field names (None while it is blank)."""
    return places.match(text) if text.strip() else None


def accept(field_key: str, value: str) -> None:
    """Callback: a suggestion clicked is written into its field."""
    st.session_state[field_key] = value


# --- reviewing ------------------------------------------------------------------------------


def opened_versions(slug: str, claim_ids: Iterable[str]) -> dict[str, int]:
    """Each claim's version as this session first read it (read now for a claim new to it)."""
    opened: dict[tuple[str, str], int] = st.session_state.setdefault(_OPENED, {})
    wanted = list(dict.fromkeys(claim_ids))
    new = [c for c in wanted if (slug, c) not in opened]
    if new:
        for claim_id, version in datastore.claim_versions(slug, new).items():
            opened[(slug, claim_id)] = version
    return {c: opened[(slug, c)] for c in wanted if (slug, c) in opened}


def forget_versions(slug: str, claim_ids: Iterable[str]) -> None:
    """Read these claims afresh next time: after a save, or a conflict the editor has seen."""
    opened: dict[tuple[str, str], int] = st.session_state.setdefault(_OPENED, {})
    for claim_id in claim_ids:
        opened.pop((slug, claim_id), None)


def choose_claims_of_source(claim_sources: Mapping[str, str]) -> None:
    """Callback: the bulk review's claims become those (of ``claim_sources``) of the source
    just chosen."""
    source = st.session_state.get(key(BULK_FORM, "source"))
    st.session_state[key(BULK_FORM, "claims")] = [
        c for c, s in claim_sources.items() if s == source
    ]


def review_many(slug: str) -> None:
    """Callback: give the chosen claims the chosen status with one reason, all or none."""
    claim_ids = [str(c) for c in st.session_state.get(key(BULK_FORM, "claims")) or []]
    status = str(st.session_state.get(key(BULK_FORM, "status")) or "")
    backing = st.session_state.get(key(BULK_FORM, "corroborated_by"))

    def action(who: str) -> str:
        versions = opened_versions(slug, claim_ids)
        missing = [c for c in claim_ids if c not in versions]
        if missing:
            raise KeyError(", ".join(missing))
        done = datastore.review_many(
            slug,
            versions,
            status,
            editor=who,
            reason=str(st.session_state.get(key(BULK_FORM, "reason")) or ""),
            corroborated_by=backing if status == "corroborated" else None,
        )
        changed = [c for c in claim_ids if done[c] != versions[c]]
        return f"{len(changed)} of {len(claim_ids)} claims are now {status}" + (
            "; the others were already." if len(changed) < len(claim_ids) else "."
        )

    saved = _run(BULK_FORM, action)
    # After a save the versions moved on; after a conflict the editor has read the other
    # change, and a second try starts from it.
    forget_versions(slug, claim_ids)
    if saved:
        st.session_state[key(BULK_FORM, "claims")] = []
        st.session_state[key(BULK_FORM, "reason")] = ""


def restore(slug: str, claim_id: str | None, versions: Mapping[str, int]) -> None:
    """Callback: restore a retracted claim with the form's reason."""

    def action(who: str) -> str:
        if claim_id is None:
            raise EditRefused([Problem(None, "claim", "", "choose a retracted claim")])
        datastore.set_retracted(
            slug,
            claim_id,
            False,
            editor=who,
            reason=str(st.session_state.get(key(RESTORE_FORM, "reason")) or ""),
            expected_version=versions[claim_id],
        )
        return f"Restored claim {claim_id}: it is in every view again."

    if _run(RESTORE_FORM, action):
        st.session_state[key(RESTORE_FORM, "reason")] = ""
        st.session_state[key(RESTORE_FORM, "claim")] = None
