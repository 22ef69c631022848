"""talkparse: read MediaWiki talk pages: who said what, when, in reply to whom."""

from .errors import FetchError, InputError, TalkparseError
from .model import Comment, Diagnostic, Heading, Page, Segment, Signature
from .parse import parse

__all__ = [
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
