"""Streamlit glue: serving assets, session state and the shared sidebar. Layout lives in pages/."""
