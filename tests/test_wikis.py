"""Naming wikis and pages: hosts, database names, api.php URLs, page URLs (no network)."""

from __future__ import annotations

import pytest

from talkparse.errors import FetchError
from talkparse.wikis import parse_page_url, resolve_wiki, wiki_key, wiki_label


@pytest.mark.parametrize(
    "name, api",
    [
        ("meta.wikimedia.org", "https://meta.wikimedia.org/w/api.php"),
        ("en.wikipedia.org", "https://en.wikipedia.org/w/api.php"),
        ("dewiki", "https://de.wikipedia.org/w/api.php"),
        ("metawiki", "https://meta.wikimedia.org/w/api.php"),
        ("frwiktionary", "https://fr.wiktionary.org/w/api.php"),
        ("zh_yuewiki", "https://zh-yue.wikipedia.org/w/api.php"),
        ("http://127.0.0.1:8080/api.php", "http://127.0.0.1:8080/api.php"),
    ],
)
def test_resolve_wiki(name: str, api: str) -> None:
    assert resolve_wiki(name).api == api


@pytest.mark.parametrize("name", ["foo", "http://example.org/wiki/", "", "de wiki"])
def test_unknown_wiki(name: str) -> None:
    with pytest.raises(FetchError, match="unknown wiki"):
        resolve_wiki(name)


def test_page_urls() -> None:
    url = parse_page_url(
        "https://meta.wikimedia.org/wiki/Grants_talk:Conference/WMCL/Iberoconf_2019/Report"
    )
    assert (url.api, url.title, url.revision) == (
        "https://meta.wikimedia.org/w/api.php", "Grants talk:Conference/WMCL/Iberoconf 2019/Report", None,
    )
    url = parse_page_url("http://127.0.0.1:8080/index.php?title=Talk:Caf%C3%A9&oldid=12")
    assert (url.api, url.title, url.revision) == ("http://127.0.0.1:8080/api.php", "Talk:Café", 12)
    assert parse_page_url("https://de.wikipedia.org/w/index.php/Diskussion:X").api == (
        "https://de.wikipedia.org/w/api.php"
    )
    with pytest.raises(FetchError, match="cannot tell"):
        parse_page_url("https://example.org/page")


def test_keys_and_labels() -> None:
    assert wiki_key("https://meta.wikimedia.org/w/api.php") == "meta.wikimedia.org"
    assert wiki_key("http://127.0.0.1:8080/api.php") == "http_127.0.0.1_8080"
    assert wiki_label("https://meta.wikimedia.org/w/api.php") == "meta.wikimedia.org"
    assert wiki_label("http://127.0.0.1:8080/api.php") == "http://127.0.0.1:8080/api.php"


@pytest.mark.parametrize("url", [
    "http://bob:hunter2@127.0.0.1:8080/api.php",
    "https://bob@wiki.example.org/w/api.php",
])
def test_credentials_in_a_wiki_url_are_refused_and_not_repeated(url: str) -> None:
    for call in (resolve_wiki, parse_page_url):
        target = url if call is resolve_wiki else url.replace("api.php", "index.php?title=Talk:X")
        with pytest.raises(FetchError, match="user name or password is not supported") as err:
            call(target)
        assert "hunter2" not in str(err.value) and "bob" not in str(err.value)
        assert "***@" in str(err.value)
