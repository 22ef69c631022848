"""Adversarial inputs: parse() and analyse() never raise, finish in time linear in the input,
use memory in proportion to it, and keep their invariants (issue 7).

Every case is a builder of wikitext at a given scale: 1 is the size the tests use, and
``benchmarks/adversarial.py`` measures the same builders at ``BENCH_SCALE`` (realistic worst
sizes: a 50 MB line, a million ``[[User:``). Each test parses and analyses the case at two
sizes in the same process and checks that the larger one takes at most a generous multiple of
what linear growth allows (the machines running the tests are shared and noisy: no tight wall
clock limit), that the peak of traced memory stays within a generous multiple of the input, and
that the segments and the JSON record of the page are exact. Adding a case is one line in
``CASES``.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from talkparse import analyse, parse
from talkparse.cli import cli
from talkparse.detect import lexicon
from talkparse.export import analysis_record, page_from_record, page_record
from talkparse.langdata import load_language
from talkparse.model import Page

Built = str | tuple[str, str]  # wikitext, or (wikitext, language code)
Builder = Callable[[float], Built]

BENCH_SCALE = 10  # the benchmark's scale: ten times the tests' sizes
SMALL = 0.25  # the smaller of the two sizes each test compares
GROWTH_SLACK = 3.0  # the larger size may take this many times what linear growth allows...
NOISE_FLOOR = 0.25  # ... of at least this many seconds for the smaller one (timer noise)
CEILING = 60.0  # seconds, for anything
MEMORY_PER_BYTE = 100  # memory use may rise by this many bytes per byte of input...
MEMORY_BASE = 64_000_000  # ... plus this (caches, tables, the language data)

T0 = datetime(2020, 5, 1, tzinfo=timezone.utc)


def stamp(i: int) -> str:
    """An English signature timestamp, one minute after the previous one."""
    when = T0 + timedelta(minutes=i)
    return f"{when:%H:%M}, {when.day} {when:%B %Y} (UTC)"


def sig(i: int) -> str:
    """A signature of one of fifty users, at minute ``i``."""
    user = f"User{i % 50}"
    return f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) {stamp(i)}"


def n(scale: float, base: int) -> int:
    """``base`` items at scale 1, in proportion otherwise (at least one)."""
    return max(1, int(base * scale))


_SAYINGS = (
    "I have added two sources to the history section and fixed the dates.",
    "Could you check whether the second reference supports the claim?",
    "The infobox image is still the old one; please replace it with the new photo.",
    "Thanks, that looks much better now.",
    "I will rewrite the lead tomorrow.",
    "Not sure the 1998 figure is right: the report says 1,200, not 1,400.",
)


def archive(count: int, *, start: int = 0) -> str:
    """A realistic archive page: sections of four comments, replies indented, some of them
    questions, requests and promises, with links and markup."""
    parts = []
    for k in range(count):
        i = start + k
        if k % 4 == 0:
            parts.append(f"\n== Topic {i // 4} ==\n")
        text = _SAYINGS[i % len(_SAYINGS)]
        parts.append(":" * (k % 4) + f"{text} See [[Article {i % 7}|the article]], '''bold'''. {sig(i)}\n")
    return "".join(parts)


def long_line(scale: float) -> str:
    """One line of prose (5 MB at scale 1), with links, markup, entities and a question now
    and then, signed at the end."""
    sentence = (
        "The [[River Thames|river]] floods in ''spring'' &amp; the '''levee''' holds; "
        "the council published figures for 2019 and 2020 last week. "
    )
    question = "Does anyone know where the 2018 figures went? "
    unit = sentence * 9 + question
    return unit * n(scale, 5_000_000 // len(unit)) + sig(0) + "\n"


def rtl(scale: float) -> tuple[str, str]:
    """Arabic sections and signatures, with Hebrew and combining marks in the text."""
    lang = load_language("ar")
    parts = []
    for i in range(n(scale, 2000)):
        when = T0 + timedelta(minutes=i)
        date = f"{when:%H:%M}، {when.day} {lang.months_genitive[when.month - 1]} {when.year} (ت\u00a0ع\u00a0م)"
        parts.append(
            f"== نقاش {i} ==\n"
            f"هل هذا المصدر موثوق؟ שלום עולם e\u0301\u0301\u0301 a\u0308\u0323 [[مستخدم:أحمد{i % 9}|أحمد]] {date}\n"
            f":نعم، المصدر موثوق. [[مستخدم:سارة|سارة]] {date}\n"
        )
    return "".join(parts), "ar"


def deep_list(scale: float) -> str:
    """A reply chain where every reply is indented one more level: 5,000 deep at the
    benchmark's scale (the input grows with the square of the depth)."""
    depth = n(math.sqrt(scale / BENCH_SCALE), 5000)
    return "== Chain ==\n" + "".join(
        ":" * k + f"Why {k}? Because. {sig(k)}\n" for k in range(depth)
    )


