"""The archive store, the source of truth: ``indexer.store.archive.ArchiveStore`` over the
SQL tables, one module per group of operations (see CONTRIBUTING's module map)."""
