"""Signature parts: localised timestamps and links to user pages (pure functions, no page state)."""

from __future__ import annotations

import functools
import html
import ipaddress
import re
import re._parser as _parser  # the width of a pattern's matches (TimestampReader.finditer)
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator

from .langdata import Language, _norm, get_zone, zone_abbreviations

# Invisible direction marks that sneak into copy-pasted timestamps (DiscussionTools T308448),
# as characters or as HTML entities.
_MARK = r"(?:[\u200e\u200f]|&(?:lrm|rlm|#8206|#8207|#x200[eEfF]);)?"
_NBSP = r"(?:\u00a0|&nbsp;|&#160;|&#x[aA]0;)"
_MAX_WIDTH = 10_000  # longer (or unbounded) timestamp patterns are searched the plain way


def _alternatives(values: tuple[str, ...] | list[str]) -> str:
    """Return a regex group matching any of the values, longest first so "mars" wins over "mar"."""
    uniq = sorted({v for v in values if v}, key=len, reverse=True)
    return "(" + "|".join(_literal(v) for v in uniq) + ")"


def _literal(text: str) -> str:
    """Escape text for a regex, letting a no-break space also match its entity forms."""
    return "".join(_NBSP if ch == "\u00a0" else re.escape(ch) for ch in text)


@dataclass(frozen=True, slots=True)
class ParsedTime:
    """A timestamp read from a signature, converted to UTC."""

    when: datetime
    warning: str | None = None


