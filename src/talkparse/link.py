"""Linking: which later comments answer each question, and which settle each action item.

Thread structure comes first (replies, later comments in the section, a response section that
mirrors the questions' headings or bold labels, ``Label: answer`` items), text similarity
second, and a one-to-one assignment when a reply answers a list of questions point by point.
A reply answers a question when it is about that question's part of the comment: a reply that
only addresses another paragraph of a many-topic comment does not answer the question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from .detect import ActionHit, Lexicon, QuestionHit, is_question_text
from .model import ActionKind, ActionStatus, Page, QuestionStatus
from .units import CommentUnits, Item, Unit, fold

# Weights and thresholds, set on the development pages (see benchmarks/audit_accuracy.py).
POINT_THRESHOLD = 0.30  # score of an assigned item in a point-by-point reply
POINT_MIN = 0.12  # ... when the pair is also the best match of the question or of the answer
ANSWER_KEEP = 0.75  # other answering comments listed when they score this share of the best
TOPIC_MARGIN = 0.08  # how much better another paragraph may match before a reply is "about it"
TOPIC_MIN = 0.10  # similarity that shows a reply talks about a question
SENTENCE_MIN = 0.05  # a reply sentence this close to a question, and closer than to any other
TOPIC_STRONG = 0.20  # ... that shows it talks about another point of the comment
OBJECT_WEIGHT = 3.0  # summed IDF of the object words a completion must share with the action
OBJECT_SHARE = 0.3  # ... or this share of the object's weight (short pages have low IDF)

_WORD = re.compile(r"[^\W\d_]{3,}|\d{3,}", re.U)
_ALTERNATIVE = re.compile(r",? (or|oder|o|u|ou|of) (\w+ ){1,8}\w+\s*[?？]?$")
# what a question asks for: a time ("since when", "seit wann", "desde cuando") or a count
_ANSWER_TYPES = {
    "when": re.compile(r"\b(since when|what year|which year|seit wann|in welchem jahr|desde cuando|en que ano|en que fecha|when (was|were|did|has|had))\b"),
    "count": re.compile(r"\b(how many|how much|wie viele|wie viel|cuantos|cuantas|cuanto|cuanta)\b"),
}
_THANKS = re.compile(r"(thanks?|thank you|many thanks|danke|vielen dank|gracias|muchas gracias|merci)\b")
_NUMBERED = re.compile(
    r"\b(ref|refs|reference|note|footnote|fn|nota|referencia|einzelnachweis|en|punkt|point|item|image|file|bild|imagen)\.?\s*(\d{1,3})\b"
)
_POINT_REF = re.compile(
    r"^(?:(?:re|zu|to|point|punkt|ad|sobre|item|nr|no|n°|numero|number)\.?\s*(\d{1,2})\b|\(?(\d{1,2})[).:]\s)"
)
_GENERIC = frozenset(
    "inform notify notifi know let make sure take might day days time first soon possib please "
    "thank thanks hope like would could should also well just need want work once done again "
    "keep mind follow instruc think guess believe sure maybe perhap probab".split()
)


def stems(text: str, stop: frozenset[str]) -> list[str]:
    """Content-word stems: folded, stop words dropped, plural -s cut, at most six letters;
    numbered things keep their number ("ref 31" -> "ref#31", "Punkt 2" -> "punkt#2")."""
    folded = fold(text)
    out = [f"{m.group(1)[:5]}#{m.group(2)}" for m in _NUMBERED.finditer(folded)]
    for w in _WORD.findall(folded):
        if w in stop:
            continue
        if len(w) > 4 and w.endswith("s"):
            w = w[:-1]
        for suffix in ("ing", "ed", "e"):
            if len(w) > len(suffix) + 3 and w.endswith(suffix):
                w = w[: -len(suffix)]
                break
        out.append(w[:6])
    return out


@dataclass(slots=True)
class _Vec:
    weights: dict[str, float]
    norm: float


def _cosine(va: _Vec, vb: _Vec) -> float:
    if len(va.weights) > len(vb.weights):
        va, vb = vb, va
    dot = sum(w * vb.weights.get(k, 0.0) for k, w in va.weights.items())
    return dot / (va.norm * vb.norm)


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
        self.stems: dict[tuple[int, int], list[str]] = {}
        df: Counter[str] = Counter()
        for cu in units:
            for it in cu.items:
                words = stems(" ".join(filter(None, (it.block_label, it.text))), lex.stopwords)
                self.stems[(it.comment, it.index)] = words
                df.update(set(words))
        n = max(1, len(self.stems))
        # words in many items (the page's subject, "article", "source") say little about topic
        self.common = frozenset(w for w, d in df.items() if d >= max(3, 0.05 * n))
        # smoothed, as in scikit-learn: words shared by question and answer keep some weight
        self.idf = {w: 1.0 + math.log((n + 1) / (d + 1)) for w, d in df.items()}
        self._vecs: dict[tuple[int, int], _Vec] = {}
        self.actions_in: dict[int, list[ActionHit]] = {}  # comment -> its action items
        self._answers: dict[int, list[Unit]] = {}
        self.objects: list[set[str]] | None = None  # what every action is about, once known
        self._text_vecs: dict[str, _Vec] = {}
        self._response_sections: dict[tuple[int | None, int], bool] = {}
        self._relations: dict[tuple[int, int], float] = {}
        self._candidates: dict[int, list[int]] = {}
        self._titles: list[str] | None = None  # folded heading titles
        self._responses: list[bool] = []  # whether each heading names a response section
        self._by_heading: dict[int | None, list[int]] | None = None

    # structure --------------------------------------------------------------------------------
    def is_descendant(self, c: int, of: int) -> bool:
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
        p, depth = c, 0
        while p is not None and p != of and depth < 10000:
            p = self.page.comments[p].parent
            depth += 1
        return depth if p == of else 10000

    def candidates(self, q: int) -> list[int]:
        """The comments that :meth:`relation` may relate to comment ``q``, in page order: its
        replies (wherever they stand) and the later comments of its section, subsections and
        response sections. Looking only at these keeps linking near-linear on long pages."""
        known = self._candidates.get(q)
        if known is not None:
            return known
        comments = self.page.comments
        if self._by_heading is None:
            self._by_heading = {}
            for i, c in enumerate(comments):
                self._by_heading.setdefault(c.heading, []).append(i)
        hq = comments[q].heading
        found: set[int] = set()
        stack = list(self.children.get(q, ()))
        while stack:
            c = stack.pop()
            if c not in found:
                found.add(c)
                stack.extend(self.children.get(c, ()))
        for h, members in self._by_heading.items():
            if h == hq or self.in_section(h, hq) or (h is not None and self.is_response_section(hq, h)):
                found.update(c for c in members if c > q)
        known = self._candidates[q] = sorted(found)
        return known

    def relation(self, q: int, c: int) -> float:
        """How strongly comment ``c``'s place in the page makes it a reply to comment ``q``."""
        known = self._relations.get((q, c))
        if known is None:
            known = self._relations[(q, c)] = self._relation(q, c)
        return known

    def _relation(self, q: int, c: int) -> float:
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
            root = c
            while comments[root].parent is not None:
                root = comments[root].parent  # type: ignore[assignment]
            return 0.6 if root >= q or comments[root].author == comments[q].author else 0.3
        if hc is not None and self.is_response_section(hq, hc):
            # "== Responses to Halvard and Ione ==" with a ping to the asker: a reply to them
            return 0.8 if comments[q].author in self.units[c].addressees else 0.5
        return 0.0

    def in_section(self, h: int | None, section: int | None) -> bool:
        """Whether heading ``h`` is ``section`` or one of its subsections."""
        if h == section:
            return True
        if h is None or section is None or h < section:
            return False
        top = self.page.headings[section].level
        return all(self.page.headings[k].level > top for k in range(section + 1, h + 1))

    def labelled_reply_to(self, c: int) -> int | None:
        """The comment that comment ``c`` answers when it opens with a bare "Respuesta" /
        "Reply:" line (noticeboards): the nearest earlier comment by someone else."""
        items = self.units[c].items
        if not items or not self.lex.any("response_label", fold(items[0].text).strip(" ;:*'")):
            return None
        comments = self.page.comments
        return next(
            (k for k in range(c - 1, -1, -1)
             if comments[k].author != comments[c].author and comments[k].heading == comments[c].heading),
            None,
        )

    def is_response_section(self, hq: int | None, hc: int) -> bool:
        key = (hq, hc)
        known = self._response_sections.get(key)
        if known is None:
            known = self._response_sections[key] = self._is_response_section(hq, hc)
        return known

    def _is_response_section(self, hq: int | None, hc: int) -> bool:
        if self._titles is None:
            self._titles = [fold(h.title) for h in self.page.headings]
            self._responses = [self.lex.any("response_heading", t) for t in self._titles]
        if self._responses[hc]:
            return True
        if hq is None:
            return False
        return fuzz.token_set_ratio(self._titles[hc], self._titles[hq]) >= 80

    # text -------------------------------------------------------------------------------------
    def vec(self, item: Item) -> _Vec:
        key = (item.comment, item.index)
        v = self._vecs.get(key)
        if v is None:
            v = self._vecs[key] = self._vector(self.stems[key])
        return v

    def _vector(self, words: list[str]) -> _Vec:
        counts = Counter(words)
        weights = {w: (1 + math.log(k)) * self.idf.get(w, 1.0) for w, k in counts.items()}
        return _Vec(weights, math.sqrt(sum(x * x for x in weights.values())) or 1.0)

    def similarity(self, a: Item, b: Item) -> float:
        return _cosine(self.vec(a), self.vec(b))

    def label_match(self, q: Item, a: Item) -> float:
        """1.0 when answer item ``a``'s label names question item ``q`` (mirrored bold labels too)."""
        if not a.label:
            return 0.0
        target = fold(q.label) if q.label else fold(q.text[:120])
        label = fold(a.label)
        if q.label:
            return 1.0 if fuzz.token_set_ratio(label, target) >= 75 else 0.0
        if len(label) >= 4 and re.search(r"\b" + re.escape(label) + r"\b", target):
            return 1.0  # "Venue: …" answers "The venue line was USD 1,200 …"
        return 1.0 if fuzz.partial_ratio(label, target) >= 80 and len(label) >= 6 else 0.0

    def block_match(self, q: Item, a: Item) -> float:
        if q.block_label and a.block_label:
            return 1.0 if fuzz.ratio(fold(q.block_label), fold(a.block_label)) >= 85 else 0.0
        return 0.0

    def shared_weight(self, obj: set[str], other: Item | str) -> float:
        """IDF weight of the object words that ``other`` (an item or a text) mentions."""
        words = self.stems[(other.comment, other.index)] if isinstance(other, Item) else stems(
            other, self.lex.stopwords
        )
        return sum(self.idf.get(w, 1.0) for w in obj.intersection(words))

    def mentions(self, obj: set[str], other: Item | str) -> bool:
        """Whether an item (or a sentence) talks about the object: enough of its words, by IDF."""
        if not obj:
            return False
        shared = self.shared_weight(obj, other)
        total = sum(self.idf.get(w, 1.0) for w in obj)
        return shared >= OBJECT_WEIGHT or (total > 0 and shared / total >= OBJECT_SHARE)

    def substantive(self, item: Item) -> bool:
        """Not a bare acknowledgement ("Thanks!") and not only a question back."""
        return any(u.item == item.index for u in self.answer_sentences(item.comment))

    def answer_sentences(self, c: int) -> list[Unit]:
        """Sentences of comment ``c`` that can carry an answer: not questions, thanks, quotes or
        "good question, no idea"."""
        out = self._answers.get(c)
        if out is None:
            out = []
            for u in self.units[c].units:
                folded = fold(u.text)
                if u.quoted or u.struck or (is_question_text(u.text) and not self.states(u.text)):
                    continue
                if self.lex.any("acknowledgement", folded) or self.lex.any("non_answer", folded):
                    continue
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
        out: dict[int, list[str]] = {}
        current: int | None = None
        for u in self.units[c].units:
            folded = fold(u.text)
            m = _POINT_REF.search(folded)
            if m:
                current = int(m.group(1) or m.group(2))
            if current is not None:
                out.setdefault(current, []).append(folded)
        return out

    def topic_text(self, u: Unit, topics: list[Unit] | None = None) -> str:
        """A question or request with what leads up to it: its item's labels and the sentences
        before it in the item, back to the previous topic ("The lead says 1234, the history
        section 1243. Which year is right?")."""
        item = self.units[u.comment].items[u.item]
        floor = max(
            (t.span[1] for t in topics or () if t.item == u.item and t.span[1] <= u.span[0]), default=-1
        )
        lead = [
            x.text for x in self.units[u.comment].units
            if x.item == u.item and floor <= x.span[0] and x.span[1] <= u.span[0] and not x.quoted
            and not _THANKS.match(fold(x.text))
        ][-1:]  # the sentence just before: "The lead says 1234. Which year is right?"
        return " ".join(filter(None, (item.block_label, item.label, *lead, u.text)))

    def text_similarity(self, a: str, b: str) -> float:
        """IDF-weighted cosine of two texts' content words."""
        return _cosine(self._text_vec(a), self._text_vec(b))

    def _text_vec(self, text: str) -> _Vec:
        v = self._text_vecs.get(text)
        if v is None:
            v = self._text_vecs[text] = self._vector(stems(text, self.lex.stopwords))
        return v

    def opening(self, c: int, text: str) -> str:
        """A reply sentence, folded, without the names it pings first ("{{ping|A}} Yes, …")."""
        folded = fold(text).lstrip(" @:,")
        for name in sorted(self.units[c].addressees, key=len, reverse=True):
            n = fold(name)
            if folded.startswith(n):
                folded = folded[len(n):].lstrip(" @:,")
        return folded

    def typed_answer(self, question: str, sentences: list[Unit]) -> bool:
        """Whether a reply gives the kind of thing a "when" or "how many" question asks for:
        a year or a number that the question does not already hold."""
        folded = fold(question)
        kind = next((k for k, pattern in _ANSWER_TYPES.items() if pattern.search(folded)), None)
        if kind is None:
            return False
        given = set(re.findall(r"\d+", folded))
        found = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b" if kind == "when" else r"\b\d[\d,.]*\b")
        return any(
            m.group(0) not in given for s in sentences for m in found.finditer(fold(s.text))
        )

    def polar(self, text: str) -> bool:
        """A yes/no question: it does not start with a question word, and offers no choice
        ("Is this a known bug, or have I changed a setting?")."""
        folded = fold(text).lstrip("¿¡ ")
        if _ALTERNATIVE.search(folded):
            return False
        return folded.split(" ", 1)[0] not in self.lex.stopwords_wh


