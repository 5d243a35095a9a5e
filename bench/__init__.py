"""Performance benchmark for the claims map (issue #5): run ``python -m bench.run``."""
