"""Fetching pages from a MediaWiki with pywikibot: revisions, history, archives, transclusions.

The only module that touches the network or imports pywikibot, and it does so inside functions:
importing pywikibot reads configuration, and ``talkparse --help`` must work with no wiki set up.
pywikibot keeps its files in talkparse's cache directory and reads no ``user-config.py`` (not
from the current directory, ``PYWIKIBOT_DIR`` or ``~/.pywikibot``); it sends a descriptive user
agent and the ``maxlag`` parameter on reads.

Failed requests are retried here, not in pywikibot (whose own loop is switched off, so the two
never multiply): a timeout, a refused, closed or cut-short connection, an HTTP 5xx or 429, a
``maxlag`` error or an answer that is not complete JSON is tried again up to ``retries`` times,
after the wiki's ``Retry-After`` or else 1, 2, 4... s, never more than :data:`MAX_WAIT` s at a
time. Then the request fails with one line naming what was asked and why it failed. A wiki that
has just failed a request that way gets one try per request until it answers again, so a dead
server does not cost every page of a long run the whole budget.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import re
import sys
import threading
import time
import warnings
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import __version__, cache
from .errors import FetchError
from .model import RawPage, Revision
from .siteinfo import MESSAGE_NAMES, SAMPLE_WIKITEXT, read_sample, zone_message_names
from .wikis import check_no_credentials, resolve_wiki, wiki_label

BATCH = 50  # titles per API request (the limit for anonymous clients)
USER_AGENT = (
    f"talkparse/{__version__} (reads talk pages into comments and threads; "
    "https://pypi.org/project/talkparse/)"
)
# Names of archive subpages in many languages: /Archive 3, /Archiv/2019, /Archivo 2, /Arquivo 1...
ARCHIVE_NAME = re.compile(
    r"^(?:archiv|archief|arquivo|arkiv|arkisto|archiwum|arxiu|artxibo|arhiva|archívum|"
    r"архив|архів|arşiv|أرشيف|بایگانی|ארכיון|アーカイブ|存档|存檔|보존|lưu trữ)",
    re.IGNORECASE,
)


DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT = 10.0
RETRY_WAIT = 1.0  # seconds before the first retry when the wiki sends no Retry-After; doubles
MAX_WAIT = 30.0  # the longest wait between two tries, whatever Retry-After asks for
WHOLE_ANSWER = 4  # an answer still arriving after this many times the timeout is cut off


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How to talk to the wiki."""

    retries: int = DEFAULT_RETRIES  # retries of a failed, overloaded or lagged request (see above)
    timeout: float = DEFAULT_TIMEOUT  # seconds to wait for a connection and for each read
    # (a whole answer may take WHOLE_ANSWER times as long: a server sending a byte at a time
    # never lets a single read time out)
    user_agent: str | None = None  # replaces talkparse's description in the User-Agent header


def _pywikibot(options: FetchOptions) -> Any:
    """Import and configure pywikibot (once per process; options are applied every time)."""
    base = cache.cache_dir() / "pywikibot"
    base.mkdir(parents=True, exist_ok=True)
    # Once a process has a throttle entry, pywikibot expects its control file to exist.
    (base / "throttle.ctrl").touch(exist_ok=True)
    first = "pywikibot" not in sys.modules
    if first:
        _import_pywikibot(base)
    import pywikibot
    from pywikibot import config

    _install_callback()
    _install_deadline()
    config.base_dir = str(base)  # throttle.ctrl and apicache/ go here, never in the cwd
    config.user_agent_description = options.user_agent or USER_AGENT
    config.max_retries = 0  # talkparse retries (FetchOptions.retries); pywikibot must not, too
    config.retry_wait = RETRY_WAIT
    config.retry_max = MAX_WAIT
    config.socket_timeout = (options.timeout, options.timeout)
    return pywikibot


