"""Parsing: wikitext to headings and signed comments, with indentation and reply parents.

The rules are DiscussionTools' (MediaWiki's own comment parser, see ``CommentParser.php``),
re-expressed over wikitext: a comment is everything since the previous comment up to the end
of the block holding a signature, a signature is a user link within 100 visible characters
before a timestamp, and replies follow indentation. ``mode="reader"`` (the default) then
corrects the places where those rules misread a page as a person would read it
(see :mod:`talkparse.threads`).
"""

from __future__ import annotations

import bisect
import functools
import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import repeat
from typing import Literal

from .blocks import Blocks, LineKind
from .langdata import Language, load_language
from .model import Comment, Diagnostic, Heading, Page, Signature
from .signatures import TimestampReader, timestamp_reader
from .threads import RawComment, assign_parents
from .runtime import collector_paused
from .wikitext import INVIS, OPAQUE, PLACEHOLDER, Lexed, UnsignedNote, lex

Mode = Literal["reader", "discussiontools"]
SIGNATURE_SCAN_LIMIT = 100  # visible characters between a user link and its timestamp
ADDENDUM_MIN_WORDS = 4  # words of new text that make a later second signature a new comment
_WORD = re.compile(r"\w{2,}")


@dataclass(slots=True)
class _Stamp:
    """A timestamp in the page: literal, or supplied by an {{unsigned}} template."""

    start: int
    end: int
    when: datetime
    warning: str | None = None
    note: UnsignedNote | None = None


def parse(
    wikitext: str,
    *,
    lang: str = "en",
    timezone: str | None = None,
    title: str | None = None,
    mode: Mode = "reader",
    language: Language | None = None,
) -> Page:
    """Parse a talk page's wikitext into headings and signed comments.

    :param wikitext: the page source.
    :param lang: content language of the wiki, e.g. ``"en"``, ``"pl"``, ``"ckb"``.
    :param timezone: IANA name of the wiki's local time zone; defaults to that of the
        language's Wikipedia (e.g. Europe/Paris for ``fr``).
    :param title: the page title, when known.
    :param mode: ``"reader"`` reads threads as people do; ``"discussiontools"`` reproduces
        MediaWiki's DiscussionTools exactly, quirks included.
    :param language: the wiki's own language data (e.g. from
        :func:`talkparse.siteinfo.language_from_siteinfo`); when given, ``lang`` is ignored and
        ``timezone`` defaults to the wiki's local zone.
    :raises InputError: for an unknown language or time zone. Odd wikitext never raises.

    >>> page = parse("== Hi ==\\nQuestion? [[User:A|A]] 10:00, 1 May 2020 (UTC)\\n"
    ...              ":Answer. [[User:B|B]] 11:00, 1 May 2020 (UTC)\\n")
    >>> [(c.author, c.level, c.parent) for c in page.comments]
    [('A', 0, None), ('B', 1, 0)]
    """
    language = language or load_language(lang)
    zone = timezone or language.default_timezone
    reader = timestamp_reader(language, zone)
    with collector_paused():
        lexed = lex(wikitext, language, title)
        blocks = Blocks(lexed)
        return _PageParser(wikitext, language, zone, reader, lexed, blocks, title, mode).run()


