"""Vietnamese text handling, the archive store, and the Whoosh index."""
