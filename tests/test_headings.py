"""Heading titles as MediaWiki shows them."""

from __future__ import annotations

import pytest

from talkparse import parse
from talkparse.parse import heading_title


@pytest.mark.parametrize(("wikitext", "shown"), [
    ("[[:The Saltmarsh Collective]]", "The Saltmarsh Collective"),  # a leading colon is not shown
    ("[[:Category:Bridges]]", "Category:Bridges"),
    ("[[:Category:Bridges|bridges]]", "bridges"),
    ("Sources for [[Gorse Mill Bridge|the bridge]]", "Sources for the bridge"),
    ("''Italic'' and '''bold'''", "Italic and bold"),
    ("A &amp; B", "A & B"),
])
def test_heading_title(wikitext: str, shown: str) -> None:
    assert heading_title(wikitext) == shown


def test_section_of_a_comment_uses_the_shown_title() -> None:
    page = parse("== [[:The Saltmarsh Collective]] ==\nDelete. [[User:A|A]] 10:00, 1 May 2020 (UTC)\n")
    assert page.headings[0].title == "The Saltmarsh Collective"
