"""Claimed activity by province: entry point. Run with `streamlit run app.py`.

`streamlit run` first imports this file to find ``app``, the server, whose start-up hook
warms the server up (dashboard/warmup.py). The server then runs this file as the page
script, as ``__main__``, on every visit and every rerun.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st


def main() -> None:
    from dashboard import warmup

    warmup.wait()  # before importing what the warm-up thread may still be importing
    from dashboard import render, state, storestatus
    from geo.escape import md

    st.set_page_config(
        page_title="Claimed activity by province",
        page_icon="🗺️",
        layout="wide",
    )

    map_page = st.Page("pages/map.py", title="Map", icon=":material/map:", default=True)
    pages = st.navigation(
        [
            map_page,
            st.Page("pages/timeline.py", title="Timeline", icon=":material/timeline:"),
            st.Page("pages/claims.py", title="Claims", icon=":material/table:"),
            st.Page("pages/add.py", title="Add claims", icon=":material/edit_note:"),
            st.Page("pages/sources.py", title="Sources", icon=":material/menu_book:"),
            st.Page("pages/your_data.py", title="Your data", icon=":material/upload_file:"),
            st.Page("pages/about.py", title="About", icon=":material/info:"),
        ]
    )
    data = state.active_dataset()
    if problem := storestatus.problem():
        shown = (
            "Showing the built-in data from the project's files meanwhile"
            if state.from_files(data)
            else "What was already loaded stays on screen"
        )
        st.warning(
            f"{md(problem)}. {shown}; saving and the other datasets come back as soon as "
            "the store answers.",
            icon=":material/cloud_off:",
        )
    if (when := state.recorded()) is not None:
        render.recorded_banner(when, state.show_current)
    context = state.read_context(data)
    st.session_state["_context"] = context
    if pages is map_page:
        # The map reaches the browser sooner when it is sent before the sidebar's widgets
        # (see state.read_context), and a new session's first run sends it alone (see
        # state.map_alone). The Map page never calls st.stop(), after which nothing more
        # could be drawn. A rerun or stop request is not an Exception: a run cut short by
        # a newer filter change draws nothing more.
        alone = state.map_alone()
        try:
            pages.run()
        except Exception:
            state.draw_sidebar(data)  # the filters stay usable when the page fails
            raise
        if not alone:
            state.draw_sidebar(data)
    else:
        state.draw_sidebar(data)
        pages.run()
    state.write_url(replace(context.view, place=st.session_state.get(state.PLACE)))


if __name__ == "__main__":
    main()
else:
    from starlette.middleware import Middleware
    from streamlit.runtime.pages_manager import PagesManager

    from dashboard import downloads, push, served, static, upload_cap, upload_limit
    from dashboard.warmup import lifespan

    # Before the server takes any upload: its limit and the Your data page's are one.
    upload_limit.apply()
    # Before any download button is clicked: its file must wait for the browser.
    downloads.apply()

    # The pages are declared by st.navigation in main(), but Streamlit learns that only
    # when main() first runs. Until then, on a new server, a shared link to a page
    # (.../claims) ran pages/claims.py on its own, under a navigation made from the pages/
    # folder ("app, about, claims, map, ..."). This is the flag st.navigation itself sets.
    # A private name (docs/private-names.md), kept while the pages live in pages/, the
    # folder the project's layout keeps: Streamlit 1.67 sets the flag from that folder's
    # mere existence, and has no public way to say that st.navigation declares the pages.
    PagesManager.uses_pages_directory = False

    app = st.App(
        __file__,
        lifespan=lifespan,
        routes=served.routes() + static.routes() + push.routes(),
        # A session holds a bounded number of uploaded files (dashboard/upload_cap.py).
        middleware=[Middleware(upload_cap.SessionUploadCap)],
    )
