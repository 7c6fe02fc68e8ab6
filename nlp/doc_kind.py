"""Document kind and «is this the kommune's own housing plan», learned from a title and the first page.

A multinomial logistic regression over title words, their character 4-grams, title bigrams and the words of
the opening text gives the kind. `is_housing_plan` has its own small head over a handful of cues a reader
uses: the guide's plan names in the title or opening, words that make the text *about* a plan (høring,
kunngjering, behandling, rapport …), and who publishes it (a kommune's host or a national body's). Its
regularisation and threshold are chosen by cross-validation inside the training data only. Trained by
`python -m nlp.train` next to the signal model and shipped as nlp/data/doc_kind_model.npz.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from boligarkiv.nlp.corpus import Passage

MODEL_PATH = Path(__file__).resolve().parent / "data" / "doc_kind_model.npz"
OPENING = 1200
PLAN_GRID_C = (0.3, 1.0, 3.0, 10.0, 30.0)
PLAN_GRID_THRESHOLD = (0.2, 0.3, 0.4, 0.5, 0.6)
PLAN_INNER_FOLDS = 4
WORD = re.compile(r"[0-9a-zæøåäöüé]+(?:-[0-9a-zæøåäöüé]+)*")
C = 4.0
# From the label guide's kind definitions: the names a kommune gives its own housing plan. They enter the
# model as features (weighted by training), not as a verdict: a report *about* such a plan names it too.
# A plan name ends at a word boundary (an inflection or a year may follow): «boligpolitisk planlegging» and
# «boligstrategiske tiltak» talk about planning, they do not name a plan.
_END = r"(?:en|a|et|ane|ene|er)?(?=[^a-zæøå]|$)"
HOUSING_PLAN_NAME = re.compile(
    r"\b(?:bolig|bustad)(?:sosial\w*|politisk\w*)\s+(?:handlingsplan|plan|strategi|program|utviklingsprogram|policy)"
    + _END
    + r"|\b(?:bolig|bustad)(?:plan|program|strategi|behovsplan|melding)"
    + _END
    + r"|\b(?:handlingsplan|plan|program|temaplan|strategi)\s+for\s+(?:det\s+)?(?:bolig|bustad)\w*"
    + r"|\b\w*melding\s+om\s+(?:bolig|bustad)\w*"
    + r"|\bboligsosialt\s+utviklingsprogram|\bboligpolitiske\s+tiltak"
)
NOT_PLAN_CUE = re.compile(
    r"\b(?:rapport|evaluering|veileder|rettleiar|statusrapport|status|høring\w*|saksframlegg|saksutredning|"
    r"møteprotokoll|protokoll|innstilling|stortinget|meld\.\s*st|nou|undersøkelse|kartlegging)\b"
)

# The guide's saksdokument by the names case papers give themselves.
CASE_PAPER_WORDS = r"saksfr[ae]mlegg|saksutredning|saksprotokoll|møteprotokoll|møtebok|særutskrift|møteinnkalling"
# Words that make a text one *about* a plan rather than the plan: a hearing, an announcement, a case, a report.
# Not the draft sent on hearing («Høringsutkast: Boligplan …»): the guide counts drafts as the plan. Nor
# «Planprogram»: a document that is the plan's programme is labelled the plan («Planprogram Boligsosial
# handlingsplan 2015–2019»); a kommune page announcing one is a notice (NOTICE).
ABOUT_PLAN = re.compile(
    r"\b(?:høring|høyring|kunngjøring|kunngjering|offentl[ie]g\s+ettersyn|søknad|rapport|"
    rf"evaluering|veileder|rettleiar|meld\.|status|nyhet|nyheit|workshop|eksempl|{CASE_PAPER_WORDS})(?!s?utkast)\w*"
    r"|\b\w*(?:behandling|handsaming)"
)
# A notice of a hearing or an adoption, wherever the title says so («Planprogram for boligpolitisk plan –
# offentlig ettersyn», «Kunngjering av godkjent bustadpolitisk plan …»): a page about the plan, not the plan.
NOTICE = re.compile(r"\b(?:høring(?!s?utkast)|høyring(?!s?utkast)|kunngj[øe]ring|offentl[ie]g\s+ettersyn)")
# Hosts of national and regional bodies, whose texts about housing plans are guidance, not a kommune's own plan.
NATIONAL_HOST = re.compile(
    r"regjeringen|husbanken|veiviseren|statsforvalteren|stortinget|distriktssenteret|\bks\.no|nav\.no|"
    r"regionr(?:[aå]|aa)d|fylke"
)


# Skip links, menus and breadcrumbs that CMS pages put before (and into) their title.
NAV_LINE = re.compile(
    r"^[\s•·>/|-]*(?:(?:hopp|gå)\s+til\b.*|du\s+er\s+her\b.*|"
    r"(?:(?:hoved|global|under|topp)?meny(?:en)?|innhold|relatert\s+stoff|forsid[ea]n?|toppbilde|søk|[\s•·>/|-])+)$",
    re.IGNORECASE,
)
# A document mirror's own lines around the transcript it serves (docplayer's «Størrelse: px», «Begynne med
# side:», «Download "…"», «Transkript», «Save this PDF as: WORD PNG TXT JPG»): they push the document's first
# words out of the opening a reader judges.
MIRROR_LINE = re.compile(
    r"^\s*(?:størrelse:\s*px|begynne\s+med\s+side:?|download\s+\".*|transkript|save\s+this\s+pdf\s+as:?|"
    r"(?:word|png|txt|jpg|pdf|\s)+)\s*$",
    re.IGNORECASE,
)
MIRROR_LINES_WITHIN = 12
LEAD_WORDS = 3
HOUSING_PLAN_KINDS = ("boligsosial_handlingsplan", "boligplan")


def document_head(title: str, text: str) -> tuple[str, str]:
    """The document's own title and its text without the page's navigation lines ahead of it.

    Where the title is only navigation («Hovedmeny Innhold Relatert stoff Undermeny Forsiden»), the first line
    of content names the document.
    """
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (not lines[start].strip() or NAV_LINE.match(lines[start].strip())):
        start += 1
    head = [line for line in lines[start : start + MIRROR_LINES_WITHIN] if not MIRROR_LINE.match(line)]
    body = "\n".join(head + lines[start + MIRROR_LINES_WITHIN :])
    if not title.strip() or NAV_LINE.match(title.strip()):
        title = lines[start].strip() if start < len(lines) else ""
    return title, body


# The guide's kommuneplan_samfunnsdel by name: «Kommuneplanens samfunnsdel», «Samfunnsdelen av kommuneplan for
# Bø», «Kommuneplan for Bø - samfunns- og arealdel», «Forslag til samfunnsdel».
SAMFUNNSDEL_NAME = re.compile(r"\bsamfunns(?:del\w*|\s*-)")
# The guide's rapport_veileder named by the title's first word: guidance, reports, evaluations, white papers.
REPORT_TITLE = re.compile(
    r"\s*(?:veileder|rettleiar|rettleier|[\w-]*rapport|evaluering|nou|meld\.\s*st|stortingsmelding|rundskriv|"
    r"(?:ot\.\s*)?prp\.|prop\.)"
    r"(?![\w-])"
)
# The guide's saksdokument by the title's own name for it («Saksframlegg», «Møteprotokoll», «Alta kommune.
# Møteprotokoll.»): a case paper about a housing plan is not the plan.
CASE_TITLE_NAME = re.compile(rf"\b(?:{CASE_PAPER_WORDS}|høringsuttalelse|høyringsuttale|høyringsfråsegn)\b")
# The guide's annen_temaplan by its name: a title that leads with another sector's plan («Trafikksikkerhetsplan
# for Stokke kommune», «Helse- og omsorgsplan 2020–2030», «Temaplan for idrett»). Not the kommuneplan itself
# (samfunnsdel or arealdel), a zoning plan or the budget's økonomiplan.
# A plan's name is a compound («kulturplan», «helse- og omsorgsplan») or «plan for …»: a bare «plan» in
# «Plan- og bygningsloven» or a menu's «Eiendom, plan og samfunnsutvikling» names none.
OTHER_PLAN_NAME = re.compile(r"\b(?:\w+-?\s+og\s+)?(?:\w+-?plan(?:en)?|plan\s+for)(?![\w-])")
NOT_OTHER_PLAN = re.compile(r"\b(?:kommuneplan\w*|reguleringsplan\w*|økonomiplan\w*|arealplan\w*)")
# Beyond ABOUT_PLAN, words that make a title one about the plan's handling: «Vedtak av …», «Revidering av …».
ABOUT_HANDLING = re.compile(r"\b(?:vedtak|revider\w*|rullering\w*)\b")


def _leads_with(title: str, name: re.Pattern[str]) -> bool:
    """The title opens with the name («Loppa kommune boligsosial handlingsplan», «Forslag til boligplan»): at
    most LEAD_WORDS words before it, none making the text one about it («Kunngjering av …», «Vedtak av …»)."""
    match = name.search(title)
    if match is None:
        return False
    before = title[: match.start()]
    return len(WORD.findall(before)) <= LEAD_WORDS and not (ABOUT_PLAN.search(before) or ABOUT_HANDLING.search(before))


# The guide's names of the two plan kinds: boligsosial handlingsplan (or plan/program for boligsosialt arbeid)
# and boligplan (boligpolitisk plan or strategi, boligprogram, boligbehovsplan, bustadplan …).
SOCIAL_PLAN_NAME = re.compile(
    r"\b(?:bolig|bustad)sosial\w*\s+(?:handlingsplan|plan|program|utviklingsprogram)"
    r"|\b(?:handlingsplan|plan|program)\s+for\s+(?:det\s+)?(?:bolig|bustad)sosial"
)


def _plan_kind_by_name(title: str) -> str | None:
    """Which of the guide's two plan kinds the title names, if it names one."""
    if SOCIAL_PLAN_NAME.search(title):
        return "boligsosial_handlingsplan"
    if HOUSING_PLAN_NAME.search(title):
        return "boligplan"
    return None


