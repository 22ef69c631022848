"""Shared test helpers: paths to fixtures and the mini-case file loader."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CASES = Path(__file__).resolve().parent / "cases"


def gold_pages() -> list[Path]:
    """Every ``*.gold.json`` in fixtures/ that has its ``.wikitext`` beside it."""
    found = sorted(FIXTURES.glob("*.gold.json")) + sorted(FIXTURES.glob("corpus/*.gold.json"))
    found += sorted(FIXTURES.glob("corpus/expanded/*.gold.json"))
    return [p for p in found if p.with_name(p.name.replace(".gold.json", ".wikitext")).exists()]


def wikitext_of(gold: Path) -> str:
    return gold.with_name(gold.name.replace(".gold.json", ".wikitext")).read_text(encoding="utf-8")


def page_id(gold: Path) -> str:
    return str(gold.relative_to(FIXTURES)).replace(".gold.json", "")


@dataclass
class Case:
    """One block of a ``tests/cases/*.talktest`` file."""

    file: str
    name: str
    input: str
    expected: list
    options: dict = field(default_factory=dict)
    warnings: list | None = None

    @property
    def id(self) -> str:
        return f"{self.file}:{self.name}"


_SECTIONS = ("input:", "expected:", "warnings:")


def load_cases(name: str) -> list[Case]:
    """Parse a .talktest file: blocks separated by ``---`` lines, ``key: value`` headers,
    then ``input:`` (verbatim wikitext), ``expected:`` and optional ``warnings:`` (JSON)."""
    path = CASES / name
    cases = []
    for block in path.read_text(encoding="utf-8").split("\n---\n"):
        header: dict[str, str] = {}
        sections: dict[str, list[str]] = {}
        current = None
        for line in block.split("\n"):
            if line in _SECTIONS:
                current = line[:-1]
                sections[current] = []
            elif current is not None:
                sections[current].append(line)
            elif line.startswith("#") or not line.strip():
                continue
            else:
                key, _, value = line.partition(":")
                header[key.strip()] = value.strip()
        name_ = header.pop("name")
        text = "\n".join(sections["input"]).rstrip("\n") + "\n"
        expected = json.loads("\n".join(sections["expected"]))
        warnings = json.loads("\n".join(sections["warnings"])) if "warnings" in sections else None
        cases.append(Case(path.stem, name_, text, expected, header, warnings))
    return cases


# --- a real MediaWiki for the fetch tests -------------------------------------------------------
import os  # noqa: E402

import pytest  # noqa: E402
import wiki as test_wiki  # noqa: E402

WIKIS = {  # name -> (dump in tests/wiki/, content language, $wgLocaltimezone)
    "en": ("en.xml", "en", "UTC"),
    "de": ("de.xml", "de", "Europe/Berlin"),
    "is": ("is.xml", "is", "UTC"),  # a language talkparse ships no data for
}


@pytest.fixture(scope="session")
def wikis(tmp_path_factory: pytest.TempPathFactory):
    """Three MediaWiki 1.39 servers on 127.0.0.1 (SQLite, php -S) with the fixture pages."""
    why = test_wiki.missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"{why}: .ci/run must run tools/install-test-deps.sh first")
        pytest.skip(f"{why}; run tools/install-test-deps.sh (as root) for the fetch tests")
    started = test_wiki.start_all(tmp_path_factory.mktemp("wikis"), WIKIS)
    yield started
    for w in started.values():
        w.stop()

