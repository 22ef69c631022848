"""Fetching, end to end, from real MediaWiki 1.39 servers on 127.0.0.1 (see the ``wikis`` fixture).

No test reaches a public wiki: every wiki named here is a local api.php URL, or a name that is
rejected before any request.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import wiki as test_wiki
from click.testing import CliRunner

from talkparse import cache, parse
from talkparse.cli import cli
from talkparse.fetch import FetchOptions, category_members, fetch_archives, fetch_page, page_history
from talkparse.siteinfo import language_from_siteinfo
from talkparse.sources import Document, SourceOptions, documents, parse_document

ROOT = Path(__file__).resolve().parent.parent
DUMPS = Path(__file__).resolve().parent / "wiki"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own talkparse cache (pywikibot's files live inside it)."""
    path = tmp_path / "cache"
    monkeypatch.setenv("TALKPARSE_CACHE_DIR", str(path))
    return path


@pytest.fixture
def en(wikis) -> str:
    return wikis["en"].api


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def threads_json(*args: str):
    return json.loads(run("threads", *args, "--format", "json").stdout)


def who(page: dict) -> list[tuple[str, str]]:
    return [(c["author"], c["timestamp"]) for c in page["comments"]]


# --- pages, revisions, history ---------------------------------------------------------------

def test_fetch_caches_the_page_with_its_metadata(en: str, private_cache: Path) -> None:
    result = run("fetch", "Talk:Imported", "--wiki", en)
    assert result.stdout == ""
    assert "Talk:Imported" in result.stderr
    assert "2 sections, 3 comments, 3 participants, 2024-01-01 to 2024-01-02" in result.stderr
    [path] = (private_cache / "pages").glob("*/Talk%3AImported.json")
    record = json.loads(path.read_text())
    assert {k: record[k] for k in ("title", "lang", "timezone", "api")} == {
        "title": "Talk:Imported", "lang": "en", "timezone": "UTC", "api": en,
    }
    assert record["timestamp"] == "2024-01-02T09:15:00Z" and record["revid"] > 0
    assert "Second topic" in record["wikitext"]
    assert not list(private_cache.rglob("*.tmp"))


def test_history_lists_every_revision(en: str) -> None:
    lines = run("history", "Talk:Imported", "--wiki", en, "--format", "jsonl").stdout.splitlines()
    revs = [json.loads(line) for line in lines]
    assert [(r["user"], r["anon"], r["comment"]) for r in revs] == [
        ("192.0.2.7", True, "/* Second topic */ new section"),
        ("Bob", False, "reply"),
        ("Alice", False, "new section"),
    ]
    assert revs[0]["timestamp"] == "2024-01-02T09:15:00Z"
    assert revs[0]["revid"] > revs[1]["revid"] > revs[2]["revid"]
    table = run("history", "Talk:Imported", "--wiki", en, "--format", "table", "--limit", "1").stdout
    assert "192.0.2.7" in table and "Bob" not in table


def test_revision_and_at_pick_old_revisions(en: str) -> None:
    revs = page_history("Talk:Imported", api=en)
    oldest = revs[-1].revid
    assert who(threads_json("Talk:Imported", "--wiki", en, "--revision", str(oldest))) == [
        ("Alice", "2024-01-01T10:00:00Z"),
    ]
    assert len(threads_json("Talk:Imported", "--wiki", en, "--at", "2024-01-01T11:00Z")["comments"]) == 1
    assert len(threads_json("Talk:Imported", "--wiki", en, "--at", "2024-01-01T12:00")["comments"]) == 2
    assert len(threads_json("Talk:Imported", "--wiki", en, "--at", "2024-02-01")["comments"]) == 3


def test_page_urls(wikis) -> None:
    w = wikis["en"]
    assert len(threads_json(f"{w.base}/index.php/Talk:Imported")["comments"]) == 3
    oldest = page_history("Talk:Imported", api=w.api)[-1].revid
    page = threads_json(f"{w.base}/index.php?title=Talk:Imported&oldid={oldest}")
    assert page["page"] == "Talk:Imported" and len(page["comments"]) == 1