@dataclass(frozen=True, slots=True)
class AnswerLink:
    status: QuestionStatus
    answered_by: tuple[int, ...]


def link_answers(
    ctx: PageContext, questions: list[QuestionHit], requests: list[ActionHit]
) -> list[AnswerLink]:
    """Decide, for every question, whether and by which comments it was answered.

    The "topics" of an asking comment are its questions and requests. A reply answers a question
    when it talks about that question more than about the comment's other topics (or the
    comment has no other topic); a point-by-point reply is matched item to item.
    """
    by_comment: dict[int, list[QuestionHit]] = {}
    for q in questions:
        by_comment.setdefault(q.unit.comment, []).append(q)
    topics: dict[int, list[Unit]] = {}
    for u in [q.unit for q in questions] + [a.unit for a in requests if a.kind is ActionKind.REQUEST]:
        topics.setdefault(u.comment, []).append(u)
    for c, units in topics.items():
        # a "Could you fix X?" is both a question and a request: one topic
        topics[c] = sorted({u.span: u for u in units}.values(), key=lambda u: u.span)
    point: dict[tuple[int, int], dict[int, float]] = {}  # (comment, item) -> {answer: score}
    labelled: set[tuple[int, int]] = set()  # (asking, replying) answered "Label: answer" point by point
    for qc, hits in by_comment.items():
        asked = {h.unit.item for h in hits}
        # the items a point-by-point reply goes through: questions and requests alike
        q_items = sorted(asked | {u.item for u in topics[qc]})
        if len(q_items) < 2:
            continue
        for c in ctx.candidates(qc):
            if ctx.relation(qc, c) >= 0.5:
                matched = [(qi, score) for qi, score in _assign(ctx, qc, q_items, c) if qi in asked]
                for qi, score in matched:
                    point.setdefault((qc, qi), {})[c] = score
                if matched and sum(1 for it in ctx.units[c].items if it.label) >= 2:
                    labelled.add((qc, c))
    out = []
    for q in questions:
        answered: list[tuple[float, int]] = []
        replied = False
        qc, qi = q.unit.comment, q.unit.item
        for c in ctx.candidates(qc):
            r = ctx.relation(qc, c)
            if r <= 0:
                continue
            pp = point.get((qc, qi), {})
            if c in pp:
                answered.append((pp[c] + r, c))
                continue
            if r < 0.6 or (qc, c) in labelled:
                continue  # point-by-point replies count through their matched points only
            addressees = ctx.units[qc].addressees
            if r < 0.8 and addressees and ctx.page.comments[c].author not in addressees:
                continue  # "{{ping|X}} does this change your view?" is for X, or for a reply
            number = ctx.units[qc].items[qi].number
            refs = ctx.references(c) if r >= 0.8 else {}
            if number is not None and refs:
                if number in refs:
                    answered.append((1.0 + r, c))  # "Zu 2: …" answers point 2
                continue
            if _anchored(ctx, qc, qi, c) and ctx.answer_sentences(c):
                answered.append((1.0 + r, c))  # a reply written right under the question's line
                continue
            verdict, score = _reply_evidence(ctx, q.unit, topics[qc], c, r)
            if verdict == "answer":
                answered.append((score, c))
            elif verdict == "replied":
                replied = True
        if answered:
            answered.sort(key=lambda x: (-x[0], x[1]))
            best = answered[0][0]
            keep = tuple(c for score, c in answered if score >= ANSWER_KEEP * best)
            out.append(AnswerLink(QuestionStatus.ANSWERED, keep))
        elif replied:
            out.append(AnswerLink(QuestionStatus.UNCLEAR, ()))
        else:
            out.append(AnswerLink(QuestionStatus.UNANSWERED, ()))
    return out


