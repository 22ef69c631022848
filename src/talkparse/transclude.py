"""Transcluded pages: expand ``{{Talk:X/GA1}}``-style page transclusions in place, and say which
comments came from which page.

Pure text work: the pages' wikitext comes from a caller-supplied function (the fetcher asks the
wiki for each level's pages in one batched request; a cached page replays what was fetched).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from .langdata import Language, _norm
from .model import Page
from .wikitext import lex

MAX_DEPTH = 2  # an AfD log includes the day's discussions, which include nothing we expand
# Namespaces whose pages are discussions when transcluded: talk namespaces (odd ids), the main
# namespace ({{:Foo}}) and the project namespace (Wikipedia:Articles for deletion/...).
_DISCUSSION_NAMESPACES = (0, 4)


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch of the expanded wikitext that came from a transcluded page."""

    start: int
    end: int
    title: str  # the transcluded page, e.g. "Talk:X/GA1"


def namespace_table(namespaces: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Map normalised namespace names and aliases to ids, from siteinfo's ``namespaces``."""
    return {_norm(name): int(ns) for ns, names in namespaces.items() for name in names}


def local_names(namespaces: Mapping[str, Iterable[str]]) -> dict[int, str]:
    """Map namespace ids to their local names (the first name listed)."""
    return {int(ns): next(iter(names), "") for ns, names in namespaces.items()}


def resolve_target(
    name: str, title: str | None, table: Mapping[str, int], locals_: Mapping[int, str]
) -> str | None:
    """Return the page a ``{{name}}`` call transcludes, when it is a discussion page; else None."""
    name = " ".join(name.replace("_", " ").split())
    if name.startswith("/"):
        if not title:
            return None
        name = title + name
    name = name.lstrip(":") if name.startswith(":") and ":" in name[1:] else name
    head, sep, rest = name.partition(":")
    if not sep:
        return None
    if name.startswith(":"):
        ns, rest = 0, name[1:]
    else:
        found = table.get(_norm(head))
        if found is None:
            return None
        ns = found
    if not rest.strip() or not (ns % 2 == 1 or ns in _DISCUSSION_NAMESPACES):
        return None
    rest = rest.strip()
    rest = rest[:1].upper() + rest[1:]
    prefix = locals_.get(ns, head)
    return f"{prefix}:{rest}" if prefix else rest


_ONLYINCLUDE = re.compile(r"<onlyinclude>(.*?)</onlyinclude>", re.S | re.I)
_NOINCLUDE = re.compile(r"<noinclude>.*?(?:</noinclude>|\Z)", re.S | re.I)
_INCLUDEONLY_TAG = re.compile(r"</?includeonly\s*>", re.I)


def included_text(wikitext: str) -> str:
    """Return what a page contributes when transcluded (``<onlyinclude>``, ``<noinclude>``...)."""
    parts = _ONLYINCLUDE.findall(wikitext)
    if parts:
        return "".join(parts)
    return _INCLUDEONLY_TAG.sub("", _NOINCLUDE.sub("", wikitext))


def find_transclusions(
    wikitext: str, title: str | None, language: Language,
    namespaces: Mapping[str, Iterable[str]],
) -> list[tuple[int, int, str]]:
    """Return ``(start, end, page)`` of each page transclusion to expand, in page order."""
    table, locals_ = namespace_table(namespaces), local_names(namespaces)
    lexed = lex(wikitext, language, title)
    ends = {t.start: t.end for t in lexed.templates}
    out = []
    for start, name in lexed.transclusions:
        target = resolve_target(name, title, table, locals_)
        if target and start in ends:
            out.append((start, ends[start], target))
    return out


def expand(
    wikitext: str,
    title: str | None,
    language: Language,
    namespaces: Mapping[str, Iterable[str]],
    get_pages: Callable[[list[str]], Mapping[str, str | None]],
    *,
    depth: int = MAX_DEPTH,
) -> tuple[str, tuple[Region, ...]]:
    """Expand page transclusions in place, level by level, up to ``depth`` levels.

    ``get_pages`` receives the titles of one level (all at once, for one batched request) and
    returns their wikitext, or None for a page that does not exist (its call is left as it is,
    and the parser then warns about it). Returns the expanded text and where each page landed.
    """
    regions: list[Region] = []
    known: dict[str, str | None] = {}
    text = wikitext
    for _ in range(depth):
        found = [
            f for f in find_transclusions(text, title, language, namespaces)
            if f[2] != title and not _inside_same(regions, f)
        ]
        need = sorted({t for _, _, t in found if t not in known})
        if need:
            known.update(get_pages(need))
        found = [f for f in found if known.get(f[2]) is not None]
        if not found:
            break
        for start, end, target in reversed(found):
            body = included_text(known[target] or "")
            delta = len(body) - (end - start)
            regions = [_shift(r, start, end, delta) for r in regions]
            regions.append(Region(start, start + len(body), target))
            text = text[:start] + body + text[end:]
    regions.sort(key=lambda r: (r.start, -r.end))
    return text, tuple(regions)


def _inside_same(regions: list[Region], found: tuple[int, int, str]) -> bool:
    """A page transcluding itself (or an enclosing page) again: not expanded."""
    return any(r.start <= found[0] < r.end and r.title == found[2] for r in regions)


def _shift(r: Region, start: int, end: int, delta: int) -> Region:
    if r.end <= start:
        return r
    if r.start >= end:
        return Region(r.start + delta, r.end + delta, r.title)
    return Region(r.start, r.end + delta, r.title)  # the replaced call was inside this region


def mark_comments(page: Page, regions: Iterable[Region]) -> Page:
    """Record in each comment the transcluded page its signature came from (innermost wins)."""
    regions = list(regions)
    if not regions:
        return page
    comments = []
    for c in page.comments:
        at = c.signatures[0].span[0] if c.signatures else c.span[0]
        inner = [r for r in regions if r.start <= at < r.end]
        source = min(inner, key=lambda r: r.end - r.start).title if inner else None
        comments.append(replace(c, transcluded_from=source) if source else c)
    return page.replace(comments=tuple(comments))
