"""Timestamps and user links in every shipped language."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from conftest import CASES
from hypothesis import given, settings
from hypothesis import strategies as st

from talkparse import InputError, parse
from talkparse.langdata import available_languages, load_language
from talkparse.signatures import normalise_user, timestamp_reader, user_resolver

LANGS = available_languages()
RENDERED = json.loads((CASES / "timestamps.json").read_text(encoding="utf-8"))


def test_at_least_twenty_languages_ship() -> None:
    assert len(LANGS) >= 20
    for code in ("en", "de", "fr", "pl", "it", "nl", "ar", "ckb", "es", "pt", "ru", "ja", "zh",
                 "sv", "uk", "fa", "he"):
        assert code in LANGS


@pytest.mark.parametrize("code", sorted(RENDERED["rendered"]))
def test_mediawiki_rendered_timestamp_parses(code: str) -> None:
    """A timestamp exactly as MediaWiki renders it reads back as the same instant."""
    lang = load_language(code)
    user_ns = lang.user_namespaces and sorted(load_language(code).user_namespaces)[0]
    text = f"== x ==\nText [[{user_ns}:Tester|Tester]] {RENDERED['rendered'][code]}\n"
    page = parse(text, lang=code)
    assert [(c.author, c.timestamp) for c in page.comments] == [
        ("Tester", datetime(2020, 6, 5, 14, 7, tzinfo=timezone.utc))
    ]


# An independent renderer of MediaWiki date formats (Language::sprintfDate), for round trips.
def render(code: str, when: datetime, zone_name: str) -> str:
    lang = load_language(code)
    local = when.astimezone(ZoneInfo(zone_name)) if zone_name != "UTC" else when
    digits = lang.digits
    raw = False

    def num(value: int, width: int) -> str:
        s = str(value).zfill(width)
        return s if raw else "".join(digits[int(ch)] for ch in s)

    weekday = (local.weekday() + 1) % 7  # MediaWiki counts from Sunday
    numbers = {  # format code -> (value, digits)
        "H": (local.hour, 2), "G": (local.hour, 1), "i": (local.minute, 2),
        "j": (local.day, 1), "d": (local.day, 2), "n": (local.month, 1), "m": (local.month, 2),
        "Y": (local.year, 4), "xkY": (local.year + 543, 4),
    }
    names = {
        "F": lang.months[local.month - 1], "xg": lang.months_genitive[local.month - 1],
        "M": lang.months_abbrev[local.month - 1], "l": lang.weekdays[weekday],
        "D": lang.weekdays_abbrev[weekday],
    }
    fmt = lang.date_format
    out = []
    p = 0
    while p < len(fmt):
        code_ = fmt[p]
        if code_ == "x" and p + 1 < len(fmt):
            p += 1
            code_ += fmt[p]
            if code_ == "xk" and p + 1 < len(fmt):
                p += 1
                code_ += fmt[p]
        emitted = True
        if code_ == "xn":
            raw = True
            emitted = False
        elif code_ in numbers:
            value, width = numbers[code_]
            out.append(num(value, width))
        elif code_ in names:
            out.append(names[code_])
        elif code_ == "\\" and p + 1 < len(fmt):
            p += 1
            out.append(fmt[p])
        elif code_ == '"':
            end = fmt.index('"', p + 1)
            out.append(fmt[p + 1 : end])
            p = end
        else:
            out.append(code_)
        if emitted and code_ != "xn":
            raw = False
        p += 1
    abbr = local.tzname() if zone_name != "UTC" else "UTC"
    label = next((k for k, v in lang.timezone_labels.items() if v == abbr), abbr)
    return "".join(out) + f" ({label})"


@pytest.mark.parametrize("code", LANGS)
@settings(max_examples=25, deadline=None)
@given(
    when=st.datetimes(
        min_value=datetime(2001, 1, 1), max_value=datetime(2035, 12, 31)
    ).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=timezone.utc))
)
def test_timestamps_round_trip(code: str, when: datetime) -> None:
    """Any instant, rendered in the language's format and zone (DST included), reads back."""
    zone = load_language(code).default_timezone
    text = f"== x ==\nHi [[User:Tester|Tester]] {render(code, when, zone)}\n"
    page = parse(text, lang=code)
    assert len(page.comments) == 1
    got = page.comments[0].timestamp
    if got != when:
        # the repeated hour when clocks go back: the text cannot tell, only the abbreviation
        assert abs((got - when).total_seconds()) == 3600
        assert page.comments[0].warnings


