"""The shareable report: one self-contained HTML file with the findings of one or many pages.

Each page gets its summary, its unanswered questions and outstanding actions (each linked to the
comment that asked or promised it), a timeline picture drawn with matplotlib (who posted when,
each question joined to its answers, unanswered ones marked), and the page's sections and
threads with the findings highlighted. The file needs no network to open: the picture is inline
SVG, the style sheet is inline, and there is no script. Everything that comes from a page is
escaped.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from .model import Analysis, Comment, QuestionStatus
from .report import OUTSTANDING, _ago, summarise


@dataclass(frozen=True, slots=True)
class ReportPage:
    """One page of the report: its analysis and where it came from (by default, what the page
    records: its wiki and revision)."""

    analysis: Analysis
    source: str  # what the user named: a file, a title, a URL
    wiki: str | None = None
    revision: int | None = None

    @classmethod
    def of(cls, analysis: Analysis, source: str | None = None) -> ReportPage:
        page = analysis.page
        return cls(analysis, source or page.title or "<stdin>", page.wiki, page.revision)


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#202122;background:#f8f9fa}
main{max-width:64rem;margin:0 auto;padding:1rem 1.5rem 4rem;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.3rem;border-bottom:1px solid #c8ccd1;margin-top:2rem}
h3{font-size:1.1rem;margin:1.2rem 0 .4rem}h4{font-size:1rem;margin:1rem 0 .3rem;color:#54595d}
.summary{font-weight:600}.meta{color:#54595d;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}th,td{border:1px solid #c8ccd1;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#eaecf0}.none{color:#14866d}
.finding{background:#fee7e6}.unclear{background:#fef6e7}.promised{background:#fef6e7}
.comment{border-left:3px solid #c8ccd1;margin:.35rem 0;padding:.2rem .6rem;white-space:pre-wrap;overflow-wrap:anywhere}
.comment.has-finding{border-left-color:#d33;background:#fff5f5}
.comment:target{outline:2px solid #36c}
.who{font-weight:600}.when{color:#54595d;font-size:.85rem}
mark.q-unanswered{background:#fcc}mark.q-unclear{background:#fde29b}mark.a-outstanding{background:#ffd8a8}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}figcaption{color:#54595d;font-size:.85rem}
nav ul{padding-left:1.2rem}
"""


def html_report(pages: Sequence[ReportPage], *, now: datetime | None = None, title: str | None = None) -> str:
    """Render the report of ``pages`` as one HTML document (a string)."""
    now = now or datetime.now(timezone.utc)
    title = title or (
        _page_title(pages[0]) if len(pages) == 1 else f"talkparse report: {len(pages)} pages"
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # no script, no remote content: a page that quotes hostile wikitext cannot run anything
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Made by talkparse on {now:%Y-%m-%d %H:%M} UTC.</p>',
    ]
    if len(pages) > 1:
        out.append("<nav><ul>")
        for n, rp in enumerate(pages):
            s = summarise(rp.analysis)
            out.append(
                f'<li><a href="#p{n}">{_e(_page_title(rp))}</a>: {s.unanswered} unanswered, '
                f"{s.outstanding} outstanding</li>"
            )
        out.append("</ul></nav>")
    for n, rp in enumerate(pages):
        out.extend(_page_html(rp, f"p{n}", now))
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _page_title(rp: ReportPage) -> str:
    return rp.analysis.page.title or rp.source


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(prefix: str, index: int) -> str:
    return f"{prefix}-c{index}"


def _page_html(rp: ReportPage, prefix: str, now: datetime) -> list[str]:
    a = rp.analysis
    page = a.page
    s = summarise(a)
    where = " · ".join(_e(x) for x in (rp.wiki, f"revision {rp.revision}" if rp.revision else None) if x)
    out = [
        f'<section id="{prefix}"><h2>{_e(_page_title(rp))}</h2>',
        f'<p class="meta">{where + " · " if where else ""}{len(page.comments)} comments in '
        f"{len(page.headings)} sections · source: {_e(rp.source)}</p>",
        f'<p class="summary">{_e(s.line())}</p>',
    ]
    out.extend(_questions_html(a, prefix, now))
    out.extend(_actions_html(a, prefix, now))
    out.append(_timeline(a))
    out.extend(_threads_html(a, prefix))
    out.append("</section>")
    return out


def _who(c: Comment) -> str:
    return f'<span class="who">{_e(c.author)}</span> <span class="when">{c.timestamp:%Y-%m-%d %H:%M}</span>'


def _section_of(a: Analysis, c: Comment) -> str:
    return _e(a.page.headings[c.heading].title) if c.heading is not None else "(top)"


def _questions_html(a: Analysis, prefix: str, now: datetime) -> list[str]:
    open_qs = [q for q in a.questions if q.status is not QuestionStatus.ANSWERED]
    out = ["<h3>Unanswered questions</h3>"]
    if not open_qs:
        return out + ['<p class="none">No unanswered questions.</p>']
    out.append("<table><tr><th>asked by</th><th>section</th><th>question</th><th>waiting</th></tr>")
    for q in open_qs:
        c = a.page.comments[q.comment]
        cls = "unclear" if q.status is QuestionStatus.UNCLEAR else "finding"
        note = " <em>(replied, but not clearly to this)</em>" if q.status is QuestionStatus.UNCLEAR else ""
        out.append(
            f'<tr class="{cls}"><td>{_who(c)}</td><td>{_section_of(a, c)}</td>'
            f'<td><a href="#{_anchor(prefix, q.comment)}">{_e(q.text)}</a>{note}</td>'
            f"<td>{_ago(c.timestamp, now)}</td></tr>"
        )
    return out + ["</table>"]


