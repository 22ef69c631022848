"""A wiki's own language data (namespaces, messages, zone, date format) from its API answers.

:mod:`talkparse.fetch` asks a wiki for its site information, a few interface messages and a
sample signature (``~~~~~`` after the pre-save transform), and stores them as a plain
JSON-ready mapping, the *siteinfo* below. This module turns that mapping into a
:class:`~talkparse.langdata.Language`, so that a page from any wiki, in any language, is read
with that wiki's names, months, digits and local time zone, whether or not talkparse ships data
for its language. It never touches the network.

The siteinfo mapping::

    {"lang": "de", "fallback": ["en"], "timezone": "Europe/Berlin",
     "namespaces": {"2": ["Benutzer", "User", "Benutzerin"], ...},   # local name first
     "contributions": ["Beiträge", "Contributions"],                 # Special:Contributions
     "messages": {"january": "Januar", "jan": "Jan.", "sun": "So", "timezone-utc": "UTC"},
     "sample": {"signature": "21:58, 24. Nov. 2026 (CET)",          # ~~~~~ after PST
                "local": "20261124215815",                           # the same moment, YmdHis
                "digits": "0123456789"}}                             # {{formatnum:...}}
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timezone
from typing import Any, Mapping

from .langdata import Language, build_language, get_zone, shipped_data, zone_abbreviations

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
MONTHS_ABBREV = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
WEEKDAYS_ABBREV = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

MESSAGE_NAMES = (
    *MONTHS,
    *(m + "-gen" for m in MONTHS),
    *MONTHS_ABBREV,
    *WEEKDAYS,
    *WEEKDAYS_ABBREV,
)
"""Interface messages talkparse reads from a wiki (``timezone-<abbr>`` ones are added per zone)."""

SAMPLE_WIKITEXT = "~~~~~\n{{subst:LOCALTIMESTAMP}}\n{{subst:formatnum:0123456789|NOSEP}}"
"""Sent through the pre-save transform: a signature timestamp, the same moment, the digits."""


def zone_message_names(zone: str) -> tuple[str, ...]:
    """Return the ``timezone-<abbr>`` messages that label a zone's abbreviations."""
    names = {f"timezone-{a.lower()}" for a in zone_abbreviations(zone) if a.isalpha()}
    return tuple(sorted(names | {"timezone-utc"}))


def read_sample(pst_text: str) -> dict[str, str]:
    """Split the pre-save transform of :data:`SAMPLE_WIKITEXT` into the ``sample`` mapping."""
    lines = pst_text.strip().split("\n")
    lines += [""] * (3 - len(lines))
    return {"signature": lines[0].strip(), "local": lines[1].strip(), "digits": lines[2].strip()}


def language_from_siteinfo(info: Mapping[str, Any]) -> Language:
    """Return the :class:`Language` a wiki's pages are read with, built from its siteinfo.

    Data the wiki gives wins (month names, namespaces, digits, time zone); the shipped data for
    the wiki's language (or the first of its fallbacks talkparse has) fills the rest. The date
    format of signatures is the shipped one when it reads the wiki's sample signature correctly,
    else it is inferred from the sample. The result is cached, so equal siteinfo gives the same
    object (timestamp readers are cached per language object).

    >>> lang = language_from_siteinfo({"lang": "en", "timezone": "UTC"})
    >>> lang.code, lang.date_format
    ('en', 'H:i, j F Y')
    """
    return _language(json.dumps(info, sort_keys=True, ensure_ascii=False))


@functools.lru_cache(maxsize=64)
def _language(key: str) -> Language:
    info: dict[str, Any] = json.loads(key)
    code = str(info.get("lang") or "en")
    base = None
    for candidate in (code, *info.get("fallback", ()), "en"):
        base = shipped_data(str(candidate))
        if base is not None:
            break
    assert base is not None  # en is always shipped
    zone = str(info.get("timezone") or base["wiki"]["timezone"])
    messages: Mapping[str, str] = info.get("messages", {})

    def msgs(names: tuple[str, ...], fallback: list[str]) -> list[str]:
        return [messages.get(n) or fallback[i] for i, n in enumerate(names)]

    raw: dict[str, Any] = dict(base)
    raw["months"] = msgs(MONTHS, base["months"])
    raw["months_genitive"] = msgs(tuple(m + "-gen" for m in MONTHS), raw["months"])
    raw["months_abbrev"] = msgs(MONTHS_ABBREV, base["months_abbrev"])
    raw["weekdays"] = msgs(WEEKDAYS, base["weekdays"])
    raw["weekdays_abbrev"] = msgs(WEEKDAYS_ABBREV, base["weekdays_abbrev"])
    sample = info.get("sample", {})
    digits = sample.get("digits", "")
    if len(digits) == 10:
        raw["digits"] = list(digits)
    labels = dict(base["timezone_labels"]) if base is shipped_data(code) else {}
    for abbr in (*zone_abbreviations(zone), "UTC"):
        label = messages.get(f"timezone-{abbr.lower()}") or abbr
        labels.setdefault(label, abbr)
    raw["timezone_labels"] = labels
    ns: Mapping[str, list[str]] = info.get("namespaces", {})
    if ns:
        raw["namespaces"] = {
            "user": ns.get("2", []), "user_talk": ns.get("3", []), "special": ns.get("-1", []),
        }
    if info.get("contributions"):
        raw["contributions"] = list(info["contributions"])
    raw["date_format"] = _date_format(code, raw, zone, sample)
    return build_language(code, raw, timezone_name=zone)


