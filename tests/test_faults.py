"""Network faults while fetching: a fault-injecting proxy between talkparse and a real MediaWiki.

Every request goes to a real MediaWiki 1.39 on 127.0.0.1 (the ``wikis`` fixture) through
:class:`faultproxy.FaultProxy`, which delays, cuts short, refuses (HTTP 500/503 with Retry-After),
closes or lets MediaWiki itself answer ``maxlag``. Waits are kept short with ``Retry-After: 0``
or ``1``, ``--retries 1`` or ``2``, and a backoff of 0.05 s instead of 1 s (but in one test); the
number of requests the proxy saw is what is checked, with lower bounds on the waits asked for
(a sleep is never shorter than asked).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import wiki as test_wiki
from click.testing import CliRunner
from faultproxy import FaultProxy, Seen

from talkparse import cache, fetch
from talkparse.cli import cli
from talkparse.fetch import fetch_page

PAGE = "Talk:Imported"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own talkparse cache (pywikibot's files live inside it)."""
    path = tmp_path / "cache"
    monkeypatch.setenv("TALKPARSE_CACHE_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits without Retry-After of 0.05, 0.1, 0.2 s instead of 1, 2, 4 s (one test keeps those)."""
    monkeypatch.setattr(fetch, "RETRY_WAIT", 0.05)


@pytest.fixture(scope="module")
def shared_proxy(wikis):
    """One proxy in front of the English test wiki for the whole module."""
    with FaultProxy(wikis["en"].api) as p:
        yield p


@pytest.fixture(scope="module")
def site_file(shared_proxy: FaultProxy, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wiki's site information as talkparse caches it, fetched once through the proxy."""
    store = tmp_path_factory.mktemp("warm-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALKPARSE_CACHE_DIR", str(store))
        fetch_page("Talk:Gadget", api=shared_proxy.api, save=False)
    [path] = (store / "sites").glob("*.json")
    return path


@pytest.fixture
def proxy(shared_proxy: FaultProxy, site_file: Path, private_cache: Path):
    """The proxy, passing everything through until told; the wiki's site information is cached
    (as after any earlier fetch), so the requests it sees are the page's."""
    fetch._FAILING.clear()
    (private_cache / "sites").mkdir(parents=True)
    (private_cache / "sites" / site_file.name).write_bytes(site_file.read_bytes())
    shared_proxy.inject("pass")
    yield shared_proxy
    shared_proxy.inject("pass")
    shared_proxy.on_request = None
    fetch._FAILING.clear()


@pytest.fixture(scope="module")
def full_page(wikis) -> str:
    """The page's wikitext, fetched straight from the wiki."""
    return fetch_page(PAGE, api=wikis["en"].api, save=False).wikitext


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def asked_for(proxy: FaultProxy, title: str = PAGE) -> list[Seen]:
    """The requests the proxy saw for a page."""
    return [s for s in proxy.seen if title in s.params.get("titles", "")]


def cached_page(private_cache: Path, title: str = PAGE) -> Path | None:
    found = [p for p in private_cache.rglob("*.json") if p.name == cache._file_name(title) + ".json"]
    return found[0] if found else None


def one_line_error(result, *parts: str) -> str:
    assert result.exit_code == 3, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


# --- transient faults: retried within the budget -----------------------------------------------

@pytest.mark.parametrize("kind, fault", [
    ("status", dict(status=503, retry_after="0", times=2)),
    ("status", dict(status=500, retry_after="0", times=2)),
    ("status", dict(status=429, retry_after="0", times=1)),
    ("maxlag", dict(retry_after="0", times=2)),
    ("close", dict(times=1)),
    ("truncate", dict(times=1)),
    ("truncate-eof", dict(times=1)),
])
def test_transient_fault_is_retried_and_the_page_is_whole(proxy: FaultProxy, private_cache: Path,
                                                          full_page: str, kind: str, fault: dict) -> None:
    proxy.inject(kind, match=PAGE, **fault)
    result = invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "2")
    assert result.exit_code == 0, result.stderr
    seen = asked_for(proxy)
    assert [s.done != "pass" for s in seen] == [True] * fault["times"] + [False]  # no extra tries
    record = json.loads(cached_page(private_cache).read_text(encoding="utf-8"))
    assert record["wikitext"] == full_page


def test_one_slow_answer_times_out_and_the_retry_succeeds(proxy: FaultProxy, private_cache: Path,
                                                          full_page: str) -> None:
    proxy.inject("slow", match=PAGE, delay=3, times=1)
    result = invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "1", "--timeout", "0.5")
    assert result.exit_code == 0, result.stderr
    assert [s.done for s in asked_for(proxy)] == ["slow", "pass"]
    assert json.loads(cached_page(private_cache).read_text(encoding="utf-8"))["wikitext"] == full_page


