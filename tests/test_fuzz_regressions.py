"""Inputs the fuzzer (fuzz/fuzz_talkparse.py) once broke, replayed: each must parse and analyse
with every invariant holding. Crash files from libFuzzer go into tests/fuzz-crashes/."""

from __future__ import annotations

from pathlib import Path

import pytest

from talkparse import analyse, parse
from talkparse.export import analysis_record, page_from_record, page_record

CRASHES = sorted(p for p in (Path(__file__).parent / "fuzz-crashes").iterdir() if p.is_file() and p.name != "README.md")
LANGS = ("en", "de", "es", "fr", "pl", "ar")


@pytest.mark.parametrize("path", CRASHES, ids=lambda p: p.name)
@pytest.mark.parametrize("mode", ["reader", "discussiontools"])
@pytest.mark.parametrize("lang", LANGS)
def test_fuzz_input(path: Path, mode: str, lang: str) -> None:
    # crash files are named crash-<hash>-<lang>-<mode>.wikitext; every file runs in every
    # language and mode anyway
    text = path.read_bytes().decode("utf-8", errors="replace")
    page = parse(text, lang=lang, mode=mode)
    assert "".join(text[s.start : s.end] for s in page.segments()) == text
    assert page_from_record(page_record(page, details=True)) == page
    analysis_record(analyse(page))


def test_there_is_something_to_replay() -> None:
    assert CRASHES, "tests/fuzz-crashes/ holds the fuzzer's regression inputs"
