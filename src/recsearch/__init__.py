"""recsearch: fast, offline, accent-blind search over library catalogue records."""

__version__ = "0.1.0"
