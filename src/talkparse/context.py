"""Linking context: a page's thread structure indexed, and each comment's text features.

The linkers (:mod:`talkparse.link`) ask, for many pairs of comments, how one stands to the other
in the threads and what one says about the other. The structure is indexed once (an Euler tour
of the reply tree, sections and their subsections, runs of one author's comments) and what
depends on one comment only (folded sentences, cue hits, references, similarity vectors) is
computed once, so that any page is analysed in time linear in its size.

The work is bounded: a question or an action is followed through at most ``MAX_FOLLOW`` related
comments (its replies, the later comments of its section, the response sections among the next
``RESPONSE_WINDOW`` sections), a comment's topics compete for a reply in groups of
``MAX_TOPICS``, and a reply is read for at most ``MAX_REPLY_SENTENCES`` sentences and
``MAX_POINTS`` points. Real pages stay inside these limits (see the figures below), so they
change nothing there.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz, process

from .detect import ActionHit, Lexicon, QuestionHit, is_question_text
from .model import ActionKind, Page, Span
from .units import CommentUnits, Item, Unit, fold

# Thresholds, set on the development pages with those of talkparse.link (see
# benchmarks/audit_accuracy.py).
TOPIC_MIN = 0.10  # similarity that shows a reply talks about a question
SENTENCE_MIN = 0.05  # a reply sentence this close to a question, and closer than to any other
OBJECT_WEIGHT = 3.0  # summed IDF of the object words a completion must share with the action
OBJECT_SHARE = 0.3  # ... or this share of the object's weight (short pages have low IDF)

# Limits that keep the work linear in the page's size on pathological pages (see the module's
# docstring). On the labelled pages and the corpus, comments that answer or settle something
# are at most 161 sections apart, a comment has at most 26 topics, a reply at most 101
# sentences and 97 points, and following at most 100 related comments gives the same results
# as following all of them (up to 139), where 50 would not.
MAX_FOLLOW = 100  # related comments a question or an action is followed through, in page order
RESPONSE_WINDOW = 200  # sections after a question's section where a response section may be
MAX_TOPICS = 100  # topics of a comment that compete for a reply's sentences (in groups)
MAX_REPLY_SENTENCES = 400  # sentences of a reply compared with the topics
MAX_POINTS = 300  # items on each side of a point-by-point match
EARLIER_DEPTH = 64  # levels up a reply is followed to find what it is under, when that is later

_WORD = re.compile(r"[^\W\d_]{3,}|\d{3,}", re.U)
_ALTERNATIVE = re.compile(r",? (or|oder|o|u|ou|of) (\w+ ){1,8}\w+\s*[?？]?$")
# what a question asks for: a time ("since when", "seit wann", "desde cuando") or a count
_ANSWER_TYPES = {
    "when": re.compile(r"\b(since when|what year|which year|seit wann|in welchem jahr|desde cuando|en que ano|en que fecha|when (was|were|did|has|had))\b"),
    "count": re.compile(r"\b(how many|how much|wie viele|wie viel|cuantos|cuantas|cuanto|cuanta)\b"),
    "duration": re.compile(r"\b(how long|wie lange?|cuanto tiempo|cuanto tarda|cuantos dias|cuantas semanas)\b"),
    "who": re.compile(r"^(\w+ )?(who|whom|wer|wem|quien|quienes)\b|[-–—,] ?(who|where|wer|wo|quien|donde)\b|^(\w+ )?(where|wo|donde)\b"),
}
# a quantity in words: "About a third", "Seven.", "Die Hälfte", "Unos veinte"
_COUNT_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|dozen|dozens|half|third|quarter|most|none|few|several|"
    r"zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn|elf|zwolf|zwanzig|dreissig|hundert|halfte|drittel|"
    r"viertel|meisten|keine|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|veinte|treinta|"
    r"cien|mitad|tercio|cuarto|mayoria|ninguno|ninguna)\b"
)
_DURATION = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|several|couple of|"
    r"ein|eine|einen|zwei|drei|vier|funf|sechs|paar|un|una|dos|tres|cuatro|cinco|seis|unos|unas)"
    r"( or \w+| bis \w+| o \w+)? (minutes?|hours?|days?|weeks?|months?|years?|minuten|stunden|tage[n]?|"
    r"wochen|woche|monate[n]?|monat|jahre[n]?|jahr|minutos?|horas?|dias?|semanas?|meses|mes|anos?)\b"
)
# a short sentence that says yes or no: "Grudgingly, yes.", "Nope, never."
_POLAR_WORD = re.compile(r"\b(yes|no|yep|nope|ja|nein|si|sí)\b")
# "Morwenna, you said…", "@Hiltrud: …": a name of one to three words, then a comma or colon
_VOCATIVE = re.compile(r"^@?([A-ZÀ-Þ][\w'’.-]*(?: [A-ZÀ-Þ][\w'’.-]*){0,2})\s*[,:]\s")
_THANKS = re.compile(r"(thanks?|thank you|many thanks|danke|vielen dank|gracias|muchas gracias|merci)\b")
_NUMBERED = re.compile(
    r"\b(ref|refs|reference|note|footnote|fn|nota|referencia|einzelnachweis|en|punkt|point|item|image|file|bild|imagen)\.?\s*(\d{1,3})\b"
)
_POINT_REF = re.compile(
    r"^(?:(?:re|zu|to|point|punkt|ad|sobre|item|nr|no|n°|numero|number)\.?\s*(\d{1,2})\b|\(?(\d{1,2})[).:]\s"
    r"|(?:on|zu|sobre|en|in|bei) \((\d{1,2})\))"  # "On (2): yes, …"
)
GENERIC_WORDS = frozenset(
    "inform notify notifi know let make sure take might day days time first soon possib please "
    "thank thanks hope like would could should also well just need want work once done again "
    "keep mind follow instruc think guess believe sure maybe perhap probab".split()
)
# the words of reporting something done, not what was done
COMPLETION_WORDS = frozenset(
    "done fixed sent added remove remov correc replac update upload submit return transf refund "
    "provid publis comple posted resolv addres expand cited source sourced thank erledi behobe "
    "hecho listo fait corrig already sort passt klappt stimmt".split()
)


def stems(text: str, stop: frozenset[str]) -> list[str]:
    """Content-word stems: folded, stop words dropped, plural -s cut, at most six letters;
    numbered things keep their number ("ref 31" -> "ref#31", "Punkt 2" -> "punkt#2")."""
    folded = fold(text)
    # interned: the words of a page are a few thousand strings, not one per occurrence
    out = [sys.intern(f"{m.group(1)[:5]}#{m.group(2)}") for m in _NUMBERED.finditer(folded)]
    out += [_stem(w) for w in _WORD.findall(folded) if w not in stop]
    return out


@functools.lru_cache(maxsize=1 << 16)  # a page's words are a few thousand, used again and again
def _stem(w: str) -> str:
    if len(w) > 4 and w.endswith("s"):
        w = w[:-1]
    for suffix in ("ing", "ed", "e"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return sys.intern(w[:6])


def receipt(lex: Lexicon, texts: list[str]) -> bool:
    """The requester confirms the thing arrived ("received", "reviewed and approved")."""
    return any(lex.any("receipt", t) for t in texts)


@dataclass(slots=True)
class _Vec:
    weights: dict[str, float]
    norm: float


class Grid:
    """Similarities of topics (rows) to a reply's sentences (columns), and what is read from
    them, each computed when first asked for: each topic's best similarity, each sentence's
    best topic."""

    def __init__(self, rows: list[list[float]], statements: list[bool]) -> None:
        self.rows = rows
        self.statements = statements
        self.sims = [max(row) for row in rows]  # each topic's best similarity
        self._col_max: list[float] | None = None
        self._claimed: set[int] | None = None

    @property
    def col_max(self) -> list[float]:
        """Each sentence's best similarity to any topic."""
        if self._col_max is None:
            rows = self.rows
            self._col_max = [max(row[k] for row in rows) for k in range(len(self.statements))]
        return self._col_max

    @property
    def claimed(self) -> set[int]:
        """The topics that some sentence resembles most (the first topic, on a tie), clearly."""
        if self._claimed is None:
            rows = self.rows
            owner = [max(range(len(rows)), key=lambda t: rows[t][k]) for k in range(len(self.statements))]
            self._claimed = {owner[k] for k in range(len(owner)) if rows[owner[k]][k] >= TOPIC_MIN}
        return self._claimed

    @property
    def free(self) -> bool:
        """Whether a statement of the reply resembles no topic."""
        return any(st and m < SENTENCE_MIN for st, m in zip(self.statements, self.col_max))

    @property
    def covered(self) -> int:
        return sum(1 for x in self.sims if x >= TOPIC_MIN)

    @property
    def best(self) -> float:
        return max(self.sims)