def huge_table(scale: float) -> str:
    """One table of 5,000 rows, each row a signed comment, every fifth a question."""
    rows = "".join(
        f"|-\n| {k} || {'Is this row right?' if k % 5 == 0 else 'Checked.'} {sig(k)} || [[Item {k}]]\n"
        for k in range(n(scale, 5000))
    )
    return "== Table ==\n{| class=\"wikitable\"\n! # !! Note !! Item\n" + rows + "|}\n"


def german_ordinals(scale: float) -> tuple[str, str]:
    """A German comment listing "1. 2. 3. …": ordinals the sentence splitter cuts after."""
    items = " ".join(f"{k % 9000 + 1}." for k in range(n(scale, 100_000)))
    return f"== Liste ==\nPunkte {items} Fertig. [[Benutzer:A|A]] 10:00, 1. Mai 2020 (CEST)\n", "de"


CASES: list[tuple[str, Builder]] = [
    ("empty_page", lambda s: ""),
    ("leading_colons", lambda s: ":" * n(s, 100_000) + "Indented a lot? " + sig(0) + "\n:Yes. " + sig(1) + "\n"),
    ("unclosed_user_links", lambda s: "[[User:" * n(s, 100_000) + " " + stamp(0) + "\n"),
    ("nested_templates", lambda s: "{{a|" * n(s, 1000) + "Why? " + sig(0) + "}}" * n(s, 1000) + "\n" + archive(8)),
    ("unclosed_templates", lambda s: "{{a|" * n(s, 100_000) + "Why? " + sig(0) + "\n"),
    ("one_long_line", long_line),
    ("timestamps_without_signature", lambda s: "[[User:A|A]] " + "x" * 120 + "''" + " text ".join(stamp(i) for i in range(n(s, 100_000))) + "\n"),
    ("every_line_a_timestamp", lambda s: "".join(stamp(i) + "\n" for i in range(n(s, 100_000)))),
    ("one_signature_repeated", lambda s: sig(0) * n(s, 20_000) + "\n"),
    ("right_to_left_and_combining", rtl),
    ("combining_marks_pile", lambda s: "Z" + "\u0300\u0301\u0302\u0303" * n(s, 250_000) + "? " + sig(0) + "\n"),
    ("deep_list", deep_list),
    ("unclosed_nowiki_then_page", lambda s: "<nowiki>" + archive(n(s, 2000))),
    ("unclosed_pre_then_page", lambda s: "<pre>" + archive(n(s, 2000))),
    ("unclosed_comment_then_page", lambda s: "<!--" + archive(n(s, 2000))),
    ("headings", lambda s: "".join(f"== Heading {k} ==\n" for k in range(n(s, 50_000)))),
    ("heading_of_unclosed_templates", lambda s: "== " + "{{a|" * n(s, 20_000) + " ==\nWhy? " + sig(0) + "\n"),
    ("huge_table", huge_table),
    ("interrupted_comments", lambda s: "== List ==\n" + "".join(f"Point {k}\n:more {sig(k)}\n" for k in range(n(s, 2000)))),
    ("one_paragraph_of_comments", lambda s: "== Talk ==\n" + "".join(f"Some words here and there {k}. {sig(k)}\n" for k in range(n(s, 5000)))),
    ("one_section_all_questions", lambda s: "== All ==\n" + "".join(f"{':' * (k % 3)}Is this right? Please fix it. {sig(k)}\n" for k in range(n(s, 600)))),
    ("unclosed_external_links", lambda s: "[//example.org/x " * n(s, 50_000) + sig(0) + "\n"),
    ("unclosed_strike_and_quotes", lambda s: "<s>x <blockquote>y <q>" * n(s, 30_000) + sig(0) + "\n"),
    ("german_ordinals", german_ordinals),
]


