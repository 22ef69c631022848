"""What ``talkparse fetch`` and ``talkparse history`` show: page summaries, files, revision lists."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from pathlib import Path
from typing import Any, Sequence

from . import cache
from .export import iso, to_json
from .files import atomic_write
from .model import Page, RawPage, Revision


def summary(raw: RawPage, page: Page) -> str:
    """One line about a fetched page: revision, language, zone, sections, comments, people, dates."""
    people = {c.author for c in page.comments}
    times = sorted(c.timestamp for c in page.comments)
    span = f", {times[0]:%Y-%m-%d} to {times[-1]:%Y-%m-%d}" if times else ""
    transcluded = f", {len(raw.transcluded)} transcluded pages" if raw.transcluded else ""
    return (
        f"{raw.title} ({raw.wiki}) revision {raw.revid} of {iso(raw.timestamp)}, "
        f"{raw.lang}, {raw.timezone}: {len(page.headings)} sections, {len(page.comments)} comments, "
        f"{len(people)} participants{span}{transcluded}"
    )


def _file_name(title: str, fmt: str) -> str:
    safe = urllib.parse.quote(title.replace(" ", "_"), safe=":(),'!")
    return safe.replace(":", "_") + (".json" if fmt == "json" else ".wikitext")


def write_pages(parsed: Sequence[tuple[RawPage, Page]], output: str, fmt: str) -> None:
    """Write each page's wikitext (or threads as JSON) to ``output``: a file, or a directory.

    Several pages (with --archives) need a directory; it is created if missing.
    """
    target = Path(output)
    if len(parsed) > 1 or target.is_dir() or output.endswith(("/", "\\")):
        target.mkdir(parents=True, exist_ok=True)
        for raw, page in parsed:
            atomic_write(target / _file_name(raw.title, fmt), _content(raw, page, fmt))
    else:
        atomic_write(target, _content(*parsed[0], fmt))


def _content(raw: RawPage, page: Page, fmt: str) -> str:
    return to_json(page) if fmt == "json" else raw.wikitext


def revision_record(rev: Revision) -> dict[str, Any]:
    """A revision as a JSON-ready dict."""
    return {
        "revid": rev.revid,
        "timestamp": iso(rev.timestamp),
        "user": rev.user,
        "anon": rev.anon,
        "size": rev.size,
        "comment": rev.comment,
    }


def render_history(revisions: Sequence[Revision], fmt: str) -> str:
    """Revisions as a table, JSON, JSON lines, CSV or TSV text."""
    records = [revision_record(r) for r in revisions]
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(["revid", "timestamp", "user", "anon", "size", "comment"])
        for r in records:
            writer.writerow(["" if v is None else v for v in r.values()])
        return buf.getvalue()
    from rich.console import Console
    from rich.table import Table

    table = Table("revision", "time", "user", "size", "summary")
    for r in records:
        table.add_row(str(r["revid"]), r["timestamp"], r["user"] or "(hidden)", str(r["size"]),
                      r["comment"])
    console = Console(record=True, file=io.StringIO(), width=120)
    console.print(table)
    return console.export_text()


def cached_path(raw: RawPage, *, current: bool = True) -> Path:
    """Where a fetched page is cached."""
    return cache.page_path(raw.api, raw.title, None if current else raw.revid)
