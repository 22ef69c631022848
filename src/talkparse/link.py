"""Linking: which later comments answer each question, and which settle each action item.

Thread structure comes first (replies, later comments in the section, a response section that
mirrors the questions' headings or bold labels, ``Label: answer`` items), text similarity
second, and a one-to-one assignment when a reply answers a list of questions point by point.
A reply answers a question when it is about that question's part of the comment: a reply that
only addresses another paragraph of a many-topic comment does not answer the question.

The structure and the text features come from :class:`talkparse.context.PageContext`, which
also bounds the work (how many related comments a question or an action is followed through).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .context import (
    COMPLETION_WORDS,
    GENERIC_WORDS,
    MAX_POINTS,
    OBJECT_SHARE,
    OBJECT_WEIGHT,
    SENTENCE_MIN,
    TOPIC_MIN,
    Grid,
    PageContext,
    stems,
)
from .detect import ActionHit, QuestionHit, is_question_text
from .langdata import load_language
from .model import ActionKind, ActionStatus, QuestionStatus
from .units import Item, Unit

# Weights and thresholds, set on the development pages (see benchmarks/audit_accuracy.py);
# those the context uses too (TOPIC_MIN, SENTENCE_MIN, OBJECT_WEIGHT...) are in context.py.
POINT_THRESHOLD = 0.30  # score of an assigned item in a point-by-point reply
POINT_MIN = 0.12  # ... when the pair is also the best match of the question or of the answer
ANSWER_KEEP = 0.75  # other answering comments listed when they score this share of the best
TOPIC_MARGIN = 0.08  # how much better another paragraph may match before a reply is "about it"
TOPIC_STRONG = 0.20  # ... that shows it talks about another point of the comment


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
    ctx.questions_in = by_comment
    topics: dict[int, list[Unit]] = {}
    for u in [q.unit for q in questions] + [
        a.unit for a in requests if a.kind is ActionKind.REQUEST and not _DEPENDENT.match(ctx.fold(a.unit.text))
    ]:
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
        for c, r in ctx.related_relations(qc):
            if r >= 0.5:
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
        others = ctx.lex.any("others_question", ctx.fold(q.unit.text))
        for c, r in ctx.related_relations(qc):
            if r <= 0 or ctx.page.comments[c].timestamp < ctx.page.comments[qc].timestamp:
                continue  # (signed before the question was: a closing statement placed above)
            pp = point.get((qc, qi), {})
            if c in pp:
                answered.append((pp[c] + r, c))
                continue
            number = ctx.units[qc].items[qi].number
            refs = ctx.references(c) if r >= 0.5 else {}
            if number is not None and refs:
                if number in refs:
                    answered.append((1.0 + r, c))  # "Zu 2: …", "On (2): yes" answers point 2
                continue
            if r < 0.6 or (qc, c) in labelled:
                continue  # point-by-point replies count through their matched points only
            addressees = ctx.addressed(qc)
            bystander = bool(addressees) and ctx.page.comments[c].author not in addressees
            if r < 0.8 and bystander:
                continue  # "{{ping|X}} does this change your view?" is for X, or for a reply
            parent = ctx.page.comments[c].parent
            if parent is not None and parent != qc and parent in by_comment and (
                ctx.page.comments[parent].author != ctx.page.comments[qc].author
            ):
                bystander = True  # a reply to someone else's question further down the thread
            if ctx.page.comments[c].parent == qc and _volunteers(ctx, q, c):
                answered.append((1.0 + r, c))  # "Hat jemand Zugriff auf…?" - "Unsere UB hat den Band."
                continue
            if _anchored(ctx, qc, qi, c) and ctx.answer_sentences(c):
                answered.append((1.0 + r, c))  # a reply written right under the question's line
                continue
            verdict, score = _reply_evidence(ctx, q.unit, topics[qc], c, r, others, bystander)
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


def _volunteers(ctx: PageContext, q: QuestionHit, c: int) -> bool:
    """Whether reply ``c`` answers a question put to anyone ("Does anyone have access to…?",
    "¿Se encarga alguien?") by a first-person "I have it" or by taking it on."""
    lex = ctx.lex
    if not lex.any("anyone_question", ctx.fold(q.unit.text)):
        return False
    opening = [u for u in ctx.units[c].units if not u.quoted][:2]
    return any(
        lex.any("volunteer", ctx.fold(u.text)) or (
            lex.any("commitment", ctx.fold(u.text)) and not lex.any("commitment_exclude", ctx.fold(u.text))
        )
        for u in opening
    )


def _reply_evidence(
    ctx: PageContext, q: Unit, topics: list[Unit], c: int, r: float, others: bool, bystander: bool = False
) -> tuple[str, float]:
    """"answer", "replied" (about the comment, not clearly this question) or "none".

    ``others``: the question asks whether others see it too; "Same here" answers only that.
    ``bystander``: the question was put to someone else ("Morwenna, did you get to the
    library?"): a reply by another answers only if it is plainly about the question.
    """
    sentences = ctx.reply_sentences(c, me_too=others)
    if not sentences:
        return "none", 0.0
    topics, qi = ctx.topic_group(q, topics)
    grid = ctx.grid(topics, c, others)
    row = grid.rows[qi]
    mine = grid.sims[qi]
    if bystander and mine < TOPIC_MIN:
        return "replied", 0.0
    # "I'll check at the library and report back" says when an answer may come, not what it is
    put_off = [ctx.lex.any("deferral", ctx.opening(c, s.text)) for s in sentences]
    if any(put_off):
        mine_at = [k for k in range(len(sentences)) if row[k] >= SENTENCE_MIN and row[k] == grid.col_max[k]]
        if all(put_off) or (mine_at and all(put_off[k] for k in mine_at)):
            return "replied", 0.0
    # each sentence of the reply is about the topic it resembles most
    claimed = any(row[k] >= SENTENCE_MIN and row[k] == grid.col_max[k] for k in range(len(sentences)))
    score = 0.5 + 0.3 * r + mine
    direct = r >= 0.8
    # a later comment that is not a reply must show clearly that it is about the question
    threshold = TOPIC_MIN if direct else TOPIC_STRONG
    if (len(topics) == 1 and (direct or mine >= TOPIC_MIN)) or mine >= threshold:
        return "answer", score
    if direct and claimed:
        return "answer", score
    if direct and _left_for(grid, qi, len(topics)):
        return "answer", score
    if direct and grid.covered * 2 > len(topics) and len(sentences) >= len(topics):
        return "answer", score  # a reply that goes through all the points
    first = next(t for t in topics if is_question_text(t.text) or t.span == q.span)
    opening = ctx.opening(c, sentences[0].text)
    if direct and first.span == q.span and ctx.polar(q.text) and (
        ctx.lex.any("polar_answer", opening)
        or (ctx.lex.any("me_too", opening) and others)
    ):
        return "answer", score  # "Is anyone else seeing this?" - "{{ping|A}} Yes, same here."
    if not direct and c <= q.comment + 2 and ctx.polar(q.text) and ctx.lex.any("polar_answer", opening) and sum(
        1 for t in topics if is_question_text(t.text) and ctx.polar(t.text)
    ) == 1 and len(sentences) <= 3:
        return "answer", score  # "Is this acceptable to both of you?" - next: "Yes, that's fine by me."
    if direct and ctx.polar(q.text) and ctx.lex.any("decline", opening) and sum(
        1 for t in topics if is_question_text(t.text) and ctx.polar(t.text)
    ) == 1:
        return "answer", score  # "Would you consider coming back in six months?" - "I'd rather not…"
    if direct and ctx.polar(q.text) and ctx.short_polar(sentences) and sum(
        1 for t in topics if is_question_text(t.text) and ctx.polar(t.text)
    ) == 1:
        return "answer", score  # "I'd suggest a note. Would you be OK with that?" - "Grudgingly, yes."
    if direct and ctx.polar(q.text) and _YOU.search(ctx.fold(q.text)) and any(
        _I.match(ctx.opening(c, s.text)) and not any(
            grid.rows[t][k] >= TOPIC_MIN for t in range(len(topics)) if t != qi
        )
        for k, s in enumerate(sentences)
    ):
        return "answer", score  # "Do you have a connection to X?" - "I work on its app two days a week."
    if direct and ctx.typed_answer(q.text, sentences):
        return "answer", score  # "Since when has it existed?" - "... it opened in 1983."
    if grid.best >= TOPIC_STRONG:
        return "none", 0.0  # the reply is about another of the comment's points
    return "replied", 0.0


# a yes/no question about the person asked ("Do you have…", "Hast du…", "¿Tienes…?"), and a
# sentence about oneself ("I work on…", "Ich bin…", "Soy…")
_YOU = re.compile(r"\b(you|your|du|dich|dir|dein|deine|ihr|euch|tu|tienes|eres|estas|usted|vosotros)\b")
_I = re.compile(r"^(i|i'm|i've|i'd|ich|yo|soy|estoy|tengo|trabajo|we|wir|nosotros|somos)\b")


def _left_for(grid: Grid, qi: int, topics: int) -> bool:
    """Whether a reply answers topic ``qi`` by elimination: every other topic is claimed by a
    sentence that resembles it most, none claims ``qi``, and a statement resembles nothing -
    "The title is fixed now. It's usually a month." answers "Fix the title. Who decides how long?"."""
    return grid.free and qi not in grid.claimed and len(grid.claimed - {qi}) == topics - 1


def _assign(ctx: PageContext, qc: int, q_items: list[int], c: int) -> list[tuple[int, float]]:
    """Question items of ``qc`` that reply ``c`` answers point by point (one-to-one)."""
    from scipy.optimize import linear_sum_assignment

    answer_items = [it for it in ctx.units[c].items if ctx.substantive(it)][:MAX_POINTS]
    if len(answer_items) < 2:
        return []
    q_items = q_items[:MAX_POINTS]
    qs = [ctx.units[qc].items[i] for i in q_items]
    scores = []
    for qn, qi in enumerate(qs):
        row = []
        for an, ai in enumerate(answer_items):
            order = 1.0 - abs(qn / max(1, len(qs) - 1) - an / max(1, len(answer_items) - 1))
            # "# 2. How many…" answered by "# 2. About 17." in a numbered list of answers
            numbered = 0.3 if qi.number is not None and qi.number == ai.number else 0.0
            row.append(
                0.45 * ctx.similarity(qi, ai) + 0.35 * ctx.label_match(qi, ai)
                + 0.1 * ctx.block_match(qi, ai) + 0.1 * order + numbered
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
# "Is the user connected to the company? If so, they need to disclose it.": the request hangs on
# the answer, so it is not a point of its own that a reply might be about
_DEPENDENT = re.compile(r"(if so|if not|if yes|in that case|falls ja|falls nicht|wenn ja|wenn nein|si es asi|si no|en ese caso|de ser asi)\b")
_PROMISED = re.compile(r"promis|versproch|promet")  # "the draft I promised", "wie versprochen"
_CLOSERS_LOOKED_AT = 8  # closing boxes above an action that may settle it, nearest first
_NOT_DONE = frozenset({"not done", "notdone", "x", "cross", "declined", "nd", "won't fix",
                       "nicht erledigt", "no hecho", "pas fait", "non fatto"})


def link_actions(ctx: PageContext, actions: list[ActionHit]) -> list[ActionLink]:
    """Follow each request and commitment to the end of the page."""
    for a in actions:
        ctx.actions_in.setdefault(a.unit.comment, []).append(a)
    closers = _closers(ctx)
    return _chain(ctx, actions, [_closed_above(ctx, a, _follow(ctx, a), closers) for a in actions])


def _closers(ctx: PageContext) -> list[int]:
    """Comments that close their section: a signed ``{{Erledigt|1=…}}`` or ``{{done}}`` box, or
    a closing statement in ``{{archive top|result=…}}``, in page order."""
    box_open = load_language(ctx.page.lang).templates.box_open
    marks = _DONE | box_open
    return [c for c, cu in enumerate(ctx.units) if cu.items and cu.items[0].templates & marks]


def _closed_above(ctx: PageContext, a: ActionHit, link: ActionLink, closers: list[int]) -> ActionLink:
    """Settle an action by a closing box that stands above it in its section but was signed
    after it: the closer's statement goes on top of an RfC (``{{archive top}}``), and a German
    ``{{Erledigt}}`` box is often put under the heading."""
    if link.status not in (ActionStatus.OPEN, ActionStatus.PROMISED):
        return link
    comments = ctx.page.comments
    ac = a.unit.comment
    asked = comments[ac]
    box_open = load_language(ctx.page.lang).templates.box_open
    k = bisect.bisect_left(closers, ac)
    for c in reversed(closers[max(0, k - _CLOSERS_LOOKED_AT) : k]):
        closer = comments[c]
        if (
            closer.timestamp <= asked.timestamp
            or closer.level > 0  # a "{{done}}" reply inside a reviewer's list closes one point
            or closer.span[0] > asked.span[0]
            or not ctx.in_section(asked.heading, closer.heading)
        ):
            continue
        box = ctx.units[c].items[0]
        templates = box.templates
        obj = _full_object(ctx, a)
        # a bare "{{Erledigt|1=--~~~~}}" closes the section; one with a statement, what it names
        said = ctx.own_item_words(box)
        if templates & _DONE and (not said or said & obj):
            return ActionLink(ActionStatus.RESOLVED, (c,), link.promised_by, link.actor)
        closing = a.kind is ActionKind.REQUEST and ctx.lex.any("closure", ctx.fold(a.unit.text))
        if templates & box_open and closing and closer.author != asked.author:
            return ActionLink(ActionStatus.RESOLVED, (c,), link.promised_by, link.actor)
    return link


def _object(ctx: PageContext, a: ActionHit) -> set[str]:
    """What the action is about: its words and its item's label; for "I will fix them", also
    the sentence before it ("The refs are broken.")."""
    found = ctx.action_objects.get(a)
    if found is None:
        found = ctx.action_objects[a] = frozenset(_find_object(ctx, a))
    return set(found)


def _full_object(ctx: PageContext, a: ActionHit) -> set[str]:
    """``_object``, and for "I will fix this tonight" in reply to "Could you fix the refs?",
    the object of the requests the reply is about."""
    obj = _object(ctx, a)
    parent = ctx.page.comments[a.unit.comment].parent
    if a.kind is ActionKind.COMMITMENT and parent is not None:
        item = ctx.units[a.unit.comment].items[a.unit.item]
        bare = len(obj) <= 1  # "Mache ich.": whatever was asked
        for req in ctx.actions_in.get(parent, ()):
            if req.kind is ActionKind.REQUEST and (bare or ctx.mentions(_object(ctx, req), item)):
                obj |= _object(ctx, req)
    return obj


def _find_object(ctx: PageContext, a: ActionHit) -> set[str]:
    stop = ctx.lex.stopwords
    item = ctx.units[a.unit.comment].items[a.unit.item]
    # "{{ping|Wenna Tull}} still waiting on the QPQ": the QPQ, not Wenna
    names = {w for n in ctx.units[a.unit.comment].addressees for w in stems(n, stop)}
    obj = set(stems(a.unit.text, stop)) - GENERIC_WORDS - names
    siblings, starts = ctx.units_of(a.unit.comment, a.unit.item)
    k = _position(siblings, starts, a.unit)
    if len(obj) >= 3:
        # the sentence that sets the scene: "The building history is too short. Could you add…"
        before = ctx.fold(siblings[k - 1].text) if k > 0 else ""
        if before and not is_question_text(before) and not any(
            ctx.lex.any(cue, before) for cue in ("request", "indirect_question", "commitment")
        ):
            obj |= set(stems(siblings[k - 1].text, stop)) - GENERIC_WORDS
        return obj | (set(stems(item.label or "", stop)) - GENERIC_WORDS)
    # "If so, please link it here": what "it" is comes from the sentences before, back to one
    # that names something ("... publishing a short how-to guide. Is that still planned?")
    own = len(obj)
    while k > 0 and len(obj) < own + 3:
        k -= 1
        obj |= set(stems(siblings[k].text, stop)) - GENERIC_WORDS
    return obj | (set(stems(item.label or "", stop)) - GENERIC_WORDS)


def _position(siblings: list[Unit], starts: list[int] | None, u: Unit) -> int:
    """Index of the unit with ``u``'s span among its item's units (0 if none)."""
    if starts is not None:
        # units in page order: the ones with this start, then the one with this span
        for k in range(bisect.bisect_left(starts, u.span[0]), len(siblings)):
            if siblings[k].span[0] != u.span[0]:
                break
            if siblings[k].span == u.span:
                return k
        return 0
    return next((i for i, x in enumerate(siblings) if x.span == u.span), 0)


def _follow(ctx: PageContext, a: ActionHit) -> ActionLink:
    comments = ctx.page.comments
    lex = ctx.lex
    ac = a.unit.comment
    owner = comments[ac].author
    obj = _full_object(ctx, a)
    commitment = a.kind is ActionKind.COMMITMENT
    total = ctx.weight(obj)
    resolved: list[int] = []
    promised: list[int] = []
    status: ActionStatus | None = None
    # one thing asked or promised: "I can get to the library next week. Will report back."
    sole = ctx.sole(ac, a.kind)
    single = sum(x.kind is a.kind for x in ctx.actions_in.get(ac, ())) == 1
    attention = lex.any("attention", ctx.fold(a.unit.text))
    actor = owner if commitment else None
    # "I'll take a look" is kept by the promiser only; "we will upload" by any of "we"
    personal = commitment and lex.any("own_commitment", ctx.fold(a.unit.text)) and not lex.any(
        "open_offer", ctx.fold(a.unit.text)
    )
    # the comments after it that may reply or report back, and the requester's own ones
    to = ctx.addressed(ac) | ctx.vocative(ac, a.unit.text)  # "Pellam, could you correct it?"
    for c in ctx.followers(ac, commitment=commitment, personal=personal, to=to):
        if comments[c].timestamp < comments[ac].timestamp:
            continue  # signed before it was asked: a closing box placed above the thread
        # (after it in time: a closing note by the promiser may stand above it)
        later_by_owner = comments[c].author == owner and (c > ac or comments[c].timestamp > comments[ac].timestamp)
        number = ctx.units[ac].items[a.unit.item].number
        refs = ctx.references(c) if comments[c].parent == ac and number is not None else {}
        if number in refs and not resolved:
            said = [_POINT.sub("", t) for t in refs[number]]  # "Zu 3: erledigt.", "3. Shortened."
            if any(lex.completes(t) or _does_asked(ctx, a, t) for t in said):
                resolved.append(c)
                status = ActionStatus.RESOLVED
                continue
            if any(lex.any("decline", t) for t in said):
                resolved.append(c)
                status = ActionStatus.DECLINED
                continue
        # ... or the one it was put to, in their own section above ("Diff 2 corrected")
        replies = comments[c].parent == ac or ctx.labelled_reply_to(c) == ac or (
            c < ac and comments[c].author in to
        )
        anchored = _anchored(ctx, ac, a.unit.item, c) or (sole and replies)
        interleaved = comments[ac].span[0] < comments[c].span[0] < comments[ac].span[1]
        if (
            not commitment and not resolved and replies
            and comments[c].author != owner and _refuses(ctx, c)
            and _refuses_it(ctx, [t for cues in ctx.item_cues(c) for t in cues.texts], obj)
            and (not interleaved or _anchored(ctx, ac, a.unit.item, c))
        ):
            resolved.append(c)  # "I'd rather not: ...", "Not done: ..." as the reply's first words
            status = ActionStatus.DECLINED
            continue
        if attention and not resolved and _reviewed(ctx, a, c, owner) and not any(
            _still_owed(ctx, cues.texts, cues.completions, obj, total) or (cues.commits and not commitment)
            for cues in ctx.item_cues(c)
        ):  # ("Ich schau heute Abend im Archiv nach." promises the look)
            resolved.append(c)  # "please take a look": the look is the reply itself
            status = ActionStatus.RESOLVED
            continue
        # the promiser reporting back in the same thread or section - not answering another
        # comment's own request ("We still haven't received the invoices." - "Sent them today.")
        parent = comments[c].parent
        follow_up = sole and not (parent is not None and parent != ac and (any(
            x.kind is ActionKind.REQUEST and _names_other(ctx, x, obj) for x in ctx.actions_in.get(parent, ())
        ) or (  # a question of another thread ("Wird das Kloster heute genutzt?")
            not ctx.is_descendant(parent, ac)
            and any(_names_other(ctx, q, obj) for q in ctx.questions_in.get(parent, ()))
        ))) and (
            ctx.is_descendant(c, ac) or (later_by_owner and comments[c].heading == comments[ac].heading)
        ) and (not commitment or later_by_owner or comments[c].parent == ac)
        for cues in ctx.item_cues(c):
            it = cues.item
            bare = _bare(ctx, it, obj)
            about = ctx.mentions(obj, it, total)
            # not "the venue invoice has been uploaded" for "please send the printing invoice"
            completions = [t for t in cues.completions if not _contrasted(ctx, a, t, obj)]
            done = (
                bool(it.templates & _DONE) and (about or anchored or follow_up)
            ) or (
                # "Für drei Tage gesperrt." for "Bitte sperren.", "uploaded it" for "upload it"
                (anchored or follow_up or replies) and not (not commitment and later_by_owner)
                and any(_does_asked(ctx, a, t, alone=not (anchored or follow_up or about)) for t in cues.texts)
            ) or any(
                ctx.mentions(obj, t, total) or (anchored and _on_topic(ctx, t, obj))
                or (not later_by_owner and _names_it(ctx, a, t, obj))
                for t in completions
            ) or (
                commitment and later_by_owner and follow_up and bool(completions) and not resolved
            ) or (
                # "Here is the draft I promised:", under another heading; "Sorry, it slipped my
                # mind. Both now go to Harker."
                commitment and later_by_owner and not resolved and (
                    any(_PROMISED.search(t) and ctx.topic_words(t) & obj for t in completions)
                    or (any(lex.any("belated", t) for t in cues.texts) and bool(completions) and (
                        _vague(ctx, a) or any(ctx.topic_words(t) & obj for t in completions)
                    ))
                )
            ) or (
                # "Can someone sort that out?", which names nothing: what a direct reply did
                anchored and not commitment and not later_by_owner and bool(completions) and _vague(ctx, a)
            ) or (
                # the thread a lone request started: the first report of doing something in it,
                # in a reply to the request or to its first answer
                not commitment and not later_by_owner and follow_up and not resolved
                and ctx.depth_below(c, ac) <= 2 and any(_on_topic(ctx, t, obj) for t in completions)
            )
            if done and _still_owed(ctx, cues.texts, completions, obj, total):
                # "The money went out. The bus company still hasn't sent the copy." / "Photos
                # uploaded. I'll do the dashboard link tomorrow."
                done = False
            if done and not (not commitment and later_by_owner and not cues.receipt):
                resolved.append(c)
                status = ActionStatus.RESOLVED
                break
            promise = cues.commits or (anchored and not commitment and cues.assents)  # "Of course."
            # "Lo del mapa, olvídalo" takes back the map, not the coordinates asked for beside it
            withdrawn = later_by_owner and cues.withdraws and (single or any(
                _on_topic(ctx, t, obj) for t in cues.texts if lex.any("withdraw", t)
            ))
            if not (about or (anchored and (bare or (cues.refuses and not commitment)))
                    or (anchored and promise and not commitment)
                    or (withdrawn and follow_up)):
                continue  # (a direct reply to a lone request that promises something promises it)
            if withdrawn:
                resolved.append(c)
                status = ActionStatus.WITHDRAWN
                break
            if not later_by_owner and (it.templates & _NOT_DONE or (
                (anchored or about) and cues.refuses and _refuses_it(ctx, cues.texts, obj)
            )):
                resolved.append(c)
                status = ActionStatus.DECLINED
                break
            if not commitment and not later_by_owner and comments[c].author != owner and promise:
                promised.append(c)
                actor = actor or comments[c].author
                break
    if status is None and promised and not commitment:
        # the one who promised it reporting back later, in another section ("All 31 interviews
        # are now on Commons." under a new heading)
        checked = set(ctx.followers(ac, commitment=False, personal=False))
        for c in ctx.later_by(comments[promised[0]].author, promised[0]):
            if c in checked:
                continue
            if any(ctx.mentions(obj, t, total) for cues in ctx.item_cues(c) for t in cues.completions):
                resolved.append(c)
                status = ActionStatus.RESOLVED
                break
    if status is None:
        status = ActionStatus.PROMISED if promised else ActionStatus.OPEN
        if promised and not commitment and lex.any("negative_request", ctx.fold(a.unit.text)) and any(
            lex.any("compliance", t) or lex.any("negation", t) or lex.any("agreement", t) or cues.assents
            for cues in ctx.item_cues(promised[0]) for t in cues.texts
        ):
            # "Please don't start the import yet." - "Understood, I'll wait.": kept by agreeing
            status, resolved = ActionStatus.RESOLVED, promised[:1]
    if status is not ActionStatus.RESOLVED:
        resolved = resolved[-1:]  # the last word settles it
    return ActionLink(status, tuple(dict.fromkeys(resolved)), tuple(promised), actor)


def _chain(ctx: PageContext, actions: list[ActionHit], links: list[ActionLink]) -> list[ActionLink]:
    """A request promised by a commitment that was later done is done too."""
    # each comment's first commitment that was done (its place among the actions, who did it)
    done_in: dict[int, tuple[int, tuple[int, ...]]] = {}
    for pos, (other, other_link) in enumerate(zip(actions, links)):
        if other.kind is ActionKind.COMMITMENT and other_link.status is ActionStatus.RESOLVED:
            done_in.setdefault(other.unit.comment, (pos, other_link.resolved_by))
    out = []
    for link in links:
        if link.status is ActionStatus.PROMISED:
            # the first such commitment made in a comment that promised it
            done = [done_in[c] for c in set(link.promised_by) if c in done_in]
            if done:
                link = ActionLink(ActionStatus.RESOLVED, min(done)[1], link.promised_by, link.actor)
        out.append(link)
    return out


def _still_owed(ctx: PageContext, texts: list[str], completions: list[str], obj: set[str], total: float) -> bool:
    """Whether a reply says the thing is still missing or yet to come, more plainly than it
    reports it done: "The money went out. The bus company still hasn't sent the copy.",
    "Photos uploaded to the event category. I'll do the dashboard link tomorrow."."""
    lex = ctx.lex

    def weight(t: str) -> float:
        return ctx.weight(set(ctx.topic_words(t)) & obj)

    owed = [t for t in texts if t not in completions and (lex.any("negation", t) or lex.any("commitment", t))]
    if completions and any(lex.any("remainder", t) and lex.any("commitment", t) for t in owed):
        return True  # "Three of them reverted. I'll go through the rest tomorrow."
    said = max(map(weight, owed), default=0.0)
    named = max((len(set(ctx.topic_words(t)) & obj) for t in owed), default=0)
    done_part = max(map(weight, completions), default=0.0)
    if said <= 0.0 or not (said >= OBJECT_WEIGHT or named >= 2 or (total > 0 and said / total >= OBJECT_SHARE)):
        return False  # a promise or a "not yet" about something else
    return said >= done_part  # "A done. B is taking longer."


def _names_it(ctx: PageContext, a: ActionHit, text: str, obj: set[str]) -> bool:
    """A short report that names what was asked in the asking sentence's own words: "Date
    fixed." for "please correct the date", "Wiederhergestellt, …" for "Ich bitte um
    Wiederherstellung"."""
    words = ctx.topic_words(text)
    if len(words) > 4:
        return False
    own = ctx.own_words.get(a)
    if own is None:
        own = ctx.own_words[a] = frozenset(set(stems(a.unit.text, ctx.lex.stopwords)) - GENERIC_WORDS)
    return bool(words & own) and _on_topic(ctx, text, obj)


def _does_asked(ctx: PageContext, a: ActionHit, text: str, *, alone: bool = False) -> bool:
    """Whether a sentence reports done the very verb the action asks or promises, in its past
    participle: "reworded" for "I'll reword", "halbgesperrt" for "halbsperren", "añadido"
    for "añadirlo" (not in a question, a request or a negated sentence). ``alone``: the verb
    must be this action's only, not also another's of the same comment ("Shortened to …" in a
    reply to three requests)."""
    lex = ctx.lex
    if is_question_text(text) or lex.any("negation", text) or lex.any("request", text):
        return False
    found = {w for w in _WORDS.findall(text) if w in _participles_of(ctx, a)}
    if alone:
        for x in ctx.actions_in.get(a.unit.comment, ()):
            if x is not a:
                found -= _participles_of(ctx, x)
    return bool(found)


def _participles_of(ctx: PageContext, a: ActionHit) -> frozenset[str]:
    done = ctx.participles.get(a)
    if done is None:
        done = ctx.participles[a] = _participles(ctx, a.unit.text)
    return done


def _participles(ctx: PageContext, text: str) -> frozenset[str]:
    """The past participles of a text's verbs (guessed from its words' endings)."""
    lang = ctx.lex.lang
    out: set[str] = set()
    words = set(_WORDS.findall(ctx.fold(text)))
    for w in _WORDS.findall(ctx.fold(text)):
        if len(w) < 4 or w in ctx.lex.stopwords or _stem_of(w) in GENERIC_WORDS:
            continue
        if lang == "de":
            # "sperren", "ändern"; the nouns "Halbsperre", "Löschung" name the verb too
            stem = (
                w[:-2] if w.endswith("en") else w[:-1] if w.endswith(("eln", "ern"))
                else w[:-3] if w.endswith("ung") else w[:-1] if w.endswith("e") else None
            )
            if stem and len(stem) >= 3:
                end = "et" if stem.endswith(("t", "d")) else "t"  # "gearbeitet", "gesperrt"
                out.update({"ge" + stem + end, stem + end})
                out.update(p + "ge" + stem[len(p):] + end for p in _DE_PREFIXES if stem.startswith(p))
                # a separable prefix standing apart: "arbeite ich … ein" -> "eingearbeitet"
                out.update(p + "ge" + stem + end for p in _DE_PREFIXES if p in words)
        elif lang == "es":
            for clitic in ("los", "las", "les", "lo", "la", "le", "me", "te", "nos"):
                if w.endswith(clitic) and w[: -len(clitic)].endswith(("ar", "er", "ir")):
                    w = w[: -len(clitic)]
                    break
            if w.endswith("ar"):
                out.update(w[:-2] + "ad" + e for e in ("o", "a", "os", "as"))
            elif w.endswith(("er", "ir")):
                out.update(w[:-2] + "id" + e for e in ("o", "a", "os", "as"))
        # English forms on every wiki, as the English cues (talk pages mix languages)
        if w.endswith("e"):
            out.add(w + "d")
        elif w.endswith("y") and w[-2] not in "aeiou":
            out.add(w[:-1] + "ied")
        elif not w.endswith(("ed", "ing", "s")):
            out.update({w + "ed", w + w[-1] + "ed"})
    return frozenset(out)


def _stem_of(w: str) -> str:
    return (stems(w, frozenset()) or [w])[0]


_WORDS = re.compile(r"\w+")
_POINT = re.compile(r"^\s*\(?\d{1,3}[.):]\s*")  # "3. ", "(3) ", "3: " before a point's answer
_DE_PREFIXES = (
    "ab", "an", "auf", "aus", "bei", "ein", "fest", "frei", "her", "hin", "mit", "nach", "vor",
    "weg", "zu", "zuruck", "um", "halb", "voll", "wieder", "hoch", "durch",
)


def _refuses_it(ctx: PageContext, texts: list[str], obj: set[str]) -> bool:
    """Whether a reply's refusal is about the object: unless the reply promises the object in
    words that name it and refuses only something else ("'Widely regarded' was my own gloss
    and I can't source it, so it's gone. … I'll deal with the gallery this evening.")."""
    lex = ctx.lex
    if any(lex.any("decline", t) and ctx.topic_words(t) & obj for t in texts):
        return True
    return not any(lex.any("commitment", t) and ctx.topic_words(t) & obj for t in texts)


def _vague(ctx: PageContext, a: ActionHit) -> bool:
    """Whether an action names nothing but doing: "Can someone sort that out before the
    nomination closes?", "Could you fix it?"."""
    text = ctx.fold(a.unit.text)
    for pattern in ctx.lex.pending:
        text = pattern.sub("", text)
    own = set(stems(text, ctx.lex.stopwords)) - GENERIC_WORDS - COMPLETION_WORDS - _DOING
    return not own


_DOING = frozenset(
    "sort fix handle deal get someon somebo anyone anybod could can would will "
    # when: "Will get to it this weekend."
    "today tonigh tomorr weeken week month morning evenin later soon monday tuesda wednes "
    "thursd friday saturd sunday heute morgen abend woche wochen hoy manana tarde semana".split()
)


def _contrasted(ctx: PageContext, a: ActionHit, text: str, obj: set[str]) -> bool:
    """Whether a report names another thing of the same kind than the one asked for: "I can
    see the venue invoice now" for "please include the printing invoice" (every word it shares
    with the request comes right after a word of its own, where the request has another)."""
    said = _pairs(ctx, text)
    asked = _pairs(ctx, a.unit.text)
    words = set(ctx.text_stems(text))
    shared = [w for w in said if w in obj]
    return bool(shared) and all(
        said[w] and asked.get(w) and not said[w] & obj and not asked[w] & words for w in shared
    )


def _pairs(ctx: PageContext, text: str) -> dict[str, set[str]]:
    """Each content word of a text with the content words right before it (in one clause)."""
    out: dict[str, set[str]] = {}
    prev: str | None = None
    for m in _TOKEN.finditer(ctx.fold(text)):
        tok = m.group()
        if not tok[0].isalnum() or tok in ctx.lex.stopwords:
            prev = None
            continue
        w = (stems(tok, frozenset()) or [tok])[0]
        out.setdefault(w, set())
        if prev is not None:
            out[w].add(prev)
        # "financial documentation" may well be the "expenses documentation" asked for
        prev = None if _ADJECTIVE.search(tok) else w
    return out


_TOKEN = re.compile(r"\w+|[^\w\s]")
_ADJECTIVE = re.compile(r"(al|ic|ive|ous|ful|less|able|ible|ary|ed|ly)$")


def _names_other(ctx: PageContext, x: ActionHit | QuestionHit, obj: set[str]) -> bool:
    """Whether request (or question) ``x`` names a thing of its own, other than ``obj`` ("We
    still haven't received the invoices"), unlike "Please ping me when they are added"."""
    own = ctx.own_words.get(x)
    if own is None:
        own = ctx.own_words[x] = frozenset(set(stems(x.unit.text, ctx.lex.stopwords)) - GENERIC_WORDS)
    return len(own) >= 3 and not (own & obj)


def _refuses(ctx: PageContext, c: int) -> bool:
    """Whether reply ``c`` opens with a refusal."""
    found = ctx.refusals.get(c)
    if found is None:
        items = ctx.units[c].items
        units = ctx.units[c].units
        found = ctx.refusals[c] = bool(items and items[0].templates & _NOT_DONE) or (
            bool(units) and ctx.lex.any("decline", ctx.fold(units[0].text))
            and not is_question_text(units[0].text)
        )
    return found


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
    said = ctx.answer_sentences(c)
    # two sentences, or one long one ("He mirado una veintena y están bien, salvo…")
    long_one = a.kind is ActionKind.REQUEST and len(said) == 1 and len(said[0].text.split()) >= 12
    return in_thread and (len(said) >= 2 or long_one)


def _on_topic(ctx: PageContext, text: str, obj: set[str]) -> bool:
    """A completion in a direct reply counts unless it is plainly about something else: it
    names what another action or question of the page is about, and nothing of this one's."""
    words = ctx.topic_words(text)
    if words & obj:
        return True
    if ctx.objects is None:
        ctx.objects = [_object(ctx, x) for acts in ctx.actions_in.values() for x in acts]
        ctx.objects_union = frozenset(set().union(*ctx.objects))
    # the words of the others' objects, not this one's and not the page's common words
    return not ((words & ctx.objects_union) - obj - ctx.common)


def _bare(ctx: PageContext, it: Item, obj: set[str]) -> bool:
    """A reply that names nothing else: "Done.", "{{done}}", "Fixed, thanks." (or mentions the object)."""
    own = ctx.own_item_words(it)
    return len(own) - len(own & obj) <= 2




def _anchored(ctx: PageContext, ac: int, item: int, c: int) -> bool:
    """Whether reply ``c`` sits right under the action's item, inside the asking comment."""
    comments = ctx.page.comments
    if comments[c].parent != ac:
        return False
    owner_start, owner_end = comments[ac].span
    start = comments[c].spans[0][0]
    if not owner_start < start < owner_end:
        return False  # written after the whole comment: no particular item
    before = ctx.last_item_before(ac, start)
    return before is not None and before.index == item
