"""Generate kommune-like sites with the shapes real Norwegian municipal sites have, plus ground truth.

A site is a map from path (with query) to a Resource, and may have dynamic routes (an endless calendar).
Shapes: plans on a listing page; plans nested two or three topic levels down; download handlers without
`.pdf`; redirects (an alias host that 301s to the canonical one, moved pages); a sitemap-only site; Nynorsk
sites. Features mixed in: duplicate URLs for one PDF, an endless calendar and search, robots.txt disallows,
404/500, 429 with Retry-After, slow pages, a truncated download, a document host on another port, links to
public sites that must never be requested.
"""

from __future__ import annotations

import hashlib
import html
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .texts import PLAN_KINDS, DocSpec, plan_title, render_document

SHAPES = ("listing", "nested", "handler", "redirect", "sitemap", "nynorsk")


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False  # announce the full length, send half, close: a truncated download
    retry_after_once: int | None = None  # first request answers 429 with Retry-After
    conditional: bool = True  # supports ETag / Last-Modified

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Site:
    key: str
    kommune_nummer: str
    kommune_navn: str
    shape: str
    language: str
    resources: dict[str, Resource] = field(default_factory=dict)
    dynamic: list[tuple[str, Callable[[str], Resource]]] = field(default_factory=list)
    robots: str = "User-agent: *\nDisallow:\n"
    robots_sitemaps: list[str] = field(default_factory=list)  # «Sitemap:» lines robots.txt adds (SITEROOT…)
    plans: dict[str, str] = field(default_factory=dict)  # sha256 -> title (ground truth: findable plans)
    forbidden_plans: dict[str, str] = field(default_factory=dict)  # plan-like docs behind robots rules
    disallowed_prefixes: list[str] = field(default_factory=list)
    alias: bool = False  # the seed URL is an alias host that redirects every path here
    doc_host: bool = False  # some documents live on a separate document host
    doc_host_resources: dict[str, Resource] = field(default_factory=dict)
    down: bool = False
    features: set[str] = field(default_factory=set)
    real_pages: set[str] = field(default_factory=set)  # HTML pages a good crawl should visit
    html_plans: dict[str, str] = field(default_factory=dict)  # path -> title: plans published as web pages
    # A meeting portal on the site's second host: (prefix, handler(raw path with query, lower-cased headers)).
    doc_dynamic: list[tuple[str, Callable[[str, dict[str, str]], Resource | None]]] = field(default_factory=list)
    seed_portals: list[str] = field(default_factory=list)  # portal URLs named in the seeds (DOCHOST…)
    # POST routes on the second host (a GraphQL portal): (prefix, handler(raw path, lower-cased headers, body)).
    doc_post: list[tuple[str, Callable[[str, dict[str, str], bytes], Resource | None]]] = field(default_factory=list)

    def lookup(self, path: str) -> Resource | None:
        if path in self.resources:
            return self.resources[path]
        for prefix, make in self.dynamic:
            if path.startswith(prefix):
                return make(path)
        return None


def page(title: str, body_html: str, lang: str = "nb") -> Resource:
    doc = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body><header><nav><a href="/">Forside</a> <a href="/kontakt">Kontakt oss</a> '
        f'<a href="/kalender">Kalender</a> <a href="/sok?q=">Søk</a> '
        f'<a href="https://www.regjeringen.no/no/tema/">Regjeringen</a></nav></header>'
        f"<main><h1>{html.escape(title)}</h1>{body_html}</main>"
        f'<footer><a href="https://www.facebook.com/kommune">Facebook</a> '
        f'<a href="mailto:postmottak@kommune.no">E-post</a></footer></body></html>'
    )
    return Resource(doc.encode("utf-8"))


def links(items: list[tuple[str, str]]) -> str:
    return "<ul>" + "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in items) + "</ul>"


def calendar(prefix: str) -> Callable[[str], Resource]:
    """An endless calendar: every month links to the next and previous month and to day views."""

    def make(path: str) -> Resource:
        import re

        m = re.search(r"month=(\d{4})-(\d{2})", path)
        y, mo = (int(m.group(1)), int(m.group(2))) if m else (2026, 1)
        nxt = (y + (mo == 12), mo % 12 + 1)
        prv = (y - (mo == 1), (mo - 2) % 12 + 1)
        items = [
            (f"{prefix}?month={nxt[0]}-{nxt[1]:02d}", "Neste måned"),
            (f"{prefix}?month={prv[0]}-{prv[1]:02d}", "Forrige måned"),
        ] + [(f"{prefix}?month={y}-{mo:02d}&day={d}", f"{d}. arrangement") for d in range(1, 6)]
        return page(f"Kalender {y}-{mo:02d}", links(items))

    return make