def _reply_evidence(
    ctx: PageContext, q: Unit, topics: list[Unit], c: int, r: float
) -> tuple[str, float]:
    """"answer", "replied" (about the comment, not clearly this question) or "none"."""
    sentences = ctx.answer_sentences(c)
    if not ctx.lex.any("others_question", fold(q.text)):
        # "Same as Quillon: ISBNs still doubled" reports the problem again; it answers only
        # "Is anyone else seeing this?"
        sentences = [s for s in sentences if not ctx.lex.any("me_too", ctx.opening(c, s.text))]
    if not sentences:
        return "none", 0.0
    grid = [[ctx.text_similarity(ctx.topic_text(t, topics), s.text) for s in sentences] for t in topics]
    sims = [max(row) for row in grid]
    qi = next(i for i, t in enumerate(topics) if t.span == q.span)
    mine = sims[qi]
    # each sentence of the reply is about the topic it resembles most
    claimed = any(
        grid[qi][k] >= SENTENCE_MIN and grid[qi][k] == max(row[k] for row in grid)
        for k in range(len(sentences))
    )
    score = 0.5 + 0.3 * r + mine
    direct = r >= 0.8
    # a later comment that is not a reply must show clearly that it is about the question
    threshold = TOPIC_MIN if direct else TOPIC_STRONG
    if (len(topics) == 1 and (direct or mine >= TOPIC_MIN)) or mine >= threshold:
        return "answer", score
    if direct and claimed:
        return "answer", score
    statements = [
        len(s.text.split()) >= 5 and not any(ctx.lex.any(cue, fold(s.text)) for cue in ("request", "commitment"))
        for s in sentences
    ]
    if direct and _left_for(grid, qi, statements):
        return "answer", score
    covered = sum(1 for x in sims if x >= TOPIC_MIN)
    if direct and covered * 2 > len(topics) and len(sentences) >= len(topics):
        return "answer", score  # a reply that goes through all the points
    first = next(t for t in topics if is_question_text(t.text) or t.span == q.span)
    opening = ctx.opening(c, sentences[0].text)
    if direct and first.span == q.span and ctx.polar(q.text) and (
        ctx.lex.any("polar_answer", opening)
        or (ctx.lex.any("me_too", opening) and ctx.lex.any("others_question", fold(q.text)))
    ):
        return "answer", score  # "Is anyone else seeing this?" - "{{ping|A}} Yes, same here."
    if direct and ctx.typed_answer(q.text, sentences):
        return "answer", score  # "Since when has it existed?" - "... it opened in 1983."
    if max(sims) >= TOPIC_STRONG:
        return "none", 0.0  # the reply is about another of the comment's points
    return "replied", 0.0


