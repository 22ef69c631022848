"""A wiki's own language data from siteinfo: date formats inferred from a sample signature."""

from __future__ import annotations

from datetime import datetime

import pytest

from talkparse import parse
from talkparse.langdata import shipped_data
from talkparse.siteinfo import infer_date_format, language_from_siteinfo, read_sample

IS_MONTHS = ["janúar", "febrúar", "mars", "apríl", "maí", "júní", "júlí", "ágúst", "september",
             "október", "nóvember", "desember"]


@pytest.mark.parametrize(
    "code, signature, local, expected",
    [
        ("en", "09:05, 5 January 2024 (UTC)", "20240105090500", "H:i, j F Y"),
        ("de", "21:58, 24. Nov. 2026 (CET)", "20261124215815", "H:i, j. M Y"),
        ("en", "2024-01-05 09:05 (UTC)", "20240105090500", "Y-m-d H:i"),
        ("en", "05:05, 5 May 2024 (UTC)", "20240505050500", "H:i, j F Y"),
        ("is", "5. janúar 2024 kl. 10:00 (UTC)", "20240105100000", 'j. F Y" kl. "H:i'),
    ],
)
def test_infer_date_format(code: str, signature: str, local: str, expected: str) -> None:
    raw = dict(shipped_data(code) or shipped_data("en") or {})
    if code == "is":
        raw["months"] = IS_MONTHS
    assert infer_date_format(signature, datetime.strptime(local, "%Y%m%d%H%M%S"), raw) == expected


def test_unexplained_sample_gives_none() -> None:
    raw = dict(shipped_data("en") or {})
    assert infer_date_format("99:99 sometime (UTC)", datetime(2024, 1, 5, 10, 0), raw) is None


def test_language_from_siteinfo_without_shipped_data() -> None:
    info = {
        "lang": "is", "fallback": [], "timezone": "UTC",
        "namespaces": {"2": ["Notandi", "User"], "3": ["Notandaspjall", "User talk"],
                       "-1": ["Kerfissíða", "Special"]},
        "contributions": ["Framlög", "Contributions"],
        "messages": {m: IS_MONTHS[i] for i, m in enumerate(
            ["january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december"])},
        "sample": read_sample("24. nóvember 2026 kl. 21:05 (UTC)\n20261124210500\n0123456789"),
    }
    lang = language_from_siteinfo(info)
    assert language_from_siteinfo(dict(info)) is lang  # cached: timestamp readers stay cached too
    assert (lang.code, lang.date_format) == ("is", 'j. F Y" kl. "H:i')
    page = parse("Spurning? [[Notandi:Jón|Jón]] 5. mars 2024 kl. 10:00 (UTC)\n"
                 ":Svar. [[Kerfissíða:Framlög/203.0.113.9|x]] 6. mars 2024 kl. 11:00 (UTC)\n",
                 language=lang)
    assert [(c.author, c.timestamp.isoformat()) for c in page.comments] == [
        ("Jón", "2024-03-05T10:00:00+00:00"), ("203.0.113.9", "2024-03-06T11:00:00+00:00"),
    ]
    assert page.lang == "is" and page.timezone == "UTC"


def test_wiki_zone_and_shipped_format() -> None:
    lang = language_from_siteinfo({
        "lang": "de", "timezone": "Europe/Berlin",
        "sample": read_sample("21:58, 24. Nov. 2026 (CET)\n20261124215815\n0123456789"),
    })
    assert lang.date_format == "H:i, j. M Y" and lang.default_timezone == "Europe/Berlin"
    page = parse("Frage [[Benutzer:A|A]] 16:07, 5. Jun. 2020 (CEST)\n", language=lang)
    assert page.comments[0].timestamp.isoformat() == "2020-06-05T14:07:00+00:00"