def build(builder: Builder, scale: float) -> tuple[str, str]:
    built = builder(scale)
    return (built, "en") if isinstance(built, str) else built


class PeakMemory:
    """How far memory use rose inside a ``with`` block, in bytes.

    On Linux, the peak resident set size (``VmHWM``), reset on entry through
    ``/proc/self/clear_refs``: no overhead, so the same run is timed. Elsewhere, the peak of
    tracemalloc's traced allocations.
    """

    def __init__(self) -> None:
        self.peak = 0
        self._proc = Path("/proc/self/clear_refs").exists()
        self._base = 0

    @staticmethod
    def _status(key: str) -> int:
        text = Path("/proc/self/status").read_text()
        return int(re.search(key + r":\s+(\d+) kB", text).group(1)) * 1024  # type: ignore[union-attr]

    def __enter__(self) -> PeakMemory:
        if self._proc:
            try:
                Path("/proc/self/clear_refs").write_text("5")
                self._base = self._status("VmRSS")
                return self
            except OSError:
                self._proc = False
        tracemalloc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc:
            self.peak = self._status("VmHWM") - self._base
        else:
            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


def measure(text: str, lang: str) -> tuple[float, int, Page]:
    """Parse and analyse ``text``: the seconds taken, the rise of memory use, the page."""
    with PeakMemory() as memory:
        t0 = time.perf_counter()
        page = parse(text, lang=lang)
        analysis = analyse(page)
        seconds = time.perf_counter() - t0
    json.dumps(analysis_record(analysis, details=True), ensure_ascii=False)
    return seconds, memory.peak, page


def check_invariants(text: str, page: Page) -> None:
    """Segments cover the source exactly once, in order; the JSON record round-trips."""
    pos = 0
    for seg in page.segments():
        assert seg.start == pos and seg.end > seg.start, (seg, pos)
        pos = seg.end
    assert pos == len(text)
    assert "".join(text[seg.start : seg.end] for seg in page.segments()) == text
    record = page_record(page, details=True)
    loaded = json.loads(json.dumps(record, ensure_ascii=False))
    assert page_record(page_from_record(loaded), details=True) == record


@pytest.mark.parametrize("name, builder", CASES, ids=[name for name, _ in CASES])
def test_adversarial_case(name: str, builder: Builder) -> None:
    small, lang = build(builder, SMALL)
    large, _ = build(builder, 1.0)
    t_small, _, page = measure(small, lang)
    check_invariants(small, page)
    t_large, peak, page = measure(large, lang)
    check_invariants(large, page)
    growth = max(1.0, len(large) / max(1, len(small)))
    allowed = GROWTH_SLACK * growth * max(t_small, NOISE_FLOOR)
    assert t_large <= min(allowed, CEILING), (
        f"{name}: {t_large:.2f} s for {len(large):,} characters, {t_small:.2f} s for {len(small):,}"
    )
    size = len(large.encode("utf-8"))
    assert peak <= MEMORY_PER_BYTE * size + MEMORY_BASE, f"{name}: {peak / 1e6:.0f} MB for {size / 1e6:.1f} MB"


def test_cases_find_what_they_should() -> None:
    """The builders make what they say: signed comments where there should be, none in a
    page that is all one comment or all timestamps."""
    def count(name: str) -> int:
        text, lang = build(dict(CASES)[name], SMALL)
        return len(parse(text, lang=lang).comments)

    assert count("right_to_left_and_combining") > 0
    assert count("german_ordinals") == 1
    assert count("deep_list") > 100
    assert count("huge_table") > 100
    assert count("unclosed_nowiki_then_page") > 100 and count("unclosed_comment_then_page") == 0
    assert count("every_line_a_timestamp") == 0 and count("timestamps_without_signature") == 0


# --- bad files through the command line -----------------------------------------------------