def _left_for(grid: list[list[float]], qi: int, statements: list[bool]) -> bool:
    """Whether a reply answers topic ``qi`` by elimination: every other topic is claimed by a
    sentence that resembles it most, none claims ``qi``, and a statement resembles nothing -
    "The title is fixed now. It's usually a month." answers "Fix the title. Who decides how long?"."""
    n = len(statements)
    owner = [max(range(len(grid)), key=lambda t: grid[t][k]) for k in range(n)]
    claimed = {owner[k] for k in range(n) if grid[owner[k]][k] >= TOPIC_MIN}
    free = [k for k in range(n) if statements[k] and max(row[k] for row in grid) < SENTENCE_MIN]
    others = set(range(len(grid))) - {qi}
    return bool(free) and qi not in claimed and others <= claimed


def _assign(ctx: PageContext, qc: int, q_items: list[int], c: int) -> list[tuple[int, float]]:
    """Question items of ``qc`` that reply ``c`` answers point by point (one-to-one)."""
    from scipy.optimize import linear_sum_assignment

    answer_items = [it for it in ctx.units[c].items if ctx.substantive(it)]
    if len(answer_items) < 2:
        return []
    qs = [ctx.units[qc].items[i] for i in q_items]
    scores = []
    for qn, qi in enumerate(qs):
        row = []
        for an, ai in enumerate(answer_items):
            order = 1.0 - abs(qn / max(1, len(qs) - 1) - an / max(1, len(answer_items) - 1))
            row.append(
                0.45 * ctx.similarity(qi, ai) + 0.35 * ctx.label_match(qi, ai)
                + 0.1 * ctx.block_match(qi, ai) + 0.1 * order
            )
        scores.append(row)
    rows, cols = linear_sum_assignment([[-x for x in row] for row in scores])
    kept: dict[int, int] = {}  # question position -> answer position
    for r, k in zip(rows, cols):
        score = scores[r][k]
        row_best = max(range(len(answer_items)), key=lambda j: scores[r][j])
        col_best = max(range(len(qs)), key=lambda i: scores[i][k])
        if score >= POINT_THRESHOLD or (score >= POINT_MIN and (row_best == k or col_best == r)):
            kept[r] = k
    if not any(scores[r][k] >= POINT_THRESHOLD for r, k in kept.items()):
        # not a point-by-point reply: weak pairs are chance
        kept = {r: k for r, k in kept.items() if scores[r][k] >= POINT_THRESHOLD}
    # an answer item left alone between the answers to the neighbouring questions answers the
    # question left alone between them ("Selección: …" between "Acompañamiento" and "Facultad")
    for r in range(1, len(qs) - 1):
        before, after = kept.get(r - 1), kept.get(r + 1)
        if r in kept or before is None or after is None or after - before != 2:
            continue
        if min(scores[r - 1][before], scores[r + 1][after]) < POINT_THRESHOLD:
            continue  # only between clear matches
        if before + 1 not in kept.values():
            kept[r] = before + 1
    return sorted((q_items[r], scores[r][k]) for r, k in kept.items())


