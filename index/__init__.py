"""Search backends (embedded SQLite FTS5 and Elasticsearch) behind one query language."""