class _PageParser:
    def __init__(
        self,
        text: str,
        lang: Language,
        zone: str,
        reader: TimestampReader,
        lexed: Lexed,
        blocks: Blocks,
        title: str | None,
        mode: Mode,
    ) -> None:
        self.text = text
        self.lang = lang
        self.zone = zone
        self.reader = reader
        self.lexed = lexed
        self.blocks = blocks
        self.masked = lexed.masked
        self.title = title
        self.mode = mode
        self.warnings: list[Diagnostic] = []
        self._invis_cache = (0, -1)  # (offset, last hidden character before it)
        self._hidden_flags: bytes | None = None

    def run(self) -> Page:
        headings, heading_lines = self._headings()
        stamps = self._stamps()
        raw = self._comments(stamps, heading_lines)
        assign_parents(raw, self.blocks, self.lexed, reader_mode=self.mode == "reader")
        comments = self._finish(raw, headings)
        for offset, page in self.lexed.transclusions:
            self.warnings.append(
                Diagnostic("transclusion", f"transcluded page {page!r} is not expanded", offset)
            )
        return Page(
            title=self.title,
            lang=self.lang.code,
            timezone=self.zone,
            headings=tuple(headings),
            comments=tuple(comments),
            warnings=tuple(self.warnings),
            length=len(self.text),
            source=self.text,
        )

    # headings --------------------------------------------------------------------------------
    def _headings(self) -> tuple[list[Heading], list[int]]:
        headings: list[Heading] = []
        where: list[int] = []
        for i, line in enumerate(self.blocks.lines):
            if line.kind is LineKind.HEADING:
                raw = self.text[line.start : line.end].rstrip()
                level = line.heading_level
                inner = _heading_inner(raw, self.masked[line.start : line.end], level)
                headings.append(Heading(heading_title(inner), level, (line.start, line.end)))
                where.append(i)
        return headings, where

    # timestamps ------------------------------------------------------------------------------
    def _stamps(self) -> list[_Stamp]:
        blocks, reader = self.blocks, self.reader
        out: list[_Stamp] = []
        for m in reader.finditer(self.masked):
            a, b = m.span()
            line = blocks.lines[blocks.line_at(a)]
            if line.kind in (LineKind.HEADING, LineKind.TABLE) or blocks.crosses_bound(a, b):
                continue
            parsed = reader.read(m)
            if parsed is None:
                self.warnings.append(Diagnostic("invalid-date", f"impossible date {m.group()!r}", a))
                continue
            out.append(_Stamp(a, b, parsed.when, parsed.warning))
        for note in self.lexed.unsigned:
            parsed = None
            full = reader.regex.search(note.date)
            if full:
                parsed = reader.read(full)
            else:
                bare = reader.bare_regex.search(note.date)
                if bare:
                    parsed = reader.read(bare, zone_label="")
            if parsed is not None:
                out.append(_Stamp(note.start, note.end, parsed.when, parsed.warning, note))
        out.sort(key=lambda s: s.start)
        return out

    # comments --------------------------------------------------------------------------------
    def _comments(self, stamps: list[_Stamp], heading_lines: list[int]) -> list[RawComment]:
        blocks = self.blocks
        lines = blocks.lines
        heading_starts = [lines[i].start for i in heading_lines]
        comments: list[RawComment] = []
        cur_end = 0
        i = 0
        while i < len(stamps):
            st = stamps[i]
            i += 1
            h = bisect.bisect_right(heading_starts, st.start) - 1
            if h >= 0:
                cur_end = max(cur_end, lines[heading_lines[h]].end)
            if st.start < cur_end:
                continue
            lo = max(blocks.block_start(st.start), cur_end)
            sig = self._signature(lo, st)
            if sig is None:
                continue  # an unsigned timestamp: its text joins the next comment
            end = blocks.block_end(st.end)
            if h + 1 < len(heading_starts):
                end = min(end, heading_starts[h + 1])
            sigs = [sig]
            prev = st
            while i < len(stamps) and stamps[i].start < end:
                extra = self._signature(prev.end, stamps[i])
                if extra is not None:
                    if self.mode == "reader" and self._is_addendum(prev, extra):
                        end = prev.end  # "Addendum: ... ~~~~" added later: a comment of its own
                        break
                    sigs.append(extra)
                prev = stamps[i]
                i += 1
            start = blocks.first_content(cur_end, st.end)
            if start is None or start > sig.span[0]:
                start = sig.span[0]
            start = self._with_leading_markup(start, cur_end)
            end = start + len(self.masked[start:end].rstrip())
            end = max(end, st.end)
            start_level = blocks.indent_at(start)
            end_level = blocks.indent_at(st.start)
            c = RawComment(
                start=start,
                end=end,
                sigs=sigs,
                start_level=start_level,
                end_level=end_level,
                heading=h if h >= 0 else None,
            )
            if start_level != end_level:
                c.warnings.append("Comment starts and ends with different indentation")
            if st.warning:
                c.warnings.append(st.warning)
            c.notice = self._is_notice(start, end)
            comments.append(c)
            cur_end = end
        return comments

    def _with_leading_markup(self, start: int, floor: int) -> int:
        """Move a comment's start back over the markup that opens it, like ``{{re|X}}``."""
        lo = max(floor, self.blocks.lines[self.blocks.line_at(start)].content)
        k = start
        while k > lo and self.masked[k - 1] == INVIS:
            k -= 1
        while k < start and self.text[k] in " \t":
            k += 1
        return k

    def _is_addendum(self, prev: _Stamp, sig: Signature) -> bool:
        """Whether a second signature closes text added later, rather than re-signing.

        "Amended ~~~~", a struck word and a re-signed typo fix stay one comment (as in
        DiscussionTools); a later signature after a sentence or more of new text is a new comment.
        """
        if sig.timestamp <= prev.when:
            return False
        between = self._readable(prev.end, sig.span[0])
        return len(_WORD.findall(between)) >= ADDENDUM_MIN_WORDS

    def _is_notice(self, start: int, end: int) -> bool:
        notices = self.lang.templates.notices
        if not notices:
            return False
        # A comment is a notice only if its visible text holds a notice phrase, so only if its
        # source holds every word of it (in lower case: the phrases have no letter that
        # lowering and case-folding treat differently). Looking for the words there first
        # spares reading the visible text of every comment, which cost more than finding them.
        lower = self.text[start:end].lower()
        if not any(all(w in lower for w in words) for words in _notice_words(notices)):
            return False
        text = " ".join(self._readable(start, end).split()).casefold()
        return any(n in text for n in notices)

    def _signature(self, lo: int, st: _Stamp) -> Signature | None:
        """Find the user link that signs the timestamp ``st``, searching back to ``lo``."""
        if st.note is not None:
            return Signature(st.note.user, st.when, None, st.note.template, (st.start, st.end))
        links, starts = self.lexed.links, self.lexed.link_starts
        j = bisect.bisect_left(starts, st.start) - 1
        user: str | None = None
        first = st.start
        display: str | None = None
        visible = _VisibleCounter(self.masked, self._hidden(), self._last_invis(st.start))
        while j >= 0:
            link = links[j]
            j -= 1
            if link.start < lo:
                break
            if link.end > st.start:
                continue
            if visible.reaches(link.start, SIGNATURE_SCAN_LIMIT):
                break
            if user is None:
                user = link.user
            elif link.user != user:
                continue
            first = link.start
            if link.kind == "user" and link.label and link.label.casefold() != user.casefold():
                display = link.label
        if user is None:
            return None
        return Signature(user, st.when, display, None, (first, st.end))

    def _readable(self, a: int, b: int) -> str:
        """Visible text of ``[a, b)``: the source where the mask shows something, entities decoded.

        Where the mask holds no quoted or literal text, that is the masked text without its
        hidden characters (the source's own, where it shows); otherwise the source is read run
        by run of shown characters.
        """
        masked = self.masked[a:b]
        if OPAQUE in masked:
            out = "".join(self.text[a + m.start() : a + m.end()] for m in _SHOWN.finditer(masked))
        else:
            out = masked
            if INVIS in out:
                out = out.replace(INVIS, "")
            if PLACEHOLDER in out:
                out = out.replace(PLACEHOLDER, "")
        return html.unescape(out) if "&" in out else out

    def _hidden(self) -> bytes:
        """:func:`hidden_flags` of the page (made once, for :class:`_VisibleCounter`)."""
        if self._hidden_flags is None:
            self._hidden_flags = hidden_flags(self.masked)
        return self._hidden_flags

    def _last_invis(self, pos: int) -> int:
        """Offset of the last hidden character before ``pos`` (-1 if none).

        Timestamps are looked at in page order, so each call searches only the text since the
        previous one: a page of unsigned timestamps after one hidden character is read once.
        """
        before, found = self._invis_cache
        if pos >= before:
            k = self.masked.rfind(INVIS, before, pos)
            found = found if k == -1 else k
        else:
            found = self.masked.rfind(INVIS, 0, pos)
        self._invis_cache = (pos, found)
        return found

    # output ----------------------------------------------------------------------------------
    def _finish(self, raw: list[RawComment], headings: list[Heading]) -> list[Comment]:
        out: list[Comment] = []
        ids: dict[str, int] = {}
        anchors = _anchors(headings)
        for c in raw:
            first = c.sigs[0]
            base = _comment_id(first.author, first.timestamp)
            if c.parent is not None:
                p = raw[c.parent].sigs[0]
                cid = f"{base}-{_comment_id(p.author, p.timestamp)[2:]}"
            elif c.heading is not None:
                cid = f"{base}-{anchors[c.heading]}"
            else:
                cid = base
            n = ids.get(cid, 0)
            ids[cid] = n + 1
            warnings = [Diagnostic("comment", w, c.start) for w in c.warnings]
            if n:
                cid = f"{cid}-{n}"
                warnings.append(Diagnostic("duplicate-id", "Duplicate comment ID", c.start))
            pieces = c.pieces
            out.append(
                Comment(
                    id=cid,
                    author=first.author,
                    timestamp=first.timestamp,
                    level=c.level,
                    parent=c.parent,
                    heading=c.heading,
                    text=self.plain_text(pieces, [s.span for s in c.sigs]),
                    signatures=tuple(c.sigs),
                    display_name=first.display_name,
                    spans=tuple(pieces),
                    warnings=tuple(warnings),
                )
            )
        return out

    def plain_text(self, pieces: list[tuple[int, int]], cut: list[tuple[int, int]]) -> str:
        """Readable text of source ranges, markup and signature ranges removed."""
        parts: list[str] = []
        for a, b in pieces:
            pos = a
            for s, e in cut:
                if a <= s < b:
                    parts.append(self._readable(pos, s))
                    pos = max(pos, e)
            if pos < b:
                parts.append(self._readable(pos, b))
            parts.append("\n")
        # each line without its list prefix, stripped; empty lines left out (map and filter
        # run in C: a regex or a Python loop per line cost more than the rest of the parse)
        lines = "".join(parts).split("\n")
        body = "\n".join(filter(None, map(str.strip, map(str.lstrip, lines, repeat(_LIST_PREFIX)))))
        return _without_trailing_dashes(body).strip()