def plan_features(title: str, text: str, url: str = "") -> list[str]:
    return _plan_cues(*document_head(title, text), url)


def _plan_cues(title: str, text: str, url: str) -> list[str]:
    """plan_features over the document's head (document_head's title and text)."""
    low_title, opening = title.lower(), text[:400].lower()
    host = urlsplit(url).netloc.lower()
    national = bool(NATIONAL_HOST.search(host))
    # A national or regional body's page titled with a plan name presents someone's plan: not its own.
    lead = _leads_with(low_title, HOUSING_PLAN_NAME) and not national and not NOTICE.search(low_title)
    cues = {
        "name_title": bool(HOUSING_PLAN_NAME.search(low_title)),
        "name_lead": lead,
        "name_opening": bool(HOUSING_PLAN_NAME.search(opening)),
        "about_title": bool(ABOUT_PLAN.search(low_title)),
        "about_opening": bool(ABOUT_PLAN.search(opening[:150])),
        "notice_title": bool(NOTICE.search(low_title)),
        "national_host": national,
        # The kommune's own site titling a page with the plan's name: every such training passage is the plan.
        # A kommune host alone is no cue either way (it serves service pages and plans alike); as a cue of its
        # own it had taken a negative weight that outvoted the name on the kommune's own plan pages.
        "name_lead_kommune": lead and ("kommune" in host or "herad" in host),
    }
    return sorted("p:" + name for name, on in cues.items() if on)


