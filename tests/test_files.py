"""Reading inputs and writing outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from talkparse.errors import InputError
from talkparse.files import atomic_write, read_source


def test_read_utf8_with_bom_and_crlf(tmp_path: Path) -> None:
    f = tmp_path / "p.wikitext"
    f.write_bytes("\ufeff== A ==\r\nText\r\n".encode())
    assert read_source(str(f)).text == "== A ==\r\nText\r\n"


def test_crlf_pages_parse_like_lf() -> None:
    from talkparse import parse

    lf = "== A ==\nQ [[User:A|A]] 10:00, 1 May 2020 (UTC)\n\n:R [[User:B|B]] 11:00, 1 May 2020 (UTC)\n"
    crlf = lf.replace("\n", "\r\n")
    summary = lambda p: [(c.author, c.level, c.parent) for c in p.comments]  # noqa: E731
    assert summary(parse(crlf)) == summary(parse(lf)) == [("A", 0, None), ("B", 1, 0)]
    assert [h.title for h in parse(crlf).headings] == ["A"]


@pytest.mark.parametrize(
    "data, message",
    [(b"\xc3\x28", "not UTF-8 text"), (b"abc\x00def", "binary data")],
)
def test_undecodable_input(tmp_path: Path, data: bytes, message: str) -> None:
    f = tmp_path / "bad.wikitext"
    f.write_bytes(data)
    with pytest.raises(InputError, match=message) as err:
        read_source(str(f))
    assert str(f) in str(err.value)


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    atomic_write(target, "new contents")
    assert target.read_text() == "new contents"
    assert os.listdir(tmp_path) == ["out.json"]


def test_atomic_write_failure_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "half written \ud800 then fails")  # lone surrogate: not encodable
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.json"]


def test_atomic_write_interrupted_rename_keeps_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.json"]


def test_a_killed_writer_leaves_the_old_file_or_the_new_one(tmp_path: Path) -> None:
    """A process killed (SIGKILL, no cleanup) at random moments while it rewrites a large file:
    the file is always one whole version, never a mix or a truncation."""
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "out.txt"
    versions = {f"{k}:" + str(k) * 2_000_000 for k in range(10)}
    target.write_text("0:" + "0" * 2_000_000)
    writer = (
        "import sys\nfrom talkparse.files import atomic_write\n"
        "k = 0\nwhile True:\n    k = (k + 1) % 10\n"
        "    atomic_write(sys.argv[1], f'{k}:' + str(k) * 2_000_000)\n"
    )
    for delay in (0.05, 0.13, 0.21, 0.34, 0.55):
        proc = subprocess.Popen([sys.executable, "-c", writer, str(target)])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert target.read_text() in versions
    # a killed writer may leave its temporary file behind, never a half-written target
    assert all(p.name == "out.txt" or p.name.startswith(".out.txt.") for p in tmp_path.iterdir())


def test_atomic_write_removes_stale_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "out[1].txt"
    stale = tmp_path / ".out[1].txt.abc123.tmp"
    fresh = tmp_path / ".out[1].txt.def456.tmp"  # a writer that may still be running
    other = tmp_path / ".other.txt.ghi789.tmp"
    for p in (stale, fresh, other):
        p.write_text("partial")
    os.utime(stale, (1, 1))
    os.utime(other, (1, 1))
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert not stale.exists() and fresh.exists() and other.exists()