class _VisibleCounter:
    """Visible characters between a user link and a timestamp, as DiscussionTools counts them.

    The plain text just before the timestamp shares its text node and does not count, so the
    count covers ``[a, last)``, ``last`` being the last hidden character before the timestamp:
    the stripped runs of text between hidden characters. Asked for ever earlier offsets ``a``
    (the links before a timestamp, nearest first), it reads each run once and stops at the
    limit, instead of counting the whole stretch again for every link. Runs are found with
    ``bytes.rfind`` in ``hidden`` (one byte per character, 0 where the mask hides it), which
    steps over a stretch of hidden characters at once rather than one ``rfind`` per character.
    """

    def __init__(self, masked: str, hidden: bytes, last: int) -> None:
        self.masked = masked
        self.hidden = hidden  # see hidden_flags
        self.last = last
        self.boundary = last  # the leftmost hidden character whose runs to the right are counted
        self.total = 0  # visible characters in the runs between boundary and last

    def reaches(self, a: int, limit: int) -> bool:
        """Whether the text from ``a`` to the last hidden character shows ``limit`` characters."""
        if self.last < a:
            return False  # no hidden character after a: all of it is the timestamp's text node
        masked, hidden = self.masked, self.hidden
        while self.total < limit:
            # the nearest run of shown characters left of the boundary, within [a, boundary)
            end = hidden.rfind(b"\x01", a, self.boundary)
            if end == -1:
                self.boundary = a  # only hidden characters left down to a
                break
            before = hidden.rfind(b"\x00", a, end)  # the hidden character just before the run
            if before == -1:
                self.boundary = end + 1  # the run reaches a: what is left is its part
                break
            self.total += len(masked[before + 1 : end + 1].strip())
            self.boundary = before
        # the counted runs only grow as a moves left: past the limit, it stays past it
        return self.total >= limit or self.total + len(masked[a : self.boundary].strip()) >= limit