def kind_features(title: str, text: str) -> list[str]:
    return _kind_words(title, document_head(title, text)[1])


def _kind_words(title: str, text: str) -> list[str]:
    """kind_features over the given title and the head's text (document_head)."""
    t_words = WORD.findall(title.lower())
    feats = {"t:" + w for w in t_words}
    for w in t_words:
        padded = f"<{w}>"
        feats.update("tc:" + padded[i : i + 4] for i in range(len(padded) - 3))
    feats.update(f"tb:{a}|{b}" for a, b in itertools.pairwise(t_words))
    low_title, opening = title.lower(), text[:300].lower()
    if HOUSING_PLAN_NAME.search(low_title):
        feats.add("rule:plan_name_title")
    if HOUSING_PLAN_NAME.search(opening):
        feats.add("rule:plan_name_opening")
    if NOT_PLAN_CUE.search(low_title) or NOT_PLAN_CUE.search(opening):
        feats.add("rule:not_plan_cue")
    body = WORD.findall(text[:OPENING].lower())
    feats.update("w:" + w for w in body)
    for w in body[:60]:  # the first lines carry the document's own name
        if len(w) > 5:
            padded = f"<{w}>"
            feats.update("oc:" + padded[i : i + 5] for i in range(len(padded) - 4))
    return sorted(feats)


# How `DocKindModel.decide` chose the kind: the plan's name in the title, the kind model's likelier plan kind
# (the plan head said «plan»), a title that leads with the samfunnsdel / a case paper's name / another sector's
# plan / a report's name, or the kind model alone.
KIND_RULES = (
    "plan_name", "plan_kind_model", "samfunnsdel_title", "case_title", "other_plan_title", "report_title",
    "kind_model",
)  # fmt: skip


