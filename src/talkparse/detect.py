"""Detection: which units of a comment are questions, requests or commitments (rules as data)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from collections.abc import Mapping
from importlib import resources

from .model import ActionKind
from .prefilter import PatternSet
from .units import CommentUnits, Unit, fold

QUESTION_MARKS = ("?", "？", "؟", ";")  # the last is the Greek question mark after NFKC
_TRAILING = " \t)]}\"'»”’.:;!…-–—~*"
# "I've put the note on my user page and I'll start a draft this week": a report, then a promise
_PROMISE_AFTER = re.compile(
    r"(\b(and|but|then|so|now)( now)?|[;,])( (i|we)( will|'ll| shall| am going to| are going to)| will)\b"
    r"|\bund (ich |wir )?(werde|werden)\b|\by (voy|vamos) a\b"
)


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """Cue patterns of one language (merged with English), from ``data/lexicon/<lang>.json``."""

    lang: str
    indirect_question: tuple[re.Pattern[str], ...]
    weak_indirect_question: tuple[re.Pattern[str], ...]
    unmarked_question: tuple[re.Pattern[str], ...]  # "and why did you put it back" (no "?")
    rhetorical: tuple[re.Pattern[str], ...]
    self_answer: tuple[re.Pattern[str], ...]
    proposal_label: tuple[re.Pattern[str], ...]  # "Option C", "Propuesta 2", "Variante B"
    vote_label: tuple[re.Pattern[str], ...]  # "Keep", "Borrar", "Behalten": matched unfolded
    dismissal: tuple[re.Pattern[str], ...]  # "Anyway.", "En fin.": the asker drops the question
    request: tuple[re.Pattern[str], ...]
    request_exclude: tuple[re.Pattern[str], ...]
    request_marker: tuple[re.Pattern[str], ...]  # "please", "could you": a request for sure
    commitment: tuple[re.Pattern[str], ...]
    commitment_exclude: tuple[re.Pattern[str], ...]
    bare_commitment: tuple[re.Pattern[str], ...]  # "I can do that." before the promise it sums up
    assent: tuple[re.Pattern[str], ...]  # "Of course." in reply to a request: a promise
    own_commitment: tuple[re.Pattern[str], ...]  # "I will…", "ich kümmere mich": only I can do it
    open_offer: tuple[re.Pattern[str], ...]  # "…unless someone beats me to it": anyone may do it
    negative_request: tuple[re.Pattern[str], ...]  # "Please don't start yet": kept by agreeing
    compliance: tuple[re.Pattern[str], ...]  # "Understood, I'll wait.": agrees, owes nothing new
    completion: tuple[re.Pattern[str], ...]
    pending: tuple[re.Pattern[str], ...]  # "as soon as this is closed": not done, a condition
    receipt: tuple[re.Pattern[str], ...]  # "Received, thanks", "I see the dates on the timeline now"
    remainder: tuple[re.Pattern[str], ...]  # "the rest", "die übrigen": part done, part owed
    shared_wonder: tuple[re.Pattern[str], ...]  # "I'd like to know that too": asks along
    belated: tuple[re.Pattern[str], ...]  # "Sorry, it slipped my mind": reporting back late
    anyone_question: tuple[re.Pattern[str], ...]  # "Does anyone have access to…?"
    volunteer: tuple[re.Pattern[str], ...]  # "Our library has the volume.", "Yo tengo suscripción"
    agreement: tuple[re.Pattern[str], ...]  # "Fine, …", "Understood, …": goes along with a request
    negation: tuple[re.Pattern[str], ...]  # "nobody has cited", "noch nicht": not a completion
    decline: tuple[re.Pattern[str], ...]
    withdraw: tuple[re.Pattern[str], ...]
    closure: tuple[re.Pattern[str], ...]  # "Could an uninvolved editor close this?"
    acknowledgement: tuple[re.Pattern[str], ...]
    response_heading: tuple[re.Pattern[str], ...]
    response_label: tuple[re.Pattern[str], ...]  # a comment that opens "Respuesta" / "Reply:"
    request_question: tuple[re.Pattern[str], ...]
    attention: tuple[re.Pattern[str], ...]  # actions fulfilled by a reply: "take a look", "review"
    polar_answer: tuple[re.Pattern[str], ...]  # "Yes", "No", "Maybe next year"
    me_too: tuple[re.Pattern[str], ...]  # "Same here", "Works for me": an answer only to...
    others_question: tuple[re.Pattern[str], ...]  # ..."Is anyone else seeing this?"
    non_answer: tuple[re.Pattern[str], ...]
    deferral: tuple[re.Pattern[str], ...]  # "I'll check at the library and report back"
    stopwords: frozenset[str]
    stopwords_wh: frozenset[str]  # question words: what, why, quién, warum...
    question_openers: frozenset[str]  # words a question starts with: question words, "is", "hast"

    sets: Mapping[str, PatternSet]  # each list with its prefilters (see any())

    def any(self, name: str, folded: str) -> bool:
        """Whether any pattern of the list ``name`` matches the folded text.

        A pattern is tried only if the text holds one of the strings each of its matches holds
        (:mod:`talkparse.prefilter`): most sentences have none of the words most cues need, and
        ``in`` is much cheaper than a search (this made the audit several times faster).
        """
        return self.sets[name].any(folded)

    def completes(self, folded: str) -> bool:
        """Whether the text reports something done, outside the clauses that only set a
        condition ("I'll file the request as soon as this proposal is closed.")."""
        if not self.any("completion", folded):
            return False
        for pattern in self.pending:
            folded = pattern.sub("", folded)
        return self.any("completion", folded)


_LISTS = (
    "indirect_question", "weak_indirect_question", "unmarked_question", "rhetorical", "self_answer", "proposal_label", "vote_label", "dismissal", "request",
    "request_exclude", "request_marker", "commitment", "commitment_exclude", "bare_commitment", "assent", "own_commitment", "open_offer", "negative_request", "compliance", "completion", "pending", "receipt", "remainder", "shared_wonder", "belated", "anyone_question", "volunteer", "agreement", "negation", "decline", "withdraw", "closure",
    "acknowledgement", "response_heading", "response_label", "request_question", "attention", "polar_answer", "me_too", "others_question", "non_answer", "deferral",
)


def _raw(lang: str) -> dict[str, object] | None:
    ref = resources.files("talkparse") / "data" / "lexicon" / f"{lang}.json"
    try:
        return json.loads(ref.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (FileNotFoundError, OSError):
        return None


@functools.cache
def lexicon(lang: str) -> Lexicon:
    """Cue patterns for ``lang``; English cues are always included (talk pages mix languages)."""
    sources = [d for d in (_raw(lang), _raw("en") if lang != "en" else None) if d]
    lists: dict[str, tuple[re.Pattern[str], ...]] = {}
    for name in _LISTS:
        pats: list[re.Pattern[str]] = []
        for data in sources:
            pats.extend(re.compile(p) for p in data.get(name, ()))  # type: ignore[attr-defined]
        lists[name] = tuple(pats)
    stop: set[str] = set()
    wh: set[str] = set()
    openers: set[str] = set()
    for data in sources:
        stop.update(fold(str(data.get("stopwords", ""))).split())
        wh.update(fold(str(data.get("question_words", ""))).split())
        openers.update(fold(str(data.get("question_openers", ""))).split())
    sets = {name: PatternSet.of(pats) for name, pats in lists.items()}
    return Lexicon(lang=lang, stopwords=frozenset(stop), stopwords_wh=frozenset(wh),
        question_openers=frozenset(wh | openers), sets=sets, **lists)


@dataclass(frozen=True, slots=True)
class QuestionHit:
    """A unit found to be a question."""

    unit: Unit
    indirect: bool  # no question mark: an indirect question ("I'd like to know…")


@dataclass(frozen=True, slots=True)
class ActionHit:
    """A unit found to be a request or a commitment."""

    unit: Unit
    kind: ActionKind


def is_question_text(text: str) -> bool:
    """Whether a sentence ends with a question mark (of any script) or holds a ``¿…?`` span."""
    return text.rstrip(_TRAILING).endswith(QUESTION_MARKS[:3]) or ("¿" in text and "?" in text)


def detect(units: CommentUnits, lex: Lexicon, done_templates: frozenset[str]) -> tuple[
    list[QuestionHit], list[ActionHit]
]:
    """Find the questions and action items among one comment's units."""
    questions: list[QuestionHit] = []
    actions: list[ActionHit] = []
    by_item: dict[int, list[Unit]] = {}
    for u in units.units:
        by_item.setdefault(u.item, []).append(u)
    doing = frozenset({"doing", "working", "in progress"})
    for item in units.items:
        if item.struck:
            continue
        sentences = by_item.get(item.index, [])
        # "Option C: mention the appeal only" proposes a wording; it asks no one to do anything
        proposal = bool(item.label) and lex.any("proposal_label", fold(item.label or ""))
        for k, u in enumerate(sentences):
            if u.quoted or u.struck:
                continue
            folded = fold(_without_vote(u.text, lex))
            body = _without_address(_without_label(folded, item.label), units.addressees)
            kind = _question_kind(u.text, body, lex)
            if kind is not None:
                follower = sentences[k + 1] if k + 1 < len(sentences) else None
                after = fold(follower.text) if follower is not None else ""
                if kind == "direct" and lex.any("self_answer", after) and len(body.split()) <= 12:
                    continue  # asked and answered by the asker ("Why? Because…")
                if kind == "direct" and lex.any("dismissal", after):
                    continue  # wondered aloud and dropped ("Who set that range? Anyway.")
                questions.append(QuestionHit(_unlabelled(u, item.label), indirect=kind != "direct"))
                if kind == "direct" and lex.any("request_question", body) and not lex.any(
                    "request_exclude", body
                ):
                    # "Could you fix the refs?" asks for an answer and for an action
                    actions.append(ActionHit(u, ActionKind.REQUEST))
                continue
            if proposal:
                continue
            if body.rstrip().endswith(":") and (len(body.split()) <= 6 or (
                k == len(sentences) - 1 and item.index + 1 < len(units.items)
                and units.items[item.index + 1].number is not None
            )):
                continue  # "Two corrections please:", "I'd like the committee to settle them:"
                # introduce the requests or the numbered questions that follow
            own = lex.any("own_commitment", body) and not lex.any("commitment_exclude", body)
            if (
                not (own and not lex.any("request_marker", body))  # "...; I'll write it": a promise
                and lex.any("request", body)
                and not lex.any("request_exclude", body)
                # "Split the sentence and removed the second link." reports, it does not ask
                and (lex.any("request_marker", body) or not lex.completes(body) or lex.any("negation", body))
            ):
                actions.append(ActionHit(u, ActionKind.REQUEST))
            elif (
                lex.any("commitment", body)
                and not lex.any("commitment_exclude", body)
                and not lex.any("compliance", body)
                # "I have also swapped the image": done - unless a promise follows the report
                and (
                    not lex.completes(body) or lex.any("negation", body) or _PROMISE_AFTER.search(body)
                )
            ):
                actions.append(ActionHit(u, ActionKind.COMMITMENT))
        if item.templates & doing and not any(a.unit.item == item.index for a in actions):
            if sentences:
                actions.append(ActionHit(sentences[0], ActionKind.COMMITMENT))
    return questions, _without_bare(actions, lex)