def test_an_answer_sent_a_byte_at_a_time_is_cut_off_and_retried(proxy: FaultProxy, private_cache: Path,
                                                               full_page: str) -> None:
    # every piece arrives well within --timeout, the whole answer would take minutes
    proxy.inject("drip", match=PAGE, delay=0.1, chunk=4, times=1)
    result = invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "1", "--timeout", "0.5")
    assert result.exit_code == 0, result.stderr
    assert [s.done for s in asked_for(proxy)] == ["drip", "pass"]
    assert json.loads(cached_page(private_cache).read_text(encoding="utf-8"))["wikitext"] == full_page
    dripped = asked_for(proxy)[0]
    assert 0 < dripped.sent < dripped.size  # cut off (at 4 x 0.5 s), not read to the end


def test_maxlag_is_mediawikis_own_answer(proxy: FaultProxy) -> None:
    proxy.inject("maxlag", match=PAGE, retry_after=None, times=1)  # MediaWiki's own Retry-After
    result = invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "0")
    # pywikibot asks with maxlag=30: MediaWiki says the replica is 45 s behind, come back in 30 s
    one_line_error(result, f"page '{PAGE}'", "is lagged: its database is 45 s behind", "(1 try)")
    [seen] = asked_for(proxy)
    assert seen.params["maxlag"] == "30" and seen.done == "maxlag" and seen.status == 200


def test_retry_after_is_honoured(proxy: FaultProxy) -> None:
    for kind, fault in [("status", dict(status=503)), ("maxlag", {})]:
        proxy.inject(kind, match=PAGE, retry_after="1", times=1, **fault)
        assert invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "1").exit_code == 0
        first, second = asked_for(proxy)
        # waited as asked; not pywikibot's lag-based 9 s (45 s of lag / 5), nor its 1, 2, 4 s
        assert 1.0 <= second.time - first.time < 5, kind


def test_without_retry_after_the_waits_double_from_one_second(proxy: FaultProxy,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "RETRY_WAIT", 1.0)
    proxy.inject("close", match=PAGE, times=2)
    assert invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "2").exit_code == 0
    first, second, third = asked_for(proxy)
    assert 1.0 <= second.time - first.time < 5 and 2.0 <= third.time - second.time < 6


def test_a_long_retry_after_is_cut_to_max_wait(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "MAX_WAIT", 1.0)
    proxy.inject("status", match=PAGE, status=503, retry_after="3600", times=1)
    assert invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "1").exit_code == 0
    first, second = asked_for(proxy)
    assert 1.0 <= second.time - first.time < 5


def test_retry_after_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "RETRY_WAIT", 1.0)
    assert fetch._retry_after("7") == 7 and fetch._retry_after("0") == 0
    assert fetch._retry_after("-3") == 0 and fetch._retry_after("soon") is None
    assert fetch._retry_after(None) is None
    assert fetch._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # a date in the past
    assert [fetch._wait(n, None) for n in (1, 2, 3)] == [1, 2, 4]
    assert fetch._wait(1, 0) == 0 and fetch._wait(9, None) == fetch.MAX_WAIT