# --- actions ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionLink:
    status: ActionStatus
    resolved_by: tuple[int, ...]
    promised_by: tuple[int, ...]
    actor: str | None


_DONE = frozenset({"done", "fixed", "resolved", "tick", "y", "yes check", "completed", "already done",
                   "erledigt", "hecho", "fait", "fatto", "gedaan", "zrobione", "załatwione", "бвыполнено",
                   "готово", "зроблено", "בוצע", "טופל"})
_NOT_DONE = frozenset({"not done", "notdone", "x", "cross", "declined", "nd", "won't fix",
                       "nicht erledigt", "no hecho", "pas fait", "non fatto"})


def link_actions(ctx: PageContext, actions: list[ActionHit]) -> list[ActionLink]:
    """Follow each request and commitment to the end of the page."""
    for a in actions:
        ctx.actions_in.setdefault(a.unit.comment, []).append(a)
    return _chain(ctx, actions, [_follow(ctx, a) for a in actions])


def _object(ctx: PageContext, a: ActionHit) -> set[str]:
    """What the action is about: its words and its item's label; for "I will fix them", also
    the sentence before it ("The refs are broken.")."""
    stop = ctx.lex.stopwords
    item = ctx.units[a.unit.comment].items[a.unit.item]
    obj = set(stems(a.unit.text, stop)) - _GENERIC
    siblings = [u for u in ctx.units[a.unit.comment].units if u.item == a.unit.item]
    k = next((i for i, u in enumerate(siblings) if u.span == a.unit.span), 0)
    if len(obj) >= 3:
        # the sentence that sets the scene: "The building history is too short. Could you add…"
        before = fold(siblings[k - 1].text) if k > 0 else ""
        if before and not is_question_text(before) and not any(
            ctx.lex.any(cue, before) for cue in ("request", "indirect_question", "commitment")
        ):
            obj |= set(stems(siblings[k - 1].text, stop)) - _GENERIC
        return obj | (set(stems(item.label or "", stop)) - _GENERIC)
    # "If so, please link it here": what "it" is comes from the sentences before, back to one
    # that names something ("... publishing a short how-to guide. Is that still planned?")
    own = len(obj)
    while k > 0 and len(obj) < own + 3:
        k -= 1
        obj |= set(stems(siblings[k].text, stop)) - _GENERIC
    return obj | (set(stems(item.label or "", stop)) - _GENERIC)


