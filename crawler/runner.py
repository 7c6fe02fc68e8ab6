"""Run the spiders in-process with Scrapy's CrawlerProcess, writing into the archive.

Scrapy's reactor can start once per process, so a crawl is one process: the CLI runs it directly and
tests run the CLI as a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from boligarkiv import __version__
from boligarkiv.crawler.pipeline import finish_run, start_run
from boligarkiv.crawler.scope import is_private_host
from boligarkiv.db import Archive
from boligarkiv.models import Document, Fetch
from boligarkiv.seeds import Seed
from boligarkiv.vocabulary import CORRUPT_BLOB

CRAWLER_VERSION = f"crawler-{__version__}.1"


@dataclass
class CrawlOptions:
    max_pages: int = 300
    max_depth: int = 5
    max_documents: int = 80
    delay: float = 1.0
    per_host: int = 2
    concurrent: int = 32
    max_bytes: int = 60 * 1024 * 1024
    timeout: float = 60.0
    contact: str = "boligarkiv@example.org"
    husbanken_url: str | None = None
    log_level: str = "WARNING"
    log_file: Path | None = None  # Scrapy's log, appended (INFO and up); None: to the terminal at log_level
    # Meeting portals: read only with a judge of housing cases (the application wires the NLP stage's).
    case_judge: Callable[[str, bytes | None, str | None], str] | None = None
    portal_months: int = 24
    max_portal_pages: int = 600
    max_case_documents: int = 80


def known_documents(archive: Archive) -> dict[str, dict[str, Any]]:
    """url -> validators of the latest archived copy, for conditional GET."""
    known: dict[str, dict[str, Any]] = {}
    with archive.session() as session:
        # A document whose stored copy is damaged is fetched unconditionally, so the bytes can repair it.
        damaged = set(session.scalars(select(Document.sha256).where(Document.extract_error.like(CORRUPT_BLOB + "%"))))
        rows = session.execute(
            select(Fetch.url, Fetch.etag, Fetch.last_modified, Fetch.sha256)
            .where(Fetch.sha256.is_not(None))
            .order_by(Fetch.fetched_at)
        )
        for url, etag, last_modified, sha in rows:
            if sha not in damaged and archive.blobs.exists(sha):
                known[url] = {"etag": etag, "last_modified": last_modified, "sha256": sha}
    return known


def scrapy_settings(opts: CrawlOptions) -> dict[str, Any]:
    return {
        "BOT_NAME": "boligarkiv",
        "USER_AGENT": f"Boligarkiv/{__version__} (arkiv over boligsosiale planer; kontakt: {opts.contact})",
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": opts.concurrent,
        "CONCURRENT_REQUESTS_PER_DOMAIN": opts.per_host,
        "DOWNLOAD_DELAY": opts.delay,
        "DOWNLOAD_DELAY_JITTER": 0,  # a jittered delay could undercut a server's Retry-After
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": max(opts.delay, 0.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(opts.per_host),
        "DOWNLOAD_TIMEOUT": opts.timeout,
        "DOWNLOAD_MAXSIZE": opts.max_bytes,
        "DOWNLOAD_WARNSIZE": opts.max_bytes // 2,
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
        "RETRY_AFTER_MAX": 120.0,
        "REDIRECT_MAX_TIMES": 6,
        "DEPTH_LIMIT": 0,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": opts.log_level,
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "DOWNLOADER_MIDDLEWARES": {
            "boligarkiv.crawler.middlewares.ScopeGuardMiddleware": 50,
            "boligarkiv.crawler.middlewares.BudgetMiddleware": 60,
            "boligarkiv.crawler.middlewares.RetryAfterMiddleware": 560,
            "boligarkiv.crawler.middlewares.CrawlDelayMiddleware": 570,
        },
        "CRAWL_DELAY_MAX": 30.0,
        "ITEM_PIPELINES": {"boligarkiv.crawler.pipeline.ArchivePipeline": 300},
        "DNS_RESOLVER": "boligarkiv.crawler.resolver.GuardedResolver",
        "BOLIGARKIV_ALLOW_PRIVATE_DNS": False,
    }


def run_crawl(
    archive: Archive,
    seeds: list[Seed],
    opts: CrawlOptions,
    on_item: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess

    from boligarkiv.crawler.spiders.husbanken import HusbankenSpider
    from boligarkiv.crawler.spiders.kommune import KommuneSpider

    run_id = start_run(
        archive,
        "crawl",
        CRAWLER_VERSION,
        {
            "kommuner": [s.nummer for s in seeds],
            "max_pages": opts.max_pages,
            "husbanken": opts.husbanken_url,
            "moteportaler": opts.case_judge is not None,
            "portal_months": opts.portal_months,
        },
    )
    counts: dict[str, int] = {"pages": 0, "documents": 0, "new_documents": 0, "not_modified": 0, "errors": 0}
    known = known_documents(archive)
    # Private DNS answers are allowed only when the seeds themselves are private (the local test web).
    allow_private = any(is_private_host(u) for s in seeds for u in s.start_urls) or bool(
        opts.husbanken_url and is_private_host(opts.husbanken_url)
    )
    log: dict[str, Any] = {}
    if opts.log_file is not None:
        opts.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = {"LOG_FILE": str(opts.log_file), "LOG_FILE_APPEND": True, "LOG_LEVEL": "INFO"}
    process = CrawlerProcess(
        {
            **scrapy_settings(opts),
            **log,
            "LOG_INSTALL_ROOT_HANDLER": True,
            "BOLIGARKIV_ALLOW_PRIVATE_DNS": allow_private,
        }
    )
    common = {"archive": archive, "run_id": run_id, "on_item": on_item, "counts": counts}
    spiders: list[Any] = []
    if seeds:
        crawler = process.create_crawler(KommuneSpider)
        spiders.append(crawler)
        process.crawl(
            crawler,
            seeds=seeds,
            known=known,
            max_pages=opts.max_pages,
            max_depth=opts.max_depth,
            max_documents=opts.max_documents,
            case_judge=opts.case_judge,
            portal_months=opts.portal_months,
            max_portal_pages=opts.max_portal_pages,
            max_case_documents=opts.max_case_documents,
            **common,
        )
    if opts.husbanken_url:
        hb = process.create_crawler(HusbankenSpider)
        spiders.append(hb)
        process.crawl(hb, start_url=opts.husbanken_url, known=known, max_pages=opts.max_pages, **common)
    status = "ok"
    try:
        process.start()
    except BaseException as exc:
        finish_run(archive, run_id, "failed", counts, error=repr(exc))
        raise
    for c in spiders:
        reason = (c.stats.get_value("finish_reason") if c.stats else None) or "finished"
        if reason != "finished":
            status = f"stopped:{reason}"
    finish_run(archive, run_id, status, {**counts, "run_id": run_id})
    return {**counts, "run_id": run_id, "status": status}