class TimestampReader:
    """Find and read signature timestamps of one language and local time zone.

    The regular expression is built from the MediaWiki date format exactly as DiscussionTools
    does (``CommentParser::getTimestampRegexp``), so what it accepts is what the reference accepts.
    """

    def __init__(self, lang: Language, zone_name: str) -> None:
        self.lang = lang
        self.zone_name = zone_name
        self.zone = get_zone(zone_name)
        labels = dict(lang.timezone_labels)
        for abbr in zone_abbreviations(zone_name):
            labels.setdefault(abbr, abbr)
        self.labels = labels
        digits = "".join(lang.digits)
        self._digit_class = "[0-9]" if digits == "0123456789" else "[" + re.escape(digits) + "]"
        self._digit_map = {d: str(i) for i, d in enumerate(lang.digits)}
        body, self._codes = self._build(lang.date_format)
        zone = r"\(" + _alternatives(list(labels)) + r"\)"
        self.pattern = body + " " + _MARK + zone
        self.regex = re.compile(self.pattern)
        # every match ends with "(zone)", and is at most this long (see finditer)
        self._zone = re.compile(zone)
        width = _parser.parse(self.pattern).getwidth()[1]
        brackets = any("(" in label or ")" in label for label in labels)
        self._width = width if width < _MAX_WIDTH and not brackets else None
        # The same without the zone, for lenient reading of {{unsigned}} dates.
        self.bare_regex = re.compile(body)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The matches of :attr:`regex` in ``text``, as ``regex.finditer`` gives them, faster.

        ``regex.finditer`` tries the pattern at every digit of the page. Every match ends with
        a zone label in brackets and is at most ``_width`` characters long, so the next match
        after ``pos`` starts at or after ``e - _width``, ``e`` being the end of the first label
        after ``pos`` (a match starting before that would end at a label before ``e``): the
        search starts there, and the labels are found by a pattern that starts with a literal
        "(", which the engine looks for at C speed. (No label may hold a bracket: the first
        label found after ``pos`` then ends before any match's own.)
        """
        if self._width is None:
            yield from self.regex.finditer(text)
            return
        pos = 0
        while True:
            zone = self._zone.search(text, pos)
            if zone is None:
                return
            m = self.regex.search(text, max(pos, zone.end() - self._width))
            if m is None:
                return
            yield m
            pos = m.end() if m.end() > m.start() else m.end() + 1

    def _build(self, fmt: str) -> tuple[str, list[str]]:
        out: list[str] = []
        codes: list[str] = []
        raw = False
        p = 0
        n = len(fmt)
        while p < n:
            code = fmt[p]
            if code == "x" and p < n - 1:
                p += 1
                code += fmt[p]
                if code == "xk" and p < n - 1:
                    p += 1
                    code += fmt[p]
            num: str | None = None
            lang = self.lang
            if code == "xx":
                out.append("x")
            elif code == "xn":
                raw = True
            elif code in ("d", "m", "H", "i", "s"):
                num = "2"
            elif code in ("j", "n", "G"):
                num = "1,2"
            elif code in ("Y", "xkY"):
                num = "4"
            elif code == "F":
                out.append(_alternatives(lang.months))
                codes.append(code)
            elif code == "xg":
                out.append(_alternatives(lang.months_genitive))
                codes.append(code)
            elif code == "M":
                out.append(_alternatives(lang.months_abbrev))
                codes.append(code)
            elif code == "l":
                out.append(_alternatives(lang.weekdays))
                codes.append(code)
            elif code == "D":
                out.append(_alternatives(lang.weekdays_abbrev))
                codes.append(code)
            elif code == "\\":
                p += 1
                out.append(_literal(fmt[p]) if p < n else re.escape("\\"))
            elif code == '"':
                end = fmt.find('"', p + 1) if p < n - 1 else -1
                if end == -1:
                    out.append('"')
                else:
                    out.append(_literal(fmt[p + 1 : end]))
                    p = end
            else:
                # Unknown x-codes and plain characters are literal, as in DiscussionTools.
                out.append(_literal(code))
            if num is not None:
                cls = "[0-9]" if raw else self._digit_class
                out.append(f"({cls}{{{num}}})")
                codes.append(code)
                raw = False
            out.append(_MARK)
            p += 1
        return "".join(out), codes

    def _number(self, text: str) -> int:
        if text.isascii():
            return int(text)
        return int("".join(self._digit_map.get(ch, ch) for ch in text))

    def read(self, match: re.Match[str], *, zone_label: str | None = None) -> ParsedTime | None:
        """Convert a match of :attr:`regex` (or :attr:`bare_regex`) to UTC; None for an impossible date."""
        year = month = day = hour = minute = None
        lang = self.lang
        for code, value in zip(self._codes, match.groups()):
            if code == "F":
                month = lang.months.index(value) + 1
            elif code == "xg":
                month = lang.months_genitive.index(value) + 1
            elif code == "M":
                month = lang.months_abbrev.index(value) + 1
            elif code in ("m", "n"):
                month = self._number(value)
            elif code in ("d", "j"):
                day = self._number(value)
            elif code == "Y":
                year = self._number(value)
            elif code == "xkY":
                year = self._number(value) - 543
            elif code in ("H", "G"):
                hour = self._number(value)
            elif code == "i":
                minute = self._number(value)
        if None in (year, month, day, hour, minute):
            return None
        label = zone_label if zone_label is not None else match.groups()[len(self._codes)]
        return self.to_utc(year, month, day, hour, minute, self.labels.get(_unentity(label)))  # type: ignore[arg-type]

    def to_utc(
        self, year: int, month: int, day: int, hour: int, minute: int, abbr: str | None
    ) -> ParsedTime | None:
        """Interpret a local wall-clock time with the zone abbreviation written beside it."""
        try:
            local = datetime(year, month, day, hour, minute)
        except ValueError:
            return None  # year 0, 31 February...: MediaWiki rejects these too
        if abbr == "UTC" and self.zone is timezone.utc:
            return ParsedTime(local.replace(tzinfo=timezone.utc))
        candidates = [local.replace(tzinfo=self.zone, fold=f) for f in (0, 1)]
        for i, cand in enumerate(candidates):
            if abbr is None or cand.tzname() == abbr:
                warning = None
                if i == 1 and candidates[0].utcoffset() != cand.utcoffset():
                    warning = "Ambiguous time at DST switchover was parsed"
                return ParsedTime(cand.astimezone(timezone.utc), warning)
        if abbr == "UTC":
            return ParsedTime(local.replace(tzinfo=timezone.utc))
        return ParsedTime(
            candidates[0].astimezone(timezone.utc),
            "Timestamp has timezone abbreviation for the wrong time",
        )


def _unentity(text: str) -> str:
    return html.unescape(text) if "&" in text else text


@functools.cache
def timestamp_reader(lang: Language, zone_name: str) -> TimestampReader:
    """Return the (cached) reader for a language and local time zone."""
    return TimestampReader(lang, zone_name)


# --- user links -------------------------------------------------------------------------------

# Interwiki prefixes of Wikimedia wikis: language codes and project names.
_INTERWIKI = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z0-9]+)*|[wmcdsqbnvf]|meta|commons|wikt|wiktionary|mw|mediawikiwiki|"
    r"wikidata|wikisource|wikiquote|wikibooks|wikinews|wikiversity|voy|wikivoyage|species|"
    r"wikispecies|foundation|wmf|outreach|incubator|wikitech|wikipedia|simple|metawikimedia)$"
)


def _ucfirst(name: str) -> str:
    return name[:1].upper() + name[1:]


def normalise_user(name: str) -> str | None:
    """Normalise a user name as MediaWiki does; None when it cannot be a user name."""
    name = " ".join(name.replace("_", " ").split())
    if not name or any(ch in name for ch in "[]{}|#<>"):
        return None
    if ":" in name:
        return name.upper() if _is_ipv6(name) else None
    return _ucfirst(name)


def _is_ipv6(name: str) -> bool:
    try:
        ipaddress.IPv6Address(name)
    except ValueError:
        return False
    return True


@functools.cache  # one per language, its cache shared by every page of a run
def user_resolver(lang: Language) -> Callable[[str], tuple[str, str] | None]:
    """Return a cached function mapping a link target to ``(user, kind)``, or None.

    ``kind`` is "user" for the user page, "talk" for the user talk page and "contribs" for
    the contributions page.

    Accepted, as by DiscussionTools: ``User:X``, ``User talk:X`` (not subpages), and
    ``Special:Contributions/X`` with the wiki's local name, in any case, with localised
    namespace names and aliases, a leading colon, interwiki prefixes, ``_`` and ``%xx``.
    """
    user_pages = lang.user_namespaces
    users = user_pages | lang.user_talk_namespaces
    specials = lang.special_namespaces
    contribs = _norm(lang.contributions[0]) if lang.contributions else "contributions"

    @functools.lru_cache(maxsize=8192)
    def resolve(target: str) -> tuple[str, str] | None:
        if "%" in target:
            target = urllib.parse.unquote(target)
        if "&" in target:
            target = html.unescape(target)
        target = target.strip().lstrip(":").strip()
        parts = target.split(":")
        # Skip interwiki prefixes such as m:, w:en:, commons: in front of the namespace.
        for i in range(min(len(parts) - 1, 3)):
            ns = _norm(parts[i])
            rest = ":".join(parts[i + 1 :])
            if ns in users:
                name = rest.split("#", 1)[0]
                user = None if "/" in name else normalise_user(name)
                if user is None:
                    return None
                return user, ("user" if ns in user_pages else "talk")
            if ns in specials:
                page = rest.split("#", 1)[0].split("/")
                if len(page) == 2 and _norm(page[0]) == contribs:
                    user = normalise_user(page[1])
                    return (user, "contribs") if user else None
                return None
            if not _INTERWIKI.match(ns):
                return None
        return None

    return resolve


_URL_TITLE = re.compile(r"(?:/wiki/|[?&]title=)([^?&#\s]+)")


def title_from_url(url: str) -> str | None:
    """Return the page title in a wiki URL (``/wiki/Title`` or ``?title=Title``), host ignored."""
    m = _URL_TITLE.search(url)
    return urllib.parse.unquote(m.group(1)) if m else None
