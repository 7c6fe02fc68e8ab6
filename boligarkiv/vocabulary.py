"""Words every floor shares: the extraction error kinds recorded on documents.

An extraction failure is recorded as «<kind>: <detail>», the kind one of ERROR_KINDS, so reports, the run
summary and the crawler read the same vocabulary.
"""

from __future__ import annotations

ERROR_KINDS = ("encrypted", "corrupt", "empty", "unsupported", "timeout", "memory", "crashed")

# The archived copy itself is damaged (not the document): a fetch of the same bytes repairs it.
CORRUPT_BLOB = "corrupt: blob"
