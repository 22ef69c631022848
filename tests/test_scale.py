"""Big pages parse completely (speed is measured in benchmarks/speed.py, not asserted here)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from talkparse import parse


def make_page(sections: int) -> tuple[str, int]:
    """A synthetic archive: sections of four comments each, with distinct times."""
    parts = []
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    n = 0
    for s in range(sections):
        parts.append(f"== Topic {s} ==\n")
        for level in range(4):
            when = start + timedelta(minutes=n)
            stamp = f"{when:%H:%M}, {when.day} {when:%B %Y} (UTC)"
            parts.append(
                ":" * level
                + f"Comment number {n} with [[Some link|a link]] and '''bold''' text. "
                + "Filler words to make the comment of a realistic length for a talk page. " * 3
                + f"[[User:User{n % 50}|User{n % 50}]] ([[User talk:User{n % 50}|talk]]) {stamp}\n"
            )
            n += 1
        parts.append("\n")
    return "".join(parts), n


def test_ten_megabyte_page_parses_completely() -> None:
    text, n = make_page(8000)
    assert len(text) > 10_000_000
    page = parse(text)
    assert len(page.comments) == n
    assert len(page.headings) == 8000
    last = page.comments[-1]
    assert last.level == 3 and last.parent == n - 2
