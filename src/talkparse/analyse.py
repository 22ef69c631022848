"""Analysis: questions, answers and outstanding actions of a parsed page."""

from __future__ import annotations

from .detect import detect, lexicon
from .langdata import load_language
from .context import PageContext
from .link import link_actions, link_answers
from .model import Action, ActionKind, ActionStatus, Analysis, Page, Question, QuestionStatus
from .runtime import collector_paused
from .units import UnitBuilder


def analyse(page: Page) -> Analysis:
    """Find the questions asked on a page, the comments that answer them, and action items.

    :param page: a page from :func:`talkparse.parse` (it carries its wikitext).
    :returns: an :class:`Analysis` with questions (answered / unclear / unanswered, with the
        answering comments as evidence) and actions (requests and commitments: open, promised,
        resolved, declined or withdrawn).

    >>> from talkparse import parse
    >>> page = parse("== Q ==\\nWhat is the budget? [[User:A|A]] 10:00, 1 May 2020 (UTC)\\n"
    ...              ":The budget is USD 500. [[User:B|B]] 11:00, 1 May 2020 (UTC)\\n")
    >>> [(q.text, q.status.value, q.answered_by) for q in analyse(page).questions]
    [('What is the budget?', 'answered', (1,))]
    """
    with collector_paused():
        return _analyse(page)


def _analyse(page: Page) -> Analysis:
    lang = page.lang
    lex = lexicon(lang)
    done = load_language(lang).templates.done.get("done", frozenset())
    units = UnitBuilder(page).build()
    q_hits = []
    a_hits = []
    for cu in units:
        qs, acts = detect(cu, lex, done)
        q_hits.extend(qs)
        a_hits.extend(acts)
    ctx = PageContext(page, units, lex)
    answers = link_answers(ctx, q_hits, a_hits)
    resolutions = link_actions(ctx, a_hits)
    # "Could you fix X?" is answered by doing it (or by saying no)
    # keyed by where the sentence ends: a question drops a leading "Label:" the action keeps
    settled = {
        h.unit.span[1]: r.resolved_by
        for h, r in zip(a_hits, resolutions)
        if r.status in (ActionStatus.RESOLVED, ActionStatus.DECLINED) and r.resolved_by
    }
    # ... or by promising it ("Can someone look at this?" - "Three reverted, the rest tomorrow.")
    settled.update({
        h.unit.span[1]: r.promised_by[:1]
        for h, r in zip(a_hits, resolutions)
        if r.status is ActionStatus.PROMISED and r.promised_by and h.kind is ActionKind.REQUEST
    })
    questions = tuple(
        Question(
            comment=h.unit.comment,
            text=h.unit.text,
            status=QuestionStatus.ANSWERED if h.unit.span[1] in settled else link.status,
            answered_by=link.answered_by or settled.get(h.unit.span[1], ()),
            indirect=h.indirect,
            span=h.unit.span,
        )
        for h, link in zip(q_hits, answers)
    )
    actions = tuple(
        Action(
            comment=h.unit.comment,
            text=h.unit.text,
            kind=h.kind,
            status=r.status,
            resolved_by=r.resolved_by,
            promised_by=r.promised_by,
            actor=r.actor,
            span=h.unit.span,
        )
        for h, r in zip(a_hits, resolutions)
    )
    return Analysis(page=page, questions=questions, actions=actions)