def _follow(ctx: PageContext, a: ActionHit) -> ActionLink:
    comments = ctx.page.comments
    lex = ctx.lex
    ac = a.unit.comment
    owner = comments[ac].author
    obj = _object(ctx, a)
    commitment = a.kind is ActionKind.COMMITMENT
    parent = comments[ac].parent
    if commitment and parent is not None:
        # "I will fix this tonight", in reply to "Could you fix the refs?": the object of the
        # requests this reply is about
        item = ctx.units[ac].items[a.unit.item]
        for req in ctx.actions_in.get(parent, ()):
            if req.kind is ActionKind.REQUEST and ctx.mentions(_object(ctx, req), item):
                obj |= _object(ctx, req)
    resolved: list[int] = []
    promised: list[int] = []
    status: ActionStatus | None = None
    # one thing asked or promised: "I can get to the library next week. Will report back."
    sole = len({x.unit.item for x in ctx.actions_in.get(ac, ()) if x.kind is a.kind}) <= 1
    attention = lex.any("attention", fold(a.unit.text))
    actor = owner if commitment else None
    # "I'll take a look" is kept by the promiser only; "we will upload" by any of "we"
    personal = commitment and lex.any("own_commitment", fold(a.unit.text))
    for c in range(ac + 1 if commitment else 0, len(comments)):
        later_by_owner = c > ac and comments[c].author == owner
        if personal and not later_by_owner:
            continue
        if not (ctx.relation(ac, c) > 0 or later_by_owner):
            continue
        number = ctx.units[ac].items[a.unit.item].number
        refs = ctx.references(c) if comments[c].parent == ac and number is not None else {}
        if number in refs and not resolved:
            said = refs[number]  # "Zu 3: erledigt."
            if any(lex.any("completion", t) for t in said):
                resolved.append(c)
                status = ActionStatus.RESOLVED
                continue
            if any(lex.any("decline", t) for t in said):
                resolved.append(c)
                status = ActionStatus.DECLINED
                continue
        replies = comments[c].parent == ac or ctx.labelled_reply_to(c) == ac
        anchored = _anchored(ctx, ac, a.unit.item, c) or (sole and replies)
        interleaved = comments[ac].span[0] < comments[c].span[0] < comments[ac].span[1]
        if (
            not commitment and not resolved and replies
            and comments[c].author != owner and _refuses(ctx, c)
            and (not interleaved or _anchored(ctx, ac, a.unit.item, c))
        ):
            resolved.append(c)  # "I'd rather not: ...", "Not done: ..." as the reply's first words
            status = ActionStatus.DECLINED
            continue
        if attention and not resolved and _reviewed(ctx, a, c, owner):
            resolved.append(c)  # "please take a look": the look is the reply itself
            status = ActionStatus.RESOLVED
            continue
        # the promiser reporting back in the same thread or section - not answering another
        # comment's own request ("We still haven't received the invoices." - "Sent them today.")
        elsewhere = comments[c].parent != ac and any(
            x.kind is ActionKind.REQUEST and _names_other(ctx, x, obj)
            for x in ctx.actions_in.get(comments[c].parent, ())
        )
        follow_up = sole and not elsewhere and (
            ctx.is_descendant(c, ac) or (later_by_owner and comments[c].heading == comments[ac].heading)
        ) and (not commitment or later_by_owner or comments[c].parent == ac)
        for it in ctx.units[c].items:
            if it.struck:
                continue
            texts = [
                fold(u.text) for u in ctx.units[c].units if u.item == it.index and not (u.quoted or u.struck)
            ] or ([] if it.struck else [fold(it.text)])
            bare = _bare(ctx, it, obj)
            about = ctx.mentions(obj, it)
            completions = [
                t for t in texts
                if lex.any("completion", t) and not lex.any("request", t) and not lex.any("negation", t)
            ]
            done = (
                bool(it.templates & _DONE) and (about or anchored or follow_up)
            ) or any(ctx.mentions(obj, t) or (anchored and _on_topic(ctx, t, obj)) for t in completions) or (
                commitment and later_by_owner and follow_up and bool(completions) and not resolved
            ) or (
                # the thread a lone request started: the first report of doing something in it,
                # in a reply to the request or to its first answer
                not commitment and not later_by_owner and follow_up and not resolved
                and ctx.depth_below(c, ac) <= 2 and any(_on_topic(ctx, t, obj) for t in completions)
            )
            if done and not (not commitment and later_by_owner and not _receipt(lex, texts)):
                resolved.append(c)
                status = ActionStatus.RESOLVED
                break
            promise = any(lex.any("commitment", t) and not lex.any("commitment_exclude", t) for t in texts) or (
                anchored and not commitment and any(lex.any("assent", t) for t in texts)
            )  # "Of course." under a request
            withdrawn = later_by_owner and any(lex.any("withdraw", t) for t in texts)
            if not (about or (anchored and bare) or (anchored and promise and not commitment)
                    or (withdrawn and follow_up)):
                continue  # (a direct reply to a lone request that promises something promises it)
            if withdrawn:
                resolved.append(c)
                status = ActionStatus.WITHDRAWN
                break
            refused = any(
                lex.any("decline", t) and (not is_question_text(t) or ctx.states(t)) for t in texts
            )
            if not later_by_owner and (it.templates & _NOT_DONE or ((anchored or about) and refused)):
                resolved.append(c)
                status = ActionStatus.DECLINED
                break
            if not commitment and not later_by_owner and comments[c].author != owner and promise:
                promised.append(c)
                actor = actor or comments[c].author
                break
    if status is None:
        status = ActionStatus.PROMISED if promised else ActionStatus.OPEN
    if status is not ActionStatus.RESOLVED:
        resolved = resolved[-1:]  # the last word settles it
    return ActionLink(status, tuple(dict.fromkeys(resolved)), tuple(promised), actor)