def _import_pywikibot(base: Any) -> None:
    """Import pywikibot so that it reads no user-config.py and no command-line flag of ours.

    pywikibot's configuration runs the ``user-config.py`` of the current directory (or of
    ``PYWIKIBOT_DIR``, or ``~/.pywikibot``) even with ``PYWIKIBOT_NO_USER_CONFIG`` set, and reads
    ``-dir:``, ``-config:`` and ``-verbose`` from ``sys.argv``. While it is imported, ``sys.argv``
    names talkparse's own directory (``-dir:``), which holds no user-config.py.
    """
    saved_argv, saved_env = sys.argv, os.environ.get("PYWIKIBOT_NO_USER_CONFIG")
    sys.argv = [saved_argv[0] if saved_argv else "talkparse", f"-dir:{base}"]
    os.environ["PYWIKIBOT_NO_USER_CONFIG"] = "2"  # no user-config.py is fine, and not worth a word
    try:
        # pywikibot's log set-up changes the process's warning filters; keep that inside this block.
        with warnings.catch_warnings():
            from pywikibot import bot

            bot.init_handlers()
    finally:
        sys.argv = saved_argv
        if saved_env is None:
            os.environ.pop("PYWIKIBOT_NO_USER_CONFIG", None)
        else:
            os.environ["PYWIKIBOT_NO_USER_CONFIG"] = saved_env
    logging.captureWarnings(False)
    root = logging.getLogger("pywiki")
    root.handlers.clear()  # its terminal handler prints tracebacks of failed requests
    root.addHandler(logging.NullHandler())


def _site(api: str, options: FetchOptions) -> Any:
    pywikibot = _pywikibot(options)
    from pywikibot import config

    # One family per URL, named by a hash: pywikibot caches sites by name for the whole process.
    name = "tp" + hashlib.sha1(api.encode()).hexdigest()[:12]
    config.family_files[name] = api
    return pywikibot.Site(name, name)


# --- failed tries and retries ------------------------------------------------------------------

class _TryFailed(ConnectionError):
    """One try of a request that failed in a way worth another try (or, ``retry=False``, not).

    ``cause`` says why, with ``{wiki}`` for the wiki's name. Raised from inside pywikibot's HTTP
    layer, which passes a ConnectionError up as it is: no wait, no retry and no traceback there.
    """

    def __init__(self, cause: str, *, retry: bool = True, retry_after: float | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retry = retry
        self.retry_after = retry_after  # seconds the wiki asked to wait (Retry-After)


@dataclass(frozen=True, slots=True)
class _Answer:
    """What is known of the last HTTP answer, for causes pywikibot does not keep."""

    status: int
    reason: str
    content_type: str
    size: int
    api_error: str | None  # MediaWiki's MediaWiki-API-Error header


# Per thread: whether a talkparse request is under way (only then are answers checked here), its
# timeout, and the last answer. pywikibot itself may serve other code in the same process.
_LOCAL = threading.local()
# Wikis (api.php URLs) whose last request failed all its tries, and why: one try from now on.
_FAILING: dict[str, str] = {}


def _install_callback() -> None:
    """Put :func:`_check_answer` in front of pywikibot's check of each HTTP answer."""
    from pywikibot.comms import http

    original = http.error_handling_callback
    if getattr(original, "talkparse", False):
        return

    def callback(response: Any) -> None:
        if getattr(_LOCAL, "active", False):
            failed = _check_answer(response)
            if failed is not None:
                raise failed
        original(response)

    callback.talkparse = True  # type: ignore[attr-defined]
    http.error_handling_callback = callback


def _install_deadline() -> None:
    """Give every answer to a talkparse request a deadline for its whole body.

    requests' timeout bounds the connection and each read of the socket, so a server that sends
    a byte every few seconds could hold a run for hours. pywikibot's session gets a transport
    adapter that reads the body itself, under a timer that shuts the socket down when the
    answer has taken ``WHOLE_ANSWER`` times the timeout; the try then fails and is retried.
    """
    from pywikibot.comms import http

    session = http.session
    if getattr(session, "talkparse_deadline", False):
        return
    adapter = _deadline_adapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.talkparse_deadline = True


def _deadline_adapter() -> Any:
    import socket

    from requests.adapters import HTTPAdapter

    class DeadlineAdapter(HTTPAdapter):
        def send(self, request: Any, stream: bool = False, timeout: Any = None,  # type: ignore[override]
                 **kw: Any) -> Any:
            if stream or not getattr(_LOCAL, "active", False):
                return super().send(request, stream=stream, timeout=timeout, **kw)
            limit = WHOLE_ANSWER * getattr(_LOCAL, "timeout", DEFAULT_TIMEOUT)
            started = time.monotonic()
            response = super().send(request, stream=True, timeout=timeout, **kw)
            late = threading.Event()

            def cut_off() -> None:
                late.set()
                sock = _socket_of(response.raw)
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)  # wakes the read blocked on it
                    except OSError:
                        pass

            timer = threading.Timer(max(0.0, limit - (time.monotonic() - started)), cut_off)
            timer.daemon = True
            timer.start()
            try:
                response.content  # noqa: B018 - reads the whole body, under the timer
            except Exception:
                if not late.is_set():
                    raise
            finally:
                timer.cancel()
            if late.is_set():
                response.close()
                raise _TryFailed(f"the answer from {{wiki}} took more than {limit:g} s to arrive")
            return response

    return DeadlineAdapter()