def _actions_html(a: Analysis, prefix: str, now: datetime) -> list[str]:
    owed = [x for x in a.actions if x.status in OUTSTANDING]
    out = ["<h3>Outstanding actions</h3>"]
    if not owed:
        return out + ['<p class="none">No outstanding actions.</p>']
    out.append("<table><tr><th>owed by</th><th>to</th><th>since</th><th>what</th><th>state</th></tr>")
    comments = a.page.comments
    for x in owed:
        c = comments[x.comment]
        if x.kind.value == "commitment":
            by, to = _e(c.author), "(promised)"
        else:
            by, to = (_e(x.actor) if x.actor else "anyone"), _e(c.author)
        state = x.status.value
        if x.promised_by:
            state = f"promised {comments[x.promised_by[0]].timestamp:%Y-%m-%d}, not confirmed"
        out.append(
            f'<tr class="{"promised" if x.promised_by else "finding"}"><td>{by}</td><td>{to}</td>'
            f"<td>{c.timestamp:%Y-%m-%d} ({_ago(c.timestamp, now)})</td>"
            f'<td><a href="#{_anchor(prefix, x.comment)}">{_e(x.text)}</a></td><td>{_e(state)}</td></tr>'
        )
    return out + ["</table>"]


def _threads_html(a: Analysis, prefix: str) -> list[str]:
    page = a.page
    marks: dict[int, list[tuple[str, str]]] = {}  # comment -> sentences to highlight
    for q in a.questions:
        if q.status is not QuestionStatus.ANSWERED:
            marks.setdefault(q.comment, []).append((q.text, f"q-{q.status.value}"))
    for x in a.actions:
        if x.status in OUTSTANDING:
            marks.setdefault(x.comment, []).append((x.text, "a-outstanding"))
    out = ["<h3>Sections and threads</h3>"]
    heading: int | None = -1
    for i, c in enumerate(page.comments):
        if c.heading != heading:
            heading = c.heading
            if heading is not None:
                h = page.headings[heading]
                out.append(f"<h4>{'&nbsp;' * 2 * (h.level - 2)}{_e(h.title)}</h4>")
        cls = "comment has-finding" if i in marks else "comment"
        out.append(
            f'<div class="{cls}" id="{_anchor(prefix, i)}" style="margin-left:{min(c.level, 20) * 1.2:.1f}rem">'
            f"{_who(c)}\n{_marked(c.text, marks.get(i, []))}</div>"
        )
    return out


def _marked(text: str, marks: list[tuple[str, str]]) -> str:
    """The comment's plain text, escaped, with the sentences that are findings highlighted."""
    spots = []
    for sentence, cls in marks:
        at = text.find(sentence)
        if at >= 0:
            spots.append((at, at + len(sentence), cls))
    out, pos = [], 0
    for start, end, cls in sorted(spots):
        if start < pos:
            continue
        out.append(_e(text[pos:start]))
        out.append(f'<mark class="{cls}">{_e(text[start:end])}</mark>')
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def _times(comments: Iterable[Comment]) -> Any:
    """The comments' times as x values (matplotlib converts datetimes; its stubs say floats)."""
    return [c.timestamp for c in comments]


def _timeline(a: Analysis) -> str:
    """Who posted when, questions joined to their answers: an inline SVG figure."""
    comments = a.page.comments
    if not comments:
        return ""
    from matplotlib.figure import Figure  # imported here: only the report needs it

    authors: list[str] = []
    for c in comments:
        if c.author not in authors:
            authors.append(c.author)
    row = {name: k for k, name in enumerate(authors)}
    fig = Figure(figsize=(9, 1.2 + 0.32 * len(authors)), dpi=96, layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(_times(comments), [row[c.author] for c in comments], s=18, color="#72777d", zorder=2, label="comment")
    for q in a.questions:
        asked = comments[q.comment]
        y0 = row[asked.author]
        if q.status is QuestionStatus.ANSWERED:
            for k in q.answered_by:
                ans = comments[k]
                ax.annotate("", xy=(ans.timestamp, row[ans.author]), xytext=(asked.timestamp, y0),
                            arrowprops={"arrowstyle": "->", "color": "#14866d", "lw": 0.8, "alpha": 0.7})
    open_qs = [comments[q.comment] for q in a.questions if q.status is not QuestionStatus.ANSWERED]
    if open_qs:
        ax.scatter(_times(open_qs), [row[c.author] for c in open_qs], marker="X", s=70,
                   color="#d33", zorder=3, label="unanswered question")
    owed = [comments[x.comment] for x in a.actions if x.status in OUTSTANDING]
    if owed:
        ax.scatter(_times(owed), [row[c.author] for c in owed], marker="s", s=50,
                   facecolors="none", edgecolors="#ac6600", linewidths=1.5, zorder=3,
                   label="outstanding action")
    ax.set_yticks(range(len(authors)), [_short(n) for n in authors])
    ax.invert_yaxis()
    ax.grid(axis="x", color="#eaecf0")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    fig.autofmt_xdate()
    buf = io.StringIO()
    # text stays text (the browser draws it, matplotlib escapes it); no dates in the metadata
    with _svg_settings():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return (
        f'<figure role="img" aria-label="timeline">{svg}<figcaption>Who posted when. Green arrows join '
        "each question to its answers; red crosses are unanswered questions, orange squares "
        "outstanding actions.</figcaption></figure>"
    )


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


class _svg_settings:
    """matplotlib's SVG options for the report, restored afterwards."""

    def __enter__(self) -> None:
        import matplotlib

        self._ctx = matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "talkparse"})
        self._ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)


def report_pages(analyses: Iterable[Analysis]) -> list[ReportPage]:
    """Wrap analyses as report pages."""
    return [ReportPage.of(a) for a in analyses]