def _chain(ctx: PageContext, actions: list[ActionHit], links: list[ActionLink]) -> list[ActionLink]:
    """A request promised by a commitment that was later done is done too."""
    out = []
    for link in links:
        if link.status is ActionStatus.PROMISED:
            done = [
                other_link.resolved_by
                for other, other_link in zip(actions, links)
                if other.kind is ActionKind.COMMITMENT
                and other.unit.comment in link.promised_by
                and other_link.status is ActionStatus.RESOLVED
            ]
            if done:
                link = ActionLink(ActionStatus.RESOLVED, done[0], link.promised_by, link.actor)
        out.append(link)
    return out


def _names_other(ctx: PageContext, x: ActionHit, obj: set[str]) -> bool:
    """Whether request ``x`` names a thing of its own, other than ``obj`` ("We still haven't
    received the invoices"), unlike "Please ping me when they are added"."""
    own = set(stems(x.unit.text, ctx.lex.stopwords)) - _GENERIC
    return len(own) >= 3 and not (own & obj)


def _refuses(ctx: PageContext, c: int) -> bool:
    """Whether reply ``c`` opens with a refusal."""
    items = ctx.units[c].items
    if items and items[0].templates & _NOT_DONE:
        return True
    units = ctx.units[c].units
    return bool(units) and ctx.lex.any("decline", fold(units[0].text)) and not is_question_text(
        units[0].text
    )


