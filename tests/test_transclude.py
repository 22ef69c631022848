"""Expanding transcluded discussion pages in place (pure text, pages supplied by the caller)."""

from __future__ import annotations

from talkparse import parse
from talkparse.langdata import load_language
from talkparse.transclude import expand, included_text, mark_comments, resolve_target

NS = {"0": [""], "1": ["Talk"], "2": ["User"], "4": ["Wikipedia", "Project", "WP"], "10": ["Template"]}
EN = load_language("en")


def test_targets() -> None:
    table = {"talk": 1, "wikipedia": 4, "wp": 4, "template": 10, "user": 2, "project": 4}
    names = {1: "Talk", 4: "Wikipedia", 10: "Template", 2: "User", 0: ""}
    assert resolve_target("Talk:X/GA1", "Talk:X", table, names) == "Talk:X/GA1"
    assert resolve_target("/GA1", "Talk:X", table, names) == "Talk:X/GA1"
    assert resolve_target("WP:articles for deletion/foo", None, table, names) == (
        "Wikipedia:Articles for deletion/foo"
    )
    assert resolve_target("Template:Foo", None, table, names) is None
    assert resolve_target("DEFAULTSORT:Foo", None, table, names) is None


def test_included_text() -> None:
    assert included_text("a<noinclude>b</noinclude>c<includeonly>d</includeonly>") == "acd"
    assert included_text("x<onlyinclude>y</onlyinclude>z<onlyinclude>w</onlyinclude>") == "yw"


def test_expand_two_levels_and_mark() -> None:
    pages = {
        "Wikipedia:AfD/Log": "{{Wikipedia:AfD/Foo}}\n",
        "Wikipedia:AfD/Foo": "=== Foo ===\nDelete. [[User:A|A]] 10:00, 1 May 2020 (UTC)\n",
    }
    asked: list[list[str]] = []

    def get(titles: list[str]) -> dict[str, str | None]:
        asked.append(titles)
        return {t: pages.get(t) for t in titles}

    main = "== Log ==\n{{Wikipedia:AfD/Log}}\n{{Talk:Missing}}\nMine. [[User:B|B]] 11:00, 1 May 2020 (UTC)\n"
    text, regions = expand(main, "Talk:Main", EN, NS, get)
    assert asked == [["Talk:Missing", "Wikipedia:AfD/Log"], ["Wikipedia:AfD/Foo"]]
    assert "{{Talk:Missing}}" in text and "=== Foo ===" in text
    page = mark_comments(parse(text, language=EN), regions)
    assert [(c.author, c.transcluded_from) for c in page.comments] == [
        ("A", "Wikipedia:AfD/Foo"), ("B", None),
    ]
