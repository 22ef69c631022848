"""The local cache of fetched pages: one JSON file per page revision, written atomically.

Layout, under :func:`cache_dir` (``$TALKPARSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/talkparse``,
else ``~/.cache/talkparse``)::

    pages/<wiki>/<title>.json          the current revision, as last fetched
    pages/<wiki>/<title>@<revid>.json  a revision asked for with --revision or --at
    pages/<wiki>/<title>.archives.json the page's archives (or subpages), as last listed
    sites/<wiki>.json                  the wiki's siteinfo (language data), kept a day
    pywikibot/                         pywikibot's own files (throttle, API cache)

Each page file holds the wiki, title, revision id and time, content language and local time
zone, the wiki's siteinfo (so the page parses offline exactly as when fetched), the wikitext
and the pages transcluded into it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.parse
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from .errors import InputError
from .files import atomic_write
from .model import RawPage
from .wikis import wiki_key

FORMAT = 1  # version of the page file layout
SITE_TTL = 24 * 3600  # seconds a wiki's siteinfo is reused before it is asked again


def cache_dir() -> Path:
    """Return talkparse's cache directory (not created)."""
    env = os.environ.get("TALKPARSE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "talkparse"


def _file_name(title: str) -> str:
    name = urllib.parse.quote(title.replace(" ", "_"), safe="")
    if len(name) > 180:  # file names are limited to 255 bytes
        name = name[:150] + "~" + hashlib.sha1(title.encode()).hexdigest()[:16]
    return name


def page_path(api: str, title: str, revid: int | None = None) -> Path:
    """Where a page (its current revision, or revision ``revid``) is cached."""
    suffix = f"@{revid}" if revid is not None else ""
    return cache_dir() / "pages" / wiki_key(api) / f"{_file_name(title)}{suffix}.json"


def _iso(when: datetime) -> str:
    utc = when.astimezone(timezone.utc)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y does not pad years before 1000


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def to_record(raw: RawPage, *, nested: bool = False) -> dict[str, Any]:
    """A page as the JSON object stored in the cache."""
    rec: dict[str, Any] = {"title": raw.title, "revid": raw.revid, "timestamp": _iso(raw.timestamp)}
    if not nested:
        rec = {
            "talkparse_cache": FORMAT,
            "wiki": raw.wiki,
            "api": raw.api,
            **rec,
            "lang": raw.lang,
            "timezone": raw.timezone,
            "fetched": _iso(datetime.now(timezone.utc)),
            "siteinfo": dict(raw.siteinfo),
        }
    rec["wikitext"] = raw.wikitext
    rec["transcluded"] = [to_record(t, nested=True) for t in raw.transcluded]
    return rec


def from_record(rec: Mapping[str, Any], parent: RawPage | None = None) -> RawPage:
    """Rebuild a page from its cache record."""
    base = parent
    page = RawPage(
        wiki=base.wiki if base else rec["wiki"],
        api=base.api if base else rec["api"],
        title=rec["title"],
        revid=int(rec["revid"]),
        timestamp=_when(rec["timestamp"]),
        wikitext=rec["wikitext"],
        lang=base.lang if base else rec["lang"],
        timezone=base.timezone if base else rec["timezone"],
        siteinfo={} if base else rec.get("siteinfo", {}),
    )
    return replace(page, transcluded=tuple(from_record(t, page) for t in rec.get("transcluded", ())))


def save(raw: RawPage, *, current: bool = True) -> Path:
    """Store a fetched page atomically; return its file. ``current``: the page's latest revision."""
    path = page_path(raw.api, raw.title, None if current else raw.revid)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(to_record(raw), ensure_ascii=False, indent=1) + "\n")
    return path


def is_record(data: Any) -> bool:
    """True for a parsed JSON object that is a talkparse cache record."""
    return isinstance(data, dict) and data.get("talkparse_cache") == FORMAT and "wikitext" in data


def load(path: Path) -> RawPage:
    """Read a cached page file.

    :raises InputError: when the file is not a talkparse cache record.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read cached page {path}: {exc}") from None
    if not is_record(data):
        raise InputError(f"{path} is not a page cached by talkparse")
    return from_record(data)


def lookup(api: str, title: str, revid: int | None = None) -> RawPage | None:
    """The cached page (current, or revision ``revid``), or None when it is not cached."""
    for path in (page_path(api, title, revid),) + ((page_path(api, title),) if revid else ()):
        if path.is_file():
            raw = load(path)
            if revid is None or raw.revid == revid:
                return raw
    return None


def find_title(title: str) -> list[Path]:
    """Cached current revisions of pages called ``title``, on any wiki."""
    root = cache_dir() / "pages"
    name = _file_name(" ".join(title.replace("_", " ").split())) + ".json"
    return sorted(root.glob(f"*/{name}")) if root.is_dir() else []


def save_index(api: str, title: str, titles: list[str], *, subpages: bool) -> None:
    """Remember which archives (or subpages) a page had when they were last listed."""
    path = page_path(api, title).with_suffix(".subpages.json" if subpages else ".archives.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"title": title, "pages": titles}, ensure_ascii=False) + "\n")


def load_index(api: str, title: str, *, subpages: bool) -> list[str] | None:
    """The archive (or subpage) titles remembered for a page, or None."""
    path = page_path(api, title).with_suffix(".subpages.json" if subpages else ".archives.json")
    try:
        return list(json.loads(path.read_text(encoding="utf-8"))["pages"])
    except (OSError, ValueError, KeyError):
        return None


def load_site(api: str) -> dict[str, Any] | None:
    """A wiki's siteinfo cached less than :data:`SITE_TTL` seconds ago, or None."""
    path = cache_dir() / "sites" / f"{wiki_key(api)}.json"
    try:
        if time.time() - path.stat().st_mtime > SITE_TTL:
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return None


def save_site(api: str, info: Mapping[str, Any]) -> None:
    """Remember a wiki's siteinfo."""
    path = cache_dir() / "sites" / f"{wiki_key(api)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(info, ensure_ascii=False, indent=1) + "\n")
