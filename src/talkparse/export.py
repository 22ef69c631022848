"""Export: parsed pages as JSON-ready records (the gold-file schema), JSON lines and CSV rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any, Iterable

from .model import Analysis, Comment, Diagnostic, Page

COMMENT_COLUMNS = (
    "id", "author", "timestamp", "level", "parent", "heading", "section", "text",
)


def iso(when: datetime) -> str:
    """ISO 8601 UTC with a Z, minute or second precision as in the gold files."""
    utc = when.astimezone(timezone.utc)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y does not pad years before 1000


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "message": d.message, "offset": d.offset}


def comment_record(page: Page, c: Comment) -> dict[str, Any]:
    """One comment as a dict in the gold schema's order."""
    return {
        "id": c.id,
        "author": c.author,
        "timestamp": iso(c.timestamp),
        "level": c.level,
        "parent": c.parent,
        "heading": c.heading,
        "section": page.headings[c.heading].title if c.heading is not None else None,
        "text": c.text,
        **({"transcluded_from": c.transcluded_from} if c.transcluded_from else {}),
    }


def page_record(page: Page, *, details: bool = False) -> dict[str, Any]:
    """A page as a dict following the schema of ``fixtures/*.gold.json``.

    With ``details``, comments also carry their display name, every signature, their source
    spans and warnings.
    """
    comments = []
    for c in page.comments:
        rec = comment_record(page, c)
        if details:
            rec["display_name"] = c.display_name
            rec["signatures"] = [
                {
                    "author": s.author,
                    "timestamp": iso(s.timestamp),
                    "display_name": s.display_name,
                    "via_template": s.via_template,
                    "span": list(s.span),
                }
                for s in c.signatures
            ]
            rec["spans"] = [list(s) for s in c.spans]
            rec["warnings"] = [_diagnostic(w) for w in c.warnings]
        comments.append(rec)
    out: dict[str, Any] = {
        "page": page.title,
        "lang": page.lang,
        "timezone": page.timezone,
        "headings": [
            {"title": h.title, "level": h.level, **({"span": list(h.span)} if details else {})}
            for h in page.headings
        ],
        "comments": comments,
        "warnings": [_diagnostic(w) for w in page.warnings],
    }
    if details:
        out["length"] = page.length
    return out


def to_json(page: Page, *, details: bool = False) -> str:
    """The page as pretty JSON text, UTF-8 characters kept, with a trailing newline."""
    return json.dumps(page_record(page, details=details), ensure_ascii=False, indent=1) + "\n"


def to_jsonl(page: Page) -> str:
    """One JSON object per comment, one per line."""
    return "".join(
        json.dumps({"page": page.title, **comment_record(page, c)}, ensure_ascii=False) + "\n"
        for c in page.comments
    )


def to_csv(page: Page, *, delimiter: str = ",") -> str:
    """Comments as CSV (or TSV) rows with a header."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(("page",) + COMMENT_COLUMNS)
    for c in page.comments:
        rec = comment_record(page, c)
        writer.writerow([page.title] + ["" if rec[k] is None else rec[k] for k in COMMENT_COLUMNS])
    return buf.getvalue()


def records(pages: Iterable[Page]) -> Iterable[dict[str, Any]]:
    """Flatten pages into comment records, for tables."""
    for page in pages:
        for c in page.comments:
            yield {"page": page.title, **comment_record(page, c)}


def _parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def page_from_record(rec: dict[str, Any], *, length: int = 0) -> Page:
    """Rebuild a :class:`Page` from ``page_record(page, details=True)`` (e.g. loaded JSON)."""
    from .model import Heading, Signature

    def diag(d: dict[str, Any]) -> Diagnostic:
        return Diagnostic(d["code"], d["message"], d.get("offset"))

    headings = tuple(
        Heading(h["title"], h["level"], tuple(h.get("span", (0, 0)))) for h in rec["headings"]
    )
    comments = tuple(
        Comment(
            id=c["id"],
            author=c["author"],
            timestamp=_parse_iso(c["timestamp"]),
            level=c["level"],
            parent=c["parent"],
            heading=c["heading"],
            text=c["text"],
            signatures=tuple(
                Signature(
                    s["author"], _parse_iso(s["timestamp"]), s["display_name"],
                    s["via_template"], tuple(s["span"]),
                )
                for s in c.get("signatures", ())
            ),
            display_name=c.get("display_name"),
            spans=tuple(tuple(s) for s in c.get("spans", ())),
            warnings=tuple(diag(w) for w in c.get("warnings", ())),
            transcluded_from=c.get("transcluded_from"),
        )
        for c in rec["comments"]
    )
    return Page(
        title=rec["page"],
        lang=rec["lang"],
        timezone=rec["timezone"],
        headings=headings,
        comments=comments,
        warnings=tuple(diag(w) for w in rec["warnings"]),
        length=rec.get("length", length),
    )


def analysis_record(analysis: Analysis, *, details: bool = False) -> dict[str, Any]:
    """An analysis as a dict in the gold schema: the page's threads plus questions and actions."""
    rec = page_record(analysis.page, details=details)
    warnings = rec.pop("warnings")
    rec["questions"] = [
        {
            "comment": q.comment,
            "text": q.text,
            "answered": q.answered,
            "answered_by": list(q.answered_by),
            "status": q.status.value,
            "indirect": q.indirect,
            **({"span": list(q.span)} if details else {}),
        }
        for q in analysis.questions
    ]
    rec["actions"] = [
        {
            "comment": a.comment,
            "text": a.text,
            "kind": a.kind.value,
            "status": a.status.value,
            "resolved_by": list(a.resolved_by),
            "promised_by": list(a.promised_by),
            "actor": a.actor,
            **({"span": list(a.span)} if details else {}),
        }
        for a in analysis.actions
    ]
    rec["warnings"] = warnings
    return rec