@dataclass(frozen=True)
class KindDecision:
    kind: str
    plan: bool
    rule: str  # one of KIND_RULES
    plan_probability: float
    plan_threshold: float
    plan_cues: tuple[tuple[str, float], ...]  # (plan_features name without «p:», its weight in the plan head)


@dataclass
class DocKindModel:
    kinds: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray  # (n_features, n_kinds)
    bias: np.ndarray
    # is_housing_plan has its own binary head over a few reader's cues (plan_features): with two dozen plans
    # in the corpus, word features let a model memorise sources instead of learning what makes a plan one.
    plan_vocab: tuple[str, ...]
    plan_weights: np.ndarray  # (n_plan_features,)
    plan_bias: float
    plan_threshold: float  # probability, chosen on training folds only

    def predict(self, title: str, text: str, url: str = "") -> tuple[str, bool]:
        decision = self.decide(title, text, url)
        return decision.kind, decision.plan

    def decide(self, title: str, text: str, url: str = "") -> KindDecision:
        """The kind and is_housing_plan with why: which rule chose the kind (KIND_RULES), the plan head's
        probability and the reader's cues it saw."""
        # The document's own title (a CMS page's navigation title gives way to its first line) and its text
        # without navigation or a mirror's lines, read once for both heads and the title rules below.
        head_title, body = document_head(title, text)
        ids = [i for i in (self.vocab.get(f) for f in _kind_words(title, body)) if i is not None]
        logits = self.bias + (self.weights[ids].sum(axis=0) if ids else 0.0)
        weight = dict(zip(self.plan_vocab, self.plan_weights.tolist(), strict=True))
        seen = tuple((c[2:], float(weight.get(c, 0.0))) for c in _plan_cues(head_title, body, url))
        probability = 1.0 / (1.0 + math.exp(-(self.plan_bias + sum(w for _, w in seen))))
        plan = probability >= self.plan_threshold

        def decided(kind: str, rule: str) -> KindDecision:
            return KindDecision(kind, plan, rule, probability, self.plan_threshold, seen)

        low = head_title.lower()
        if plan:
            # The guide's housing plan is a boligsosial handlingsplan or a boligplan, so the kind follows the
            # plan head (which reads the plan's name and publisher): the one the title names, else the kind
            # model's likelier of the two — on its own it calls a kommune's plan page «nettside» by its menus.
            named = _plan_kind_by_name(low)
            if named in self.kinds:
                return decided(named, "plan_name")
            allowed = [k for k, kind in enumerate(self.kinds) if kind in HOUSING_PLAN_KINDS]
            if allowed:
                return decided(self.kinds[max(allowed, key=lambda k: float(logits[k]))], "plan_kind_model")
        if SAMFUNNSDEL_NAME.search(low) and "kommuneplan_samfunnsdel" in self.kinds:
            # Judged from the title, as the guide says: a title that leads with the samfunnsdel is it; one that
            # names it after «Vedtak av», «Offentlig ettersyn av» … is about it (the kind model alone had called
            # the first «nettside» by a kommune page's menus, and the second the plan by its words).
            if _leads_with(low, SAMFUNNSDEL_NAME):
                return decided("kommuneplan_samfunnsdel", "samfunnsdel_title")
            logits = logits.copy()
            logits[self.kinds.index("kommuneplan_samfunnsdel")] = -np.inf
        if _leads_with(low, CASE_TITLE_NAME) and "saksdokument" in self.kinds:
            return decided("saksdokument", "case_title")
        if (
            _leads_with(low, OTHER_PLAN_NAME)
            and not (NOT_OTHER_PLAN.search(low) or HOUSING_PLAN_NAME.search(low))
            and "annen_temaplan" in self.kinds
        ):
            return decided("annen_temaplan", "other_plan_title")
        if REPORT_TITLE.match(low) and "rapport_veileder" in self.kinds:
            # «Veileder for startlån», «Rettleiar for tilskot …», «NOU 2011: 15»: guidance and reports by their
            # own title, though published as web pages whose menus the kind model reads as «nettside».
            return decided("rapport_veileder", "report_title")
        return decided(self.kinds[int(logits.argmax())], "kind_model")

    def save(self, path: Path, meta: dict) -> None:
        names = sorted(self.vocab, key=self.vocab.__getitem__)
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                vocab=np.array(names, dtype=np.str_),
                weights=self.weights.astype(np.float16),
                bias=self.bias.astype(np.float32),
                plan_vocab=np.array(self.plan_vocab, dtype=np.str_),
                plan_weights=self.plan_weights.astype(np.float32),
                plan_bias=np.array(self.plan_bias, dtype=np.float32),
                plan_threshold=np.array(self.plan_threshold, dtype=np.float32),
                meta=np.array(json.dumps({**meta, "kinds": list(self.kinds)}, ensure_ascii=False)),
            )

    @classmethod
    def load(cls, path: Path) -> DocKindModel:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return cls(
                tuple(meta["kinds"]),
                {str(n): i for i, n in enumerate(z["vocab"])},
                z["weights"].astype(np.float32),
                z["bias"].astype(np.float32),
                tuple(str(n) for n in z["plan_vocab"]),
                z["plan_weights"].astype(np.float32),
                float(z["plan_bias"]),
                float(z["plan_threshold"]),
            )


