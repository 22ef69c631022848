"""Naming wikis: host names, database names, api.php URLs and page URLs to an API endpoint.

Pure string work, no network: ``meta.wikimedia.org`` and ``metawiki`` both name
``https://meta.wikimedia.org/w/api.php``; a page URL names its wiki and its title (and, with
``oldid=``, its revision).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from .errors import FetchError

# Database names of Wikimedia wikis that are not "<language code><project>".
_SPECIAL_DBNAMES = {
    "metawiki": "meta.wikimedia.org",
    "commonswiki": "commons.wikimedia.org",
    "wikidatawiki": "www.wikidata.org",
    "mediawikiwiki": "www.mediawiki.org",
    "specieswiki": "species.wikimedia.org",
    "incubatorwiki": "incubator.wikimedia.org",
    "outreachwiki": "outreach.wikimedia.org",
    "foundationwiki": "foundation.wikimedia.org",
    "testwiki": "test.wikipedia.org",
    "test2wiki": "test2.wikipedia.org",
    "sourceswiki": "wikisource.org",
}
_PROJECTS = {
    "wiki": "wikipedia",
    "wiktionary": "wiktionary",
    "wikibooks": "wikibooks",
    "wikinews": "wikinews",
    "wikiquote": "wikiquote",
    "wikisource": "wikisource",
    "wikiversity": "wikiversity",
    "wikivoyage": "wikivoyage",
}
_PROJECT_ALTERNATIVES = "|".join(sorted(_PROJECTS, key=len, reverse=True))
_DBNAME = re.compile(r"^([a-z][a-z0-9_]{1,15}?)(" + _PROJECT_ALTERNATIVES + r")$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?$|^\d+\.\d+\.\d+\.\d+(:\d+)?$")

WIKI_HELP = (
    "a host name such as en.wikipedia.org, a database name such as dewiki, "
    "or an api.php URL"
)


@dataclass(frozen=True, slots=True)
class WikiName:
    """A wiki as the user named it, and the API endpoint that name stands for."""

    api: str  # api.php URL
    project: tuple[str, str] | None = None  # (project, language code) for a dbname like dewiki


def resolve_wiki(name: str) -> WikiName:
    """Return the API endpoint of a wiki named by host, database name or api.php URL.

    :raises FetchError: for a name that is none of those.

    >>> resolve_wiki("dewiki").api
    'https://de.wikipedia.org/w/api.php'
    """
    name = name.strip()
    if name.startswith(("http://", "https://")):
        check_no_credentials(name)
        parts = urllib.parse.urlsplit(name)
        if parts.path.endswith("/api.php") and parts.netloc:
            return WikiName(urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
        raise FetchError(f"unknown wiki {name!r}: a URL given as --wiki must end in /api.php")
    if name in _SPECIAL_DBNAMES:
        return WikiName(f"https://{_SPECIAL_DBNAMES[name]}/w/api.php")
    m = _DBNAME.match(name)
    if m:
        code = m.group(1).replace("_", "-")
        project = _PROJECTS[m.group(2)]
        return WikiName(f"https://{code}.{project}.org/w/api.php", (project, code))
    if _HOST.match(name):
        return WikiName(f"https://{name}/w/api.php")
    raise FetchError(f"unknown wiki {name!r}: give {WIKI_HELP}")


def check_no_credentials(url: str) -> None:
    """Refuse a URL with a user name or password in it, before it can reach a log or the cache.

    talkparse reads wikis anonymously; the URL names the wiki in cache paths, records and
    messages, so a password in it would be written down.

    :raises FetchError: naming the URL with its credentials left out (``https://***@host/...``).
    """
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:
        shown = urllib.parse.urlunsplit((parts.scheme, "***@" + parts.netloc.rpartition("@")[2],
                                         parts.path, "", ""))
        raise FetchError("a wiki URL with a user name or password is not supported "
                         f"(talkparse reads wikis anonymously): {shown}")


@dataclass(frozen=True, slots=True)
class PageURL:
    """What a page URL names: the wiki's API, the title and perhaps a revision."""

    api: str
    title: str
    revision: int | None = None


def is_url(text: str) -> bool:
    """True for an http(s) URL."""
    return text.startswith(("http://", "https://"))


def parse_page_url(url: str) -> PageURL:
    """Split a page URL (``/wiki/Title``, ``/index.php/Title``, ``index.php?title=Title``).

    :raises FetchError: when the URL names no page.

    >>> parse_page_url("https://meta.wikimedia.org/wiki/Grants_talk:X/Report").api
    'https://meta.wikimedia.org/w/api.php'
    """
    check_no_credentials(url)
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    path = parts.path
    base = f"{parts.scheme}://{parts.netloc}"
    title = query.get("title", [""])[0]
    if "/index.php" in path:
        prefix, _, rest = path.partition("/index.php")
        api = base + prefix + "/api.php"
        title = title or urllib.parse.unquote(rest.lstrip("/"))
    elif "/wiki/" in path:
        prefix, _, rest = path.partition("/wiki/")
        api = base + prefix + "/w/api.php"
        title = title or urllib.parse.unquote(rest)
    else:
        raise FetchError(
            f"cannot tell the wiki and title from URL {url!r}: expected /wiki/Title or index.php"
        )
    title = title.replace("_", " ").strip()
    if not title or not parts.netloc:
        raise FetchError(f"no page title in URL {url!r}")
    oldid = query.get("oldid", [""])[0]
    return PageURL(api, title, int(oldid) if oldid.isdigit() else None)


def wiki_label(api: str) -> str:
    """A short name for a wiki: its host when the API is at the usual place, else the API URL."""
    parts = urllib.parse.urlsplit(api)
    return parts.netloc if parts.path == "/w/api.php" and parts.scheme == "https" else api


def wiki_key(api: str) -> str:
    """A file-name-safe key for a wiki, e.g. ``meta.wikimedia.org`` or ``127.0.0.1_8080``."""
    parts = urllib.parse.urlsplit(api)
    path = parts.path
    for suffix in ("/w/api.php", "/api.php"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    key = parts.netloc + path
    if parts.scheme == "http":
        key = "http_" + key
    return re.sub(r"[^A-Za-z0-9.-]+", "_", key).strip("_") or "wiki"
