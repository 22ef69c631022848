"""talkparse: read MediaWiki talk pages: who said what, when, in reply to whom."""

from .analyse import analyse
from .errors import FetchError, InputError, TalkparseError
from .model import (
    Action,
    ActionKind,
    ActionStatus,
    Analysis,
    Comment,
    Diagnostic,
    Heading,
    Page,
    Question,
    QuestionStatus,
    Segment,
    Signature,
)
from .parse import parse

# Fetching needs pywikibot, which reads its configuration when imported, and tables need pandas,
# which is slow to import: load them on first use.
_LAZY = {
    "FetchOptions": "fetch",
    "fetch_page": "fetch",
    "fetch_archives": "fetch",
    "page_history": "fetch",
    "category_members": "fetch",
    "RawPage": "model",
    "Revision": "model",
    "documents": "sources",
    "parse_document": "sources",
    "SourceOptions": "sources",
    "to_frame": "frames",  # pandas
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'talkparse' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)

__all__ = [
    *_LAZY,
    "Action",
    "ActionKind",
    "ActionStatus",
    "Analysis",
    "Question",
    "QuestionStatus",
    "analyse",
    "Comment",
    "Diagnostic",
    "FetchError",
    "Heading",
    "InputError",
    "Page",
    "Segment",
    "Signature",
    "TalkparseError",
    "parse",
]
__version__ = "0.1.0"