def _socket_of(raw: Any) -> Any:
    """The socket an urllib3 answer is read from: its connection's, or (when the server said
    ``Connection: close``, and http.client handed the socket to the answer) its file's."""
    sock = getattr(raw.connection, "sock", None)
    if sock is None:
        fp = getattr(getattr(raw, "_fp", None), "fp", None)  # http.client's answer, its makefile()
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock


def _check_answer(response: Any) -> _TryFailed | None:
    """The failed try an HTTP answer (or the requests exception instead of one) stands for."""
    import requests

    if isinstance(response, BaseException):
        _LOCAL.last = None
        return _failed_connection(response, requests)
    headers = response.headers
    _LOCAL.last = _Answer(response.status_code, response.reason or "",
                          headers.get("Content-Type", ""), len(response.content),
                          headers.get("MediaWiki-API-Error"))
    wait = _retry_after(headers.get("Retry-After"))
    if headers.get("MediaWiki-API-Error") == "maxlag":
        lag = headers.get("X-Database-Lag", "")
        behind = f": its database is {lag} s behind" if lag.isdigit() else ""
        return _TryFailed("{wiki} is lagged" + behind, retry_after=wait)
    if response.status_code == 429 or response.status_code >= 500:
        return _TryFailed(f"{{wiki}} answered HTTP {response.status_code} {response.reason or ''}".rstrip(),
                          retry_after=wait)
    return None


