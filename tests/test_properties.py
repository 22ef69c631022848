"""Properties that hold for any input: no crash, full coverage, determinism, no invented times."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talkparse import parse
from talkparse.export import page_from_record, page_record

# Pieces of talk-page wikitext, glued together at random.
PIECES = [
    "== Heading ==\n", "=== Sub ===\n", "\n", "\n\n", ":", "::", "*", "#", ";", " ",
    "Some text. ", "Question? ", "[[User:Alice|Alice]] ", "[[User talk:Bob|talk]] ",
    "[[Special:Contributions/192.0.2.1|ip]] ", "10:00, 1 May 2020 (UTC)", "11:30, 2 June 2021 (UTC)",
    "{{ping|Carol}} ", "{{unsigned|Dave|12:00, 3 May 2020 (UTC)}}", "{{od}}", "{{outdent|::}}",
    "<br>", "----\n", "<blockquote>", "</blockquote>", "<ref>", "</ref>", "<!--", "-->",
    "<nowiki>", "</nowiki>", "{{", "}}", "[[", "]]", "|", "{|", "|}", "|-\n", "'''", "<small>",
    "</small>", "{{archive top|result=x}}", "{{archive bottom}}", "<div>", "</div>",
    "{{Talk:Foo/GA1}}", "&nbsp;", "\u200f", "\u0301", "مرحبا ", "(UTC)",
]

wikitext = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=wikitext, mode=st.sampled_from(["reader", "discussiontools"]))
def test_any_text_parses_and_covers_the_page(text: str, mode: str) -> None:
    page = parse(text, mode=mode)  # never raises
    assert "".join(text[s.start : s.end] for s in page.segments()) == text
    pieces = sorted([h.span for h in page.headings] + [p for c in page.comments for p in c.spans])
    assert all(b <= c for (_, b), (c, _) in zip(pieces, pieces[1:]))
    for i, c in enumerate(page.comments):
        assert c.parent is None or (0 <= c.parent < len(page.comments) and c.parent != i)
        # a timestamp is only reported where one is written
        s0, s1 = c.signatures[0].span
        assert s1 <= len(text)
    assert page_record(parse(text, mode=mode), details=True) == page_record(page, details=True)
    assert page_from_record(page_record(page, details=True)) == page


@settings(max_examples=200, deadline=None)
@given(prefix=st.text(max_size=40), suffix=st.text(max_size=40))
def test_a_signature_survives_any_surrounding_text(prefix: str, suffix: str) -> None:
    sig = "[[User:Alice|Alice]] 10:00, 1 May 2020 (UTC)"
    text = f"== A ==\n{prefix.replace(chr(10), ' ')}\n\n{sig}\n\n{suffix}"
    page = parse(text)
    assert any(c.author == "Alice" for c in page.comments) or any(
        ch in prefix for ch in "{[<&'"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=wikitext, lang=st.sampled_from(["en", "es", "de"]))
def test_any_text_analyses_consistently(text: str, lang: str) -> None:
    import json

    from talkparse import analyse
    from talkparse.export import analysis_record

    page = parse(text, lang=lang)
    result = analyse(page)  # never raises
    n = len(page.comments)
    for q in result.questions:
        assert 0 <= q.comment < n and q.text.strip()
        assert all(0 <= k < n and k != q.comment for k in q.answered_by)
        assert (q.status.value == "answered") == bool(q.answered_by)
    for a in result.actions:
        assert 0 <= a.comment < n and a.text.strip()
        assert all(0 <= k < n for k in (*a.resolved_by, *a.promised_by))
    record = analysis_record(result)
    assert json.loads(json.dumps(record, ensure_ascii=False)) == record  # JSON round trip
    assert analysis_record(analyse(parse(text, lang=lang))) == record  # deterministic