def train_doc_kind(passages: list[Passage]) -> DocKindModel:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    feats = [kind_features(p.title, p.text) for p in passages]
    counts: dict[str, int] = {}
    for fs in feats:
        for f in fs:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= 2))}
    rows, cols = [], []
    for r, fs in enumerate(feats):
        for f in fs:
            if f in vocab:
                rows.append(r)
                cols.append(vocab[f])
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(feats), len(vocab)))
    y = [p.doc_kind for p in passages]
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    clf.fit(x, y)
    kinds = tuple(str(k) for k in clf.classes_)
    plan_vocab, plan_weights, plan_bias, plan_threshold = train_plan_head(passages)
    return DocKindModel(
        kinds,
        vocab,
        clf.coef_.T.astype(np.float32).copy(),
        clf.intercept_.astype(np.float32),
        plan_vocab,
        plan_weights,
        plan_bias,
        plan_threshold,
    )


def _plan_matrix(passages: list[Passage], names: tuple[str, ...]) -> np.ndarray:
    x = np.zeros((len(passages), len(names)), dtype=np.float32)
    col = {n: i for i, n in enumerate(names)}
    for r, p in enumerate(passages):
        for f in plan_features(p.title, p.text, p.url):
            x[r, col[f]] = 1.0
    return x


def train_plan_head(passages: list[Passage]) -> tuple[tuple[str, ...], np.ndarray, float, float]:
    """The is_housing_plan head; C and threshold picked by grouped cross-validation within `passages`."""
    from sklearn.linear_model import LogisticRegression

    from boligarkiv.nlp.corpus import group_folds

    names = tuple(sorted({f for p in passages for f in plan_features(p.title, p.text, p.url)}))
    y = np.array([p.is_housing_plan for p in passages])
    if not names or not 0 < y.sum() < len(y):
        return names, np.zeros(len(names), dtype=np.float32), -10.0, 0.5
    x = _plan_matrix(passages, names)
    folds = np.array(group_folds(passages, k=PLAN_INNER_FOLDS))
    best: tuple[float, float, float] = (-1.0, 1.0, 0.5)
    for c in PLAN_GRID_C:
        prob = np.zeros(len(y))
        for f in range(PLAN_INNER_FOLDS):
            tr, te = folds != f, folds == f
            if not 0 < y[tr].sum() < tr.sum() or not te.any():
                continue
            prob[te] = LogisticRegression(C=c, max_iter=2000).fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]
        for t in PLAN_GRID_THRESHOLD:
            pred = prob >= t
            tp = float((pred & y).sum())
            f1 = 2 * tp / (pred.sum() + y.sum()) if pred.sum() + y.sum() else 0.0
            if f1 > best[0]:
                best = (f1, c, t)
    head = LogisticRegression(C=best[1], max_iter=2000).fit(x, y)
    return names, head.coef_[0].astype(np.float32), float(head.intercept_[0]), best[2]


@cache
def doc_kind_version(path: Path = MODEL_PATH) -> str:
    """The shipped kind model's content hash: retraining it makes earlier analyses stale."""
    import hashlib

    return "kind-" + hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "kind-none"


@cache
def load_doc_kind_model(path: Path = MODEL_PATH) -> DocKindModel | None:
    return DocKindModel.load(path) if path.exists() else None
