"""FastAPI web app: search, kommune pages, documents, screening, feeds and the JSON API."""
