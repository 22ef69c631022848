"""Throwaway MediaWiki servers on 127.0.0.1 for the fetch tests (tools/test-wiki.sh)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "test-wiki.sh"
DUMPS = Path(__file__).resolve().parent / "wiki"
# Added to every test wiki's LocalSettings.php: inert unless a request carries the header that
# tests/faultproxy.py sends to make MediaWiki report database lag (its own maxlag error).
SETTINGS = DUMPS / "lag-settings.php"


def missing() -> str | None:
    """Why no test wiki can be started here, or None."""
    if not shutil.which("php"):
        return "php is not installed"
    if not Path("/usr/share/mediawiki/maintenance/install.php").is_file():
        return "MediaWiki is not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Wiki:
    """A running test wiki."""

    dir: Path
    port: int
    api: str
    lang: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop", str(self.dir)], check=False,
                       capture_output=True, timeout=30)


def start(dir: Path, dump: str, *, lang: str = "en", zone: str = "UTC") -> subprocess.Popen[str]:
    """Begin starting a wiki (install, import ``tests/wiki/<dump>``, serve); see :func:`wait`."""
    env = {**os.environ, "WIKI_LANG": lang, "WIKI_TIMEZONE": zone, "WIKI_NAME": "Wikipedia",
           "WIKI_EXTRA_SETTINGS": str(SETTINGS)}
    port = free_port()
    proc = subprocess.Popen(
        ["bash", str(SCRIPT), "start", str(dir), str(port), str(DUMPS / dump)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    proc.port = port  # type: ignore[attr-defined]
    proc.lang = lang  # type: ignore[attr-defined]
    proc.dir = dir  # type: ignore[attr-defined]
    return proc


def wait(proc: subprocess.Popen[str]) -> Wiki:
    out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"test wiki did not start:\n{err}")
    return Wiki(proc.dir, proc.port, out.strip().splitlines()[-1], proc.lang)  # type: ignore[attr-defined]


def start_all(root: Path, specs: dict[str, tuple[str, str, str]]) -> dict[str, Wiki]:
    """Start several wikis side by side: name -> (dump, lang, zone)."""
    t0 = time.monotonic()
    procs = {name: start(root / name, dump, lang=lang, zone=zone)
             for name, (dump, lang, zone) in specs.items()}
    wikis = {name: wait(p) for name, p in procs.items()}
    print(f"\n[test wikis] {', '.join(wikis)} started in {time.monotonic() - t0:.1f}s")
    return wikis