def test_cached_pages_work_offline(en: str, tmp_path: Path) -> None:
    run("fetch", "Talk:Imported", "--wiki", en)
    # by title alone, and by the cache file, with no wiki named
    assert len(threads_json("Talk:Imported")["comments"]) == 3
    [path] = cache.find_title("Talk:Imported")
    assert len(threads_json(str(path))["comments"]) == 3
    assert threads_json(str(path))["page"] == "Talk:Imported"


def test_library_api(en: str) -> None:
    raw = fetch_page("Talk:Imported", api=en, save=False)
    assert (raw.title, raw.lang, raw.timezone) == ("Talk:Imported", "en", "UTC")
    language = language_from_siteinfo(raw.siteinfo)
    page = parse(raw.wikitext, language=language, title=raw.title)
    assert [c.author for c in page.comments] == ["Alice", "Bob", "192.0.2.7"]
    assert [c.parent for c in page.comments] == [None, 0, None]
    assert not cache.find_title("Talk:Imported")  # save=False
    docs = list(documents("Talk:Imported", SourceOptions(wiki=en, archives=True)))
    assert [d.title for d in docs] == [
        "Talk:Imported", "Talk:Imported/Archive 1", "Talk:Imported/Archive 2", "Talk:Imported/Archive 10",
    ]
    assert parse_document(docs[1]).comments[1].author == "Erin"


# --- archives and transclusions ------------------------------------------------------------------

def _api_requests(w: test_wiki.Wiki) -> int:
    return (w.dir / "server.log").read_text().count("/api.php")


def test_archives_are_fetched_in_batches(wikis, tmp_path: Path) -> None:
    w = wikis["en"]
    raw = fetch_page("Talk:Imported", api=w.api)  # site information is now known
    before = _api_requests(w)
    archives = fetch_archives(raw)
    assert [a.title for a in archives] == [
        "Talk:Imported/Archive 1", "Talk:Imported/Archive 2", "Talk:Imported/Archive 10",
    ]
    assert _api_requests(w) - before <= 2  # one listing, one batch of contents: not one per page
    subpages = fetch_archives(raw, subpages=True)
    assert "Talk:Imported/Notes" in [s.title for s in subpages]


def test_fetch_archives_to_a_directory(en: str, tmp_path: Path) -> None:
    out = tmp_path / "pages"
    result = run("fetch", "Talk:Imported", "--wiki", en, "--archives", "-o", str(out))
    assert result.stderr.count("revision") == 4
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "Talk_Imported.wikitext", "Talk_Imported%2FArchive_1.wikitext",
        "Talk_Imported%2FArchive_10.wikitext", "Talk_Imported%2FArchive_2.wikitext",
    ])
    pages = threads_json("Talk:Imported", "--wiki", en, "--archives")
    assert [p["page"] for p in pages] == [
        "Talk:Imported", "Talk:Imported/Archive 1", "Talk:Imported/Archive 2", "Talk:Imported/Archive 10",
    ]
    assert who(pages[1]) == [("Dave", "2023-06-01T08:00:00Z"), ("Erin", "2023-06-01T08:05:00Z")]
    subpages = threads_json("Talk:Imported", "--wiki", en, "--subpages")
    assert "Talk:Imported/Notes" in [p["page"] for p in subpages]


def test_transcluded_review_is_expanded_in_place(en: str) -> None:
    page = threads_json("Talk:Widget", "--wiki", en)
    assert [(c["author"], c.get("transcluded_from")) for c in page["comments"]] == [
        ("Grace", "Talk:Widget/GA1"), ("Hank", "Talk:Widget/GA1"), ("Alice", None),
    ]
    assert page["comments"][1]["parent"] == 0
    assert [h["title"] for h in page["headings"]] == ["GA Review", "Other"]
    assert page["warnings"] == []


