"""The local test web: kommune-like sites generated with ground truth and served on 127.0.0.1.

Used by the tests and benchmarks, and by `boligarkiv demo` for a first look without the internet.
"""
