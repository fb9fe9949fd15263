"""From source files to the index: walking sources, the manifest, building and checking."""