def search(prefix: str) -> Callable[[str], Resource]:
    def make(path: str) -> Resource:
        n = len(path)
        return page("Søk", links([(f"{prefix}?q=plan&page={n + i}", f"Treff side {n + i}") for i in range(3)]))

    return make


NON_PLANS = [
    ("budsjett", "Årsbudsjett {y} og økonomiplan"),
    ("referat", "Protokoll kommunestyret {y}"),
    ("brosjyre", "Sommeraktiviteter {y}"),
    ("meny", "Meny sykehjemmet uke 12"),
    ("budsjett", "Reguleringsplan for Storgata – planbeskrivelse"),
]


def build_site(index: int, nummer: str, navn: str, seed: int = 7, plan_pages: tuple[int, int] = (2, 5)) -> Site:
    rng = random.Random(f"{seed}:{index}")
    shape = SHAPES[index % len(SHAPES)]
    language = "nn" if shape == "nynorsk" or index % 11 == 7 else "nb"
    site = Site(key=f"site{index:03d}", kommune_nummer=nummer, kommune_navn=navn, shape=shape, language=language)
    feats = site.features
    if index % 3 == 0:
        feats.add("duplicates")
    if index % 4 == 1:
        feats.add("calendar")
    if index % 5 == 2:
        feats.add("robots")
    if index % 4 == 3:
        feats.add("errors")
    if index % 7 == 4:
        feats.add("doc_host")
    if shape == "redirect":
        site.alias = True

    # Documents: one to three plans of different kinds, and a few non-plans.
    year = rng.randint(2016, 2023)
    kinds = ["boligsosial_handlingsplan", *rng.sample(["boligplan", "samfunnsdel"], k=rng.randint(0, 2))]
    docs: list[DocSpec] = []
    for k, kind in enumerate(kinds):
        period = (year + k, year + k + 4)
        docs.append(
            DocSpec(
                f"{site.key}-plan{k}",
                plan_title(kind, language, navn, period),
                kind,
                language,
                True,
                navn,
                period,
                pages=rng.randint(*plan_pages),
            )
        )
    for k, (kind, title) in enumerate(rng.sample(NON_PLANS, k=3)):
        docs.append(DocSpec(f"{site.key}-other{k}", title.format(y=year + 1), kind, "nb", False, navn, None, pages=2))
    blobs = {d.key: render_document(d, seed) for d in docs}
    for d in docs:
        if d.kind in PLAN_KINDS:
            site.plans[hashlib.sha256(blobs[d.key]).hexdigest()] = d.title

    nn = language == "nn"
    plans_label = "Planar og strategiar" if nn else "Planer og strategier"
    home_links: list[tuple[str, str]] = [
        ("/nyheter/brannovelse", "Nyhet: Brannøvelse på rådhuset"),
        ("/tjenester/skole-og-barnehage", "Skole og barnehage" if not nn else "Skule og barnehage"),
        ("/tjenester/vann-og-avlop", "Vatn og avløp" if nn else "Vann og avløp"),
        ("/kontakt", "Kontakt"),
    ]
    resources = site.resources
    doc_links: list[tuple[str, str]] = []

    def add_doc(d: DocSpec, path: str, content_type: str = "application/pdf", host: str = "main") -> str:
        res = Resource(
            blobs[d.key], content_type=content_type, headers={"Last-Modified": "Tue, 02 Jan 2024 10:00:00 GMT"}
        )
        if host == "doc":
            site.doc_host_resources[path] = res
            return "DOCHOST" + path
        resources[path] = res
        return path

    # Where documents live and how they are linked, by shape.
    for n, d in enumerate(docs):
        slug = d.title.lower().replace(" ", "-").replace("–", "-")
        if shape == "handler":
            ctype = "application/octet-stream" if n % 2 else "application/pdf"
            href = add_doc(d, f"/handlers/fil.ashx?id={1000 + n}", ctype)
            label = f"{d.title} (PDF)"
        elif "doc_host" in feats and d.is_plan and n == 0:
            site.doc_host = True
            href = add_doc(d, f"/kommune/dokumenter/getfile.aspx?fileid={4711 + index}", host="doc")
            label = d.title
        else:
            href = add_doc(d, f"/globalassets/dokumenter/{slug}.pdf")
            label = d.title
        doc_links.append((href, label))
        if "duplicates" in feats and d.is_plan:
            # The same file under other URLs: a print link and a legacy path.
            dup = add_doc(d, f"/dokumentarkiv/{index}-{n}/last-ned")
            doc_links.append((dup, "Last ned"))
            resources[f"/arkiv/{slug}.pdf"] = resources[dup]
            doc_links.append((f"/arkiv/{slug}.pdf", f"{d.title} (arkivkopi)"))

    # Pages per shape.
    if shape in ("listing", "nynorsk", "handler", "redirect"):
        listing = "/planar-og-strategiar" if nn else "/politikk/planer-og-strategier"
        if shape == "redirect":
            listing = "/nb/politikk/planer-og-strategier"
            resources["/planer"] = Resource(b"", status=301, headers={"Location": listing})
            home_links.append(("/planer", plans_label))
        else:
            home_links.append((listing, plans_label))
        resources[listing] = page(
            plans_label,
            "<p>Her finn du vedtekne planar.</p>" if nn else "<p>Her finner du vedtatte planer.</p>" + "",
            language,
        )
        resources[listing] = page(plans_label, links(doc_links), language)
        site.real_pages.add(listing)
    elif shape == "nested":
        l1, l2, l3 = "/tjenester", "/tjenester/bolig-og-eiendom", "/tjenester/bolig-og-eiendom/boligsosialt-arbeid"
        home_links.append((l1, "Tjenester"))
        resources[l1] = page("Tjenester", links([(l2, "Bolig og eiendom"), ("/tjenester/helse", "Helse og omsorg")]))
        resources["/tjenester/helse"] = page("Helse og omsorg", "<p>Informasjon om helsetjenester.</p>")
        resources[l2] = page(
            "Bolig og eiendom",
            links([(l3, "Boligsosialt arbeid"), ("/tjenester/bolig-og-eiendom/eiendomsskatt", "Eiendomsskatt")]),
        )
        resources["/tjenester/bolig-og-eiendom/eiendomsskatt"] = page("Eiendomsskatt", "<p>Satser.</p>")
        resources[l3] = page(
            "Boligsosialt arbeid", "<p>Kommunens planer for boligsosialt arbeid:</p>" + links(doc_links)
        )
        site.real_pages.update({l1, l2, l3})
    elif shape == "sitemap":
        # Nothing relevant is linked from the home page: only the sitemap leads to the plans.
        entries = []
        for n, (href, label) in enumerate(doc_links):
            p = f"/dokumentarkiv/dokument-{n}"
            resources[p] = page(label, f"<p>Dokument.</p>{links([(href, 'Last ned dokumentet')])}")
            entries.append(p)
            site.real_pages.add(p)
        entries += ["/nyheter/brannovelse", "/kontakt"]
        urlset = (
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            + "".join(f"<url><loc>SITEROOT{e}</loc></url>" for e in entries)
            + "</urlset>"
        ).encode()
        if (index // len(SHAPES)) % 2:
            resources["/sitemap.xml"] = Resource(urlset, content_type="application/xml")
        else:
            # As many CMSs publish it: no /sitemap.xml, but robots.txt names an index of gzipped parts.
            import gzip

            resources["/sitemap_index.xml"] = Resource(
                b"<?xml version='1.0' encoding='UTF-8'?><sitemapindex "
                b"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                b"<sitemap><loc>SITEROOT/sitemaps/sider-1.xml.gz</loc></sitemap></sitemapindex>",
                content_type="application/xml",
            )
            resources["/sitemaps/sider-1.xml.gz"] = Resource(
                gzip.compress(urlset, mtime=0), content_type="application/x-gzip"
            )
            site.robots_sitemaps.append("SITEROOT/sitemap_index.xml")

    if "calendar" in feats:
        site.dynamic.append(("/kalender", calendar("/kalender")))
        site.dynamic.append(("/sok", search("/sok")))
        home_links.insert(0, ("/kalender?month=2026-11", "Hva skjer? Kalender"))
    else:
        resources["/kalender"] = page("Kalender", "<p>Ingen arrangementer.</p>")
        resources["/sok"] = page("Søk", "<p>Skriv inn et søkeord.</p>")
    if "robots" in feats:
        secret = DocSpec(
            f"{site.key}-utkast",
            f"Utkast boligsosial handlingsplan for {navn}",
            "boligsosial_handlingsplan",
            language,
            True,
            navn,
            (2025, 2029),
        )
        data = render_document(secret, seed)
        resources["/intern/utkast-boligsosial-handlingsplan.pdf"] = Resource(data, content_type="application/pdf")
        resources["/intern/planer"] = page(
            "Interne planer",
            links([("/intern/utkast-boligsosial-handlingsplan.pdf", "Utkast boligsosial handlingsplan")]),
        )
        site.forbidden_plans[hashlib.sha256(data).hexdigest()] = secret.title
        site.robots = "User-agent: *\nDisallow: /intern/\nDisallow: /sok\n"
        site.disallowed_prefixes = ["/intern/", "/sok"]
        home_links.append(("/intern/planer", "Interne planer og strategier (bolig)"))
    if "errors" in feats:
        home_links += [
            ("/tjenester/bolig/gammel-side", "Boligplan (gammel lenke)"),
            ("/tjenester/bolig/feil", "Boligkontoret"),
            ("/tjenester/bolig/treg", "Bolig – treg side"),
            ("/tjenester/bolig/travel", "Bolig og bustad – populær side"),
        ]
        resources["/tjenester/bolig/feil"] = Resource(b"Internal Server Error", content_type="text/plain", status=500)
        slow = page("Bolig", "<p>Informasjon om bolig.</p>")
        slow.delay = 1.5
        resources["/tjenester/bolig/treg"] = slow
        busy = page("Bolig og bustad", "<p>Populær side.</p>")
        busy.retry_after_once = 1
        resources["/tjenester/bolig/travel"] = busy
        site.real_pages.update({"/tjenester/bolig/treg", "/tjenester/bolig/travel"})
        broken = render_document(
            DocSpec(f"{site.key}-brudd", "Boligpolitisk temahefte", "brosjyre", "nb", False, navn), seed
        )
        resources["/globalassets/dokumenter/boligpolitisk-temahefte.pdf"] = Resource(
            broken, content_type="application/pdf", truncate=True
        )
        home_links.append(("/globalassets/dokumenter/boligpolitisk-temahefte.pdf", "Boligpolitisk temahefte (PDF)"))

    # Links to other kommuner and public sites: out of scope, must never be requested.
    home_links += [
        ("https://www.husbanken.no/boligsosialt-arbeid/", "Husbanken: boligsosialt arbeid"),
        ("http://10.0.0.1/intranett/planer", "Intranett: planer"),
    ]
    resources["/"] = page(f"{navn} kommune", links(home_links), language)
    for p in ("/nyheter/brannovelse", "/tjenester/skole-og-barnehage", "/tjenester/vann-og-avlop", "/kontakt"):
        resources.setdefault(p, page(p.rsplit("/", 1)[-1].replace("-", " ").title(), "<p>Innhold.</p>", language))
    if shape == "redirect":
        # Moved pages: the old home redirects into /nb/.
        resources["/nb/"] = resources.pop("/")
        resources["/"] = Resource(b"", status=302, headers={"Location": "/nb/"})
    site.real_pages.add("/")
    return site


def build_special_sites(start: int, kommuner: list[tuple[str, str]]) -> list[Site]:
    """Sites that yield no plan, each for its own reason: down, robots-disallow-all, nothing relevant."""
    out = []
    (n1, k1), (n2, k2), (n3, k3) = kommuner[:3]
    down = Site(key=f"site{start:03d}", kommune_nummer=n1, kommune_navn=k1, shape="down", language="nb", down=True)
    down.resources["/"] = Resource(b"Service Unavailable", content_type="text/plain", status=500)
    out.append(down)
    blocked = Site(
        key=f"site{start + 1:03d}",
        kommune_nummer=n2,
        kommune_navn=k2,
        shape="robots-all",
        language="nb",
        robots="User-agent: *\nDisallow: /\n",
    )
    blocked.resources["/"] = page(f"{k2} kommune", links([("/planer", "Planer")]))
    blocked.resources["/planer"] = page("Planer", "<p>Ingen.</p>")
    blocked.disallowed_prefixes = ["/"]
    out.append(blocked)
    empty = Site(key=f"site{start + 2:03d}", kommune_nummer=n3, kommune_navn=k3, shape="empty", language="nb")
    empty.resources["/"] = page(f"{k3} kommune", links([("/nyheter", "Nyheter"), ("/kontakt", "Kontakt")]))
    empty.resources["/nyheter"] = page("Nyheter", "<p>Ingen nyheter.</p>")
    empty.resources["/kontakt"] = page("Kontakt", "<p>Ring oss.</p>")
    out.append(empty)
    return out


def build_library(kommuner: list[tuple[str, str, str]], seed: int = 7) -> tuple[Site, dict[str, str]]:
    """A Husbanken-library-like catalogue: paginated search results, record pages with metadata, PDF files.

    Returns the site and the ground truth sha256 -> kommunenummer. Each kommune is (nummer, navn, fylke).
    """
    site = Site(key="library", kommune_nummer="", kommune_navn="Husbanken", shape="library", language="nb")
    truth: dict[str, str] = {}
    records: list[tuple[str, str]] = []
    for i, (nummer, navn, fylke) in enumerate(kommuner):
        spec = DocSpec(
            f"lib-{nummer}",
            plan_title("boligsosial_handlingsplan", "nb", navn, (2014 + i % 5, 2018 + i % 5)),
            "boligsosial_handlingsplan",
            "nb",
            True,
            navn,
            (2014 + i % 5, 2018 + i % 5),
        )
        data = render_document(spec, seed)
        truth[hashlib.sha256(data).hexdigest()] = nummer
        rec = f"/record/{5000 + i}"
        # Half the records name the kommune number, half only the name (with fylke), as catalogues vary.
        meta = (
            f"<tr><th>Kommunenummer</th><td>{nummer}</td></tr>"
            if i % 2 == 0
            else f"<tr><th>Utgiver</th><td>{html.escape(navn)} kommune, {html.escape(fylke)}</td></tr>"
        )
        site.resources[rec] = page(
            spec.title,
            f"<table>{meta}<tr><th>År</th><td>{spec.period[0]}</td></tr></table>"
            + links([(f"/files/{5000 + i}", "Last ned fulltekst (PDF)")]),
        )
        site.resources[f"/files/{5000 + i}"] = Resource(data, content_type="application/octet-stream")
        records.append((rec, spec.title))
    records.append(("/record/9999", "Årsrapport Husbanken 2020"))
    site.resources["/record/9999"] = page("Årsrapport Husbanken 2020", links([("/files/9999", "Last ned")]))
    site.resources["/files/9999"] = Resource(
        render_document(DocSpec("lib-x", "Årsrapport", "brosjyre", "nb", False, ""), seed),
        content_type="application/pdf",
    )
    per_page = 4
    n_pages = (len(records) + per_page - 1) // per_page
    for p in range(n_pages):
        chunk = records[p * per_page : (p + 1) * per_page]
        nav = [(f"/search?q=boligsosial&page={p + 2}", "Neste side »")] if p + 1 < n_pages else []
        site.resources[f"/search?q=boligsosial&page={p + 1}"] = page(f"Søkeresultat side {p + 1}", links(chunk + nav))
    site.resources["/"] = page(
        "Husbankens bibliotek",
        links([("/search?q=boligsosial&page=1", "Boligsosiale planer"), ("/om", "Om biblioteket")]),
    )
    site.resources["/om"] = page("Om biblioteket", "<p>Biblioteket.</p>")
    return site, truth


HTML_PLAN_CHAPTERS = [
    ("1-innledning", "1 Innledning", "Planen beskriver kommunens boligsosiale arbeid for perioden 2025–2029."),
    ("2-boligbehov", "2 Boligbehov", "Det er mangel på utleieboliger, og ventelisten for kommunal bolig vokser."),
    ("3-tiltak", "3 Tiltak", "Kommunen skal etablere leie-til-eie i samarbeid med Husbanken og boligbyggelaget."),
    ("4-oppfolging", "4 Oppfølging", "Planen rulleres hvert fjerde år og følges opp i økonomiplanen."),
]


def build_html_plan_sites(kommuner: list[tuple[str, str]]) -> list[Site]:
    """Plans published as web pages, the way kommuner increasingly do: one as a long article behind an
    ACOS-style «slug.id.aspx» URL, one as a contents page with a page per chapter; and a long news article
    that is not a plan. Ground truth in `html_plans` (path → title)."""
    (n1, k1), (n2, k2) = kommuner[:2]
    rng = random.Random(11)
    from .texts import NB_PLAN_SENTENCES

    article = Site(key="html-article", kommune_nummer=n1, kommune_navn=k1, shape="html-article", language="nb")
    body = "".join(f"<p>{html.escape(' '.join(rng.sample(NB_PLAN_SENTENCES, 3)))}</p>" for _ in range(24))
    plan_path = "/tjenester/bolig/boligplan-2024-2028.12345.aspx"
    article.resources["/"] = page(f"{k1} kommune", links([("/tjenester/bolig", "Bolig og eiendom")]))
    # Bergen's shape: a file without name or extension behind a generic «Last ned», named by its list item.
    from .texts import make_pdf

    bergen_file = "/api/rest/filer/V90883"
    article.resources["/tjenester/bolig"] = page(
        "Bolig og eiendom",
        links([(plan_path, "Boligplan 2024–2028"), ("/nyheter/ny-barnehage.777.aspx", "Ny barnehage i sentrum")])
        + f'<ul><li>Boligsosial handlingsplan 2021–2025 (PDF, 2 MB) <a href="{bergen_file}">Last ned</a></li>'
        + '<li>Skjenkeretningslinjer 2024–2028 <a href="/api/rest/filer/V51903878">Last ned</a></li></ul>',
    )
    pdf = make_pdf(
        [["Boligsosial handlingsplan 2021–2025", " ".join(rng.sample(NB_PLAN_SENTENCES, 5))]],
        "Boligsosial handlingsplan 2021–2025",
    )
    article.resources[bergen_file] = Resource(pdf, content_type="application/pdf")
    article.resources["/api/rest/filer/V51903878"] = Resource(
        make_pdf([["Skjenkeretningslinjer", "Retningslinjer for skjenkebevilling."]], "Skjenkeretningslinjer"),
        content_type="application/pdf",
    )
    article.plans[hashlib.sha256(pdf).hexdigest()] = "Boligsosial handlingsplan 2021–2025"
    article.resources[plan_path] = page("Boligplan 2024–2028", f"<p>Vedtatt i kommunestyret 12.03.2024.</p>{body}")
    news = "".join(f"<p>Barnehagen får {i} nye avdelinger, og uteområdet blir større enn før.</p>" for i in range(60))
    article.resources["/nyheter/ny-barnehage.777.aspx"] = page("Ny barnehage i sentrum", news)
    article.html_plans[plan_path] = "Boligplan 2024–2028"

    chapters = Site(key="html-chapters", kommune_nummer=n2, kommune_navn=k2, shape="html-chapters", language="nb")
    toc = "/planer/boligsosial-handlingsplan"
    chapters.resources["/"] = page(f"{k2} kommune", links([("/planer", "Planer og strategier")]))
    chapters.resources["/planer"] = page("Planer og strategier", links([(toc, "Boligsosial handlingsplan 2025–2029")]))
    chapters.resources[toc] = page(
        "Boligsosial handlingsplan 2025–2029",
        "<p>Innhold:</p>" + links([(f"{toc}/{slug}", heading) for slug, heading, _ in HTML_PLAN_CHAPTERS]),
    )
    for slug, heading, sentence in HTML_PLAN_CHAPTERS:
        filler = " ".join(rng.sample(NB_PLAN_SENTENCES, 4))
        chapters.resources[f"{toc}/{slug}"] = page(
            heading, f"<p>{html.escape(sentence)}</p><p>{html.escape(filler)}</p>"
        )
    chapters.html_plans[toc] = "Boligsosial handlingsplan 2025–2029"

    # Drammen's shape: a «Temaplan for boligutvikling» whose chapter pages are long, carry the plan's name in
    # their titles and link each other; one of them is also linked from the home page.
    n3, k3 = kommuner[2] if len(kommuner) > 2 else ("3301", "Drammen")
    temaplan = Site(key="html-temaplan", kommune_nummer=n3, kommune_navn=k3, shape="html-temaplan", language="nb")
    base = "/politikk-samfunn/planer/temaplan-for-boligutvikling-2023--2033"
    name = "Temaplan for boligutvikling 2023–2033"
    parts = [("faktagrunnlag", "Faktagrunnlag"), ("sammendrag", "Sammendrag"), ("bakgrunn", "Bakgrunn og føringer")]
    temaplan.resources["/"] = page(
        f"{k3} kommune", links([("/politikk-samfunn/planer", "Planer"), (f"{base}/faktagrunnlag", "Faktagrunnlag")])
    )
    temaplan.resources["/politikk-samfunn/planer"] = page("Planer", links([(f"{base}/", name)]))
    temaplan.resources[f"{base}/"] = page(
        name, "<p>Planen består av disse delene:</p>" + links([(f"{base}/{slug}", label) for slug, label in parts])
    )
    for slug, label in parts:
        text = "".join(f"<p>{html.escape(' '.join(rng.sample(NB_PLAN_SENTENCES, 3)))}</p>" for _ in range(20))
        siblings = links([(f"{base}/{s2}", l2) for s2, l2 in parts if s2 != slug])
        temaplan.resources[f"{base}/{slug}"] = page(f"{name} – {label}", text + siblings)
    temaplan.html_plans[f"{base}/"] = name

    # A plan published through Framsikt on its own host: the kommune links the app; the text sits in static
    # files beside it (the «whole plan on one page» summary with dataId placeholders, one JSON per block).
    n4, k4 = kommuner[3] if len(kommuner) > 3 else ("3050", "Flesberg")
    fr = Site(key="framsikt", kommune_nummer=n4, kommune_navn=k4, shape="framsikt", language="nb")
    plan = "/plan/flesberg/plan-2d141afb-9a2c-4c84-83a3-a620765567d2-86169/"
    fr.resources["/"] = page(f"{k4} kommune", links([("/planer", "Planer")]))
    fr.resources["/planer"] = page("Planer", links([(f"DOCHOST{plan}", "Boligsosial plan 2024–2028 (Framsikt)")]))
    fr.doc_host_resources[plan] = Resource(b"<!doctype html><html><body><app-root></app-root></body></html>")
    blocks = {
        "/blokk-1": "<p>Planen gjelder for 2024–2028 og ble vedtatt i kommunestyret.</p>",
        "/blokk-2": "<p>Kommunen skal tilby leie-til-eie og bruke startlån aktivt.</p>",
        "/blokk-3": "<p>Det er behov for flere kommunale utleieboliger for vanskeligstilte.</p>",
    }
    summary = (
        '<div class="row h1">1 Innledning</div><div class="text" dataId="/blokk-1"></div>'
        '<div class="row h1">2 Tiltak</div><div class="row h2">2.1 Eie</div><div class="text" dataId="/blokk-2"></div>'
        '<div class="row h2">2.2 Leie</div><div class="text" dataId="/blokk-3"></div>'
    )
    fr.doc_host_resources[plan + "content/html/summary/11111111-1111-1111-1111-111111111111/content.html"] = Resource(
        f"<html><body>{summary}</body></html>".encode()
    )
    import json as _json

    for data_id, block in blocks.items():
        fr.doc_host_resources[f"{plan}content/text{data_id}/description.json"] = Resource(
            _json.dumps({"description": block}).encode(), content_type="application/json"
        )
    fr.html_plans[plan] = "Boligsosial plan 2024–2028"
    return [article, chapters, temaplan, fr]


def build_cms_sites(kommuner: list[tuple[str, str]]) -> list[Site]:
    """One site per CMS family, with the document URLs the real ones produce (`kommune_web/cms_documents/
    EXAMPLES.md`): ACOS `/_f/p1/i<uuid>/<slug>.pdf` beside `<slug>.<id>.aspx` articles; Optimizely
    `globalassets`, `contentassets/<32 hex>/` and `siteassets` with «---» and folded letters in the slugs;
    Oslo's `getfile.php/<id>-<ts>/…` with an NFD-decomposed «Å»; Sitevision `/download/18.<hex>/<ts>/…`; and
    an opaque Azure blob on its own host, named only by its link; given one more kommune, a page with
    <base href> that embeds its plan in a PDF viewer, reached through a calendar page at a portal's address.
    Each has a decoy document beside the plan; ground truth in `plans`."""
    from urllib.parse import unquote

    from .texts import make_pdf

    def pdf(title: str, text: str) -> bytes:
        return make_pdf([[title, text]], title)

    plan_text = "Kommunen skal skaffe flere kommunale utleieboliger og gi startlån til vanskeligstilte."
    decoy_text = "Planen omtaler kulturminner, turstier og skilting i sentrum."
    families = [
        (
            "cms-acos",
            "/_f/p1/i4cb126ce-f1d5-41a1-9126-b656ed445ee9/boligsosial-handlingsplan-2024-2028.pdf",
            "Boligsosial handlingsplan 2024–2028",
            "/_f/p1/i932152e9-25c2-4701-b401-60709772c64d/kulturminneplan-030225-med-innholdsfortegnelse.pdf",
            "Kulturminneplan",
            # An ACOS article page whose link scores below a document's: it must still be walked.
            "/om-kommunen/styringsdokumenter.4521.aspx",
        ),
        (
            "cms-optimizely",
            "/globalassets/10.-politikk-og-samfunn/samfunn/planer/kjas-helhetlig-boligstrategi-2023---2027.pdf",
            "Helhetlig boligstrategi 2023–2027",
            "/contentassets/0e1660488563479ab12e74392052e2fa/vedtatt-planstrategi-5.sept-24.pdf",
            "Planstrategi",
            "/politikk-og-samfunn/planer/",
        ),
        (
            "cms-siteassets",
            "/siteassets/bilder/hemsedal/bustadpolitisk-plan-2025-2030_vedteken201124.pdf",
            "Bustadpolitisk plan 2025–2030",
            "/siteassets/kultur/kulturplan-2025.pdf",
            "Kulturplan 2025",
            "/plan-og-utvikling/planar/",
        ),
        (
            "cms-oslo",
            "/getfile.php/13516840-1720167839/Tjenester%20og%20tilbud/Politikk%20og%20administrasjon/"
            "Boligsosial%20handlingsplan%20%E2%80%93%20A%CC%8Apen%20by%202024-2027.pdf",
            "Boligsosial handlingsplan – Åpen by 2024–2027",
            "/getfile.php/13139280-1466695241/Tjenester%20og%20tilbud/Statistikk/Oslohelsa_kortversjon.pdf",
            "Oslohelsa kortversjon",
            "/politikk/planer-og-strategier/",
        ),
        (
            "cms-sitevision",
            "/download/18.6e7630f19545f3f20b2863/1741094402058/Boligplan%20Modum%20-%20for%20unge%20i%20etableringsfasen.pdf",
            "Boligplan for unge i etableringsfasen",
            "/download/18.5c2c56c219c98a23dd04954/1772711775859/Kommunedelplan%20Velferd%202026-2038%20(7).pdf",
            "Kommunedelplan velferd",
            "/bo-og-bygge/boligpolitikk.html",
        ),
        (
            "cms-azure",
            "DOCHOST/aimfiles/dec50ec7-4c9a-48ad-bd00-5cf9f9ad0cd5.pdf",
            "Boligsosial plan 2023–2027",
            "DOCHOST/aimfiles/a8004876-9b57-4c08-8d67-c71c6e33cf4d.pdf",
            "Trafikksikkerhetsplan",
            "/planer",
        ),
    ]
    sites = []
    for (nummer, navn), (key, plan_url, plan_name, decoy_url, decoy_title, section) in zip(
        kommuner, families, strict=False
    ):
        site = Site(key=key, kommune_nummer=nummer, kommune_navn=navn, shape=key, language="nb")
        site.resources["/"] = page(
            f"{navn} kommune", links([(section, "Planer og strategier"), ("/kalender", "Kalender")])
        )
        plan_bytes = pdf(plan_name, plan_text)
        decoy_bytes = pdf(decoy_title, decoy_text)
        # Links name the documents the way these CMSs do: the plan by its title, the blob only by its link.
        site.resources[section] = page(
            "Planer og strategier",
            links([(plan_url, f"{plan_name} (PDF)"), (decoy_url, f"{decoy_title} (PDF)")])
            + '<img src="/handlers/bv.ashx/i486e0308-7b6e-4ab7-8dc4-c05854ba144b/logo.svg" alt="">',
        )
        for url, data in ((plan_url, plan_bytes), (decoy_url, decoy_bytes)):
            if url.startswith("DOCHOST"):
                site.doc_host_resources[unquote(url.removeprefix("DOCHOST"))] = Resource(
                    data,
                    content_type="application/octet-stream",  # blob stores rarely say what they hold
                )
            else:
                site.resources[unquote(url)] = Resource(data, content_type="application/pdf")
        site.plans[hashlib.sha256(plan_bytes).hexdigest()] = plan_name
        site.features.add(key)
        sites.append(site)
    if len(kommuner) > len(families):
        # A page that sets <base href> and shows its plan in a PDF viewer (<iframe>, <object>) rather than
        # linking it: relative URLs resolve against the base, and embedded documents are documents.
        nummer, navn = kommuner[len(families)]
        site = Site(key="cms-embed", kommune_nummer=nummer, kommune_navn=navn, shape="cms-embed", language="nb")
        # The way in is the kommune's own calendar page at «/motekalender» — the address Digdem's app has at
        # its host's root: when no portal answers there, it is an ordinary page to walk.
        site.resources["/"] = page(f"{navn} kommune", links([("/motekalender", "Møtekalender")]))
        site.resources["/motekalender"] = page(
            "Møtekalender",
            "<p>Kommunestyret møtes første torsdag i måneden.</p>"
            + links([("/politikk/planer/", "Planer og strategier")]),
        )
        plan_name, decoy_title = "Boligpolitisk plan 2025–2035", "Kulturplan 2025"
        site.resources["/politikk/planer/"] = Resource(
            (
                '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Planer og strategier</title>'
                '<base href="/politikk/planer/dokumenter/"></head><body><main><h1>Planer og strategier</h1>'
                f"<h2>{plan_name}</h2>"
                f'<iframe src="boligpolitisk-plan-2025-2035.pdf" title="{plan_name}" width="100%"></iframe>'
                f'<h2>{decoy_title}</h2><object data="kulturplan-2025.pdf" type="application/pdf"></object>'
                '<iframe src="about:blank" title="Kart"></iframe></main></body></html>'
            ).encode()
        )
        plan_bytes = pdf(plan_name, plan_text)
        site.resources["/politikk/planer/dokumenter/boligpolitisk-plan-2025-2035.pdf"] = Resource(
            plan_bytes, content_type="application/pdf"
        )
        site.resources["/politikk/planer/dokumenter/kulturplan-2025.pdf"] = Resource(
            pdf(decoy_title, decoy_text), content_type="application/pdf"
        )
        site.plans[hashlib.sha256(plan_bytes).hexdigest()] = plan_name
        site.features.add("cms-embed")
        sites.append(site)
    return sites