def _without_bare(actions: list[ActionHit], lex: Lexicon) -> list[ActionHit]:
    """Drop "I can do that." when a promise follows in the same comment ("I'll draft a message
    tonight"): it is one commitment, said twice."""
    out = []
    for k, a in enumerate(actions):
        if (
            a.kind is ActionKind.COMMITMENT
            and any(b.kind is ActionKind.COMMITMENT for b in actions[k + 1 :])
            and lex.any("bare_commitment", fold(a.unit.text).strip())
        ):
            continue
        out.append(a)
    return out


def _without_vote(text: str, lex: Lexicon) -> str:
    """A vote's text without its vote word: "Keep It has been on air since 2004" (a bold
    Keep, then the reason) is not the imperative "keep it"."""
    for pattern in lex.vote_label:
        m = pattern.match(text)
        if m:
            return text[m.end():].lstrip(" .:;,–—-")
    return text


def _unlabelled(u: Unit, label: str | None) -> Unit:
    """The unit without a leading "Label -" (the question is what follows it)."""
    if label and u.text.startswith(label):
        rest = u.text[len(label) :].lstrip(" :-–—")
        if rest:
            cut = len(u.text) - len(rest)
            return Unit(u.comment, u.item, rest, (u.span[0] + cut, u.span[1]), u.quoted, u.struck)
    return u


