"""The crawler's judge of political cases, wired from two stages it may not import itself: the extract
stage reads the first page of a case paper, the NLP stage decides whether the case concerns housing."""

from __future__ import annotations

from collections.abc import Callable

CaseJudge = Callable[[str, bytes | None, str | None], str]


def make_case_judge() -> CaseJudge:
    def judge(title: str, body: bytes | None, mime: str | None) -> str:
        # Imported on first use: a crawl that meets no portal never loads the language pipeline.
        from boligarkiv.extract.formats import extract_pages
        from boligarkiv.nlp.case_relevance import judge_case

        if body is None:
            return judge_case(title)
        try:
            pages, _ = extract_pages(body, mime or "", ocr=False)
        except Exception:  # a paper our extractors cannot read (encrypted, corrupt) is judged on its title
            pages = []
        first = "\n".join(p.text for p in pages[:2])
        return judge_case(title, first) if first.strip() else ("ja" if judge_case(title) == "ja" else "nei")

    return judge
