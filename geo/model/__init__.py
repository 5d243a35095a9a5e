"""The data model: claims, sources, places and boundaries, their vocabularies and checks."""
