"""Realistic Norwegian (Bokmål and Nynorsk) text for generated plan and non-plan documents, and PDF output.

The sentences are written here, in the register of real boligsosiale handlingsplaner, so that the crawler,
the extractor and the NLP stage are exercised on text that looks like what they will meet.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

NB_PLAN_SENTENCES = [
    "Kommunen skal bidra til at flere vanskeligstilte på boligmarkedet kan eie sin egen bolig.",
    "Det er et mål å etablere en modell for leie-til-eie i samarbeid med Husbanken og lokale utbyggere.",
    "Kommunen vil vurdere å inngå samarbeid med ideelle aktører i den tredje boligsektoren.",
    "Startlån skal brukes aktivt for å hjelpe barnefamilier fra leie til eie.",
    "Behovet for rimelige boliger er stort, særlig for unge i etableringsfasen.",
    "Ventelisten for kommunale utleieboliger har økt fra 42 til 67 husstander siden 2019.",
    "Kommunen eier i dag 312 kommunale utleieboliger, hvorav 48 er gjennomgangsboliger.",
    "Bostøtte og tilskudd til tilpasning skal gjøres bedre kjent blant innbyggerne.",
    "Kommunen vil bruke utbyggingsavtaler og forkjøpsrett for å sikre tomter til boligformål.",
    "Det skal bygges 50 nye utleieboliger i planperioden, med en ramme på 120 millioner kroner.",
    "Samarbeidet med boligbyggelaget om deleie og delt eierskap videreføres.",
    "Kommunens arbeid skal forankres i den nasjonale strategien Alle trenger et trygt hjem.",
    "NAV og tjenesten for psykisk helse og rus skal samarbeide tett om boligoppfølging.",
    "Andelen leietakere med lav inntekt er høyere enn landsgjennomsnittet.",
    "Boligmangelen rammer særlig personer med nedsatt funksjonsevne og flyktninger.",
    "Prisregulerte boliger med kostnadsleie kan være et virkemiddel i sentrumsområdene.",
]
NN_PLAN_SENTENCES = [
    "Kommunen skal bidra til at fleire vanskelegstilte på bustadmarknaden kan eige eigen bustad.",
    "Det er eit mål å prøve ut ein modell for leige til eige saman med Husbanken.",
    "Kommunen vil vurdere samarbeid med ideelle aktørar og bustadstiftingar.",
    "Startlån skal nyttast aktivt for å hjelpe barnefamiliar frå leige til eige.",
    "Behovet for rimelege bustader er stort, særleg for unge i etableringsfasen.",
    "Kommunen eig i dag 87 kommunale utleigebustader, og ventelista er lang.",
    "Bustøtte og tilskot til tilpassing skal gjerast betre kjent for innbyggjarane.",
    "Kommunen vil nytte utbyggingsavtalar for å sikre tomter til bustadføremål.",
    "Det skal byggjast 20 nye utleigebustader i planperioden.",
    "Kommunen har ikkje prioritert sal av kommunale bustader i denne perioden.",
]
NB_OTHER = {
    "budsjett": [
        "Rådmannens forslag til årsbudsjett viser et netto driftsresultat på 1,2 prosent.",
        "Rammen til oppvekst økes med 4,5 millioner kroner som følge av flere elever.",
        "Investeringsbudsjettet omfatter ny brannstasjon og rehabilitering av svømmehallen.",
        "Lånegjelden per innbygger er høyere enn i sammenlignbare kommuner.",
    ],
    "referat": [
        "Møtet ble satt klokken 18.00. Ordføreren ønsket velkommen.",
        "Sak 12/24 Godkjenning av protokoll fra forrige møte. Vedtak: Protokollen godkjennes.",
        "Sak 13/24 Orientering om vintervedlikehold av kommunale veier.",
    ],
    "brosjyre": [
        "Velkommen til sommeraktiviteter for barn og unge i kommunen!",
        "Påmelding skjer på kommunens nettside innen 1. juni.",
        "Aktivitetene er gratis og foregår ved kulturhuset.",
    ],
    "meny": ["Mandag: fiskegrateng med gulrøtter. Tirsdag: kjøttkaker i brun saus.", "Onsdag: grønnsakssuppe."],
}


@dataclass(frozen=True)
class DocSpec:
    """A generated document: its title, kind, language and whether it is a housing plan (ground truth)."""

    key: str
    title: str
    kind: str  # boligsosial_handlingsplan, boligplan, samfunnsdel, budsjett, referat, brosjyre, meny
    language: str
    is_plan: bool
    kommune: str
    period: tuple[int, int] | None = None
    pages: int = 3


PLAN_KINDS = {"boligsosial_handlingsplan", "boligplan", "samfunnsdel"}


def plan_title(kind: str, language: str, kommune: str, period: tuple[int, int]) -> str:
    a, b = period
    if kind == "boligsosial_handlingsplan":
        core = "Bustadsosial handlingsplan" if language == "nn" else "Boligsosial handlingsplan"
    elif kind == "boligplan":
        core = "Bustadprogram" if language == "nn" else "Boligplan"
    else:
        core = "Kommuneplanens samfunnsdel"
    return f"{core} {a}–{b} for {kommune} kommune"


def document_pages(spec: DocSpec, rng: random.Random) -> list[list[str]]:
    """Paragraphs per page for a document."""
    if spec.is_plan:
        pool = NN_PLAN_SENTENCES if spec.language == "nn" else NB_PLAN_SENTENCES
    else:
        pool = NB_OTHER.get(spec.kind, NB_OTHER["brosjyre"])
    pages: list[list[str]] = []
    for n in range(spec.pages):
        paras = [spec.title] if n == 0 else []
        if n == 0 and spec.is_plan and spec.period:
            verb = "Vedteke i kommunestyret" if spec.language == "nn" else "Vedtatt i kommunestyret"
            paras.append(f"{verb} {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{spec.period[0]}.")
        for _ in range(4):
            paras.append(" ".join(rng.sample(pool, k=min(3, len(pool)))))
        pages.append(paras)
    return pages


def make_pdf(pages: list[list[str]], title: str = "") -> bytes:
    """A born-digital PDF with one block of wrapped paragraphs per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    width, height = A4
    for paras in pages:
        y = height - 72
        for para in paras:
            words = para.split()
            line = ""
            for w in words:
                trial = f"{line} {w}".strip()
                if c.stringWidth(trial, "Helvetica", 11) > width - 144:
                    c.setFont("Helvetica", 11)
                    c.drawString(72, y, line)
                    y -= 15
                    line = w
                else:
                    line = trial
            if line:
                c.setFont("Helvetica", 11)
                c.drawString(72, y, line)
                y -= 15
            y -= 8
        c.showPage()
    c.save()
    return buf.getvalue()


def render_document(spec: DocSpec, seed: int) -> bytes:
    rng = random.Random(f"{seed}:{spec.key}")
    return make_pdf(document_pages(spec, rng), spec.title)


def make_table_pdf(pages: int, rows: int = 12) -> bytes:
    """A plan's action table over many pages: each page a ruled table (tiltak, ansvar, frist), as long
    handlingsdeler are published; the worst case for table extraction."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    story: list[object] = []
    for p in range(pages):
        story.append(Paragraph(f"Handlingsdel, side {p + 1}", styles["Heading2"]))
        data = [["Tiltak", "Ansvar", "Frist"]]
        data += [[f"Tiltak {p + 1}.{r + 1}: bygge utleieboliger", "Eiendom", str(2024 + r % 5)] for r in range(rows)]
        table = Table(data)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
        story += [table, PageBreak()]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(story)
    return buf.getvalue()
