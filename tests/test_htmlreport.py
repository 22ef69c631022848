"""The HTML report: content, escaping, and what a real browser (headless chromium) makes of it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES

from talkparse import analyse, parse
from talkparse.htmlreport import ReportPage, html_report

NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)

HOSTILE = """== <script>alert("heading")</script> ==
Could you check <script>alert(1)</script> and [javascript:alert(2) this link]? Please fix the <img src=x onerror=alert(3)> tag. [[User:A<b>|A]] 10:00, 1 May 2020 (UTC)
:<span onmouseover="alert(4)">hover</span> &lt;script&gt;alert(5)&lt;/script&gt; [[User:B|B]] 11:00, 1 May 2020 (UTC)
"""


def _grant_report() -> ReportPage:
    page = parse((FIXTURES / "iberoconf-2019-report.wikitext").read_text(encoding="utf-8"),
                 title="Grants talk:Iberoconf 2019/Report")
    return ReportPage(analyse(page), "fixtures/iberoconf-2019-report.wikitext", "meta.wikimedia.org", 19473)


def _hostile() -> ReportPage:
    return ReportPage(analyse(parse(HOSTILE, title='Talk:"><script>alert(6)</script>')), "<hostile>")


def test_report_lists_the_findings_linked_to_their_comments() -> None:
    rp = _grant_report()
    out = html_report([rp], now=NOW)
    unanswered = [q for q in rp.analysis.questions if q.status.value != "answered"]
    assert [q.text for q in unanswered] == ["Have you been actively asking for a response?"]
    # the question is in the table, linked to the comment that asks it, and marked there
    row = re.search(r'<tr class="finding">.*?</tr>', out, re.S)
    assert row and "Have you been actively asking for a response?" in row.group(0)
    target = re.search(r'href="#(p0-c\d+)">Have you been', row.group(0)).group(1)
    assert f'id="{target}"' in out
    comment = out[out.index(f'id="{target}"'):]
    assert comment.index('<mark class="q-unanswered">Have you been actively asking') < comment.index("</div>")
    # the promised, never confirmed return of the funds
    assert re.search(r'<tr class="promised">.*?USD 14,497.*?promised 2019-08-19, not confirmed', out, re.S)
    assert "wikimedia.org · revision 19473" in out


def test_report_is_self_contained() -> None:
    out = html_report([_grant_report(), _hostile()], now=NOW)
    assert "<script" not in out.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", out), "nothing is fetched"
    assert out.count("<svg") == 2, "one inline timeline per page"
    assert "default-src 'none'" in out


class _Elements(HTMLParser):
    """Every element and attribute of a document, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def test_everything_from_the_page_is_escaped() -> None:
    out = html_report([_hostile()], now=NOW)
    tags = _elements(out)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "object", "embed", "b")]
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")], "no event handlers"
    assert not [v for _, attrs in tags for k, v in attrs.items()
                if k in ("href", "src") and v and not v.startswith("#")], "links only within the page"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "Talk:&quot;&gt;&lt;script&gt;" in out


def test_many_pages_get_a_table_of_contents() -> None:
    out = html_report([_grant_report(), _hostile()], now=NOW)
    assert out.count('<section id="p') == 2
    assert '<a href="#p0">' in out and '<a href="#p1">' in out


# --- in a real browser ----------------------------------------------------------------------------


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        if os.environ.get("TALKPARSE_SKIP_BROWSER"):
            pytest.skip("no chromium and TALKPARSE_SKIP_BROWSER is set")
        pytest.fail("chromium is not installed: run tools/install-test-deps.sh")
    return exe


def _browse(tmp_path: Path, html: str) -> tuple[list[str], str, Path]:
    """Open the page in headless chromium: its console messages, its DOM and a screenshot."""
    exe = _chromium()
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    run = subprocess.run([*common, "--window-size=1200,1800", f"--screenshot={shot}", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120)
    console += [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert shot.exists(), run.stderr[-2000:]
    return console, dom.stdout, shot


def _has_colour(png: Path, rgb: tuple[int, int, int], tolerance: int = 12, at_least: int = 50) -> bool:
    from matplotlib.image import imread

    img = imread(str(png))[:, :, :3] * 255
    close = (abs(img - rgb) <= tolerance).all(axis=2)
    return int(close.sum()) >= at_least


def test_report_in_a_browser_loads_cleanly_and_shows_the_findings(tmp_path: Path) -> None:
    console, dom, shot = _browse(tmp_path, html_report([_grant_report()], now=NOW))
    assert console == [], "\n".join(console)
    assert "Have you been actively asking for a response?" in dom
    assert "<svg" in dom
    # the screenshot shows the highlighted finding rows and the timeline's red cross
    assert _has_colour(shot, (0xFE, 0xE7, 0xE6)), "no highlighted finding in the screenshot"
    assert _has_colour(shot, (0xDD, 0x33, 0x33), tolerance=30, at_least=10), "no unanswered marker"


def test_hostile_page_runs_nothing_in_the_browser(tmp_path: Path) -> None:
    console, dom, _ = _browse(tmp_path, html_report([_hostile()], now=NOW))
    # an injected script or handler would run (console message) or be blocked by the policy
    # (a console message too): there must be none
    assert console == [], "\n".join(console)
    tags = _elements(dom)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe")]
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]
    assert "alert(1)" in dom  # shown as text
