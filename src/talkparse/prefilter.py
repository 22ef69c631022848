"""Literal prefilters for regular expressions: strings one of which every match contains.

The detector tries a few hundred cue patterns on every sentence of a page; most sentences hold
none of the words a pattern needs ("will", "please", "could you"), and finding that out with
``in`` costs a fraction of a regex search. :func:`required_literals` reads a pattern's parse tree
(as RE2's prefilters do) and returns a set of strings such that every match contains at least
one of them, or None when it cannot tell (a pattern that may match without any fixed text, or
case-insensitive parts). ``pattern.search(text)`` can then only succeed if one of the strings
is ``in text``; :class:`PatternSet` asks that for a list of patterns at once.
"""

from __future__ import annotations

import re
import re._constants as _c
from dataclasses import dataclass
import re._parser as _parser
from typing import Any

Literals = frozenset[str]
_MAX_STRINGS = 64  # alternatives kept when literal runs are multiplied out ("(i|we) (will|shall)")
MAX_FILTER = 8  # strings in a filter at most: each costs an ``in`` test on every sentence
_SMALL_CLASS = 8  # a character class of at most this many characters counts as alternatives
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)


def required_literals(pattern: re.Pattern[str]) -> Literals | None:
    """Strings one of which every match of ``pattern`` contains; None if there are none."""
    if pattern.flags & re.IGNORECASE or not isinstance(pattern.pattern, str):
        return None
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError):
        return None
    return _required(list(tree))


def _required(items: list[Any]) -> Literals | None:
    """Required strings of a sequence: the best of those of its parts (each part must match)."""
    candidates: list[Literals | None] = []
    run: Literals = frozenset({""})  # the literal text matched just before this item
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # no text: the literal run goes on across \b, ^ and lookarounds
        exact = _exact(op, av)
        if exact is None:
            candidates += [run, _required_of(op, av)]
            run = frozenset({""})
            continue
        candidates += [exact, run]  # the run so far is required too, and may be the best
        if len(run) * len(exact) > _MAX_STRINGS:
            run = exact
        else:
            run = frozenset(a + b for a in run for b in exact)
    candidates.append(run)
    return _best(candidates)


def _required_of(op: Any, av: Any) -> Literals | None:
    """Required strings of one item that is not a fixed literal."""
    if op is _c.SUBPATTERN:
        _, add_flags, _, body = av
        return None if add_flags & re.IGNORECASE else _required(list(body))
    if op is _c.ATOMIC_GROUP:
        return _required(list(av))
    if op is _c.BRANCH:
        found: set[str] = set()
        for branch in av[1]:
            required = _required(list(branch))
            if required is None:
                return None  # a branch needing no fixed text: the alternation needs none
            found |= required
        return frozenset(found) if len(found) <= MAX_FILTER else None
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _, body = av
        return _required(list(body)) if low >= 1 else None
    return None


def _exact(op: Any, av: Any) -> Literals | None:
    """The strings one item matches, when it matches one of a few fixed strings."""
    if op is _c.LITERAL:
        return frozenset({chr(av)})
    if op is _c.IN and len(av) <= _SMALL_CLASS and all(o is _c.LITERAL for o, _ in av):
        return frozenset(chr(v) for _, v in av)
    if op is _c.SUBPATTERN:
        _, add_flags, _, body = av
        return None if add_flags & re.IGNORECASE else _exact_seq(list(body))
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _exact_seq(list(branch))
            if strings is None:
                return None
            out |= strings
        return frozenset(out) if len(out) <= _MAX_STRINGS else None
    return None


def _exact_seq(items: list[Any]) -> Literals | None:
    run: Literals = frozenset({""})
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        exact = _exact(op, av)
        if exact is None or len(run) * len(exact) > _MAX_STRINGS:
            return None
        run = frozenset(a + b for a in run for b in exact)
    return run


def _best(candidates: list[Literals | None]) -> Literals | None:
    """The cheapest good filter: no empty string (found in every text), at most
    ``MAX_FILTER`` strings (each is one ``in`` test), then strings of three characters or more,
    then the longest shortest string up to eight characters, then the fewest strings, then
    the longest shortest string."""
    usable = [c for c in candidates if c and "" not in c and len(c) <= MAX_FILTER]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)) >= 3, min(min(map(len, c)), 8), -len(c), min(map(len, c))))


@dataclass(frozen=True, slots=True)
class PatternSet:
    """Patterns asked together whether any of them matches a text, with their prefilters.

    ``gate`` finds any string of any pattern's filter in one search (in C): most texts pass
    none, and the patterns with filters are then not looked at one by one.
    """

    unfiltered: tuple[re.Pattern[str], ...]  # tried on every text
    filtered: tuple[tuple[re.Pattern[str], Literals], ...]  # tried when a string is in the text
    gate: re.Pattern[str] | None  # any string of any filter

    @classmethod
    def of(cls, patterns: tuple[re.Pattern[str], ...]) -> PatternSet:
        unfiltered: list[re.Pattern[str]] = []
        filtered: list[tuple[re.Pattern[str], Literals]] = []
        strings: set[str] = set()
        for p in patterns:
            literals = required_literals(p)
            if literals is None:
                unfiltered.append(p)
            else:
                filtered.append((p, literals))
                strings |= literals
        gate = re.compile("|".join(map(re.escape, sorted(strings, key=len, reverse=True)))) if strings else None
        return cls(tuple(unfiltered), tuple(filtered), gate)

    def any(self, text: str) -> bool:
        """Whether any of the patterns matches (searches) ``text``."""
        for p in self.unfiltered:
            if p.search(text):
                return True
        if self.gate is None or self.gate.search(text) is None:
            return False
        for p, literals in self.filtered:
            for s in literals:
                if s in text:
                    if p.search(text):
                        return True
                    break
        return False
