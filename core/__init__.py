"""Boligarkiv: the archive spine (settings, database, blob store, seeds, CLI)."""

__version__ = "0.1.0"