def _reviewed(ctx: PageContext, a: ActionHit, c: int, owner: str) -> bool:
    """Whether comment ``c`` is the look that was asked for or promised: a substantive reply in
    the thread, by the promiser (commitment) or by someone else (request)."""
    comments = ctx.page.comments
    ac = a.unit.comment
    if c <= ac and not ctx.is_descendant(c, ac):
        return False
    by_owner = comments[c].author == owner
    if (a.kind is ActionKind.COMMITMENT) != by_owner:
        return False
    in_thread = ctx.is_descendant(c, ac) or ctx.in_section(comments[c].heading, comments[ac].heading)
    return in_thread and len(ctx.answer_sentences(c)) >= 2


def _on_topic(ctx: PageContext, text: str, obj: set[str]) -> bool:
    """A completion in a direct reply counts unless it is plainly about something else: it
    names what another action or question of the page is about, and nothing of this one's."""
    words = set(stems(text, ctx.lex.stopwords)) - _COMPLETION_WORDS - _GENERIC
    if words & obj:
        return True
    if ctx.objects is None:
        ctx.objects = [_object(ctx, x) for acts in ctx.actions_in.values() for x in acts]
    others = set().union(*ctx.objects) - obj - ctx.common
    return not (words & others)


def _bare(ctx: PageContext, it: Item, obj: set[str]) -> bool:
    """A reply that names nothing else: "Done.", "{{done}}", "Fixed, thanks." (or mentions the object)."""
    own = set(ctx.stems[(it.comment, it.index)]) - obj - _COMPLETION_WORDS
    return len(own) <= 2


_COMPLETION_WORDS = frozenset(
    "done fixed sent added remove remov correc replac update upload submit return transf refund "
    "provid publis comple posted resolv addres expand cited source sourced thank erledi behobe "
    "hecho listo fait corrig already sort passt klappt stimmt".split()
)


def _receipt(lex: Lexicon, texts: list[str]) -> bool:
    """The requester confirms the thing arrived ("received", "reviewed and approved")."""
    return any(re.search(r"\b(received|approved|got it|recibid|erhalten)", t) for t in texts)


def _anchored(ctx: PageContext, ac: int, item: int, c: int) -> bool:
    """Whether reply ``c`` sits right under the action's item, inside the asking comment."""
    comments = ctx.page.comments
    if comments[c].parent != ac:
        return False
    owner_start, owner_end = comments[ac].span
    start = comments[c].spans[0][0]
    if not owner_start < start < owner_end:
        return False  # written after the whole comment: no particular item
    items = ctx.units[ac].items
    before = [it for it in items if it.span[1] <= start]
    return bool(before) and before[-1].index == item
