"""Words every floor shares: the extraction error kinds recorded on documents, month names.

An extraction failure is recorded as «<kind>: <detail>», the kind one of ERROR_KINDS, so reports, the run
summary and the crawler read the same vocabulary.
"""

from __future__ import annotations

import re

ERROR_KINDS = ("encrypted", "corrupt", "empty", "unsupported", "timeout", "memory", "crashed")

# The archived copy itself is damaged (not the document): a fetch of the same bytes repairs it.
CORRUPT_BLOB = "corrupt: blob"

# Norwegian month names (Bokmål and Nynorsk write them alike), in order: dates in plans («vedtatt 12. mars
# 2021») for the extract stage, and «12. mars» is not the end of a sentence for the NLP stage.
MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)

# Document types that are plans: their period decides whether a kommune has a current plan.
PLAN_TYPES = frozenset({"boligsosial_handlingsplan", "boligplan", "kommuneplan_samfunnsdel", "temaplan"})

# Meeting portals the crawler reads, by adapter name, and the part a paper plays in a case.
PORTAL_LABELS = {
    "acos_websak": "ACOS WebSak innsyn",
    "opengov360": "360 OpenGov Meetings",
    "elements": "Elements Publikum",
    "einnsyn": "eInnsyn",
    "digdem": "Digdem møteportal",
    "firstagenda": "FirstAgenda",
}
CASE_ROLE_LABELS = {"saksframlegg": "Saksframlegg", "vedtak": "Vedtak", "protokoll": "Protokoll", "vedlegg": "Vedlegg"}

# Characters that are invisible inside a word: soft hyphens and zero-width marks from word processors and web
# pages. Extraction removes them from the text; the analysis ignores them inside a word when it reads one.
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
