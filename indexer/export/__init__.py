"""What leaves the archive for other people: dataset exports
(``indexer.export.stream.stream_export``) and citations."""