def test_deletion_log_expands_each_discussion(en: str) -> None:
    page = threads_json("Wikipedia:Articles for deletion/Log/2024 January 5", "--wiki", en)
    assert [(c["author"], c["transcluded_from"]) for c in page["comments"]] == [
        ("Ivan", "Wikipedia:Articles for deletion/Foo"),
        ("Judy", "Wikipedia:Articles for deletion/Foo"),
        ("Liam", "Wikipedia:Articles for deletion/Bar"),
        ("Ken", "Wikipedia:Articles for deletion/Bar"),
    ]
    # the discussion that does not exist stays a call, and says so
    assert [w["code"] for w in page["warnings"]] == ["transclusion"]
    assert "Articles for deletion/Gone" in page["warnings"][0]["message"]


# --- wikis in other languages -------------------------------------------------------------------

def test_german_wiki_reads_cet_and_cest(wikis) -> None:
    de = wikis["de"].api
    pages = threads_json("Diskussion:Beispiel", "--wiki", de, "--archives")
    assert [p["page"] for p in pages] == ["Diskussion:Beispiel", "Diskussion:Beispiel/Archiv/2019"]
    assert (pages[0]["lang"], pages[0]["timezone"]) == ("de", "Europe/Berlin")
    assert who(pages[0]) == [("Anna", "2024-01-15T09:00:00Z"), ("Bernd", "2024-06-05T14:07:00Z")]
    assert pages[0]["comments"][1]["parent"] == 0
    # gender namespace alias and Spezial:Beiträge, from the wiki's own siteinfo
    assert who(pages[1]) == [("Carla", "2019-03-03T11:00:00Z"), ("198.51.100.4", "2019-06-30T21:30:00Z")]


def test_language_without_shipped_data(wikis) -> None:
    raw = fetch_page("Spjall:Dæmi", api=wikis["is"].api)
    assert raw.lang == "is"
    language = language_from_siteinfo(raw.siteinfo)
    assert language.date_format == 'j. F Y" kl. "H:i'  # inferred from the wiki's own signature
    assert language.months[0] == "janúar"
    page = parse_document(Document("is", raw.wikitext, raw.title, raw))
    assert [(c.author, c.timestamp.isoformat(), c.level) for c in page.comments] == [
        ("Jón", "2024-01-05T10:00:00+00:00", 0),
        ("Sigga", "2024-02-06T11:30:00+00:00", 1),
        ("203.0.113.9", "2024-02-06T11:45:00+00:00", 1),
    ]
    assert page.lang == "is"


# --- many pages: categories and lists ------------------------------------------------------------

