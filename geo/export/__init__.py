"""Exports that carry their caveats: CSV, GeoJSON and the slide PNG."""