def _date_format(code: str, raw: dict[str, Any], zone: str, sample: Mapping[str, str]) -> str:
    """The shipped date format if it reads the sample, else one inferred from the sample."""
    shipped = str(raw["date_format"])
    signature, local_text = str(sample.get("signature", "")), str(sample.get("local", ""))
    try:
        local = datetime.strptime(local_text, "%Y%m%d%H%M%S")
    except ValueError:
        return shipped
    expected = local.replace(tzinfo=get_zone(zone), second=0)
    if zone.upper() == "UTC":
        expected = local.replace(tzinfo=timezone.utc, second=0)
    if _reads(code, raw, zone, shipped, signature, expected):
        return shipped
    inferred = infer_date_format(signature, local, raw)
    if inferred and _reads(code, raw, zone, inferred, signature, expected):
        return inferred
    return shipped


def _reads(
    code: str, raw: dict[str, Any], zone: str, fmt: str, signature: str, expected: datetime
) -> bool:
    from .signatures import TimestampReader

    reader = TimestampReader(build_language(code, {**raw, "date_format": fmt}, timezone_name=zone), zone)
    m = reader.regex.search(signature)
    parsed = reader.read(m) if m else None
    return parsed is not None and parsed.when == expected.astimezone(timezone.utc)


_MONTH_CODES = frozenset({"F", "xg", "M"})
_WEEKDAY_CODES = frozenset({"l", "D"})
_ZONE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def infer_date_format(signature: str, local: datetime, raw: Mapping[str, Any]) -> str | None:
    """Guess the MediaWiki date format (``"H:i, j F Y"``) of a sample signature timestamp.

    ``local`` is the moment the sample shows, in the wiki's zone; ``raw`` gives month and
    weekday names and digits. Each run of digits or name is matched to the part of ``local``
    it shows; what is left is literal text. Returns None when the sample cannot be explained.
    """
    text = _ZONE_SUFFIX.sub("", signature)
    if not text:
        return None
    digits = {d: str(i) for i, d in enumerate(raw["digits"])}
    weekday = (local.weekday() + 1) % 7  # Sunday first, as MediaWiki
    names = [
        ("F", raw["months"][local.month - 1]),
        ("xg", raw["months_genitive"][local.month - 1]),
        ("M", raw["months_abbrev"][local.month - 1]),
        ("l", raw["weekdays"][weekday]),
        ("D", raw["weekdays_abbrev"][weekday]),
    ]
    names.sort(key=lambda item: -len(item[1]))
    out: list[str] = []
    literal: list[str] = []
    used: set[str] = set()
    seen_year = False
    p = 0

    def flush() -> None:
        if literal:
            chunk = "".join(literal)
            out.append(f'"{chunk}"' if any(ch.isalpha() or ch in '\\"' for ch in chunk) else chunk)
            literal.clear()

    while p < len(text):
        for code, name in names:
            group = _MONTH_CODES if code in _MONTH_CODES else _WEEKDAY_CODES
            if name and text.startswith(name, p) and not used & group:
                flush()
                out.append(code)
                used.add(code)
                p += len(name)
                break
        else:
            q = p
            while q < len(text) and (text[q] in digits):
                q += 1
            if q == p:
                literal.append(text[p])
                p += 1
                continue
            run = text[p:q]
            value = int("".join(digits[ch] for ch in run))
            number = _number_code(run, value, local, text, p, q, used, seen_year)
            if number is None:
                return None
            flush()
            out.append(number)
            used.add(number)
            seen_year = seen_year or number == "Y"
            p = q
    flush()
    return "".join(out)


def _number_code(
    run: str, value: int, local: datetime, text: str, start: int, end: int,
    used: set[str], seen_year: bool,
) -> str | None:
    padded = len(run) == 2
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if len(run) == 4 and value == local.year and "Y" not in used:
        return "Y"
    if after == ":" and value == local.hour and "H" not in used:
        return "H" if padded else "G"
    if before == ":" and value == local.minute and padded and "i" not in used:
        return "i"
    month_names = used & _MONTH_CODES
    day = ("d" if padded and value < 10 else "j") if value == local.day else None
    month = ("m" if padded and value < 10 else "n") if value == local.month and not month_names else None
    order = [month, day] if seen_year else [day, month]
    for code in order:
        if code and code not in used and not ({"d", "j"} & used and code in "dj"):
            if code in ("m", "n") and {"m", "n"} & used:
                continue
            return code
    if value == local.hour and not {"H", "G"} & used:
        return "H" if padded else "G"
    if value == local.minute and padded and "i" not in used:
        return "i"
    return None
