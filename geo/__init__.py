"""Pure, typed core: places, boundaries, claims, sources and the views built on them.

Nothing in this package imports streamlit, so pages, scripts, benchmarks and tests can all use it.
"""