def hidden_flags(masked: str) -> bytes:
    """One byte per character of ``masked``: 0 for ``INVIS``, 1 for anything else (in C: the
    text as Latin-1, other characters replaced by "?", then every byte but 0 made 1)."""
    return masked.encode("latin-1", "replace").translate(_SHOWN_FLAG)


_SHOWN_FLAG = bytes([0] + [1] * 255)
_SHOWN = re.compile("[^" + INVIS + PLACEHOLDER + "]+")
_LIST_PREFIX = ":*#;"  # characters of a list item's prefix
_DASHES = "-~\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2060"


def _without_trailing_dashes(text: str) -> str:
    """The text without the run of whitespace and dashes at its end (what is left of a
    signature's "--" or "~~"), cut by ``rstrip`` rather than a regex tried at every offset."""
    while True:
        cut = text.rstrip().rstrip(_DASHES)
        if cut == text:
            return cut
        text = cut


def _heading_inner(raw: str, masked: str, level: int) -> str:
    body = raw.strip()
    return body[level:-level] if len(body) > 2 * level else body.strip("=")


HEADING_MARKUP_LIMIT = 32  # openings of templates, links and tags in a heading given to mwparserfromhell
_HEADING_MARKUP = re.compile(r"[{}\[\]<>&'\x00-\x08\n-\x1f\x7f]|://|^\s*(?:[:;*#=]|----)")  # what mwparserfromhell may read as markup
_CRUDE_MARKUP = re.compile(r"<[^<>\n]*>|'{2,}|[{}\[\]|]+")


