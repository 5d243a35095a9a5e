"""Reading what users bring: tables in any encoding or format, ACLED exports, boundary files."""