BAD_FILES = {
    "latin1.wikitext": "Caf\xe9 cr\xe8me, na\xefve. [[User:A|A]] 10:00, 1 May 2020 (UTC)\n".encode("latin-1"),
    "truncated-utf8.wikitext": "Ünïcödé".encode("utf-8")[:-1],
    "overlong.wikitext": b"abc \xc0\xaf def",
    "surrogate.wikitext": b"x \xed\xa0\x80 y",
    "utf16.wikitext": "== Hi ==\ntext\n".encode("utf-16"),
    "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 64,
    "zeros.bin": bytes(100_000),
    "random.bin": bytes((i * 7919 + 13) % 256 for i in range(1_000_000)),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_one_line_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    result = CliRunner().invoke(cli, ["threads", str(path), "--format", "json"])
    assert result.exit_code == 3, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and re.match(rf"error: cannot read {re.escape(str(path))}: ", lines[0]), lines


def test_bad_files_through_the_installed_command(tmp_path: Path) -> None:
    """The real entry point, all the bad files in one run: one line each, no traceback."""
    paths = []
    for name, data in sorted(BAD_FILES.items()):
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    proc = subprocess.run(
        [sys.executable, "-m", "talkparse", "threads", *paths, "--format", "json", "--quiet"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = proc.stderr.splitlines()
    assert len(errors) == len(paths) and all(e.startswith("error: cannot read ") for e in errors), errors


def test_control_characters_are_text(tmp_path: Path) -> None:
    """Valid UTF-8 full of control characters (but no NUL) is odd wikitext, not an error."""
    path = tmp_path / "controls.wikitext"
    path.write_text("".join(chr(c) for c in range(1, 32)) * 1000 + "\x7f\u200b\ufeff " + sig(0) + "\n")
    result = CliRunner().invoke(cli, ["threads", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["comments"]) == 1


# --- the cue patterns of the lexicons --------------------------------------------------------

LEXICONS = sorted(Path(__file__).resolve().parent.parent.glob("src/talkparse/data/lexicon/*.json"))
TRIVIAL = re.compile(r"(?:x|y)z")  # steps through every position of the string, never matches
PATTERN_SLACK = 250  # a cue pattern may take this many times the trivial pattern's time...
PATTERN_FLOOR = 0.003  # ... plus this many seconds
PATHOLOGICAL_SIZE = 50_000  # characters


def witness(pattern: re.Pattern[str]) -> str:
    """A string the pattern matches, or nearly: the first branch of every alternation, each
    repeat once (or as often as it must), a fitting character for every class."""
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    out: list[str] = []

    def char_for(items: list[tuple[object, object]]) -> str:
        if any(op is sre.NEGATE for op, _ in items):
            banned = {chr(av) for op, av in items if op is sre.LITERAL}  # type: ignore[arg-type]
            return next(ch for ch in "xa 1." if ch not in banned)
        for op, av in items:
            if op is sre.LITERAL:
                return chr(av)  # type: ignore[arg-type]
            if op is sre.RANGE:
                return chr(av[0])  # type: ignore[index]
            if op is sre.CATEGORY:
                return {sre.CATEGORY_DIGIT: "1", sre.CATEGORY_SPACE: " "}.get(av, "a")
        return "a"

    def walk(items: object) -> None:
        for op, av in items:  # type: ignore[attr-defined]
            if op is sre.LITERAL:
                out.append(chr(av))
            elif op is sre.NOT_LITERAL:
                out.append("y" if chr(av) == "x" else "x")
            elif op is sre.ANY:
                out.append(" ")
            elif op is sre.IN:
                out.append(char_for(av))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                low, _, sub = av
                for _ in range(max(low, 1)):
                    walk(sub)
            elif op is sre.SUBPATTERN:
                walk(av[-1])
            elif op is sre.ATOMIC_GROUP:
                walk(av)
            elif op is sre.BRANCH:
                walk(av[1][0])

    walk(_parser.parse(pattern.pattern, pattern.flags))
    return "".join(out)


def pathological(pattern: re.Pattern[str]) -> list[str]:
    """Strings that make a backtracking pattern slow if it can be: long runs of one character,
    and the start of a match repeated with no way to finish it (a prefix of a witness)."""
    size = PATHOLOGICAL_SIZE
    texts = ["a" * size + "!", " " * size + "!", "a " * (size // 2) + "!"]
    w = witness(pattern)
    for cut in sorted({len(w) // 3, len(w) // 2, 2 * len(w) // 3, len(w) - 1, len(w)}):
        if cut > 0:
            unit = w[:cut] + " "
            texts.append(unit * (size // len(unit)) + "!")
    return texts


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def slow_patterns(patterns: list[str]) -> list[str]:
    """The patterns (with the string) that take longer than the slack allows on a string."""
    slow = []
    for source in patterns:
        pattern = re.compile(source)
        for text in pathological(pattern):
            base = _best(lambda: TRIVIAL.search(text))
            limit = PATTERN_SLACK * base + PATTERN_FLOOR
            # once, then again (best of two more) only if that looked slow: noise is one-sided
            if _best(lambda: pattern.search(text), 1) > limit and _best(lambda: pattern.search(text), 2) > limit:
                slow.append(f"{source[:70]!r} on {text[:24]!r}…")
                break
    return slow


@pytest.mark.parametrize("path", LEXICONS, ids=[p.stem for p in LEXICONS])
def test_lexicon_patterns_do_not_backtrack(path: Path) -> None:
    """Every cue pattern of a lexicon, on strings built to make it backtrack, runs within a
    generous multiple of a trivial pattern's time on the same string."""
    data = json.loads(path.read_text(encoding="utf-8"))
    patterns = [p for value in data.values() if isinstance(value, list) for p in value]
    assert patterns
    slow = slow_patterns(patterns)
    assert not slow, "\n".join(slow)


def test_pathological_strings_catch_backtracking() -> None:
    """The test above fails on the pattern it was written for, as it was before its fix (a
    polynomial case: an exponential one would not finish)."""
    old = r"\b(any|some) (idea|ideas|update|updates|thoughts|news)\b.*\?"
    assert slow_patterns([old])
    fixed = json.loads((LEXICONS[0].parent / "en.json").read_text(encoding="utf-8"))["indirect_question"]
    assert [p for p in fixed if "(any|some)" in p] and not slow_patterns([p for p in fixed if "(any|some)" in p])


def test_lexicons_compile_as_the_detector_loads_them() -> None:
    for path in LEXICONS:
        assert lexicon(path.stem).lang == path.stem


# --- the regular expressions of the modules --------------------------------------------------

MODULES = ("wikitext", "blocks", "parse", "units", "detect", "link", "signatures", "threads")
# used with .match (anchored at the start), so timed with .match
MATCHED = {
    "blocks._HEADING", "blocks._PREFIX", "signatures._INTERWIKI", "units._BOLD_LINE",
    "units._ITEM_LABEL", "wikitext._PREFIXES", "wikitext._TEMPLATE_NS", "wikitext._SPLIT_DATE_USER",
}
# searched only where the code makes it safe
GUARDED = {
    "wikitext._LABEL_MARKUP": "only up to a link label's last '>' (_clean_label)",
}


def module_patterns() -> dict[str, re.Pattern[str]]:
    import importlib

    found: dict[str, re.Pattern[str]] = {}
    for module in MODULES:
        for key, value in vars(importlib.import_module(f"talkparse.{module}")).items():
            values = value.items() if isinstance(value, dict) else [("", value)]
            for sub, pattern in values:
                if isinstance(pattern, re.Pattern):
                    found[f"{module}.{key}" + (f"[{sub}]" if sub else "")] = pattern
    return found


def test_module_patterns_do_not_backtrack() -> None:
    """The regular expressions of the parsing and analysis modules, searched (or matched, as
    the code uses them) on strings built to make them backtrack."""
    patterns = module_patterns()
    assert (MATCHED | set(GUARDED)) <= set(patterns)
    slow = []
    for name, pattern in sorted(patterns.items()):
        if name in GUARDED:
            continue
        use = pattern.match if name in MATCHED else pattern.search
        for text in pathological(pattern):
            limit = PATTERN_SLACK * _best(lambda: TRIVIAL.search(text)) + PATTERN_FLOOR
            if _best(lambda: use(text), 1) > limit and _best(lambda: use(text), 2) > limit:
                slow.append(f"{name} on {text[:24]!r}…")
                break
    assert not slow, "\n".join(slow)


def test_timestamp_patterns_do_not_backtrack() -> None:
    """The signature timestamp patterns, built from each language's date format."""
    from talkparse.langdata import available_languages
    from talkparse.signatures import timestamp_reader

    slow = []
    for code in available_languages():
        lang = load_language(code)
        reader = timestamp_reader(lang, lang.default_timezone)
        for pattern in (reader.regex, reader.bare_regex):
            for text in pathological(pattern):
                limit = PATTERN_SLACK * _best(lambda: TRIVIAL.search(text)) + PATTERN_FLOOR
                if _best(lambda: pattern.search(text), 1) > limit and _best(lambda: pattern.search(text), 2) > limit:
                    slow.append(f"{code}: {pattern.pattern[:50]!r} on {text[:24]!r}…")
                    break
    assert not slow, "\n".join(slow)
