"""Running the dashboard behind nginx: several app processes on one PostgreSQL store."""
