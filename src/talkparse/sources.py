"""SOURCE arguments: a file, ``-``, a title with ``--wiki``, a page URL, a cached page, a dump.

Every command that reads talk pages resolves its SOURCE here, with :func:`documents`, and parses
each document with :func:`parse_document`. Pages from a wiki are read from the cache when they
are there (so such commands work offline) and fetched, then cached, when they are not;
:mod:`talkparse.fetch` (and with it pywikibot) is imported only then.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, Mapping, cast

from . import cache
from .errors import FetchError, InputError
from .fetch import FetchOptions
from .files import read_source
from .langdata import Language, load_language
from .model import Page, RawPage
from .parse import Mode, parse
from .wikis import is_url, parse_page_url, resolve_wiki, wiki_label

if TYPE_CHECKING:
    from .transclude import Region

DUMP_SUFFIXES = (".xml", ".xml.bz2", ".xml.gz", ".bz2", ".gz")


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Where and how to get pages: the options every SOURCE-taking command shares."""

    wiki: str | None = None  # host, database name or api.php URL, for a title SOURCE
    revision: int | None = None  # a revision id instead of the current revision
    at: datetime | None = None  # the revision current at this moment instead
    archives: bool = False  # also the page's archives (/Archive 1, /Archiv/2019...)
    subpages: bool = False  # also all of the page's subpages
    refresh: bool = False  # fetch again even when the page is cached
    namespaces: tuple[int, ...] = ()  # dumps: namespace ids to read; () = every talk namespace
    fetch: FetchOptions = field(default_factory=FetchOptions)


@dataclass(frozen=True, slots=True)
class Document:
    """Wikitext to parse, with what is known of where it came from."""

    name: str  # for messages: a path, "<stdin>", "wiki:title" or "dump:title"
    text: str
    title: str | None
    raw: RawPage | None = None  # the fetched or cached page, for pages from a wiki
    siteinfo: Mapping[str, Any] | None = None  # language data (dumps: namespaces, language)
    wiki: str | None = None  # the wiki, when there is no ``raw`` page (dumps: the database name)
    revision: int | None = None  # the revision id, when there is no ``raw`` page (dumps)
    page_id: int | None = None  # the page id, for pages of a dump


def documents(source: str, options: SourceOptions = SourceOptions()) -> Iterator[Document]:
    """Yield the documents a SOURCE stands for, in order (a dump streams them one by one).

    :raises InputError: for an unreadable file or dump.
    :raises FetchError: for a page that cannot be fetched.
    """
    if source != "-" and (is_url(source) or options.wiki):
        for raw in wiki_pages(source, options):
            yield _from_raw(raw)
        return
    path = Path(source)
    if source != "-" and path.is_file():
        if is_dump(path):
            yield from dump_documents(path, options.namespaces)
            return
        if path.suffix == ".json":
            cached = _cache_record(path)
            if cached is not None:
                for page in _with_archives(cached, options):
                    yield _from_raw(page)
                return
    if source != "-" and not path.exists():
        found = cache.find_title(source)
        if len(found) == 1:
            for page in _with_archives(cache.load(found[0]), options):
                yield _from_raw(page)
            return
        if len(found) > 1:
            wikis = ", ".join(cache.load(p).wiki for p in found)
            raise InputError(f"cannot read {source}: no such file, and cached on several wikis "
                             f"({wikis}); give --wiki")
        if ":" in source and not source.endswith(".wikitext"):
            raise InputError(f"cannot read {source}: no such file, nor a cached page of that title; "
                             "give --wiki to fetch it")
    src = read_source(source)
    yield Document(src.name, src.text, _title_from(source))


def _from_raw(raw: RawPage) -> Document:
    return Document(f"{raw.wiki}:{raw.title}", raw.wikitext, raw.title, raw)


def _cache_record(path: Path) -> RawPage | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cache.from_record(data) if cache.is_record(data) else None


