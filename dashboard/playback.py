"""Play, pause and step the map's "as of" date (the date itself is a sidebar widget)."""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st

from dashboard import state
from geo.time.playback import playback_steps

PLAYING = "_playing"
STEP = "play_step"
SPEED = "play_speed"
_LAST_TICK = "_last_tick"
SPEEDS = {2.0: "slow (2 s a step)", 1.0: "normal (1 s a step)", 0.5: "fast (0.5 s a step)"}


def _neighbour(current: dt.date, lo: dt.date, hi: dt.date, direction: int) -> dt.date:
    steps = playback_steps(lo, hi, st.session_state.get(STEP, "month"))
    if direction > 0:
        return next((d for d in steps if d > current), hi)
    return next((d for d in reversed(steps) if d < current), lo)


def _step(direction: int, lo: dt.date, hi: dt.date) -> None:
    st.session_state[PLAYING] = False
    st.session_state[state.AS_OF] = _neighbour(st.session_state[state.AS_OF], lo, hi, direction)


def _toggle(lo: dt.date, hi: dt.date) -> None:
    playing = not st.session_state.get(PLAYING, False)
    if playing and st.session_state[state.AS_OF] >= hi:
        st.session_state[state.AS_OF] = lo  # play from the start again
    st.session_state[PLAYING] = playing
    st.session_state[_LAST_TICK] = time.monotonic()


def controls(lo: dt.date, hi: dt.date) -> None:
    """Step and play buttons; shown only while the map is "as of" a date."""
    if not st.session_state.get(state.AS_OF_ON):
        return
    playing = st.session_state.get(PLAYING, False)
    back, play, forward, step, speed = st.columns([2, 2, 2, 3, 4], vertical_alignment="bottom")
    # Material icons ship with Streamlit; media-control characters are missing from many fonts.
    back.button(
        "Back", icon=":material/skip_previous:", on_click=_step, args=(-1, lo, hi), key="play_back"
    )
    play.button(
        "Pause" if playing else "Play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        on_click=_toggle,
        args=(lo, hi),
        key="play_toggle",
    )
    forward.button(
        "Next", icon=":material/skip_next:", on_click=_step, args=(1, lo, hi), key="play_fwd"
    )
    step.selectbox("Step", ["week", "month"], index=1, key=STEP)
    speed.selectbox("Speed", list(SPEEDS), index=1, format_func=SPEEDS.__getitem__, key=SPEED)
    if playing:
        # Inside the controls row (a place of its own on the Map page): a fragment added
        # elsewhere above the map would shift the map, and Streamlit would build a new frame.
        with speed:
            _ticker(lo, hi, float(st.session_state.get(SPEED, 1.0)))


def _ticker(lo: dt.date, hi: dt.date, interval: float) -> None:
    @st.fragment(run_every=interval)
    def tick() -> None:
        # The fragment also runs as part of every full rerun; only a timed run advances.
        now = time.monotonic()
        if now - st.session_state.get(_LAST_TICK, 0.0) < interval * 0.9:
            return
        st.session_state[_LAST_TICK] = now
        current = st.session_state[state.AS_OF]
        if current >= hi:
            st.session_state[PLAYING] = False
        else:
            st.session_state[state.AS_OF] = _neighbour(current, lo, hi, 1)
        st.rerun(scope="app")

    tick()