def jsonl(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_a_category(en: str) -> None:
    rows = jsonl(run("export", "--category", "Category:Open reviews", "--wiki", en, "--format", "jsonl"))
    # the subcategory Category:Old reviews is a member too, but not a page: not read
    assert [(r["page"], r["author"], r["section"]) for r in rows] == [
        ("Talk:Gadget", "Mia", "Battery life"), ("Talk:Gadget", "Noah", "Battery life"),
        ("Talk:Gizmo", "Olga", "Sources"),
    ]
    revids = {t: page_history(t, api=en)[0].revid for t in ("Talk:Gadget", "Talk:Gizmo")}
    assert {(r["page"], r["revision"]) for r in rows} == set(revids.items())
    assert {r["wiki"] for r in rows} == {en}  # a wiki off the usual layout: its api.php URL
    assert rows[1]["parent_id"] == rows[0]["comment_id"] == rows[1]["thread_id"]
    assert category_members("Open reviews", api=en) == ["Talk:Gadget", "Talk:Gizmo"]
    assert category_members("Category:Old reviews", api=en) == []  # exists, holds no page


def test_category_limit_and_other_tables(en: str) -> None:
    limited = run("export", "--category", "Open reviews", "--wiki", en, "--limit", "1",
                  "--table", "threads", "--format", "jsonl")
    assert [(r["page"], r["participants"], r["questions"], r["answered"]) for r in jsonl(limited)] == [
        ("Talk:Gadget", ["Mia", "Noah"], 1, 1),
    ]
    actions = jsonl(run("export", "--category", "Open reviews", "--wiki", en, "--table", "actions",
                        "--format", "jsonl"))
    assert [(a["page"], a["author"], a["kind"], a["status"]) for a in actions] == [
        ("Talk:Gizmo", "Olga", "request", "open"),
    ]
    audit = run("audit", "--category", "Open reviews", "--wiki", en, "--format", "json")
    assert [p["page"] for p in json.loads(audit.stdout)] == ["Talk:Gadget", "Talk:Gizmo"]
    assert audit.stderr.splitlines()[0].startswith("Talk:Gadget: 1 questions: 1 answered")


@pytest.mark.parametrize("category, message", [
    ("Category:Nothing here", "category 'Category:Nothing here': no such category on "),
    ("Talk:Gadget", "category 'Talk:Gadget': not a category title"),
])
def test_category_that_cannot_be_listed(en: str, category: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["export", "--category", category, "--wiki", en])
    _one_line_error(result, message)


def test_list_of_titles_with_a_missing_page(en: str, tmp_path: Path) -> None:
    listing = tmp_path / "pages.txt"
    listing.write_text("Talk:Gadget\nTalk:No such page\n# Talk:Gizmo\n\nTalk:Imported\n", encoding="utf-8")
    out = tmp_path / "threads.parquet"
    result = CliRunner().invoke(cli, ["export", "--from", str(listing), "--wiki", en,
                                      "--table", "threads", "-o", str(out)])
    assert result.exit_code == 3, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: page 'Talk:No such page': no such page on {en}"]
    assert result.stderr.splitlines()[-1] == "3 threads from 2 pages; 1 source failed"
    import pandas as pd

    assert list(pd.read_parquet(out)["page"]) == ["Talk:Gadget", "Talk:Imported", "Talk:Imported"]
    threads = run("threads", "--from", str(listing), "--wiki", en, "--format", "json", code=3)
    assert [p["page"] for p in json.loads(threads.stdout)] == ["Talk:Gadget", "Talk:Imported"]


# --- failures -----------------------------------------------------------------------------------

def _one_line_error(result, *parts: str) -> None:
    assert result.exit_code == 3, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in parts:
        assert part in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    "args, parts",
    [
        (["fetch", "Talk:No such page"], ["'Talk:No such page'", "no such page"]),
        (["fetch", "Talk:Imported", "--revision", "99999"], ["revision 99999", "no such revision"]),
        (["threads", "Talk:Bad[title]"], ["bad title"]),
        (["threads", "Talk:Imported", "--at", "2020-01-01"], ["did not exist yet"]),
        (["history", "Talk:No such page"], ["no such page"]),
    ],
)
def test_fetch_failures_are_one_line(en: str, private_cache: Path, args, parts) -> None:
    result = CliRunner().invoke(cli, [*args, "--wiki", en])
    _one_line_error(result, *parts)
    assert not list((private_cache / "pages").rglob("*.json")) if (private_cache / "pages").exists() else True


@pytest.mark.parametrize("name", ["nosuchwiki", "foo", "ftp://example.org/api.php"])
def test_unknown_wiki_fails_before_any_request(name: str) -> None:
    _one_line_error(CliRunner().invoke(cli, ["fetch", "Talk:X", "--wiki", name]), "unknown wiki")


