"""The index engine on Whoosh: schema, analysis, storage, query nodes, scoring and execution.

The only subpackage that imports Whoosh."""