def heading_title(wikitext: str) -> str:
    """Render a heading's wikitext as its visible title (links as labels, markup removed).

    A heading with more than ``HEADING_MARKUP_LIMIT`` openings of templates, links and tags
    (real ones have a few) loses its markup characters instead: mwparserfromhell takes time
    in the square of the heading's length on unclosed ones (a heading of 20,000 "{{a|" took
    minutes).
    """
    if not _HEADING_MARKUP.search(wikitext):
        return " ".join(wikitext.split())  # plain text: nothing for mwparserfromhell to do
    if wikitext.count("{{") + wikitext.count("[") + wikitext.count("<") > HEADING_MARKUP_LIMIT:
        text = _CRUDE_MARKUP.sub(" ", wikitext)
        return " ".join(html.unescape(text).split())
    import mwparserfromhell

    code = mwparserfromhell.parse(wikitext)
    for link in code.filter_wikilinks(recursive=False):
        title = str(link.title).strip()
        if link.text is None and title.startswith(":"):
            code.replace(link, title[1:])  # [[:Category:X]] shows "Category:X"
    text = code.strip_code(normalize=True, collapse=True, keep_template_params=False)
    return " ".join(html.unescape(text).split())


def _anchors(headings: list[Heading]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for h in headings:
        anchor = "h-" + h.title.replace(" ", "_")
        n = seen.get(anchor, 0)
        seen[anchor] = n + 1
        out.append(anchor if n == 0 else f"{anchor}_{n + 1}")
    return out


_FORMAT_SWITCH = datetime(2022, 7, 12, tzinfo=timezone.utc)


@functools.cache
def _notice_words(notices: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The words of each notice phrase (case-folded, as the phrases are), the rarest first so
    that a comment without the phrase fails on the first: the longest, but words every talk
    page has last, and words of one or two letters left out."""
    return tuple(tuple(sorted((w for w in set(re.findall(r"\w+", n)) if len(w) > 2),
                              key=lambda w: (w in _TALK_WORDS, -len(w), w)))
                 for n in notices)


_TALK_WORDS = frozenset({"discussion", "comments", "comment", "please", "notice"})


def _comment_id(author: str, when: datetime) -> str:
    """DiscussionTools-style comment id part: ``c-<author>-<time>``."""
    w = when  # formatted field by field: strftime cost more than the rest of the id
    if when < _FORMAT_SWITCH:
        stamp = f"{w.year:04d}-{w.month:02d}-{w.day:02d}T{w.hour:02d}:{w.minute:02d}:{w.second:02d}.000Z"
    else:
        stamp = f"{w.year:04d}{w.month:02d}{w.day:02d}{w.hour:02d}{w.minute:02d}{w.second:02d}"
    return "c-" + author.replace(" ", "_")[:80] + "-" + stamp