# --- persistent faults: bounded tries, then one line -------------------------------------------

@pytest.mark.parametrize("kind, fault, cause", [
    ("status", dict(status=503, retry_after="0"), "answered HTTP 503 Service Unavailable"),
    ("status", dict(status=500, retry_after="0"), "answered HTTP 500 Internal Server Error"),
    ("maxlag", dict(retry_after="0"), "is lagged: its database is 45 s behind"),
    ("close", {}, "closed the connection without answering"),
    ("truncate", {}, "was cut short ("),
    ("truncate-eof", {}, "was cut short (not complete JSON)"),
    ("slow", dict(delay=3), "no answer from {api} within 0.5 s"),
    ("drip", dict(delay=0.1, chunk=4), "the answer from {api} took more than 2 s to arrive"),
])
def test_persistent_fault_ends_in_one_line_after_bounded_tries(
    proxy: FaultProxy, private_cache: Path, kind: str, fault: dict, cause: str
) -> None:
    proxy.inject(kind, match=PAGE, **fault)
    result = invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "1", "--timeout", "0.5")
    line = one_line_error(result, f"page '{PAGE}'", cause.format(api=proxy.api), "(2 tries)",
                          "see --retries and --timeout")
    assert proxy.api in line
    assert len(asked_for(proxy)) == 2  # 1 + --retries: pywikibot adds no tries of its own
    assert cached_page(private_cache) is None
    assert not list(private_cache.rglob("*.tmp"))


def test_no_retries_means_one_try(proxy: FaultProxy) -> None:
    proxy.inject("close", match=PAGE)
    one_line_error(invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "0"), "(1 try)")
    assert len(asked_for(proxy)) == 1


def test_first_contact_failure_names_the_page(proxy: FaultProxy) -> None:
    """Before talkparse knows the wiki (site information), the failing request is still the page's."""
    proxy.inject("status", status=503, retry_after="0")
    result = invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "2")
    one_line_error(result, f"page '{PAGE}'", "answered HTTP 503 Service Unavailable", "(3 tries)")
    assert len(proxy.seen) == 3


def test_an_answer_that_is_not_the_api_is_not_retried(wikis) -> None:
    """A URL that serves a web page, not api.php's JSON: said at once, not retried."""
    base = wikis["en"].base
    with FaultProxy(f"{base}/api.php") as p:
        wrong = p.api.replace("/api.php", "/index.php/api.php")  # MediaWiki answers an HTML page
        result = invoke("fetch", PAGE, "--wiki", wrong, "--retries", "3")
        one_line_error(result, f"page '{PAGE}'", "answered text/html (HTTP 404)", "not the API's JSON")
        asked = [sorted(s.params.items()) for s in p.seen]
        assert len(asked) <= 2 and len(set(map(str, asked))) == len(asked)  # nothing asked twice


# --- truncated answers and the cache -------------------------------------------------------------

@pytest.mark.parametrize("kind", ["truncate", "truncate-eof"])
def test_truncated_answers_never_reach_the_cache(proxy: FaultProxy, private_cache: Path, full_page: str,
                                                 kind: str) -> None:
    proxy.inject(kind, match=PAGE, keep=0.6)
    one_line_error(invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "0"), "cut short")
    assert cached_page(private_cache) is None
    assert not list(private_cache.rglob("*.tmp"))
    start = full_page[:40]
    assert not [p for p in private_cache.rglob("*") if p.is_file() and start.encode() in p.read_bytes()]
    # a read falls back on fetching, fails the same way, and still caches nothing
    one_line_error(invoke("threads", PAGE, "--wiki", proxy.api, "--retries", "0"), "cut short")
    assert cached_page(private_cache) is None

    proxy.inject("pass")
    assert invoke("fetch", PAGE, "--wiki", proxy.api).exit_code == 0
    assert json.loads(cached_page(private_cache).read_text(encoding="utf-8"))["wikitext"] == full_page