def _failed_connection(exc: BaseException, requests: Any) -> _TryFailed | None:
    if isinstance(exc, _TryFailed):
        return exc  # the whole-answer deadline (see _install_deadline)
    text = str(exc)
    timeout = f"{getattr(_LOCAL, 'timeout', DEFAULT_TIMEOUT):g}"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _TryFailed(f"no connection to {{wiki}} within {timeout} s")
    if isinstance(exc, requests.exceptions.Timeout):
        return _TryFailed(f"no answer from {{wiki}} within {timeout} s")
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        m = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected", text)
        size = f" ({m[1]} of {int(m[1]) + int(m[2])} bytes)" if m else ""
        return _TryFailed("the answer from {wiki} was cut short" + size)
    if isinstance(exc, requests.exceptions.SSLError) or not isinstance(exc, requests.ConnectionError):
        return None  # pywikibot's own handling: a bad certificate or URL is not worth retrying
    if "NameResolution" in text or re.search(r"\[Errno (-2|-3|-5|8|11001)\]", text):
        return _TryFailed("cannot reach {wiki}: its host name is not found", retry=False)
    if "refused" in text:
        return _TryFailed("cannot reach {wiki}: connection refused")
    if "Connection aborted" in text or "RemoteDisconnected" in text or "reset" in text.lower():
        return _TryFailed("{wiki} closed the connection without answering")
    return _TryFailed(f"cannot reach {{wiki}} ({type(exc).__name__})")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _as_failed_try(exc: BaseException) -> _TryFailed | None:
    """The failed try behind a pywikibot exception, or None for an error that is final."""
    from pywikibot import exceptions as pe

    if isinstance(exc, _TryFailed):
        return exc
    last: _Answer | None = getattr(_LOCAL, "last", None)
    if isinstance(exc, pe.SiteDefinitionError) and "AutoFamily" in str(exc) and last is not None:
        # pywikibot's word for an answer that is not JSON, from a wiki named by its URL
        if "json" in last.content_type:
            return _TryFailed("the answer from {wiki} was cut short (not complete JSON)")
        kind = last.content_type.split(";")[0] or "no content type"
        return _TryFailed(f"{{wiki}} answered {kind} (HTTP {last.status}), not the API's JSON: "
                          "is it a MediaWiki api.php URL?", retry=False)
    if isinstance(exc, pe.MaxlagTimeoutError):
        return _TryFailed("{wiki} is lagged")
    if isinstance(exc, pe.ApiTimeoutError):  # pywikibot would have waited: a server-side hitch
        code = last.api_error if last is not None else None
        return _TryFailed("{wiki} answered " + (f"the API error {code}" if code else "no usable answer"))
    if isinstance(exc, pe.ServerError):
        return _TryFailed(f"{{wiki}} failed: {exc}")
    return None


def _wait(tries: int, retry_after: float | None) -> float:
    """Seconds to wait after the ``tries``-th failed try: Retry-After, else 1, 2, 4..., capped."""
    return min(MAX_WAIT, retry_after if retry_after is not None else RETRY_WAIT * 2 ** (tries - 1))


_WIKIMEDIA_HOST = re.compile(
    r"^([a-z0-9-]+)\.(wikipedia|wiktionary|wikibooks|wikinews|wikiquote|wikisource|wikiversity|"
    r"wikivoyage)\.org$"
)


def _check_known(api: str, label: str) -> None:
    """Reject a Wikimedia host whose language pywikibot does not know, before any request."""
    import urllib.parse

    m = _WIKIMEDIA_HOST.match(urllib.parse.urlsplit(api).hostname or "")
    if m is None or m.group(1) in ("test", "test2", "www"):
        return
    from pywikibot.family import Family

    code, project = m.groups()
    if code not in Family.load(project).codes:
        raise FetchError(f"unknown wiki {label!r}: no {project} in language {code!r}")


def _error(exc: BaseException, api: str, what: str) -> FetchError:
    """Turn a final pywikibot or requests exception into one line naming what failed."""
    from pywikibot import exceptions as pe

    label = wiki_label(api)
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, pe.NoPageError):
        return FetchError(f"{what}: no such page on {label}")
    if isinstance(exc, pe.InvalidTitleError):
        return FetchError(f"{what}: bad title ({exc})")
    if isinstance(exc, (pe.FatalServerError, OSError)) or type(exc).__module__.startswith(
        ("requests", "urllib3")
    ):
        detail = " ".join(str(exc).split())
        return FetchError(f"{what}: cannot reach {label} ({type(exc).__name__}: {detail})")
    if isinstance(exc, pe.APIError):
        return FetchError(f"{what}: {label} answered {exc.code}: {exc.info}")
    return FetchError(f"{what}: {type(exc).__name__} from {label}: {exc}".rstrip(": "))


