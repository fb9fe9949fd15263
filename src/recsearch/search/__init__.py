"""Searching an index: the index facade, facets, explanations, suggestions, history and authors."""
