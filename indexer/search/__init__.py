"""The search engine: Whoosh analysis, schema and index writer, and the query
(``indexer.search.query.search``) with its caches."""