def _cosine(va: _Vec, vb: _Vec) -> float:
    if len(va.weights) > len(vb.weights):
        va, vb = vb, va
    dot = sum(w * vb.weights.get(k, 0.0) for k, w in va.weights.items())
    return dot / (va.norm * vb.norm)


class _ReplyTree:
    """The reply tree of a page: ancestry in constant time (an Euler tour), depths and roots.

    Comments whose parents lead into a cycle (never made by the parser) are not in the tour;
    questions about them walk the parents, as before.
    """

    def __init__(self, parents: list[int | None]) -> None:
        n = len(parents)
        self.parents = parents
        children: list[list[int]] = [[] for _ in range(n)]
        roots = []
        for i, p in enumerate(parents):
            if p is None:
                roots.append(i)
            else:
                children[p].append(i)
        self.enter = [-1] * n
        self.leave = [-1] * n
        self.depth = [0] * n
        self.root = list(range(n))
        self.top = [-1] * n  # the largest index among a comment's ancestors
        clock = 0
        for r in roots:
            self.enter[r] = clock
            clock += 1
            stack = [(r, iter(children[r]))]
            while stack:
                node, rest = stack[-1]
                child = next(rest, None)
                if child is None:
                    self.leave[node] = clock - 1
                    stack.pop()
                    continue
                self.enter[child] = clock
                clock += 1
                self.depth[child] = self.depth[node] + 1
                self.root[child] = self.root[node]
                self.top[child] = max(node, self.top[node])
                stack.append((child, iter(children[child])))

    def in_tour(self, c: int) -> bool:
        return self.enter[c] >= 0

    def below(self, c: int, of: int) -> bool:
        """Whether ``c`` is ``of`` or one of its replies, direct or not (both in the tour)."""
        return self.enter[of] <= self.enter[c] <= self.leave[of]

    def walk_root(self, c: int) -> int:
        """The root of ``c``'s thread, walking the parents (at most once round a cycle)."""
        seen = 0
        while self.parents[c] is not None and seen < len(self.parents):
            c = self.parents[c]  # type: ignore[assignment]
            seen += 1
        return c


class _ItemCues(NamedTuple):
    """What a reply's item says, for following actions: folded sentences and their cues."""

    item: Item
    texts: list[str]  # folded sentences, not quoted or struck (the item's text if none)
    completions: list[str]  # sentences reporting something done
    commits: bool  # promises something
    assents: bool  # "Of course."
    withdraws: bool
    refuses: bool
    receipt: bool  # "received", "got it"


