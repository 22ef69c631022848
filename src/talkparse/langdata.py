"""Per-language signature data: date formats, month names, digits, time zones, namespaces, templates."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InputError

# MediaWiki's canonical (English) names are valid on every wiki.
_CANONICAL_USER = ("user",)
_CANONICAL_USER_TALK = ("user talk",)
_CANONICAL_SPECIAL = ("special",)


@functools.lru_cache(maxsize=16384)  # the same few names, thousands of times on a long page
def _norm(name: str) -> str:
    """Normalise a namespace or template name for comparison: case-folded, spaces for underscores."""
    return " ".join(name.replace("_", " ").split()).casefold()


@dataclass(frozen=True, slots=True, eq=False)
class Language:
    """Everything needed to read signatures written in one content language."""

    code: str
    date_format: str  # MediaWiki date format of signatures, e.g. "H:i, j F Y"
    digits: tuple[str, ...]  # the ten localised digits
    months: tuple[str, ...]
    months_genitive: tuple[str, ...]
    months_abbrev: tuple[str, ...]
    weekdays: tuple[str, ...]  # Sunday first
    weekdays_abbrev: tuple[str, ...]
    timezone_labels: Mapping[str, str]  # label written in signatures -> canonical abbreviation
    user_namespaces: frozenset[str]  # normalised names and aliases of namespace 2
    user_talk_namespaces: frozenset[str]  # ... of namespace 3
    special_namespaces: frozenset[str]  # ... of namespace -1
    contributions: tuple[str, ...]  # local name of Special:Contributions first, then aliases
    default_timezone: str  # $wgLocaltimezone of this language's Wikipedia
    templates: "TemplateTable"


@dataclass(frozen=True, slots=True)
class UnsignedSpec:
    """Where an unsigned-comment template keeps its user and date, like ``{{unsigned|User|date}}``."""

    user: str
    date: str


@dataclass(frozen=True, slots=True, eq=False)
class TemplateTable:
    """Template names by role, normalised, for one language (its own names plus the shared ones)."""

    ping_all: frozenset[str]
    ping_first: frozenset[str]
    unsigned: Mapping[str, UnsignedSpec]
    outdent: frozenset[str]
    tracked: frozenset[str]
    quote_inline: frozenset[str]
    quote_block: frozenset[str]
    box_open: frozenset[str]
    box_close: frozenset[str]
    block: frozenset[str]
    invisible: frozenset[str]
    done: Mapping[str, frozenset[str]]  # "done" / "not_done" / "doing" -> names
    notices: tuple[str, ...]  # case-folded phrases of relisting and deletion-sorting notices


def _data(path: str) -> Any:
    ref = resources.files("talkparse") / "data" / path
    return json.loads(ref.read_text(encoding="utf-8"))


def available_languages() -> tuple[str, ...]:
    """Return the codes of the languages talkparse ships data for, sorted."""
    folder = resources.files("talkparse") / "data" / "languages"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


@functools.cache
def _templates(code: str) -> TemplateTable:
    raw = _data("templates.json")

    def names(section: Mapping[str, Any], key: str) -> frozenset[str]:
        out: set[str] = set()
        for lang in ("any", code):
            out.update(_norm(n) for n in section.get(lang, {}).get(key, ()))
        return frozenset(out)

    unsigned: dict[str, UnsignedSpec] = {}
    for lang in ("any", code):
        for name, spec in raw["unsigned"].get(lang, {}).items():
            unsigned[_norm(name)] = UnsignedSpec(spec["user"], spec["date"])
    done = {k: frozenset(_norm(n) for n in v) for k, v in raw["done"]["any"].items()}
    return TemplateTable(
        ping_all=names(raw["user_link"], "all"),
        ping_first=names(raw["user_link"], "first"),
        unsigned=unsigned,
        outdent=names(raw["separator"], "outdent"),
        tracked=names(raw["separator"], "tracked"),
        quote_inline=frozenset(_norm(n) for n in raw["quote"]["inline"]),
        quote_block=frozenset(_norm(n) for n in raw["quote"]["block"]),
        box_open=frozenset(_norm(n) for n in raw["block"]["open"]),
        box_close=frozenset(_norm(n) for n in raw["block"]["close"]),
        block=frozenset(_norm(n) for n in raw["block"]["other"]),
        invisible=frozenset(_norm(n) for n in raw["invisible"]["names"]),
        done=done,
        notices=tuple(
            n.casefold() for lang in ("any", code) for n in raw["notices"].get(lang, ())
        ),
    )


@functools.cache
def load_language(code: str) -> Language:
    """Return the shipped data for a content language code such as ``"en"`` or ``"ckb"``.

    :raises InputError: when talkparse has no data for the code.
    """
    code = code.strip().lower()
    raw = shipped_data(code) if code and "/" not in code and "." not in code else None
    if raw is None:
        known = ", ".join(available_languages())
        raise InputError(f"unknown language {code!r}; known languages: {known}")
    return build_language(code, raw)


def build_language(code: str, raw: Mapping[str, Any], *, timezone_name: str | None = None) -> Language:
    """Build a :class:`Language` from data shaped like ``data/languages/*.json``.

    The shipped files and :func:`talkparse.siteinfo.language_from_siteinfo` (a wiki's own data,
    read from its API) both go through here; template names come from ``templates.json``.
    """
    ns = raw["namespaces"]
    return Language(
        code=code,
        date_format=raw["date_format"],
        digits=tuple(raw["digits"]),
        months=tuple(raw["months"]),
        months_genitive=tuple(raw["months_genitive"]),
        months_abbrev=tuple(raw["months_abbrev"]),
        weekdays=tuple(raw["weekdays"]),
        weekdays_abbrev=tuple(raw["weekdays_abbrev"]),
        timezone_labels=dict(raw["timezone_labels"]),
        user_namespaces=frozenset(map(_norm, [*ns["user"], *_CANONICAL_USER])),
        user_talk_namespaces=frozenset(map(_norm, [*ns["user_talk"], *_CANONICAL_USER_TALK])),
        special_namespaces=frozenset(map(_norm, [*ns["special"], *_CANONICAL_SPECIAL])),
        contributions=tuple(raw["contributions"]),
        default_timezone=timezone_name or raw["wiki"]["timezone"],
        templates=_templates(code),
    )


@functools.cache
def shipped_data(code: str) -> Mapping[str, Any] | None:
    """Return the raw shipped data for a language code, or None when talkparse has none."""
    try:
        data: Mapping[str, Any] = _data(f"languages/{code}.json")
    except (FileNotFoundError, OSError):
        return None
    return data


def get_zone(name: str) -> ZoneInfo | timezone:
    """Return the time zone called ``name`` (IANA, or "UTC").

    :raises InputError: for an unknown zone name.
    """
    if name.upper() == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from None


@functools.cache
def zone_abbreviations(name: str) -> frozenset[str]:
    """Return every abbreviation the zone has used since 1880 ("CET", "CEST", "PMT"...)."""
    zone = get_zone(name)
    seen: set[str] = set()
    moment = datetime(1880, 1, 1, 12, tzinfo=timezone.utc)
    end = datetime(2040, 1, 1, tzinfo=timezone.utc)
    while moment < end:
        label = moment.astimezone(zone).tzname()
        if label:
            seen.add(label)
        moment += timedelta(days=61)
    return frozenset(seen)