def _without_address(folded: str, addressees: frozenset[str]) -> str:
    """The sentence without the name of a user it pings first ("{{ping|Bram}} Could the list
    be made sortable?" reads "Bram Could the list…"), so that cues anchored at its start apply."""
    for name in addressees:
        low = fold(name)
        for lead in (low, "@" + low):
            if folded.startswith(lead) and len(folded) > len(lead) and not folded[len(lead)].isalnum():
                return folded[len(lead) :].lstrip(" :,;-–—")
    return folded


def _without_label(folded: str, label: str | None) -> str:
    if label:
        lab = fold(label)
        if folded.startswith(lab):
            return folded[len(lab) :].lstrip(" :-–—")
    return folded


def _question_kind(text: str, body: str, lex: Lexicon) -> str | None:
    """"direct" (a question mark), "indirect", or None."""
    if is_question_text(text):
        words = re.findall(r"\w+", body)
        # "?", "ok?" are not questions; "Why?", "Warum?", "¿Por qué?" ask for a reason
        too_short = len(words) < 2 and sum(ch.isalpha() for ch in body) < 6 and not (
            len(words) == 1 and words[0] in lex.stopwords_wh
        )
        if too_short or lex.any("rhetorical", body.rstrip(" \t)\"'»”’")):
            return None
        return "direct"
    if lex.any("shared_wonder", body):
        return None  # "I'd like to know that too." seconds a question asked already
    if lex.any("indirect_question", body) or lex.any("weak_indirect_question", body):
        return "indirect"
    if lex.any("unmarked_question", body.rstrip()):
        return "unmarked"  # a question written without its question mark
    return None