def wiki_pages(source: str, options: SourceOptions, *, always_fetch: bool = False) -> list[RawPage]:
    """The page a title-with-wiki or URL SOURCE names, then its archives when asked for.

    Taken from the cache unless it is not there, ``options.refresh`` or ``always_fetch``.
    """
    revision = options.revision
    if is_url(source):
        url = parse_page_url(source)
        if options.wiki and resolve_wiki(options.wiki).api != url.api:
            raise FetchError(f"--wiki {options.wiki} does not match the URL's wiki {url.api}")
        api, title = url.api, url.title
        revision = revision if revision is not None else url.revision
    else:
        assert options.wiki
        api, title = resolve_wiki(options.wiki).api, source
    fresh = always_fetch or options.refresh
    raw = None if fresh or options.at else cache.lookup(api, title, revision)
    if raw is None:
        from .fetch import fetch_page

        raw = fetch_page(title, wiki=None if is_url(source) else options.wiki, api=api,
                         revision=revision, at=options.at, options=options.fetch)
    return [raw, *_archives(raw, options, fresh)]


def _with_archives(raw: RawPage, options: SourceOptions) -> list[RawPage]:
    return [raw, *_archives(raw, options, options.refresh)]


def _archives(raw: RawPage, options: SourceOptions, fresh: bool) -> list[RawPage]:
    if not (options.archives or options.subpages):
        return []
    if not fresh:
        titles = cache.load_index(raw.api, raw.title, subpages=options.subpages)
        if titles is not None:
            cached = [cache.lookup(raw.api, t) for t in titles]
            if all(cached):
                return [p for p in cached if p is not None]
    from .fetch import fetch_archives

    return fetch_archives(raw, subpages=options.subpages, options=options.fetch)


def _title_from(source: str) -> str | None:
    if source == "-":
        return None
    name = source.rsplit("/", 1)[-1]
    return name[: -len(".wikitext")] if name.endswith(".wikitext") else name


# --- parsing -----------------------------------------------------------------------------------

def document_language(doc: Document, lang: str | None = None) -> Language:
    """The language a document is read in: ``lang`` if given, else its wiki's own, else English."""
    if lang:
        return load_language(lang)
    info = doc.raw.siteinfo if doc.raw is not None and doc.raw.siteinfo else doc.siteinfo
    if info:
        from .siteinfo import language_from_siteinfo

        return language_from_siteinfo(info)
    if doc.raw is not None:
        return load_language(doc.raw.lang)
    return load_language("en")


def parse_document(
    doc: Document,
    *,
    lang: str | None = None,
    timezone: str | None = None,
    title: str | None = None,
    mode: Mode = "reader",
) -> Page:
    """Parse a document with its wiki's language data, transcluded pages expanded in place.

    ``lang`` and ``timezone`` override what the wiki says; ``title`` overrides the page's own.
    """
    language = document_language(doc, lang)
    zone = timezone or (doc.raw.timezone if doc.raw is not None and not lang else None)
    text, regions = doc.text, cast("tuple[Region, ...]", ())
    if doc.raw is not None and doc.raw.transcluded:
        from .transclude import expand

        pages = {t.title: t.wikitext for t in doc.raw.transcluded}
        text, regions = expand(
            doc.text, doc.raw.title, language, doc.raw.siteinfo.get("namespaces", {}),
            lambda titles: {t: pages.get(t) for t in titles},
        )
    page = parse(text, language=language, timezone=zone, title=title or doc.title, mode=mode)
    if regions:
        from .transclude import mark_comments

        page = mark_comments(page, regions)
    if doc.raw is not None:
        return page.replace(wiki=doc.raw.wiki, revision=doc.raw.revid)
    return page.replace(wiki=doc.wiki, revision=doc.revision) if doc.wiki or doc.revision else page


# --- XML dumps ---------------------------------------------------------------------------------

def is_dump(path: Path) -> bool:
    """True for a MediaWiki XML dump: by its suffix, or a plain file that starts like one."""
    name = path.name.lower()
    if name.endswith(DUMP_SUFFIXES[1:]):
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<mediawiki")


def _open_dump(path: Path, raw: IO[bytes]) -> IO[bytes]:
    """The dump's XML, read from ``raw`` (the file as stored): decompressed by its suffix."""
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(raw, "rb")
    if name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(raw, "rb"))
    return raw


