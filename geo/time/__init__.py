"""Claims over time: the timeline, playback "as of" a date, and what changed between dates."""
