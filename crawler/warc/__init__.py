"""WARC files: writing captures (with revisits), reading one back, repairing cut ends; their
CDXJ indexes and WACZ packages."""
