"""Timeline page: claims over time as ranges, and what changed between two dates."""

from __future__ import annotations

import datetime as dt

import altair as alt
import streamlit as st

from dashboard import mapframe, perf, render, state
from geo.escape import md
from geo.time.changes import change_map_view, change_summary, what_changed
from geo.time.timeline import claim_bars, claims_by_period
from geo.views.foliummap import view_script

GROUP_LABELS = {
    "actor": "actor",
    "claim_type": "claim type",
    "province": "province",
    "status": "status",
}
MAX_BARS = 2_000
MUTED = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
)

perf.settle("timeline")
context = state.current()
data, result = context.data, context.result
shown = result.shown

st.title("Timeline")
st.caption(render.CAVEAT)
render.url_notes(context.url_notes)
render.coverage(context, rejected=data.rejected_rows)

left, right = st.columns(2)
period = left.radio("Count claims per", ["month", "week"], horizontal=True, key="tl_period")
group = right.radio(
    "Split by",
    list(GROUP_LABELS),
    format_func=GROUP_LABELS.__getitem__,
    horizontal=True,
    key="tl_group",
)

if shown.empty:
    st.info("No claims in view. Widen the filters in the sidebar.")
    st.stop()

named = shown.assign(province=shown["province"].astype("string").map(data.names))
counts = claims_by_period(named, period, group)  # type: ignore[arg-type]
st.subheader(f"Claims per {period}")
st.caption(
    f"A claim counts once in every {period} its date range overlaps: a claim about "
    '"this past winter" counts in December, January and February. Each bar\'s tooltip '
    "says how many of its claims are such ranges."
)
pick = alt.selection_point(fields=["period_label", "group"], name="bar")
if group == "actor":
    # The map's colours: an actor looks the same on both pages.
    # Actors without a map colour (none claimed present) get Paul Tol's muted colours.
    groups = sorted(counts["group"].unique())
    spare = iter(MUTED * (1 + len(groups) // len(MUTED)))
    colours = alt.Scale(domain=groups, range=[data.palette.get(g) or next(spare) for g in groups])
else:
    colours = alt.Scale(scheme="tableau20")
chart = (
    alt.Chart(counts.drop(columns=["claim_ids"]))
    .mark_bar()
    .encode(
        x=alt.X("period_label:O", title=period, sort=None),
        y=alt.Y("n_claims:Q", title="claims in view"),
        color=alt.Color("group:N", title=GROUP_LABELS[group], scale=colours),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.35)),
        tooltip=[
            alt.Tooltip("period_label:O", title=period),
            alt.Tooltip("group:N", title=GROUP_LABELS[group]),
            alt.Tooltip("n_claims:Q", title="claims"),
            alt.Tooltip("n_ranged:Q", title="of which ranges spanning other periods"),
        ],
    )
    .add_params(pick)
)
event = st.altair_chart(chart, width="stretch", on_select="rerun", key="tl_counts")
chosen = (event.selection.get("bar") or []) if event else []
if chosen:
    wanted = {(c.get("period_label"), c.get("group")) for c in chosen}
    ids = {
        claim_id
        for row in counts.itertuples()
        if (row.period_label, row.group) in wanted
        for claim_id in row.claim_ids
    }
    picked = shown[shown["claim_id"].isin(list(ids))].sort_values("date_start")
    st.markdown(f"**{len(picked)} claims in the selected bar{'s' if len(wanted) > 1 else ''}**")
    for _, claim in picked.head(200).iterrows():
        render.claim_card(claim, data)
else:
    st.caption("Click a bar to read its claims and their sources.")

st.subheader("Each claim as a date range")
bars = claim_bars(named.head(MAX_BARS), group)  # type: ignore[arg-type]
if len(named) > MAX_BARS:
    st.caption(f"The first {MAX_BARS} claims in view are drawn; narrow the filters to see others.")
ranges = (
    alt.Chart(bars)
    .mark_bar(height=8)
    .encode(
        x=alt.X("start:T", title="date"),
        x2="end_exclusive:T",
        y=alt.Y("group:N", title=GROUP_LABELS[group]),
        color=alt.Color("status:N", title="status", scale=alt.Scale(scheme="set2")),
        tooltip=[
            "claim_id",
            "actor",
            "claimant",
            "status",
            "precision",
            "place",
            "start:T",
            "summary",
        ],
    )
)
st.altair_chart(ranges, width="stretch")

# --- what changed ---------------------------------------------------------------------------
st.subheader("What changed between two dates")
lo, hi = data.date_bounds
first, second = st.columns(2)
before = first.date_input(
    "From", value=min(lo + dt.timedelta(days=120), hi), key="chg_before", min_value=lo, max_value=hi
)
after = second.date_input("To", value=hi, key="chg_after", min_value=lo, max_value=hi)
st.caption(
    "A province's claims at a date are those dated within the 91 days up to it, with the "
    "sidebar filters applied."
)
changes = what_changed(data.claims, data.names, before, after, context.view.filter)
summary = change_summary(changes)
st.markdown(" · ".join(f"**{n}** {md(kind)}" for kind, n in summary.items()) or "Nothing changed.")
change_view = change_map_view(data.names, changes, before, after)
mapframe.show_map(
    mapframe.base_frame(data),
    view_script(change_view),
    key="changes_map",
    height=480,
)
if not changes.empty:
    table = changes.assign(
        **{c: changes[c].map(", ".join) for c in ("actors_before", "actors_after")}
    )[["name", "change", "actors_before", "actors_after", "claims_before", "claims_after"]]
    st.dataframe(table, hide_index=True, width="stretch")
