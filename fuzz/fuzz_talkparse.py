#!/usr/bin/env python3
"""Coverage-guided fuzzing of parse() and analyse() with atheris (an optional extra).

    pip install -e '.[fuzz]'
    python fuzz/fuzz_talkparse.py -max_total_time=600 -artifact_prefix=tests/fuzz-crashes/ fuzz/corpus

Every input is decoded as UTF-8 (with replacement), parsed in both modes and a random content
language, analysed, and checked: nothing raises, the segments reassemble the page, the JSON
record round-trips. A failing input is kept, as the text the parser saw, in tests/fuzz-crashes/
(commit it: tests/test_fuzz_regressions.py replays every file there).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from talkparse import analyse, parse
    from talkparse.export import analysis_record, page_from_record, page_record

LANGS = ("en", "de", "es", "fr", "pl", "ar")


KEEP = Path(__file__).resolve().parent.parent / "tests" / "fuzz-crashes"


def check(data: bytes) -> None:
    """Parse and analyse one input; raise AssertionError if an invariant breaks. A failing input
    is also kept as tests/fuzz-crashes/crash-<sha1>-<lang>-<mode>.wikitext, the text as the
    parser saw it, for tests/test_fuzz_regressions.py."""
    fdp = atheris.FuzzedDataProvider(data)
    mode = "discussiontools" if fdp.ConsumeBool() else "reader"
    lang = LANGS[fdp.ConsumeIntInRange(0, len(LANGS) - 1)]
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
    try:
        page = parse(text, lang=lang, mode=mode)
        assert "".join(text[s.start : s.end] for s in page.segments()) == text
        assert page_from_record(page_record(page, details=True)) == page
        analysis_record(analyse(page))
    except BaseException:
        name = f"crash-{hashlib.sha1(data).hexdigest()[:12]}-{lang}-{mode}.wikitext"
        (KEEP / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        raise


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
