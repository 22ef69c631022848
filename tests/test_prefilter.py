"""Prefilters never hide a match: a pattern matches only texts holding one of its strings."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talkparse.detect import _LISTS, lexicon
from talkparse.prefilter import PatternSet, required_literals

LANGS = ("en", "es", "de")


def _patterns(lang: str) -> list[re.Pattern[str]]:
    lex = lexicon(lang)
    return [p for name in _LISTS for p in getattr(lex, name)]


def _pieces(lang: str) -> list[str]:
    """Words and fragments of the lexicon's own patterns, to build texts that match them."""
    found: set[str] = set()
    for p in _patterns(lang):
        found.update(re.findall(r"[^\W\d_]+'?[^\W\d_]*", p.pattern))
    return sorted(found) + [" ", " ", ". ", "? ", "\n", "'", "1"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_match_holds_a_required_string(lang: str) -> None:
    """On sentences made of the patterns' own words, wherever a pattern matches, one of its
    required strings is in the text."""
    patterns = [(p, required_literals(p)) for p in _patterns(lang)]
    pieces = _pieces(lang)

    @settings(max_examples=400, deadline=None)
    @given(words=st.lists(st.sampled_from(pieces), max_size=14))
    def check(words: list[str]) -> None:
        text = " ".join(words)
        for p, literals in patterns:
            if literals is not None and p.search(text):
                assert any(s in text for s in literals), (p.pattern, sorted(literals), text)

    check()


@pytest.mark.parametrize("lang", LANGS)
def test_pattern_sets_answer_as_their_patterns(lang: str) -> None:
    lex = lexicon(lang)
    pieces = _pieces(lang)

    @settings(max_examples=300, deadline=None)
    @given(words=st.lists(st.sampled_from(pieces), max_size=14), name=st.sampled_from(_LISTS))
    def check(words: list[str], name: str) -> None:
        text = " ".join(words)
        assert lex.any(name, text) == any(p.search(text) for p in getattr(lex, name))

    check()


@pytest.mark.parametrize("pattern, literals", [
    (r"\bkindly\b", {"kindly"}),
    (r"\b(i|we)'ll\b", {"i'll", "we'll"}),
    (r"\byou (need|have|ought) to\b", {"you need to", "you have to", "you ought to"}),
    (r"\b(she|he|[a-z]+) will (write|send)", {" will write", " will send"}),
    (r"x*", None),  # may match the empty string: nothing is required
    (r"(?i:keep)", None),  # any case: no exact string is required
    (r"\w+ing\b", {"ing"}),
])
def test_required_strings(pattern: str, literals: set[str] | None) -> None:
    found = required_literals(re.compile(pattern))
    assert (set(found) if found is not None else None) == literals


def test_a_set_without_filters_searches_every_pattern() -> None:
    patterns = PatternSet.of((re.compile(r"\w+"), re.compile(r"(?i:yes)")))
    assert patterns.gate is None and len(patterns.unfiltered) == 2
    assert patterns.any("YES") and not patterns.any("...")


def test_real_comments_hold_the_strings_of_the_patterns_they_match() -> None:
    """Every comment of the labelled pages, folded as the detector sees it."""
    from pathlib import Path

    from talkparse import parse
    from talkparse.units import fold

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    pages = sorted(fixtures.glob("audit*/*.wikitext")) + [fixtures / "iberoconf-2019-report.wikitext"]
    checked = matched = 0
    for lang in LANGS:
        patterns = [(p, required_literals(p)) for p in _patterns(lang)]
        for path in pages:
            for comment in parse(path.read_text(encoding="utf-8"), lang=lang).comments:
                text = fold(comment.text)
                for p, literals in patterns:
                    checked += 1
                    if literals is not None and p.search(text):
                        matched += 1
                        assert any(s in text for s in literals), (p.pattern, path.name)
    assert matched > 500  # the check saw real matches
