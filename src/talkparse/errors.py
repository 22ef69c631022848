"""Errors talkparse raises; malformed talk pages are never errors, only warnings."""

from __future__ import annotations


class TalkparseError(Exception):
    """Base class of every error talkparse raises on purpose."""


class InputError(TalkparseError):
    """An input that cannot be read: a missing or undecodable file, an unknown language or zone."""


class FetchError(TalkparseError):
    """A page that cannot be fetched: unknown wiki, missing page, unreachable server."""


class InternalError(TalkparseError):
    """An impossible state; this is a bug in talkparse."""