class _Wiki:
    """One wiki, reached through pywikibot; raw API queries with continuation."""

    def __init__(self, wiki: str | None, api: str | None, options: FetchOptions) -> None:
        if api is None:
            if not wiki:
                raise FetchError("no wiki given: use --wiki (e.g. en.wikipedia.org)")
            api = resolve_wiki(wiki).api
        else:
            check_no_credentials(api)
        _pywikibot(options)
        _check_known(api, wiki or api)
        self.api = api
        self.label = wiki_label(api)
        self.options = options
        self._site: Any = None
        self._info: dict[str, Any] | None = None

    @property
    def site(self) -> Any:
        """pywikibot's site, made on first use (inside :meth:`call`: its requests may fail too)."""
        if self._site is None:
            self._site = _site(self.api, self.options)
        return self._site

    def call(self, what: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, tried again after a failed try as :data:`FetchOptions.retries` allows.

        :raises FetchError: one line naming ``what`` and why it failed.
        """
        failing = self.api in _FAILING
        tries = 1 if failing else 1 + max(0, self.options.retries)
        failed: _TryFailed | None = None
        for n in range(1, tries + 1):
            _LOCAL.active, _LOCAL.timeout, _LOCAL.last = True, self.options.timeout, None
            try:
                result = fn()
            except FetchError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported as one line by the CLI
                failed = _as_failed_try(exc)
                if failed is None:
                    raise _error(exc, self.api, what) from None
            else:
                _FAILING.pop(self.api, None)
                return result
            finally:
                _LOCAL.active = False
            if not failed.retry or n == tries:
                break
            time.sleep(_wait(n, failed.retry_after))
        assert failed is not None
        _FAILING[self.api] = failed.cause
        count = f"{n} tries" if n > 1 else "1 try" + (", as it failed just before" if failing else "")
        hint = "; see --retries and --timeout" if failed.retry else ""
        cause = failed.cause.replace("{wiki}", self.label)
        raise FetchError(f"{what}: {cause} ({count}){hint}")

    def query(self, what: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Yield the ``query`` part of each answer, following ``continue``."""
        params = {"action": "query", "formatversion": "2", **params}
        cont: dict[str, Any] = {}
        while True:
            answer = self.call(what, lambda: self.site.simple_request(**params, **cont).submit())
            yield answer.get("query", {})
            if "continue" not in answer:
                return
            cont = answer["continue"]

    # site data ---------------------------------------------------------------------------
    def siteinfo(self) -> dict[str, Any]:
        """The wiki's language data (see :mod:`talkparse.siteinfo`), from the cache or the API."""
        if self._info is None:
            self._info = cache.load_site(self.api) or self._ask_siteinfo()
        return self._info

    def _ask_siteinfo(self) -> dict[str, Any]:
        what = f"site information of {self.label}"
        lang = self.call(what, lambda: self.site.siteinfo["lang"])
        q = next(self.query(
            what, meta="siteinfo|allmessages",
            siprop="general|namespaces|namespacealiases|specialpagealiases",
            ammessages="|".join(MESSAGE_NAMES), amlang=lang,
        ))
        general = q.get("general", {})
        zone = general.get("timezone") or "UTC"
        names: dict[str, list[str]] = {}
        for ns in q.get("namespaces", {}).values():
            names[str(ns["id"])] = [n for n in (ns.get("name"), ns.get("canonical")) if n is not None]
        for alias in q.get("namespacealiases", []):
            names.setdefault(str(alias["id"]), []).append(alias["alias"])
        messages = {m["name"]: m["content"] for m in q.get("allmessages", []) if "content" in m}
        for part in self.query(what, meta="allmessages", ammessages="|".join(zone_message_names(zone)),
                               amlang=general.get("lang", lang)):
            messages.update({m["name"]: m["content"] for m in part.get("allmessages", []) if "content" in m})
        contributions: list[str] = next(
            (a["aliases"] for a in q.get("specialpagealiases", []) if a["realname"] == "Contributions"),
            [],
        )
        pst = self.call(what, lambda: self.site.simple_request(
            action="parse", text=SAMPLE_WIKITEXT, onlypst="1", contentmodel="wikitext",
            title="API", formatversion="2",
        ).submit())
        info = {
            "lang": general.get("lang", "en"),
            "fallback": [f["code"] for f in general.get("fallback", [])],
            "timezone": zone,
            "sitename": general.get("sitename"),
            "generator": general.get("generator"),
            "namespaces": names,
            "contributions": contributions,
            "messages": messages,
            "sample": read_sample(pst.get("parse", {}).get("text", "")),
        }
        cache.save_site(self.api, info)
        return info

    def raw_page(self, rev: Mapping[str, Any], title: str, *, with_info: bool = True) -> RawPage:
        info = self.siteinfo()
        slot = rev.get("slots", {}).get("main", {})
        return RawPage(
            wiki=self.label,
            api=self.api,
            title=title,
            revid=int(rev["revid"]),
            timestamp=_parse_time(rev["timestamp"]),
            wikitext=slot.get("content", rev.get("content", "")),
            lang=info["lang"],
            timezone=info["timezone"],
            siteinfo=info if with_info else {},
        )

    # pages -------------------------------------------------------------------------------
    def latest(self, titles: Sequence[str], what: str) -> dict[str, RawPage | None]:
        """The current revision of each title (None: missing), ``BATCH`` titles per request."""
        out: dict[str, RawPage | None] = {}
        for i in range(0, len(titles), BATCH):
            chunk = list(titles[i : i + BATCH])
            found: dict[str, dict[str, Any]] = {}
            aliases = {t: t for t in chunk}
            for q in self.query(what, titles="|".join(chunk), prop="revisions", redirects="1",
                                rvprop="ids|timestamp|content", rvslots="main"):
                for key in ("normalized", "redirects"):
                    for n in q.get(key, []):
                        for t, now in list(aliases.items()):
                            if now == n["from"]:
                                aliases[t] = n["to"]
                for page in q.get("pages", []):
                    _check_page(page, what)
                    if page.get("revisions"):
                        found[page["title"]] = page
            for t in chunk:
                page = found.get(aliases[t])
                out[t] = self.raw_page(page["revisions"][0], page["title"]) if page else None
        return out

    def revision(self, revid: int, title: str | None) -> RawPage:
        what = f"revision {revid}" + (f" of {title!r}" if title else "")
        for q in self.query(what, revids=str(revid), prop="revisions",
                            rvprop="ids|timestamp|content", rvslots="main"):
            if q.get("badrevids"):
                raise FetchError(f"{what}: no such revision on {self.label}")
            for page in q.get("pages", []):
                if title and _norm_title(page["title"]) != _norm_title(self.normalise(title)):
                    raise FetchError(f"{what}: revision {revid} belongs to {page['title']!r}")
                if page.get("revisions"):
                    return self.raw_page(page["revisions"][0], page["title"])
        raise FetchError(f"{what}: no such revision on {self.label}")

    def at(self, title: str, when: datetime, what: str) -> RawPage | None:
        """The revision of ``title`` that was current at ``when`` (None: it did not exist yet)."""
        for q in self.query(what, titles=title, prop="revisions", redirects="1", rvlimit="1",
                            rvdir="older", rvstart=_iso(when), rvprop="ids|timestamp|content",
                            rvslots="main"):
            for page in q.get("pages", []):
                _check_page(page, what)
                if "missing" in page:
                    raise FetchError(f"{what}: no such page on {self.label}")
                if page.get("revisions"):
                    return self.raw_page(page["revisions"][0], page["title"])
            return None
        return None

    def normalise(self, title: str) -> str:
        return str(self.call(f"title {title!r}", lambda: self._page(title).title()))

    def _page(self, title: str) -> Any:
        import pywikibot

        return pywikibot.Page(self.site, title)

    def history(self, title: str, limit: int | None) -> list[Revision]:
        what = f"history of {title!r}"
        out: list[Revision] = []
        for q in self.query(what, titles=title, prop="revisions", redirects="1",
                            rvprop="ids|timestamp|user|size|comment",
                            rvlimit=str(min(limit, 500)) if limit else "max"):
            for page in q.get("pages", []):
                _check_page(page, what)
                if "missing" in page:
                    raise FetchError(f"{what}: no such page on {self.label}")
                for r in page.get("revisions", []):
                    out.append(Revision(
                        revid=int(r["revid"]),
                        timestamp=_parse_time(r["timestamp"]),
                        user=None if r.get("userhidden") else r.get("user"),
                        anon="anon" in r and r["anon"] is not False,
                        size=int(r.get("size", 0)),
                        comment="" if r.get("commenthidden") else r.get("comment", ""),
                    ))
            if limit and len(out) >= limit:
                return out[:limit]
        return out

    def category_members(self, category: str, limit: int | None) -> list[str]:
        """Titles of the pages in a category (not its subcategories or files), in its order."""
        import pywikibot

        what = f"category {category!r}"

        def normalised() -> str:
            try:
                return str(pywikibot.Category(self.site, category).title())
            except ValueError:  # a title in another namespace
                raise FetchError(f"{what}: not a category title") from None

        title = self.call(what, normalised)
        what = f"category {title!r}"
        out: list[str] = []
        for q in self.query(what, list="categorymembers", cmtitle=title, cmtype="page",
                            cmprop="title", cmlimit=str(min(limit, 500)) if limit else "max"):
            out.extend(m["title"] for m in q.get("categorymembers", []))
            if limit and len(out) >= limit:
                return out[:limit]
        if not out:
            for q in self.query(what, titles=title, prop="info"):
                if any("missing" in p for p in q.get("pages", [])):
                    raise FetchError(f"{what}: no such category on {self.label}")
        return out

    def subpages(self, title: str, *, archives_only: bool) -> list[str]:
        """Titles of the page's subpages (only archives, unless ``archives_only`` is false)."""
        what = f"subpages of {title!r}"
        page = self.call(what, lambda: self._page(title))
        ns = self.call(what, lambda: page.namespace().id)
        base = self.call(what, lambda: page.title(with_ns=False))
        prefix = self.call(what, lambda: page.title()[: -len(base)] if base else "")
        out = []
        for q in self.query(what, list="allpages", apprefix=base + "/", apnamespace=str(ns),
                            aplimit="max"):
            for p in q.get("allpages", []):
                rest = p["title"][len(prefix) + len(base) + 1 :]
                if not archives_only or ARCHIVE_NAME.match(rest):
                    out.append(p["title"])
        return sorted(out, key=_natural)


def _check_page(page: Mapping[str, Any], what: str) -> None:
    if "invalid" in page:
        reason = page.get("invalidreason", "invalid title")
        raise FetchError(f"{what}: bad title {page.get('title', '')!r} ({reason})")


def _norm_title(title: str) -> str:
    return " ".join(title.replace("_", " ").split())


def _natural(title: str) -> list[Any]:
    return [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", title)]


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- public API ------------------------------------------------------------------------------

def fetch_page(
    title: str,
    *,
    wiki: str | None = None,
    api: str | None = None,
    revision: int | None = None,
    at: datetime | None = None,
    transclusions: bool = True,
    options: FetchOptions = FetchOptions(),
    save: bool = True,
) -> RawPage:
    """Fetch one revision of a page (the current one, ``revision``, or the one current ``at``).

    Pages transcluded into it (``{{Talk:X/GA1}}``, an AfD log's discussions) are fetched with
    it, in one batched request per level, and kept in :attr:`RawPage.transcluded`. The page is
    stored in the cache (atomically) unless ``save`` is false.

    :param wiki: a host (``meta.wikimedia.org``), database name (``dewiki``) or api.php URL.
    :param api: the api.php URL, instead of ``wiki``.
    :raises FetchError: naming what failed: unknown wiki, bad title, missing page or revision,
        unreachable server.

    Example: ``fetch_page("Talk:Example", wiki="en.wikipedia.org").wikitext``
    """
    site = _Wiki(wiki, api, options)
    what = f"page {title!r}"
    if revision is not None:
        raw = site.revision(revision, title)
    elif at is not None:
        found = site.at(title, at, what)
        if found is None:
            raise FetchError(f"{what}: did not exist yet on {site.label} at {_iso(at)}")
        raw = found
    else:
        found = site.latest([title], what)[title]
        if found is None:
            raise FetchError(f"{what}: no such page on {site.label}")
        raw = found
    if transclusions:
        raw = _with_transclusions(site, raw, historical=revision is not None or at is not None)
    if save:
        cache.save(raw, current=revision is None and at is None)
    return raw


def _with_transclusions(site: _Wiki, raw: RawPage, *, historical: bool) -> RawPage:
    from .siteinfo import language_from_siteinfo
    from .transclude import expand

    info = site.siteinfo()
    fetched: dict[str, RawPage | None] = {}

    def get_pages(titles: list[str]) -> dict[str, str | None]:
        what = f"pages transcluded into {raw.title!r}"
        if historical:
            got = {t: site.at(t, raw.timestamp, what) for t in titles}
        else:
            got = site.latest(titles, what)
        fetched.update(got)
        return {t: (p.wikitext if p else None) for t, p in got.items()}

    expand(raw.wikitext, raw.title, language_from_siteinfo(info), info.get("namespaces", {}), get_pages)
    nested = tuple(
        replace(p, title=t, siteinfo={}) for t, p in sorted(fetched.items()) if p is not None
    )
    return replace(raw, transcluded=nested)


def fetch_archives(
    page: RawPage, *, subpages: bool = False, options: FetchOptions = FetchOptions(), save: bool = True
) -> list[RawPage]:
    """Fetch the current revisions of a page's archives (or all its subpages), in batches.

    Archives are subpages whose name starts with "Archive" in one of many languages
    (``/Archive 3``, ``/Archiv/2019``, ``/Archivo 2``), in natural order.
    """
    site = _Wiki(None, page.api, options)
    titles = site.subpages(page.title, archives_only=not subpages)
    got = site.latest(titles, f"archives of {page.title!r}")
    out = [
        _with_transclusions(site, p, historical=False) for t in titles if (p := got[t]) is not None
    ]
    if save:
        for p in out:
            cache.save(p)
        cache.save_index(page.api, page.title, [p.title for p in out], subpages=subpages)
    return out


def page_history(
    title: str, *, wiki: str | None = None, api: str | None = None, limit: int | None = None,
    options: FetchOptions = FetchOptions(),
) -> list[Revision]:
    """List a page's revisions, newest first (id, time, user, size, summary)."""
    return _Wiki(wiki, api, options).history(title, limit)


def category_members(
    category: str, *, wiki: str | None = None, api: str | None = None, limit: int | None = None,
    options: FetchOptions = FetchOptions(),
) -> list[str]:
    """List the titles of the pages in a category, in the category's order.

    Only the category's own pages: neither its subcategories nor their pages, nor files.
    ``category`` may leave out the namespace (``"Open reviews"``) or use the wiki's own name
    for it (``"Kategorie:Offene Reviews"``).

    :param limit: at most this many titles.
    :raises FetchError: for an unknown wiki, a bad title, or a category that neither exists
        nor holds any page.

    Example: ``category_members("Category:Open reviews", wiki="en.wikipedia.org", limit=20)``
    """
    return _Wiki(wiki, api, options).category_members(category, limit)


def normalise_title(title: str, *, wiki: str | None = None, api: str | None = None,
                    options: FetchOptions = FetchOptions()) -> str:
    """The title as the wiki writes it (namespace name, first letter, spaces)."""
    return _Wiki(wiki, api, options).normalise(title)