class PageContext:
    """Thread structure and item vectors of a page, shared by the linkers."""

    def __init__(self, page: Page, units: list[CommentUnits], lex: Lexicon) -> None:
        self.page = page
        self.units = units
        self.lex = lex
        comments = page.comments
        self.children: dict[int, list[int]] = {}
        for i, c in enumerate(comments):
            if c.parent is not None:
                self.children.setdefault(c.parent, []).append(i)
        # each item's stems, counted (in the order they first occur, as a list would give them)
        self.stems: dict[tuple[int, int], Counter[str]] = {}
        df: Counter[str] = Counter()
        for cu in units:
            for it in cu.items:
                words = Counter(stems(" ".join(filter(None, (it.block_label, it.text))), lex.stopwords))
                self.stems[(it.comment, it.index)] = words
                df.update(words.keys())
        n = max(1, len(self.stems))
        # words in many items (the page's subject, "article", "source") say little about topic
        self.common = frozenset(w for w, d in df.items() if d >= max(3, 0.05 * n))
        # smoothed, as in scikit-learn: words shared by question and answer keep some weight
        self.idf = {w: 1.0 + math.log((n + 1) / (d + 1)) for w, d in df.items()}
        self._vecs: dict[tuple[int, int], _Vec] = {}
        self.actions_in: dict[int, list[ActionHit]] = {}  # comment -> its action items
        self.questions_in: dict[int, list[QuestionHit]] = {}  # comment -> its questions
        self._answers: dict[int, list[Unit]] = {}
        self.objects: list[set[str]] | None = None  # what every action is about, once known
        self._text_vecs: dict[str, _Vec] = {}
        self._folded: dict[str, str] = {}
        self._stems_of: dict[str, list[str]] = {}
        self._index_structure()

    def _index_structure(self) -> None:
        """Indexes that make structural questions cheap: the reply tree, sections and their
        comments, runs of comments by one author, each author's comments."""
        comments = self.page.comments
        headings = self.page.headings
        n = len(comments)
        parents = [c.parent for c in comments]
        self.tree = _ReplyTree(parents)
        self._author = [c.author for c in comments]
        self._key = [-1 if c.heading is None else c.heading for c in comments]
        # the parser writes comments in page order and replies in their own section; a page
        # built otherwise is read by trying every comment
        self._ordered = all(a <= b for a, b in zip(self._key, self._key[1:])) and all(
            p is None or self._key[p] == self._key[i] for i, p in enumerate(parents)
        )
        levels = [h.level for h in headings]
        self._last_sub = [0] * len(headings)  # last subsection of each section
        for h in range(len(headings) - 1, -1, -1):
            k = h + 1
            while k < len(headings) and levels[k] > levels[h]:
                k = self._last_sub[k] + 1
            self._last_sub[h] = k - 1
        # the outermost section each heading is in (below the page's level-1 title, if any)
        self._outer = list(range(len(headings)))
        open_sections: list[int] = []  # the sections heading h is inside, outermost first
        for h in range(len(headings)):
            while open_sections and self._last_sub[open_sections[-1]] < h:
                open_sections.pop()
            if open_sections:
                self._outer[h] = open_sections[0]
            if levels[h] >= 2:
                open_sections.append(h)
        self._run_start = [0] * n  # first comment of the run of comments by the same author
        self._run_end = [0] * n
        for i in range(n):
            same = i > 0 and self._author[i - 1] == self._author[i]
            self._run_start[i] = self._run_start[i - 1] if same else i
        for i in range(n - 1, -1, -1):
            same = i + 1 < n and self._author[i + 1] == self._author[i]
            self._run_end[i] = self._run_end[i + 1] if same else i
        self._by_author: dict[str, list[int]] = {}
        for i, a in enumerate(self._author):
            self._by_author.setdefault(a, []).append(i)
        self._with_comments = sorted({k for k in self._key if k >= 0})
        # replies that precede what they reply to (an interrupted comment's inserted replies)
        self._earlier: dict[int, list[int]] = {}
        tree = self.tree
        for c in range(n):
            if tree.in_tour(c) and tree.top[c] < c:
                continue
            p, steps = parents[c], 0
            while p is not None and steps < EARLIER_DEPTH:
                if p > c:
                    self._earlier.setdefault(p, []).append(c)
                if tree.in_tour(p) and tree.top[p] < c:
                    break  # nothing further up comes after c
                p, steps = parents[p], steps + 1
        # per asking comment, kept only while its questions or actions are linked (comments
        # are linked one after the other): memory stays in proportion to the page
        self._related: dict[tuple[int, bool], list[int]] = {}
        self._labelled: dict[int, int | None] = {}
        self._responses: dict[int | None, list[int]] = {}
        self._response_titles: dict[int, bool] = {}
        self._titles: list[str] | None = None  # folded section titles (see _folded_title)
        self._refs: dict[int, dict[int, list[str]]] = {}
        self._cues: dict[int, list[_ItemCues]] = {}
        self._substantive: dict[int, frozenset[int]] = {}
        self._reply_sentences: dict[tuple[int, bool], list[Unit]] = {}
        self._grids: dict[tuple[int, Span, int, bool], Grid] = {}
        self._topic_texts: dict[tuple[int, Span], list[str]] = {}
        self._topic_index: dict[int, dict[Span, int]] = {}
        self._statements: dict[tuple[int, bool], list[bool]] = {}
        self._units_of: dict[tuple[int, int], tuple[list[Unit], list[int] | None]] = {}
        self._sole: dict[tuple[int, ActionKind], bool] = {}
        self._openings: dict[tuple[int, str], str] = {}
        self._addressed: dict[int, frozenset[str]] = {}
        self._first_names: dict[str, set[str]] | None = None
        self._bare_words: dict[tuple[int, int], frozenset[str]] = {}
        self._relations: dict[int, list[tuple[int, float]]] = {}
        self._topic_words: dict[str, frozenset[str]] = {}
        self.action_objects: dict[ActionHit, frozenset[str]] = {}
        self.own_words: dict[ActionHit | QuestionHit, frozenset[str]] = {}
        self.participles: dict[ActionHit, frozenset[str]] = {}
        self.refusals: dict[int, bool] = {}
        self.objects_union: frozenset[str] = frozenset()
        self._item_ends: dict[int, list[int] | None] = {}

    def sole(self, c: int, kind: ActionKind) -> bool:
        """Whether comment ``c`` asks (or promises) one thing only: its actions of that kind
        are all in one item."""
        found = self._sole.get((c, kind))
        if found is None:
            found = self._sole[(c, kind)] = len(
                {x.unit.item for x in self.actions_in.get(c, ()) if x.kind is kind}
            ) <= 1
        return found

    def own_item_words(self, it: Item) -> frozenset[str]:
        """An item's content words, without the words of completing ("done", "fixed")."""
        key = (it.comment, it.index)
        found = self._bare_words.get(key)
        if found is None:
            found = self._bare_words[key] = frozenset(self.stems[key]) - COMPLETION_WORDS
        return found

    def topic_words(self, text: str) -> frozenset[str]:
        """The content words of a completion, without the words of completing and the generic."""
        found = self._topic_words.get(text)
        if found is None:
            found = self._topic_words[text] = frozenset(
                set(self.text_stems(text)) - COMPLETION_WORDS - GENERIC_WORDS
            )
        return found

    def fold(self, text: str) -> str:
        """:func:`fold`, remembered: the linkers fold the same sentences again and again."""
        out = self._folded.get(text)
        if out is None:
            out = self._folded[text] = fold(text)
        return out

    def text_stems(self, text: str) -> list[str]:
        """:func:`stems` of a text, remembered."""
        out = self._stems_of.get(text)
        if out is None:
            out = self._stems_of[text] = stems(text, self.lex.stopwords)
        return out

    # structure --------------------------------------------------------------------------------
    def is_descendant(self, c: int, of: int) -> bool:
        """Whether comment ``c`` replies to ``of``, directly or not (at most 10000 levels down)."""
        tree = self.tree
        if tree.in_tour(c) and tree.in_tour(of):
            return c != of and tree.below(c, of) and tree.depth[c] - tree.depth[of] <= 10000
        p = self.page.comments[c].parent
        seen = 0
        while p is not None and seen < 10000:
            if p == of:
                return True
            p = self.page.comments[p].parent
            seen += 1
        return False

    def depth_below(self, c: int, of: int) -> int:
        """How many replies down from comment ``of`` comment ``c`` is (a large number when it is
        not below it)."""
        tree = self.tree
        if tree.in_tour(c) and tree.in_tour(of):
            return min(tree.depth[c] - tree.depth[of], 10000) if tree.below(c, of) else 10000
        p: int | None = c
        depth = 0
        while p is not None and p != of and depth < 10000:
            p = self.page.comments[p].parent
            depth += 1
        return depth if p == of else 10000

    def relation(self, q: int, c: int) -> float:
        """How strongly comment ``c``'s place in the page makes it a reply to comment ``q``."""
        comments = self.page.comments
        if c == q or comments[c].author == comments[q].author:
            return 0.0
        if comments[c].parent == q:
            return 1.0
        if self.is_descendant(c, q):
            return 0.8
        if c < q:
            return 0.0
        hq, hc = comments[q].heading, comments[c].heading
        if hq == hc and self.labelled_reply_to(c) == q:
            return 1.0  # "; Respuesta: Listo." under the request it answers
        if hq == hc or self.in_section(hc, hq):  # "=== Survey ===" under the RfC's section
            tree = self.tree
            root = tree.root[c] if tree.in_tour(c) else tree.walk_root(c)
            return 0.6 if root >= q or comments[root].author == comments[q].author else 0.3
        if hc is not None and self.is_response_section(hq, hc):
            # "== Responses to Halvard and Ione ==" with a ping to the asker: a reply to them
            # ... or by one the question pinged ("{{u|Ansel}}: does the report give…?")
            named = comments[q].author in self.units[c].addressees or comments[c].author in self.units[q].addressees
            return 0.8 if named else 0.5
        return 0.0

    def related(self, q: int, *, earlier: bool = True) -> list[int]:
        """The comments whose place makes them possible replies to comment ``q`` (``relation``
        above 0), in page order, at most ``MAX_FOLLOW``; without those before it if not
        ``earlier``.

        Read from the indexes: earlier replies under it, the later comments of its section and
        subsections, then those of response sections among the next ``RESPONSE_WINDOW``.
        """
        found = self._related.get((q, earlier))
        if found is not None:
            return found
        if len(self._related) > 8:
            self._related.clear()
        out: list[int] = []
        if not self._ordered:
            out = [c for c in range(len(self._author)) if (earlier or c > q) and self.relation(q, c) > 0]
            out = out[:MAX_FOLLOW]
        else:
            author = self._author[q]
            if earlier:
                out = [c for c in self._earlier.get(q, ()) if self._author[c] != author][:MAX_FOLLOW]
            hq = self.page.comments[q].heading
            key = -1 if hq is None else hq
            last_key = key if hq is None else self._last_sub[hq]
            self._take(out, q + 1, bisect.bisect_right(self._key, last_key), author)
            for hc in self._response_sections(hq):
                if len(out) >= MAX_FOLLOW:
                    break
                self._take(out, bisect.bisect_left(self._key, hc), bisect.bisect_right(self._key, hc), author)
        self._related[(q, earlier)] = out
        return out

    def related_relations(self, q: int) -> list[tuple[int, float]]:
        """``related(q)`` with the relation of each comment to ``q``."""
        found = self._relations.get(q)
        if found is None:
            if len(self._relations) > 8:
                self._relations.clear()
            found = self._relations[q] = [(c, self.relation(q, c)) for c in self.related(q)]
        return found

    def _take(self, out: list[int], lo: int, hi: int, author: str) -> None:
        """Append the comments ``lo <= c < hi`` not by ``author``, up to ``MAX_FOLLOW`` in all."""
        c = lo
        while c < hi and len(out) < MAX_FOLLOW:
            if self._author[c] == author:
                c = self._run_end[c] + 1  # skip the whole run of the author's comments
                continue
            out.append(c)
            c += 1

    def followers(self, ac: int, *, commitment: bool, personal: bool, to: frozenset[str] = frozenset()) -> list[int]:
        """The comments an action of comment ``ac`` is followed through, in page order: related
        ones (for a commitment, later ones only) and the later comments of its author (only those
        for a personal promise), at most ``MAX_FOLLOW``."""
        mine = self._by_author[self._author[ac]]
        later = mine[bisect.bisect_right(mine, ac) : bisect.bisect_right(mine, ac) + MAX_FOLLOW]
        comments = self.page.comments
        heading = comments[ac].heading
        outer = None if heading is None else self._outer[heading]
        # signed later though written above it, in its section: a closing note at the top
        # ("Karte fertig") or a party's own statement section ("Diff 2 corrected")
        reporters = {self._author[ac]} if commitment else set(self.addressed(ac)) | to
        above = [
            c for w in reporters for c in self._by_author.get(w, ())
            if c < ac and comments[c].parent is None and comments[c].timestamp > comments[ac].timestamp
            and self.in_section(comments[c].heading, outer)
        ]
        if personal:
            return sorted(set(later) | set(above))[:MAX_FOLLOW]
        related = set(self.related(ac, earlier=not commitment)) | set(above)
        # the later comments, in its section, of those who replied to it ("On the photo, I can't
        # find anything firmer." ... "the caption now says 'early 20th century' as well.")
        for replier in {comments[c].author for c in related if comments[c].parent == ac}:
            related.update(
                c for c in self.later_by(replier, ac)
                if comments[c].parent is None and self.in_section(comments[c].heading, outer)
            )  # (not their replies to others, which answer those)
        return sorted(related | set(later))[:MAX_FOLLOW]

    def later_by(self, author: str, c: int) -> list[int]:
        """The comments of ``author`` after comment ``c``, at most ``MAX_FOLLOW``."""
        mine = self._by_author.get(author, [])
        k = bisect.bisect_right(mine, c)
        return mine[k : k + MAX_FOLLOW]

    def in_section(self, h: int | None, section: int | None) -> bool:
        """Whether heading ``h`` is ``section`` or one of its subsections."""
        if h == section:
            return True
        if h is None or section is None or h < section:
            return False
        return h <= self._last_sub[section]

    def labelled_reply_to(self, c: int) -> int | None:
        """The comment that comment ``c`` answers when it opens with a bare "Respuesta" /
        "Reply:" line (noticeboards): the nearest earlier comment by someone else."""
        if c in self._labelled:
            return self._labelled[c]
        found: int | None = None
        items = self.units[c].items
        if items and self.lex.any("response_label", self.fold(items[0].text).strip(" ;:*'")):
            comments = self.page.comments
            k = c - 1
            while k >= 0:
                if self._author[k] == self._author[c]:
                    k = self._run_start[k] - 1  # none of the author's own comments
                    continue
                if comments[k].heading == comments[c].heading:
                    found = k
                    break
                if self._ordered:
                    break  # sections come in page order: no earlier comment is in c's
                k -= 1
        self._labelled[c] = found
        return found

    def _response_sections(self, hq: int | None) -> list[int]:
        """The sections with comments, after section ``hq`` and its subsections and at most
        ``RESPONSE_WINDOW`` sections after it, that respond to it."""
        found = self._responses.get(hq)
        if found is None:
            key = -1 if hq is None else hq
            i = bisect.bisect_right(self._with_comments, key if hq is None else self._last_sub[hq])
            j = bisect.bisect_right(self._with_comments, key + RESPONSE_WINDOW, lo=i)
            window = self._with_comments[i:j]
            # the titles are compared with the question's in one call (a call per pair cost
            # more than the rest of linking on a long archive)
            alike = [False] * len(window)
            if hq is not None and window:
                self._folded_title(hq)
                titles = self._titles
                assert titles is not None
                scores = process.cdist([titles[hq]], [titles[hc] for hc in window],
                                       scorer=fuzz.token_set_ratio, score_cutoff=80)[0]
                alike = [score >= 80 for score in scores]
            found = [hc for hc, same in zip(window, alike) if same or self._named_response(hc)]
            self._responses[hq] = found
        return found

    def is_response_section(self, hq: int | None, hc: int) -> bool:
        """Whether section ``hc`` responds to section ``hq``: its title says it does ("Response",
        "Reply to comments"), or it is much like the title of ``hq``."""
        if self._named_response(hc):
            return True
        if hq is None:
            return False
        return fuzz.token_set_ratio(self._folded_title(hc), self._folded_title(hq), score_cutoff=80) >= 80

    def _named_response(self, hc: int) -> bool:
        named = self._response_titles.get(hc)
        if named is None:
            named = self._response_titles[hc] = self.lex.any("response_heading", self._folded_title(hc))
        return named

    def _folded_title(self, h: int) -> str:
        if self._titles is None:
            self._titles = [fold(x.title) for x in self.page.headings]
        return self._titles[h]

    # text -------------------------------------------------------------------------------------
    def vec(self, item: Item) -> _Vec:
        key = (item.comment, item.index)
        v = self._vecs.get(key)
        if v is None:
            v = self._vecs[key] = self._vector(self.stems[key])
        return v

    def _vector(self, words: list[str] | Counter[str]) -> _Vec:
        counts = Counter(words)
        weights = {w: (1 + math.log(k)) * self.idf.get(w, 1.0) for w, k in counts.items()}
        return _Vec(weights, math.sqrt(sum(x * x for x in weights.values())) or 1.0)

    def similarity(self, a: Item, b: Item) -> float:
        return _cosine(self.vec(a), self.vec(b))

    def label_match(self, q: Item, a: Item) -> float:
        """1.0 when answer item ``a``'s label names question item ``q`` (mirrored bold labels too)."""
        if not a.label:
            return 0.0
        target = self.fold(q.label) if q.label else self.fold(q.text[:120])
        label = self.fold(a.label)
        if q.label:
            return 1.0 if fuzz.token_set_ratio(label, target) >= 75 else 0.0
        if len(label) >= 4 and re.search(r"\b" + re.escape(label) + r"\b", target):
            return 1.0  # "Venue: …" answers "The venue line was USD 1,200 …"
        return 1.0 if fuzz.partial_ratio(label, target) >= 80 and len(label) >= 6 else 0.0

    def block_match(self, q: Item, a: Item) -> float:
        if q.block_label and a.block_label:
            return 1.0 if fuzz.ratio(self.fold(q.block_label), self.fold(a.block_label)) >= 85 else 0.0
        return 0.0

    def shared_weight(self, obj: set[str], other: Item | str) -> float:
        """IDF weight of the object words that ``other`` (an item or a text) mentions."""
        words = self.stems[(other.comment, other.index)] if isinstance(other, Item) else self.text_stems(
            other
        )
        return sum(self.idf.get(w, 1.0) for w in obj.intersection(words))

    def mentions(self, obj: set[str], other: Item | str, total: float | None = None) -> bool:
        """Whether an item (or a sentence) talks about the object: enough of its words, by IDF
        (``total``: the object's weight, when the caller knows it)."""
        if not obj:
            return False
        shared = self.shared_weight(obj, other)
        if total is None:
            total = self.weight(obj)
        return shared >= OBJECT_WEIGHT or (total > 0 and shared / total >= OBJECT_SHARE)

    def weight(self, obj: set[str]) -> float:
        """The summed IDF of an object's words."""
        return sum(self.idf.get(w, 1.0) for w in obj)

    def substantive(self, item: Item) -> bool:
        """Not a bare acknowledgement ("Thanks!") and not only a question back."""
        found = self._substantive.get(item.comment)
        if found is None:
            found = frozenset(u.item for u in self.answer_sentences(item.comment))
            self._substantive[item.comment] = found
        return item.index in found

    def answer_sentences(self, c: int) -> list[Unit]:
        """Sentences of comment ``c`` that can carry an answer: not questions, thanks, quotes or
        "good question, no idea"."""
        out = self._answers.get(c)
        if out is None:
            out = []
            opening = [u for u in self.units[c].units if not u.quoted][:2]
            if any(self.lex.any("shared_wonder", self.fold(u.text)) for u in opening):
                # "I'd like to know that too. Last time I tried, …": one more asker, whatever
                # else the reply says
                self._answers[c] = out
                return out
            for u in self.units[c].units:
                folded = self.fold(u.text)
                if u.quoted or u.struck or (is_question_text(u.text) and not self.states(u.text)):
                    continue
                if self.lex.any("acknowledgement", folded) or self.lex.any("non_answer", folded):
                    continue
                if self.lex.any("indirect_question", folded):
                    continue  # "I'd also like to know whether…" asks, it does not answer
                if folded.rstrip().endswith(":") and len(folded.split()) <= 6:
                    continue  # "Respondemos punto por punto:", "Here are our answers:"
                out.append(u)
            self._answers[c] = out
        return out

    def states(self, question: str) -> bool:
        """Whether a question sentence opens with a statement of its own: "The untranslated
        ones are column names, but I can add translations if you'd prefer?"."""
        head = re.split(r"[,;]\s|\s[–—]\s|¿", question)[0]
        words = fold(head).split()
        return len(words) >= 8 and words[0].strip("\"'(") not in self.lex.question_openers

    def references(self, c: int) -> dict[int, list[str]]:
        """Numbered points a reply refers to ("Re 2: …", "Zu 2: …", "2) …"): number -> the folded
        sentences that follow the reference, up to the next one."""
        out = self._refs.get(c)
        if out is None:
            out = self._refs[c] = {}
            current: int | None = None
            item = -1
            items = self.units[c].items
            for u in self.units[c].units:
                folded = self.fold(u.text)
                if u.item != item:
                    item = u.item
                    if items[item].number is not None:
                        current = items[item].number  # "# Prefiero…" answers point 1 of a "#" list
                m = _POINT_REF.search(folded)
                if m:
                    current = int(m.group(1) or m.group(2) or m.group(3))
                if current is not None:
                    out.setdefault(current, []).append(folded)
        return out

    def units_of(self, c: int, item: int) -> tuple[list[Unit], list[int] | None]:
        """The units of one item of comment ``c``, in order, and their starts when these are
        in order (as the unit builder makes them)."""
        found = self._units_of.get((c, item))
        if found is None:
            lists: dict[int, list[Unit]] = {}
            for u in self.units[c].units:
                lists.setdefault(u.item, []).append(u)
            for it in self.units[c].items:
                units = lists.get(it.index, [])
                starts = [u.span[0] for u in units]
                ordered = all(a <= b for a, b in zip(starts, starts[1:]))
                self._units_of[(c, it.index)] = (units, starts if ordered else None)
            found = self._units_of.setdefault((c, item), ([], []))
        return found

    def last_item_before(self, c: int, pos: int) -> Item | None:
        """The last item of comment ``c`` (in its order) that ends at or before ``pos``."""
        items = self.units[c].items
        if c not in self._item_ends:
            ends = [it.span[1] for it in items]
            self._item_ends[c] = ends if all(a <= b for a, b in zip(ends, ends[1:])) else None
        known = self._item_ends[c]
        if known is None:
            before = [it for it in items if it.span[1] <= pos]
            return before[-1] if before else None
        k = bisect.bisect_right(known, pos)
        return items[k - 1] if k else None

    def item_cues(self, c: int) -> list[_ItemCues]:
        """The items of reply ``c`` that are not struck, with what each says (see _follow)."""
        found = self._cues.get(c)
        if found is None:
            lex = self.lex
            texts_of: dict[int, list[str]] = {}
            for u in self.units[c].units:
                if not (u.quoted or u.struck):
                    texts_of.setdefault(u.item, []).append(self.fold(u.text))
            found = []
            for it in self.units[c].items:
                if it.struck:
                    continue
                texts = texts_of.get(it.index) or [self.fold(it.text)]
                found.append(_ItemCues(
                    item=it,
                    texts=texts,
                    completions=[
                        t for t in texts
                        if lex.completes(t) and not lex.any("request", t) and not lex.any("negation", t)
                    ],
                    commits=any(lex.any("commitment", t) and not lex.any("commitment_exclude", t) for t in texts),
                    assents=any(lex.any("assent", t) for t in texts),
                    withdraws=any(lex.any("withdraw", t) for t in texts),
                    refuses=any(
                        lex.any("decline", t) and (not is_question_text(t) or self.states(t)) for t in texts
                    ),
                    receipt=receipt(lex, texts),
                ))
            self._cues[c] = found
        return found

    def reply_sentences(self, c: int, *, me_too: bool) -> list[Unit]:
        """Answer sentences of reply ``c``, at most ``MAX_REPLY_SENTENCES``; without "Same here"
        ones unless ``me_too`` (the question asks whether others see it too)."""
        key = (c, me_too)
        found = self._reply_sentences.get(key)
        if found is None:
            found = self.answer_sentences(c)
            if not me_too:
                # "Same as Quillon: ISBNs still doubled" reports the problem again; it answers
                # only "Is anyone else seeing this?"
                found = [s for s in found if not self.lex.any("me_too", self.opening(c, s.text))]
            found = self._reply_sentences[key] = found[:MAX_REPLY_SENTENCES]
        return found

    def statements(self, c: int, me_too: bool) -> list[bool]:
        """For each of ``reply_sentences(c)``: a statement of five words or more that neither
        asks nor promises anything."""
        key = (c, me_too)
        found = self._statements.get(key)
        if found is None:
            found = self._statements[key] = [
                len(s.text.split()) >= 5
                and not any(self.lex.any(cue, self.fold(s.text)) for cue in ("request", "commitment"))
                for s in self.reply_sentences(c, me_too=me_too)
            ]
        return found

    def grid(self, group: list[Unit], c: int, me_too: bool) -> Grid:
        """Similarities of a group of a comment's topics to reply ``c``'s sentences, with what
        the linkers read from them (computed once for all the questions of the group)."""
        key = (group[0].comment, group[0].span, c, me_too)
        found = self._grids.get(key)
        if found is None:
            if self._grids and next(iter(self._grids))[0] != key[0]:
                self._grids.clear()  # another asking comment: its grids are done with
                self._topic_texts.clear()
            sentences = self.reply_sentences(c, me_too=me_too)
            tkey = (group[0].comment, group[0].span)
            texts = self._topic_texts.get(tkey)
            if texts is None:
                texts = self._topic_texts[tkey] = [self.topic_text(t, group) for t in group]
            rows = [[self.text_similarity(t, s.text) for s in sentences] for t in texts]
            found = self._grids[key] = Grid(rows, self.statements(c, me_too))
        return found

    def topic_text(self, u: Unit, topics: list[Unit] | None = None) -> str:
        """A question or request with what leads up to it: its item's labels and the sentences
        before it in the item, back to the previous topic ("The lead says 1234, the history
        section 1243. Which year is right?")."""
        item = self.units[u.comment].items[u.item]
        floor = max(
            (t.span[1] for t in topics or () if t.item == u.item and t.span[1] <= u.span[0]), default=-1
        )
        # the sentence just before: "The lead says 1234. Which year is right?"
        siblings, starts = self.units_of(u.comment, u.item)
        if starts is None:
            lead = [
                x.text for x in siblings
                if floor <= x.span[0] and x.span[1] <= u.span[0] and not x.quoted
                and not _THANKS.match(self.fold(x.text))
            ][-1:]
        else:
            # units in page order: only those starting before the question can end before it,
            # and the walk back stops at the previous topic
            lead = []
            for k in range(bisect.bisect_left(starts, u.span[0]) - 1, -1, -1):
                x = siblings[k]
                if x.span[0] < floor:
                    break
                if x.span[1] <= u.span[0] and not x.quoted and not _THANKS.match(self.fold(x.text)):
                    lead = [x.text]
                    break
        return " ".join(filter(None, (item.block_label, item.label, *lead, u.text)))

    def topic_group(self, q: Unit, topics: list[Unit]) -> tuple[list[Unit], int]:
        """The group of ``MAX_TOPICS`` topics that question ``q`` competes in (all of them, on any
        real page), and its index there."""
        index = self._topic_index.get(q.comment)
        if index is None:
            index = self._topic_index[q.comment] = {t.span: i for i, t in enumerate(topics)}
        i = index[q.span]
        start = i - i % MAX_TOPICS
        return topics[start : start + MAX_TOPICS], i - start

    def text_similarity(self, a: str, b: str) -> float:
        """IDF-weighted cosine of two texts' content words."""
        return _cosine(self._text_vec(a), self._text_vec(b))

    def _text_vec(self, text: str) -> _Vec:
        v = self._text_vecs.get(text)
        if v is None:
            v = self._text_vecs[text] = self._vector(stems(text, self.lex.stopwords))
        return v

    def vocative(self, c: int, text: str) -> frozenset[str]:
        """The one user a sentence of comment ``c`` opens by naming ("Pellam, could you
        correct it?"), if the name is a page author's (a first name is enough)."""
        m = _VOCATIVE.match(text)
        if not m:
            return frozenset()
        self.addressed(c)  # builds the first-name index
        who = (self._first_names or {}).get(fold(m.group(1)), set()) - {self._author[c]}
        return frozenset(who) if len(who) == 1 else frozenset()

    def addressed(self, c: int) -> frozenset[str]:
        """The users comment ``c`` speaks to: those it pings, or the one it opens by naming
        ("Morwenna, you said above that you would look…"; a first name is enough)."""
        found = self._addressed.get(c)
        if found is None:
            found = self.units[c].addressees
            units = self.units[c].units
            m = _VOCATIVE.match(units[0].text) if units else None
            if self._first_names is None or (not found and m):
                if self._first_names is None:
                    self._first_names = {}
                    for author in self._by_author:
                        for key in {fold(author), fold(author).split(" ", 1)[0]}:
                            if len(key) >= 3:
                                self._first_names.setdefault(key, set()).add(author)
                if not found and m:
                    who = self._first_names.get(fold(m.group(1)), set()) - {self._author[c]}
                    if len(who) == 1:
                        found = frozenset(who)
            self._addressed[c] = found
        return found

    def opening(self, c: int, text: str) -> str:
        """A reply sentence, folded, without the names it pings first ("{{ping|A}} Yes, …")."""
        found = self._openings.get((c, text))
        if found is None:
            folded = self.fold(text).lstrip(" @:,")
            for name in sorted(self.units[c].addressees, key=len, reverse=True):
                n = self.fold(name)
                if folded.startswith(n):
                    folded = folded[len(n):].lstrip(" @:,")
            found = self._openings[(c, text)] = folded
        return found

    def typed_answer(self, question: str, sentences: list[Unit]) -> bool:
        """Whether a reply gives the kind of thing a "when" or "how many" question asks for:
        a year or a number that the question does not already hold."""
        folded = fold(question).lstrip("¿¡ \"'“„«")
        kind = next((k for k, pattern in _ANSWER_TYPES.items() if pattern.search(folded)), None)
        if kind is None:
            return False
        if kind == "duration":
            # "How long does it normally take?" - "The queue is about four months at the moment."
            return any(_DURATION.search(fold(s.text)) for s in sentences[:3])
        if kind == "who":
            # "Who paid for it?" - "La Diputación, with a subscription." / "Where?" - "Devonport."
            return any(_names_only(s.text, self.lex.stopwords) for s in sentences)
        given = set(re.findall(r"\d+", folded))
        found = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b" if kind == "when" else r"\b\d[\d,.]*\b")
        if kind == "count" and any(
            _COUNT_WORDS.search(f) and not _COUNT_WORDS.search(folded) and len(f.split()) <= 12
            for f in (fold(s.text) for s in sentences[:2])
        ):
            return True
        return any(
            m.group(0) not in given for s in sentences for m in found.finditer(fold(s.text))
        )

    def short_polar(self, sentences: list[Unit]) -> bool:
        """Whether a reply holds a sentence of a few words that says yes or no ("Grudgingly, yes.")."""
        return any(
            len(f.split()) <= 4 and _POLAR_WORD.search(f) for f in (fold(s.text) for s in sentences)
        )

    def polar(self, text: str) -> bool:
        """A yes/no question: it does not start with a question word, and offers no choice
        ("Is this a known bug, or have I changed a setting?")."""
        folded = fold(text).lstrip("¿¡ ")
        if _ALTERNATIVE.search(folded):
            return False
        return folded.split(" ", 1)[0] not in self.lex.stopwords_wh


def _names_only(text: str, stopwords: frozenset[str]) -> bool:
    """A short fragment that names someone or somewhere: its first word a capitalised name, and
    no verb-like word after it ("La Diputación, con una suscripción popular.", "Devonport.")."""
    words = re.findall(r"[\w'’-]+", text)
    if not 1 <= len(words) <= 9:
        return False
    caps = [w for w in words if w[:1].isupper() and fold(w) not in stopwords]
    if not caps or not (words[0] in caps or fold(words[0]) in stopwords and len(words) > 1 and words[1] in caps):
        return False
    return len(words) <= 3 or "," in text