@pytest.mark.parametrize("code", LANGS)
def test_localised_user_namespaces_sign(code: str) -> None:
    lang = load_language(code)
    resolve = user_resolver(lang)
    for name in sorted(lang.user_namespaces):
        assert resolve(f"{name}:Some_user") == ("Some user", "user"), name
    for name in sorted(lang.user_talk_namespaces):
        assert resolve(f"{name}:Some user") == ("Some user", "talk"), name
    for special in sorted(lang.special_namespaces):
        assert resolve(f"{special}:{lang.contributions[0]}/Some user") == ("Some user", "contribs")


def test_gender_forms_and_aliases() -> None:
    de = user_resolver(load_language("de"))
    assert de("Benutzerin:Anna") == ("Anna", "user")
    assert de("BD:Anna") == ("Anna", "talk")
    pl = user_resolver(load_language("pl"))
    assert pl("Wikipedystka:Anna") == ("Anna", "user")
    fr = user_resolver(load_language("fr"))
    assert fr("Utilisatrice:Anne") == ("Anne", "user")


@pytest.mark.parametrize(
    "target, expected",
    [
        ("User:Alice", ("Alice", "user")),
        ("user:alice", ("Alice", "user")),
        (":User:Alice", ("Alice", "user")),
        ("User_talk:Alice_B", ("Alice B", "talk")),
        ("User:Alice%20B", ("Alice B", "user")),
        ("User:Alice#top", ("Alice", "user")),
        ("m:User:Alice", ("Alice", "user")),
        ("Special:Contributions/Alice", ("Alice", "contribs")),
        ("Special:Contributions/Alice/extra", None),
        ("Special:Log/Alice", None),
        ("User:Alice/sandbox", None),
        ("Help:User:Alice", None),
        ("Alice", None),
    ],
)
def test_user_link_targets(target: str, expected: tuple[str, str] | None) -> None:
    assert user_resolver(load_language("en"))(target) == expected


def test_normalise_user() -> None:
    assert normalise_user("bob_the  builder") == "Bob the builder"
    assert normalise_user("2001:db8::ff") == "2001:DB8::FF"
    assert normalise_user("a:b") is None
    assert normalise_user("") is None


def test_dst_fall_back_is_resolved_by_abbreviation() -> None:
    """02:30 on the last Sunday of October 2020 happens twice in Berlin: CEST then CET."""
    page = parse(
        "== x ==\nA [[User:A|A]] 02:30, 25. Okt. 2020 (CEST)\n\nB [[User:B|B]] 02:30, 25. Okt. 2020 (CET)\n",
        lang="de",
    )
    assert [c.timestamp.strftime("%H:%M") for c in page.comments] == ["00:30", "01:30"]


def test_explicit_timezone_option() -> None:
    page = parse("== x ==\nA [[User:A|A]] 12:00, 1 January 2020 (EST)\n", timezone="America/New_York")
    assert page.comments[0].timestamp == datetime(2020, 1, 1, 17, 0, tzinfo=timezone.utc)


def test_unknown_language_and_zone_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown language 'xx'"):
        parse("x", lang="xx")
    with pytest.raises(InputError, match="unknown time zone"):
        parse("x", timezone="Mars/Olympus")


def test_timestamp_regex_never_invents_a_time() -> None:
    reader = timestamp_reader(load_language("en"), "UTC")
    assert reader.regex.search("at 10:00 on 1 May 2020 UTC") is None
    assert reader.regex.search("10:00, 1 Mai 2020 (UTC)") is None