def test_a_failed_refresh_keeps_the_cached_page(proxy: FaultProxy, private_cache: Path) -> None:
    assert invoke("fetch", PAGE, "--wiki", proxy.api).exit_code == 0
    path = cached_page(private_cache)
    before = path.read_bytes()
    proxy.inject("truncate", match=PAGE)
    one_line_error(invoke("fetch", PAGE, "--wiki", proxy.api, "--retries", "0"), "cut short")
    assert path.read_bytes() == before
    result = invoke("threads", PAGE, "--wiki", proxy.api, "--format", "json")  # from the cache
    assert result.exit_code == 0 and len(json.loads(result.stdout)["comments"]) == 3


# --- many pages -----------------------------------------------------------------------------------

def test_many_pages_one_failing_keeps_the_others(proxy: FaultProxy, tmp_path: Path) -> None:
    listing = tmp_path / "pages.txt"
    listing.write_text("Talk:Gadget\nTalk:Gizmo\nTalk:Imported\n", encoding="utf-8")
    proxy.inject("status", match="Talk:Gizmo", status=503, retry_after="0")
    result = invoke("export", "--from", str(listing), "--wiki", proxy.api, "--retries", "1",
                    "--format", "jsonl")
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: page 'Talk:Gizmo': {proxy.api} answered HTTP 503 Service Unavailable "
                      "(2 tries); see --retries and --timeout"]
    assert result.stderr.strip().splitlines()[-1].endswith("from 2 pages; 1 source failed")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["page"] for r in rows} == {"Talk:Gadget", "Talk:Imported"}
    assert len(asked_for(proxy, "Talk:Gizmo")) == 2

    audit = invoke("audit", "--from", str(listing), "--wiki", proxy.api, "--retries", "0",
                   "--format", "json")
    assert audit.exit_code == 3
    assert [p["page"] for p in json.loads(audit.stdout)] == ["Talk:Gadget", "Talk:Imported"]
    assert "error: page 'Talk:Gizmo'" in audit.stderr and "Traceback" not in audit.stderr


def test_server_stopped_mid_run(tmp_path: Path, private_cache: Path) -> None:
    """The wiki goes down during a run: pages read before stay, the rest fail fast, exit 3."""
    [w] = test_wiki.start_all(tmp_path / "wikis", {"x": ("en.xml", "en", "UTC")}).values()
    fetch._FAILING.clear()
    listing = tmp_path / "pages.txt"
    titles = ["Talk:Gadget", "Talk:Gizmo", "Talk:Imported", "Talk:Widget", "Talk:Imported/Notes"]
    listing.write_text("\n".join(titles) + "\n", encoding="utf-8")
    try:
        with FaultProxy(w.api) as proxy:
            def stop_at_imported(seen: Seen) -> None:
                if seen.params.get("titles") == "Talk:Imported":
                    proxy.on_request = None
                    w.stop()

            proxy.on_request = stop_at_imported
            result = invoke("threads", "--from", str(listing), "--wiki", proxy.api, "--retries", "2",
                            "--format", "json")
            assert result.exit_code == 3, result.stderr
            assert "Traceback" not in result.stderr
            assert [p["page"] for p in json.loads(result.stdout)] == ["Talk:Gadget", "Talk:Gizmo"]
            errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
            down = f"{proxy.api} answered HTTP 502 Bad Gateway"
            assert errors == [
                f"error: page 'Talk:Imported': {down} (3 tries); see --retries and --timeout",
                f"error: page 'Talk:Widget': {down} (1 try, as it failed just before); "
                "see --retries and --timeout",
                f"error: page 'Talk:Imported/Notes': {down} (1 try, as it failed just before); "
                "see --retries and --timeout",
            ]
            assert len([s for s in proxy.seen if s.done == "upstream down"]) == 3 + 1 + 1
            # the pages read before the stop are cached whole; the others are not cached at all
            assert [t for t in titles if cached_page(private_cache, t)] == ["Talk:Gadget", "Talk:Gizmo"]
    finally:
        w.stop()
        fetch._FAILING.clear()


