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

__all__ = [
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
