"""Reading sources and writing outputs: clear errors on bad input, atomic writes."""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError


@dataclass(frozen=True, slots=True)
class Source:
    """Wikitext read from a file or stdin, with the name to show in messages."""

    name: str  # the path as given, or "<stdin>"
    text: str


def read_source(path: str) -> Source:
    """Read wikitext from ``path`` (``"-"`` for stdin) as UTF-8.

    :raises InputError: naming the input, when it cannot be read, is not UTF-8 or is binary.
    """
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        name = path
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise InputError(f"cannot read {name}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"cannot read {name}: it is a directory") from None
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"cannot read {name}: not UTF-8 text (invalid byte at offset {exc.start})"
        ) from None
    if "\x00" in text:
        raise InputError(f"cannot read {name}: binary data, not wikitext (NUL byte)")
    return Source(name, text)


def atomic_write(path: str | os.PathLike[str], text: str | bytes, *, tidy: bool = True) -> None:
    """Write ``text`` (UTF-8) or bytes to ``path`` so that readers see the old file or the new
    one, never half.

    The data goes to a temporary file in the same folder, is flushed to disk, then renamed over
    the target. Temporary files of this target that a killed writer left behind over an hour
    ago are removed, unless ``tidy`` is false: looking for them lists the folder, which a writer
    of many files in one folder that cleans up after itself (``talkparse dump``) can spare.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if tidy:
        _remove_stale(folder, target.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


STALE_AFTER = 3600.0  # seconds: an older temporary file has no live writer


def _remove_stale(folder: Path, name: str) -> None:
    """Remove ``.name.*.tmp`` files older than :data:`STALE_AFTER` (from killed writers)."""
    cutoff = time.time() - STALE_AFTER
    try:
        leftovers = list(folder.glob(f".{glob.escape(name)}.*.tmp"))
    except OSError:
        return
    for old in leftovers:
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass  # gone already, or not ours to remove