# --- nothing secret is written down, no user-config.py is read -------------------------------------

def _talkparse(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "talkparse", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cookies_and_credentials_are_not_written(proxy: FaultProxy, tmp_path: Path) -> None:
    secret = "cookie-marker-7f3a"
    proxy.inject("pass", extra_headers=[("Set-Cookie", f"testwikiSession={secret}; path=/; HttpOnly"),
                                        ("Set-Cookie", f"testwikiUserID={secret}-id; path=/")])
    work, store = tmp_path / "work", tmp_path / "store"
    work.mkdir()
    env = {**os.environ, "TALKPARSE_CACHE_DIR": str(store)}
    done = _talkparse(["fetch", PAGE, "--wiki", proxy.api, "--archives"], work, env)
    assert done.returncode == 0, done.stderr
    assert len(proxy.seen) > 3
    assert secret not in done.stdout + done.stderr
    files = [p for p in store.rglob("*") if p.is_file()]
    assert any(p.parent.name == "pywikibot" for p in files) and any(p.suffix == ".json" for p in files)
    assert [p for p in files if secret.encode() in p.read_bytes()] == []
    assert not list(store.rglob("*.lwp")) and not (store / "pywikibot" / "logs").exists()
    assert list(work.iterdir()) == []

    # credentials in the URL: refused before any request, and not repeated
    fetch_with_password = proxy.api.replace("http://", "http://bob:hunter2-secret@")
    refused = _talkparse(["fetch", PAGE, "--wiki", fetch_with_password], work, env)
    assert refused.returncode == 3 and "hunter2" not in refused.stderr + refused.stdout
    assert "user name or password is not supported" in refused.stderr
    assert [p for p in store.rglob("*") if b"hunter2" in p.name.encode()
            or (p.is_file() and b"hunter2" in p.read_bytes())] == []


def test_no_user_config_is_read(wikis, tmp_path: Path) -> None:
    """Not from the current directory, PYWIKIBOT_DIR or ~/.pywikibot, nor -dir: in the arguments."""
    marker = tmp_path / "ran"
    config = (f"print('USER-CONFIG-MARKER')\nopen({str(marker)!r}, 'a').write('x')\n"
              "raise RuntimeError('USER-CONFIG-MARKER')\n")
    work, home, elsewhere = tmp_path / "work", tmp_path / "home", tmp_path / "elsewhere"
    for d in (work, home / ".pywikibot", elsewhere):
        d.mkdir(parents=True)
        (d / "user-config.py").write_text(config, encoding="utf-8")
    env = {**os.environ, "TALKPARSE_CACHE_DIR": str(tmp_path / "c"), "HOME": str(home),
           "PYWIKIBOT_DIR": str(elsewhere), "PYWIKIBOT_NO_USER_CONFIG": "0"}
    env.pop("XDG_CACHE_HOME", None)
    done = _talkparse(["fetch", PAGE, "--wiki", wikis["en"].api], work, env)
    assert done.returncode == 0, done.stderr
    assert "USER-CONFIG-MARKER" not in done.stdout + done.stderr
    assert not marker.exists()
    assert sorted(p.name for p in work.iterdir()) == ["user-config.py"]
    # a title that looks like pywikibot's -dir: flag is a title, not a flag
    titled = _talkparse(["threads", "--wiki", wikis["en"].api, "--", "-dir:" + str(elsewhere)], work, env)
    assert titled.returncode == 3, titled.stderr
    assert "USER-CONFIG-MARKER" not in titled.stdout + titled.stderr and not marker.exists()