def test_stopped_server(tmp_path: Path, private_cache: Path) -> None:
    """Fetch, stop the server: cached pages still read, fetching fails fast, the cache is intact."""
    [w] = test_wiki.start_all(tmp_path / "wikis", {"x": ("en.xml", "en", "UTC")}).values()
    try:
        run("fetch", "Talk:Imported", "--wiki", w.api)
    finally:
        w.stop()
    [path] = cache.find_title("Talk:Imported")
    before = path.read_bytes()
    assert len(threads_json("Talk:Imported", "--wiki", w.api)["comments"]) == 3  # from the cache
    t0 = time.monotonic()
    result = CliRunner().invoke(cli, ["fetch", "Talk:Imported", "--wiki", w.api, "--retries", "1",
                                      "--timeout", "2"])
    assert time.monotonic() - t0 < 10
    _one_line_error(result, "cannot reach", w.api, "--retries")
    assert path.read_bytes() == before
    assert not list(private_cache.rglob("*.tmp"))
    with pytest.raises(Exception, match="cannot reach"):
        fetch_page("Talk:Other", api=w.api, options=FetchOptions(retries=0))


# --- XML dumps ----------------------------------------------------------------------------------

@pytest.mark.parametrize("compress", [None, "bz2", "gz"])
def test_dump_one_json_line_per_page(tmp_path: Path, compress: str | None) -> None:
    data = (DUMPS / "de.xml").read_bytes()
    path = tmp_path / "dewiki-pages-meta-current.xml"
    if compress == "bz2":
        path = path.with_name(path.name + ".bz2")
        path.write_bytes(bz2.compress(data))
    elif compress == "gz":
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    lines = run("threads", str(path), "--format", "json").stdout.splitlines()
    pages = [json.loads(line) for line in lines]
    assert [p["page"] for p in pages] == ["Diskussion:Beispiel", "Diskussion:Beispiel/Archiv/2019"]
    assert (pages[0]["lang"], pages[0]["timezone"]) == ("de", "Europe/Berlin")
    assert who(pages[0])[1] == ("Bernd", "2024-06-05T14:07:00Z")


def test_dump_namespaces(tmp_path: Path) -> None:
    path = DUMPS / "en.xml"
    lines = run("threads", str(path), "--namespace", "4", "--format", "json").stdout.splitlines()
    assert [json.loads(line)["page"] for line in lines] == [
        "Wikipedia:Articles for deletion/Log/2024 January 5",
        "Wikipedia:Articles for deletion/Foo",
        "Wikipedia:Articles for deletion/Bar",
    ]
    talk = run("threads", str(path), "--format", "json").stdout.splitlines()
    assert len(talk) == 9


def test_bad_dump_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml.bz2"
    path.write_bytes(b"not bzip2 at all")
    _one_line_error(CliRunner().invoke(cli, ["threads", str(path)]), "cannot read dump")


# --- pywikibot housekeeping --------------------------------------------------------------------

def test_help_needs_no_wiki_and_fetch_writes_nothing_in_cwd(en: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "TALKPARSE_CACHE_DIR": str(tmp_path / "c")}
    env.pop("PYWIKIBOT_DIR", None)
    code = "import sys, talkparse.cli; talkparse.cli.cli(['--help']) if 0 else None; " \
           "print('pywikibot' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True)
    assert proc.stdout.strip() == "False"
    helped = subprocess.run([sys.executable, "-m", "talkparse", "--help"], cwd=work, env=env,
                            capture_output=True, text=True)
    assert helped.returncode == 0 and "fetch" in helped.stdout
    fetched = subprocess.run([sys.executable, "-m", "talkparse", "fetch", "Talk:Imported", "--wiki", en],
                             cwd=work, env=env, capture_output=True, text=True)
    assert fetched.returncode == 0, fetched.stderr
    assert list(work.iterdir()) == []  # no throttle.ctrl, apicache/ or logs/ in the cwd
    assert (tmp_path / "c" / "pywikibot").is_dir()
    shutil.rmtree(tmp_path / "c")


def test_uncached_title_without_wiki_says_how_to_fetch() -> None:
    result = CliRunner().invoke(cli, ["threads", "Talk:Never fetched"])
    _one_line_error(result, "nor a cached page", "give --wiki")
