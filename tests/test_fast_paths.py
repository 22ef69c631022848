"""The parser's fast paths give exactly what their plain versions give (issue 6).

Each fast path (numpy instead of a loop over characters, a reversed-text regex instead of one
``rfind`` per character, ``rstrip`` instead of a regex tried at every offset...) is compared with
the straightforward code it replaced, kept here as the reference, on random input.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from talkparse.langdata import load_language
from talkparse.parse import _PageParser, _VisibleCounter, _without_trailing_dashes, heading_title, hidden_flags
from talkparse.signatures import timestamp_reader
from talkparse.wikitext import INVIS, OPAQUE, PLACEHOLDER, Lexed, _Mask

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"

# text with the mask characters, a surrogate, astral and combining characters among the rest
TEXT = st.lists(st.sampled_from(
    [INVIS, OPAQUE, PLACEHOLDER, " ", "\t", "\n", "a", "b", "-", "~", "\u2014", "\u2060", "é",
     "\u0301", "\U0001f600", "\ud800", "م", "&", "amp;"]), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, data=st.data())
def test_render_is_the_character_by_character_mask(text: str, data: st.DataObject) -> None:
    codes = data.draw(st.lists(st.integers(0, 3), min_size=len(text), max_size=len(text)))
    mask = _Mask(len(text))
    mask.codes[:] = bytes(codes)
    expected = "".join(ch if code == 0 else chr(code - 1) for ch, code in zip(text, codes))
    assert mask.render(text) == expected


def _readable_reference(source: str, masked: str) -> str:
    """The visible text as first computed: character by character."""
    import html

    out = "".join(s if m == OPAQUE else m for s, m in zip(source, masked) if m not in (INVIS, PLACEHOLDER))
    return html.unescape(out) if "&" in out else out


@settings(max_examples=300, deadline=None)
@given(source=TEXT, data=st.data())
def test_visible_text_of_any_range_is_the_reference(source: str, data: st.DataObject) -> None:
    # a mask over the source: each character kept or replaced by a mask character
    kinds = data.draw(st.lists(st.sampled_from(["keep", INVIS, OPAQUE, PLACEHOLDER]),
                               min_size=len(source), max_size=len(source)))
    masked = "".join(ch if k == "keep" else k for ch, k in zip(source, kinds))
    parser = _PageParser(source, None, None, None, Lexed(source, masked), None, None, "reader")
    for _ in range(3):
        a = data.draw(st.integers(0, len(source)))
        b = data.draw(st.integers(a, len(source)))
        assert parser._readable(a, b) == _readable_reference(source[a:b], masked[a:b])


class _ReferenceCounter:
    """_VisibleCounter as first written: one rfind per hidden character."""

    def __init__(self, masked: str, last: int) -> None:
        self.masked, self.last, self.boundary, self.total = masked, last, last, 0

    def reaches(self, a: int, limit: int) -> bool:
        if self.last < a:
            return False
        while self.total < limit:
            prev = self.masked.rfind(INVIS, a, self.boundary)
            if prev == -1:
                break
            self.total += len(self.masked[prev + 1 : self.boundary].strip())
            self.boundary = prev
        return self.total >= limit or self.total + len(self.masked[a : self.boundary].strip()) >= limit


@settings(max_examples=500, deadline=None)
@given(masked=st.text(alphabet=st.sampled_from([INVIS, INVIS, " ", "a", "\u0301", "\U0001f600", "\x01"]),
                     min_size=1, max_size=50),
       data=st.data())
def test_visible_counter_counts_as_the_reference(masked: str, data: st.DataObject) -> None:
    last = masked.rfind(INVIS)
    fast = _VisibleCounter(masked, hidden_flags(masked), last)
    reference = _ReferenceCounter(masked, last)
    a = len(masked)
    for _ in range(data.draw(st.integers(1, 6))):  # ever earlier offsets, as the parser asks
        a = data.draw(st.integers(0, a))
        limit = data.draw(st.integers(1, 10))
        assert fast.reaches(a, limit) == reference.reaches(a, limit)


_TRAILING_DASHES = re.compile(r"(?<![\s\-~\u2010-\u2015\u2043\u2060])[\s\-~\u2010-\u2015\u2043\u2060]+$")


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_trailing_dashes_are_cut_as_the_regex_cut_them(text: str) -> None:
    assert _without_trailing_dashes(text).strip() == _TRAILING_DASHES.sub("", text).strip()


def test_notice_phrases_lower_as_they_casefold() -> None:
    """_is_notice looks for notice words in the lower-cased source: that misses nothing only if
    no phrase has a letter (such as ß) that lowering and case-folding treat differently."""
    data = json.loads(resources.files("talkparse").joinpath("data/templates.json").read_text("utf-8"))
    phrases = [p for lang, ps in data["notices"].items() if lang != "_doc" for p in ps]
    assert phrases
    for phrase in phrases:
        assert phrase.lower() == phrase.casefold(), phrase


_STAMP_PIECES = ["10:00, 1 May 2020 (UTC)", "10:00, 1 May 2020", " (UTC)", "(UTC)", "(CET)", "(", ")",
                 "12:34, 31 décembre 2019 (CET)", "12:34, 31 déc. 2019 (CEST)", "9", "12", ":", ", ",
                 " ", "May", "2020", "\u200e", "&lrm;", "\n", "x", "١٢:٣٤، ٣١ ديسمبر ٢٠١٩ (ت ع م)"]


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(_STAMP_PIECES), max_size=40),
       lang=st.sampled_from(["en", "fr", "ar", "de", "pl"]))
def test_timestamps_are_found_as_the_regex_finds_them(pieces: list[str], lang: str) -> None:
    language = load_language(lang)
    reader = timestamp_reader(language, language.default_timezone)
    text = "".join(pieces)
    assert [m.span() for m in reader.finditer(text)] == [m.span() for m in reader.regex.finditer(text)]


def test_timestamps_of_the_corpus_are_found_as_the_regex_finds_them() -> None:
    cases = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))["cases"]
    langs = {c["case"]: c["lang"] for c in cases}
    for path in sorted(CORPUS.glob("*.wikitext")):
        language = load_language(langs.get(path.stem, "en"))
        reader = timestamp_reader(language, language.default_timezone)
        text = path.read_text(encoding="utf-8")
        assert [m.span() for m in reader.finditer(text)] == [m.span() for m in reader.regex.finditer(text)], path


@settings(max_examples=300, deadline=None)
@given(title=st.text(alphabet=st.characters(blacklist_characters="{}[]<>&'", blacklist_categories=("Cs",)),
                     max_size=40))
def test_plain_headings_read_as_mwparserfromhell_reads_them(title: str) -> None:
    import html

    import mwparserfromhell

    if "://" in title:
        return
    code = mwparserfromhell.parse(title)
    expected = " ".join(html.unescape(code.strip_code(normalize=True, collapse=True)).split())
    assert heading_title(title) == expected


def test_the_cycle_collector_is_paused_only_while_parsing() -> None:
    import gc

    from talkparse import analyse, parse
    from talkparse.runtime import collector_paused

    seen = []
    with collector_paused():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    page = parse("== Q ==\nWhy? [[User:A|A]] 10:00, 1 May 2020 (UTC)\n")
    analyse(page)
    assert gc.isenabled()
    gc.disable()  # a caller that switched it off keeps it off
    try:
        parse("x")
        assert not gc.isenabled()
    finally:
        gc.enable()