_XML_LANG = re.compile(rb'<mediawiki[^>]*\sxml:lang="([A-Za-z0-9-]+)"')
_MEDIAWIKI_TAG = re.compile(rb"<mediawiki\b[^>]*>")
_HEAD = 1 << 16  # bytes read to look for <siteinfo> before the first <page>


def _with_siteinfo(fh: IO[bytes]) -> IO[bytes]:
    """The dump, with an empty ``<siteinfo>`` added if it has none.

    Dumps from Wikimedia and Special:Export have one; an XML file written for importing
    (``importDump.php``) may not, and mwxml refuses to read it without. Its pages are as
    readable: namespaces come from each page's ``<ns>``.
    """
    head = fh.read(_HEAD)
    tag = _MEDIAWIKI_TAG.search(head)
    page = head.find(b"<page")
    info = head.find(b"<siteinfo")
    if tag is not None and (info == -1 or (page != -1 and page < info)) and (page == -1 or tag.end() <= page):
        head = head[: tag.end()] + b"<siteinfo></siteinfo>" + head[tag.end() :]
    return cast(IO[bytes], io.BufferedReader(_Prefixed(head, fh), buffer_size=_HEAD))


class _Prefixed(io.RawIOBase):
    """``head``, then the rest of ``rest``: a stream for parsers that read what they are given."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def dump_documents(path: Path, namespaces: tuple[int, ...] = (), *,
                   on_read: Callable[[int], None] | None = None) -> Iterator[Document]:
    """Stream the pages of an XML dump (plain, .bz2 or .gz) in the given namespaces.

    The last revision of each page is read (pages-articles and pages-meta-current have one).
    ``namespaces`` empty means every talk namespace (odd ids). The dump's own namespace names
    and language (``xml:lang``) are used; the time zone is that of the wiki named by the dump's
    database name when talkparse knows it. ``on_read`` is called after each page, skipped ones
    too, with how many bytes of the file (compressed, as stored) have been read: progress over
    a dump whose page count nobody knows in advance.

    :raises InputError: for a file that is not a readable dump.
    """
    import mwxml

    try:
        with path.open("rb") as raw, _open_dump(path, raw) as fh:
            m = _XML_LANG.search(fh.read(4096))
        lang = m.group(1).decode().lower() if m else "en"
        with path.open("rb") as raw, _open_dump(path, raw) as fh:
            dump = mwxml.Dump.from_file(_with_siteinfo(fh))
            info = _dump_siteinfo(dump.site_info, lang)
            dbname = dump.site_info.dbname or None
            for page in dump:
                if on_read is not None:
                    on_read(raw.tell())
                if (page.namespace not in namespaces) if namespaces else page.namespace % 2 != 1:
                    continue
                last = None
                for rev in page:
                    last = rev
                if last is None:
                    continue
                yield Document(f"{path}:{page.title}", last.text or "", page.title, None, info,
                               wiki=dbname, revision=last.id, page_id=page.id)
    except (OSError, EOFError, ValueError, mwxml.errors.MalformedXML) as exc:
        raise InputError(f"cannot read dump {path}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - expat and mwxml raise assorted errors on bad XML
        if type(exc).__module__.startswith(("xml", "mwxml", "mwtypes")):
            raise InputError(f"cannot read dump {path}: {exc}") from None
        raise


def _dump_siteinfo(site_info: Any, lang: str) -> dict[str, Any]:
    from .langdata import _data

    names: dict[str, list[str]] = {}
    for ns in site_info.namespaces or ():
        names[str(ns.id)] = [ns.name or ""]
    info: dict[str, Any] = {"lang": lang, "namespaces": names}
    known = _data("wikis.json").get(site_info.dbname or "")
    if known:
        info["timezone"] = known["timezone"]
    return info


def wiki_of(doc: Document) -> str | None:
    """The wiki a document came from, for messages."""
    return wiki_label(doc.raw.api) if doc.raw is not None else None


def iso_moment(text: str) -> datetime:
    """Read ``--at``: ``2019-09-01`` (midnight UTC), ``2019-09-01T12:00`` or with ``Z``/offset."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"cannot read date {text!r}: use 2019-09-01 or 2019-09-01T12:00Z") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
