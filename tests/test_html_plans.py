"""Plans published as HTML (issue 15): a long article and a plan in chapters are archived, extracted and
classified like PDFs; a changed chapter makes a new version; a long page that is not a plan is not archived."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from boligarkiv.app.testweb.server import TestWeb
from boligarkiv.app.testweb.sites import HTML_PLAN_CHAPTERS, build_html_plan_sites
from boligarkiv.db import open_archive
from boligarkiv.extract.stage import run_extract
from boligarkiv.formats import BUNDLE_MIME
from boligarkiv.models import Document, Page
from boligarkiv.settings import Settings

from .test_crawler import crawl


def documents(data: Path) -> dict[str, Document]:
    archive = open_archive(Settings(data_dir=data))
    with archive.session() as s:
        docs = {d.first_url or "": d for d in s.scalars(select(Document))}
    archive.dispose()
    return docs


def test_article_and_chapters_are_archived_as_plans(tmp_path: Path) -> None:
    sites = build_html_plan_sites([("4601", "Bergen"), ("1841", "Fauske"), ("3301", "Drammen"), ("3050", "Flesberg")])
    web = TestWeb(sites).start()
    try:
        seeds = web.write_seeds(tmp_path / "seeds.csv")
        data = tmp_path / "data"
        crawl(data, seeds)
        docs = documents(data)
        article_url = web.roots["html-article"] + "/tjenester/bolig/boligplan-2024-2028.12345.aspx"
        toc_url = web.roots["html-chapters"] + "/planer/boligsosial-handlingsplan"
        assert article_url in docs and docs[article_url].mime.startswith("text/html")
        assert toc_url in docs and docs[toc_url].mime == BUNDLE_MIME
        assert not any("barnehage" in url for url in docs)  # a long page that is not a plan
        temaplan = web.roots["html-temaplan"] + "/politikk-samfunn/planer/temaplan-for-boligutvikling-2023--2033/"
        assert temaplan in docs and docs[temaplan].mime == BUNDLE_MIME  # chapters never archived on their own
        framsikt = web.doc_roots["framsikt"] + "/plan/flesberg/plan-2d141afb-9a2c-4c84-83a3-a620765567d2-86169/"
        assert framsikt in docs and docs[framsikt].kommune_nummer == "3050"
        bergen = web.roots["html-article"] + "/api/rest/filer/V90883"  # «Last ned», named by its list item
        assert bergen in docs and docs[bergen].mime == "application/pdf"
        assert not any(url.endswith("V51903878") for url in docs)  # skjenkeretningslinjer: not a plan
        assert len(docs) == 5

        archive = open_archive(Settings(data_dir=data))
        assert run_extract(archive, workers=1)["errors"] == 0
        with archive.session() as s:
            plan = s.get(Document, docs[toc_url].sha256)
            assert plan is not None
            assert plan.title == "Boligsosial handlingsplan 2025–2029"
            assert plan.doc_type == "boligsosial_handlingsplan" and plan.period_start == 2025
            pages = list(s.scalars(select(Page).where(Page.document_sha256 == plan.sha256).order_by(Page.number)))
            texts = [p.text for p in pages]
            # The contents page, then one page per chapter, in order.
            assert len(pages) == 1 + len(HTML_PLAN_CHAPTERS)
            for page_text, (_, _, sentence) in zip(texts[1:], HTML_PLAN_CHAPTERS, strict=True):
                assert sentence in page_text
            fr = s.get(Document, docs[framsikt].sha256)
            assert fr is not None and fr.title == "Boligsosial plan 2024–2028 (Framsikt)"
            fr_pages = [p.text for p in s.scalars(select(Page).where(Page.document_sha256 == fr.sha256))]
            assert len(fr_pages) == 2  # one page per top-level heading
            assert "leie-til-eie" in fr_pages[1] and "kommunale utleieboliger" in fr_pages[1]
            art = s.get(Document, docs[article_url].sha256)
            assert art is not None and art.doc_type == "boligplan" and art.title == "Boligplan 2024–2028"
        archive.dispose()

        # A changed chapter: a new version of the whole plan, linked to the old one; nothing overwritten.
        chapter = sites[1].resources["/planer/boligsosial-handlingsplan/3-tiltak"]
        chapter.body = chapter.body.replace(b"leie-til-eie", b"leie-til-eie og deleie")
        crawl(data, seeds)
        archive = open_archive(Settings(data_dir=data))
        with archive.session() as s:
            versions = list(s.scalars(select(Document).where(Document.first_url == toc_url)))
        archive.dispose()
        assert len(versions) == 2
        new = next(d for d in versions if d.sha256 != docs[toc_url].sha256)
        assert new.previous_sha256 == docs[toc_url].sha256
    finally:
        web.stop()


def test_every_cms_family_yields_its_plan_and_not_its_decoy(tmp_path: Path) -> None:
    """Document URLs as the real CMS families shape them (ACOS /_f/, Optimizely globalassets/contentassets/
    siteassets, Oslo getfile.php with NFD letters, Sitevision /download/18.…, an Azure blob on its own host), and
    a plan embedded in a PDF viewer on a page with <base href>."""
    from boligarkiv.app.testweb.sites import build_cms_sites

    kommuner = [
        ("3201", "Bærum"),
        ("3312", "Lier"),
        ("3324", "Gol"),
        ("0301", "Oslo"),
        ("3316", "Modum"),
        ("3006", "Kongsberg"),
        ("3303", "Hole"),
    ]
    sites = build_cms_sites(kommuner)
    web = TestWeb(sites).start()
    try:
        seeds = web.write_seeds(tmp_path / "seeds.csv")
        data = tmp_path / "data"
        crawl(data, seeds)
        docs = documents(data)
        found = {d.sha256 for d in docs.values()}
        for site in sites:
            assert set(site.plans) <= found, (site.key, list(site.plans.values()))
        assert len(docs) == len(sites), sorted(docs)  # no decoy archived
        azure = next(d for url, d in docs.items() if "/aimfiles/" in url)
        assert azure.mime == "application/pdf" and azure.kommune_nummer == "3006"
    finally:
        web.stop()
