"""Following a kommune, a signal or a search: the one place the CLI and the web app add follows."""

from __future__ import annotations

from sqlalchemy import select

from boligarkiv.db import Archive
from boligarkiv.models import Follow
from boligarkiv.seeds import match_kommuner

FOLLOW_KINDS = ("kommune", "signal", "sok")


def add_follow(archive: Archive, email: str, kind: str, value: str) -> tuple[int, bool]:
    """(follow id, created) — following the same thing twice is one follow."""
    with archive.session() as session:
        found = session.scalar(select(Follow).where(Follow.email == email, Follow.kind == kind, Follow.value == value))
        if found is not None:
            return found.id, False
        f = Follow(email=email, kind=kind, value=value)
        session.add(f)
        session.flush()
        return f.id, True


def follow_value(archive: Archive, kind: str, value: str) -> str:
    """The canonical thing followed (a kommune's number, a signal's id, the query as written); fails in
    Norwegian on what does not exist."""
    if kind == "kommune":
        with archive.session() as session:
            match = match_kommuner(session, value)
        if len(match) != 1:
            raise ValueError(f"Fant ingen kommune {value!r}")
        return match[0]
    if kind == "signal":
        from boligarkiv.lexicon import load_lexicon

        sigs = {s.id: s for s in load_lexicon().signals}
        by_label = {s.label.casefold(): s.id for s in sigs.values()}
        if value in sigs:
            return value
        if value.casefold() in by_label:
            return by_label[value.casefold()]
        raise ValueError(f"Ukjent signal {value!r} (kjente: {', '.join(sorted(sigs))})")
    from boligarkiv.index.query import QuerySyntaxError, parse_query

    try:
        parse_query(value)
    except QuerySyntaxError as exc:
        raise ValueError(str(exc)) from exc
    return value.strip()
