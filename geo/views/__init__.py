"""What is shown: filters and aggregates, the map's styling, the URL's view, tables."""
