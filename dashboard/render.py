"""Small drawing helpers shared by the pages. All claim text goes through geo.escape.md."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from geo.dataset import BUILTIN_LABEL, Dataset
from geo.escape import isolate, md
from geo.views.filtering import describe_result
from geo.views.tables import location_text
from geo.views.viewstate import Recorded

CAVEAT = (
    "These are claims, not established facts: each entry is what someone says, "
    "with who says it, its status, how precise its date and place are, and its source."
)

PRESENTER_CSS = """
<style>
  html { font-size: 20px; }
  [data-testid="stMainBlockContainer"] { padding-top: 1.2rem; max-width: 100%; }
  [data-testid="stSidebar"] { display: none; }
  [data-testid="stSidebarCollapsedControl"] { display: none; }
</style>
"""


def date_text(claim: pd.Series) -> str:
    start, end = claim["date_start"].date(), claim["date_end"].date()
    span = str(start) if start == end else f"{start} to {end}"
    return f"{span} ({claim['date_precision']} precision)"


def claim_card(claim: pd.Series, data: Dataset) -> None:
    """One claim with everything a reader needs to weigh it.

    One Markdown element in a bordered box: every element is a message the browser has to
    lay out, and a page of cards was what kept the map waiting after a filter change.
    Text from the data is set between Unicode isolates when it is right to left (Dari,
    Pashto), so that it reads in its own direction inside the English lines.
    """
    place = claim["place"] if isinstance(claim["place"], str) else ""
    where = location_text(isolate(place) if place else "", claim.get("location_precision"))
    quote = claim["quote"] if isinstance(claim["quote"], str) and claim["quote"] else ""
    who = (
        f"Claimed by {md(isolate(claim['claimant']))}"
        + (f" · place: {md(where)}" if where else "")
        + f" · claim {md(isolate(claim['claim_id']))}"
    )
    citation = isolate(data.citation(str(claim["source_id"])))
    source = f"Source: {md(citation)} Where: {md(isolate(claim['locator']))}"
    if quote:
        source += f" · “{md(isolate(quote))}”"
    with st.container(border=True):
        st.markdown(
            f"**{md(isolate(claim['actor']))}**: {md(claim['claim_type'])} · "
            f"status **{md(claim['status'])}** · {md(date_text(claim))}\n\n"
            f"{md(isolate(claim['summary']))}\n\n"
            f":small[:gray[{_one_line(who)}]]\n\n"
            f":small[:gray[{_one_line(source)}]]"
        )


def _one_line(text: str) -> str:
    # A line break inside a :small[...] directive would end it early.
    return " ".join(text.split())


# A caption is read, not searched: past this many, the Sources page lists them all.
MAX_LISTED_SOURCES = 10


def sources_line(data: Dataset, source_ids: list[str]) -> str:
    """The sources in view, as plain text (escape it), at most MAX_LISTED_SOURCES named."""
    if not source_ids:
        return "No sources in view."
    shown = "; ".join(isolate(data.citation(s)) for s in source_ids[:MAX_LISTED_SOURCES])
    more = len(source_ids) - MAX_LISTED_SOURCES
    tail = f"; and {more} more (the Sources page lists every source)" if more > 0 else ""
    text = f"Source{'s' if len(source_ids) != 1 else ''}: {shown}{tail}"
    return text if text.endswith(".") else text + "."  # a citation may end with its own


def coverage(context, *, rejected: int = 0) -> None:
    """'N of M claims shown' and what each filter hides."""
    lines = describe_result(context.result, rejected=rejected)
    label = context.data.label
    # Which data is in view: a saved dataset or an upload says so (the sidebar, where the
    # picker is, is hidden in presenter mode).
    shown = "" if label == BUILTIN_LABEL else f"Dataset: **{md(label)}** · "
    st.markdown(shown + f"**{md(lines[0])}**" + "".join(f" · {md(x)}" for x in lines[1:]))


def url_notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        st.warning(f"Link: {md(note)}", icon=":material/link_off:")


def recorded_banner(when: Recorded, leave: Callable[[], None]) -> None:
    """Say, on every page, that this is the data as it stood at a past moment of editing."""
    st.info(
        f"**As recorded on {md(when.label)}**: the dataset as it stood in the store "
        + ("at the end of that day (UTC)" if when.label == when.text else "at that moment")
        + ", every later edit, addition and retraction undone. This is a date of editing, "
        "not the claims' own dates (the filters and the timeline use those). Editing is off "
        "in this view.",
        icon=":material/history:",
    )
    st.button("Show the data as it is now", key="leave_recorded", on_click=leave)
