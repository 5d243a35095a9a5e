"""About page: what the data is and is not, how it was made, and how to add claims."""

from __future__ import annotations

import streamlit as st

from dashboard import render, state
from geo.escape import md
from geo.model.vocab import CLAIM_TYPES, DATE_PRECISIONS, LOCATION_PRECISIONS, STATUSES

context = state.current()
data = context.data
meta = data.boundary_meta
licence = meta.get("licence", "not recorded")
if isinstance(licence, dict):
    licence = "; ".join(f"{who}: {terms}" for who, terms in licence.items())

st.title("About this dashboard")
st.markdown(
    """
**What it shows.** Claims about armed and political activity in Afghanistan's provinces:
who says what, about whom, where and when, and where they said it. A coloured province
means *someone claims* something happened there. It does not mean anyone controls it,
and it does not mean the claim is true.

**What it is not.** Not a map of control, not a casualty count, not a complete record.
The built-in table holds only what its cited sources say; every row names its source and
where in that source the claim is made.

**Method.** Each source is read in full. Every statement about activity, presence,
control, support, defection or deaths in Afghanistan becomes a row per named province
(statements about a region or the whole country stay in the table but off the map).
Relative dates ("this past winter") are resolved against the publication date and the
row records how precise the date is. A statement by a party to the conflict is
*claimed*; one by a journalist or other non-party is *reported*; only independent
confirmation makes a claim *corroborated*.
"""
)

st.subheader("Vocabulary")
for title, vocab in (
    ("Claim types", CLAIM_TYPES),
    ("Statuses", STATUSES),
    ("Date precision", DATE_PRECISIONS),
    ("Location precision (blank means `place`)", LOCATION_PRECISIONS),
):
    st.markdown(f"**{title}**\n\n" + "\n".join(f"- `{k}`: {md(v)}" for k, v in vocab.items()))

st.subheader("Boundaries")
st.markdown(
    f"Province polygons: {md(data.boundary_credit)}. "
    f"Licence: {md(licence)}. "
    "Two provinces are mislabelled in the source file and were corrected when the "
    "project's boundary file was built; see `data/BOUNDARIES.md`."
)

st.subheader("Adding claims")
st.markdown(
    """
Add a row to `data/claims.csv` (and its source to `data/sources.csv`), then run the tests.
Every row needs a claimant, an actor, a claim type, dates with their precision, a status,
a source id and a locator saying where in the source the claim is made. `data/README.md`
describes every column; the loader reports any row it cannot use, with its row number,
column and how to fix it.
"""
)
st.caption(render.CAVEAT)
