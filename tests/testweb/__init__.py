"""The local test web: kommune-like sites generated with ground truth and served on 127.0.0.1."""
