"""Write MediaWiki XML dumps (plain, .bz2 or .gz) of given pages, for the dump tests and benchmark.

The XML is that of Special:Export (schema 0.11), which mwxml reads as it reads Wikimedia's own
dumps: siteinfo with the namespaces, then one ``<page>`` per page with its last revision.
"""

from __future__ import annotations

import bz2
import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable
from xml.sax.saxutils import escape

NAMESPACES = {0: "", 1: "Talk", 2: "User", 3: "User talk", 4: "Wikipedia", 5: "Wikipedia talk"}


@dataclass(frozen=True, slots=True)
class DumpPage:
    """One page of a dump to write."""

    namespace: int
    title: str  # with its namespace prefix, as in real dumps
    page_id: int
    revision: int
    text: str


def open_for_writing(path: Path) -> IO[bytes]:
    """The file to write, compressed by its suffix."""
    if path.name.endswith(".bz2"):
        return bz2.open(path, "wb", compresslevel=1)
    if path.name.endswith(".gz"):
        return gzip.open(path, "wb", compresslevel=1)
    return path.open("wb")


def header(dbname: str = "enwiki", lang: str = "en") -> str:
    names = "\n".join(
        f'      <namespace key="{k}" case="first-letter">{v}</namespace>' if v
        else f'      <namespace key="{k}" case="first-letter" />' for k, v in NAMESPACES.items())
    return (f'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" '
            f'xml:lang="{lang}">\n  <siteinfo>\n    <sitename>Wikipedia</sitename>\n'
            f"    <dbname>{dbname}</dbname>\n    <base>http://127.0.0.1/wiki/Main_Page</base>\n"
            f"    <generator>MediaWiki 1.39.17</generator>\n    <case>first-letter</case>\n"
            f"    <namespaces>\n{names}\n    </namespaces>\n  </siteinfo>\n")


FOOTER = "</mediawiki>\n"


def page_xml(page: DumpPage) -> str:
    return (f"  <page>\n    <title>{escape(page.title)}</title>\n    <ns>{page.namespace}</ns>\n"
            f"    <id>{page.page_id}</id>\n    <revision>\n      <id>{page.revision}</id>\n"
            f"      <timestamp>2024-01-01T00:00:00Z</timestamp>\n"
            f"      <contributor><username>Dumper</username></contributor>\n"
            f"      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            f'      <text xml:space="preserve">{escape(page.text)}</text>\n'
            f"    </revision>\n  </page>\n")


def write_dump(path: Path, pages: Iterable[DumpPage], *, dbname: str = "enwiki", lang: str = "en") -> Path:
    """Write ``pages`` as a dump at ``path`` (``.bz2``/``.gz``: compressed), one page at a time."""
    with open_for_writing(path) as fh:
        fh.write(header(dbname, lang).encode("utf-8"))
        for page in pages:
            fh.write(page_xml(page).encode("utf-8"))
        fh.write(FOOTER.encode("utf-8"))
    return path
