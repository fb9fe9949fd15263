"""recsearch: fast, offline, accent-blind search over library catalogue records.

    from recsearch import RecordIndex, update_index
    update_index(["records/"], "index")
    with RecordIndex("index") as ix:
        for hit in ix.search("natural killer cells", limit=5).hits:
            print(hit.score, hit.title)

Names are loaded on first use, so `import recsearch` (and the command line) stays fast.
"""

from importlib import import_module

__version__ = "0.1.0"

# name -> the module that defines it
_PUBLIC = {
    "RecordIndex": "search.index", "SearchOptions": "search.index", "SearchResult": "search.index",
    "Hit": "search.index", "AuthorMatch": "search.authors",
    "update_index": "ingest.build", "BuildReport": "ingest.build", "RemovalRefused": "ingest.build",
    "check_index": "ingest.check", "CheckReport": "ingest.check", "index_stats": "ingest.stats",
    "read_file_records": "readers", "Record": "record", "Author": "record",
    "RecsearchError": "errors", "QueryError": "errors", "IndexAccessError": "errors",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
