"""Lexing: mask what a reader never sees, and find templates, links, tags and block boundaries.

The result keeps every character offset of the source: ``masked`` has the same length as the
wikitext, with invisible markup replaced by ``INVIS`` and quoted or literal text by ``OPAQUE``.
Everything downstream works on offsets into it, so spans always point back into the source.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .langdata import Language, _norm
from .signatures import title_from_url, user_resolver

INVIS = "\x00"  # markup: takes no room on the rendered page
OPAQUE = "\x01"  # rendered, but not wikitext: quoted, <nowiki>, <math>... (no signatures inside)
PLACEHOLDER = "\x02"  # one character standing for what a template or bare link renders

_KEEP, _INVIS, _OPAQUE, _PLACEHOLDER = 0, 1, 2, 3
# mask code c is rendered as chr(c - 1): _INVIS as INVIS, _OPAQUE as OPAQUE, ...

# The lexer's records (Param, Template, UserLink) are named tuples: a long page has thousands,
# and a frozen dataclass cost three times as much to make.

# --- stage 1: tags whose contents are not wikitext ---------------------------------------------

_EXT_TAGS = (
    "nowiki|pre|syntaxhighlight|source|math|chem|ce|score|graph|timeline|templatedata|gallery|"
    "ref|references|blockquote|q|cite|includeonly|noinclude|onlyinclude|templatestyles|section|"
    "mapframe|maplink|inputbox|categorytree|hiero|charinsert|imagemap|indicator"
)
_STAGE1 = re.compile(r"<!--|<(" + _EXT_TAGS + r")(?=[\s/>])([^<>]*?)(/?)>", re.I)
# content shown as literal text, no signatures inside
_LITERAL = {"nowiki", "math", "chem", "ce", "hiero", "q", "cite", "charinsert"}
# block elements shown as literal or quoted text
_LITERAL_BLOCK = {
    "pre", "syntaxhighlight", "source", "score", "graph", "timeline", "gallery", "blockquote",
    "mapframe", "inputbox", "categorytree", "imagemap",
}
# not shown where they stand
_HIDDEN = {"ref", "references", "includeonly", "templatedata", "indicator", "maplink"}
# tags shown as nothing, their contents as usual
_TRANSPARENT = {"noinclude", "onlyinclude", "templatestyles", "section"}

BLOCK_TAGS = frozenset(
    "div p table tbody thead tfoot tr td th caption ul ol li dl dd dt h1 h2 h3 h4 h5 h6 "
    "blockquote pre center hr section article aside figure figcaption header footer nav "
    "address details summary main".split()
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b((?:[^<>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")
# A tag's class names it a separator when ``\bclass\s*=\s*["']?[^"'>]*\b(NAME)\b`` matches its
# attributes; _separator_class tests that in linear time (the one regex rescans the value
# after every "class=" in it).
_CLASS_ATTR = re.compile(r"\bclass\s*=\s*[\"']?")
_CLASS_VALUE_END = re.compile(r"[\"'>]")
_SEPARATOR_CLASSES = re.compile(r"\b(outdent-template|mw-trackedTemplate|mw-notalk)\b")
_HTML_INLINE_OK = frozenset(
    "span small big sup sub b i u s strike del ins font code tt kbd var samp abbr em strong "
    "mark bdi bdo br hr wbr ruby rt rp dfn time data cite q".split()
) | BLOCK_TAGS

_LINK = re.compile(r"\[\[([^\[\]\|\n]*)(?:\|((?:[^\[\]\n]|\[(?!\[)[^\[\]\n]*\])*))?\]\]")
# [url label]: the url, then a label up to the first "]" on the line (see _ext_links)
_EXTLINK_START = re.compile(r"\[((?:https?:|ftp:)?//[^\s\[\]<>\"\x00\x01]+)")
_EXTLINK_LABEL_END = re.compile(r"[\]\n]")
_QUOTES = re.compile(r"''+")  # as '{2,}, but the engine looks for the literal '' at C speed
_MAGIC = re.compile(r"__[A-ZÀ-Ý]+__")

_FILE_NS = frozenset(
    "file image datei bild fichier archivo imagen ficheiro arquivo plik grafika bestand afbeelding "
    "файл изображение ファイル 画像 文件 图像 파일 קובץ پرونده ملف صورة وێنە soubor fájl kép tiedosto "
    "dosya berkas tập tin fitxer fil imagine".split()
)
_HIDDEN_LINK_NS = frozenset(
    "category kategorie catégorie categoria kategoria categorie categoría категория категорія "
    "تصنيف رده پۆل kategória luokka kategori thể loại カテゴリ 分类 분류 קטגוריה".split()
)


class Param(NamedTuple):
    """One template parameter; ``key`` is "1", "2"... for positional ones."""

    key: str
    start: int  # of the value
    end: int


class Template(NamedTuple):
    """A template call ``{{name|...}}`` in the source."""

    start: int
    end: int
    name: str  # normalised: case-folded, spaces for underscores, no subst:/Template: prefix
    params: tuple[Param, ...]

    def param(self, key: str) -> Param | None:
        """Return the parameter called ``key``, or None."""
        for p in self.params:
            if p.key == key:
                return p
        return None


class UserLink(NamedTuple):
    """A link that names a user: ``[[User:X|label]]``, ``{{ping|X}}``, ``{{User:X/sig}}``..."""

    start: int
    end: int
    user: str
    label: str | None  # the link's text, when it has its own
    kind: str = "user"  # "user", "talk", "contribs" (page linked) or "template" (a ping)


@dataclass(frozen=True, slots=True)
class UnsignedNote:
    """An ``{{unsigned|User|date}}``-style note: a signature supplied by a template."""

    start: int
    end: int
    template: str
    user: str
    date: str  # the date parameter's text


@dataclass(slots=True)
class Lexed:
    """The page after lexing, with everything the block and comment stages need."""

    text: str
    masked: str
    bounds: list[int] = field(default_factory=list)  # block boundaries, sorted
    seps: list[int] = field(default_factory=list)  # comment separators (<br>, {{od}}...), sorted
    outdents: list[int] = field(default_factory=list)  # where {{outdent}}-like templates stand
    links: list[UserLink] = field(default_factory=list)  # sorted by start
    link_starts: list[int] = field(default_factory=list)
    unsigned: list[UnsignedNote] = field(default_factory=list)
    boxes: list[tuple[int, str]] = field(default_factory=list)  # (offset, "open"/"close")
    transclusions: list[tuple[int, str]] = field(default_factory=list)  # (offset, page title)
    templates: list[Template] = field(default_factory=list)  # sorted by start


class _Mask:
    """Mask codes, one byte per character of the source."""

    def __init__(self, n: int) -> None:
        self.codes = bytearray(n)

    def set(self, start: int, end: int, code: int) -> None:
        if end > start:
            self.codes[start:end] = bytes((code,)) * (end - start)

    def render(self, text: str) -> str:
        """The text with each masked character replaced by its mask character.

        Done with numpy, a slice of the page at a time (see :func:`_points`): a loop over the
        runs of masked characters in Python cost more than lexing the page.
        """
        import numpy as np

        pieces: list[str] = []
        for a in range(0, len(text), _SLICE):
            b = min(len(text), a + _SLICE)
            codes = np.frombuffer(self.codes, dtype=np.uint8, count=b - a, offset=a)
            if not codes.any():
                pieces.append(text[a:b])
                continue
            chars = _points(text[a:b])
            hit = codes != 0
            chars[hit] = codes[hit] - 1  # _INVIS, _OPAQUE, _PLACEHOLDER -> "\x00", "\x01", "\x02"
            pieces.append(_from_points(chars))
        return "".join(pieces)


# Characters handled at a time by numpy: a slice's temporary arrays take at most 1 MB, however
# long the page (larger slices are no faster).
_SLICE = 1 << 16


def _points(text: str) -> Any:
    """The text's code points as a writable numpy array (lone surrogates kept)."""
    import numpy as np

    return np.frombuffer(bytearray(text.encode("utf-32-le", "surrogatepass")), dtype="<u4")


def _from_points(points: Any) -> str:
    return str(points.tobytes().decode("utf-32-le", "surrogatepass"))


def _stage1(text: str, mask: _Mask, bounds: list[int]) -> None:
    """Mask comments and extension tags; note block boundaries of block-level ones."""
    lower = text.lower()
    next_close: dict[str, int] = {}
    pos = 0
    n = len(text)
    while pos < n:
        m = _STAGE1.search(text, pos)
        if m is None:
            break
        start = m.start()
        if m.group() == "<!--":
            end = text.find("-->", start + 4)
            end = n if end == -1 else end + 3
            mask.set(start, end, _INVIS)
            pos = end
            continue
        tag = m.group(1).lower()
        open_end = m.end()
        if m.group(3):  # self-closing <ref name=x />, <references />
            mask.set(start, open_end, _INVIS)
            pos = open_end
            continue
        if tag in _TRANSPARENT:
            mask.set(start, open_end, _INVIS)
            pos = open_end
            continue
        close_at = next_close.get(tag, -2)
        if close_at != -1 and close_at < open_end:
            close_at = lower.find("</" + tag, open_end)
            next_close[tag] = close_at
        if close_at == -1:  # unclosed: MediaWiki shows the tag as text
            pos = open_end
            continue
        gt = text.find(">", close_at)
        end = n if gt == -1 else gt + 1
        if tag in _HIDDEN:
            mask.set(start, end, _INVIS)
        else:
            mask.set(start, open_end, _INVIS)
            mask.set(open_end, close_at, _OPAQUE)
            mask.set(close_at, end, _INVIS)
            if tag in _LITERAL_BLOCK:
                bounds.append(start)
                bounds.append(end)
        pos = end
    # closing tags of transparent elements
    for m in re.finditer(r"</(?:noinclude|onlyinclude|section)\s*>", text, re.I):
        mask.set(m.start(), m.end(), _INVIS)


# --- stage 2: templates ----------------------------------------------------------------------

_TPL_TOKENS = re.compile(r"\{\{|\}\}|\[\[|\]\]|\|")
_PREFIXES = re.compile(r"^\s*(?:subst|safesubst|msgnw|msg|raw)\s*:", re.I)
_TEMPLATE_NS = re.compile(
    r"^(?:template|vorlage|modèle|modele|plantilla|predefinição|predefinicao|szablon|sjabloon|"
    r"шаблон|قالب|داڕێژە|תבנית|mall|šablona|sablon|malline|şablon|templat|bản mẫu|plantilla|"
    r"skabelon|format|formato|テンプレート|模板|틀)\s*:",
    re.I,
)


def scan_templates(masked: str) -> list[tuple[int, int, list[int]]]:
    """Return ``(start, end, pipe offsets)`` of every balanced ``{{...}}``, inner calls first."""
    found: list[tuple[int, int, list[int]]] = []
    # the open calls, as parallel stacks (a page of unclosed "{{" holds one entry each): where
    # each starts, where its pipes start in ``pipes`` (only the innermost call gets pipes, so
    # each call's are consecutive there), and the depth of [[...]] in it
    starts: list[int] = []
    first_pipe: list[int] = []
    links: list[int] = []
    pipes: list[int] = []
    for m in _TPL_TOKENS.finditer(masked):
        tok = m.group()
        if tok == "{{":
            starts.append(m.start())
            first_pipe.append(len(pipes))
            links.append(0)
        elif not starts:
            continue
        elif tok == "}}":
            k = first_pipe.pop()
            found.append((starts.pop(), m.end(), pipes[k:]))
            del pipes[k:]
            links.pop()
        elif tok == "[[":
            links[-1] += 1
        elif tok == "]]":
            if links[-1]:
                links[-1] -= 1
        elif not links[-1]:
            pipes.append(m.start())
    return found


def _make_template(masked: str, start: int, end: int, pipes: list[int]) -> Template:
    name_end = pipes[0] if pipes else end - 2
    raw_name = masked[start + 2 : name_end].replace(INVIS, "")
    raw_name = _PREFIXES.sub("", raw_name)
    raw_name = _TEMPLATE_NS.sub("", raw_name)
    name = _norm(raw_name)
    params: list[Param] = []
    bounds = pipes + [end - 2]
    position = 0
    for a, b in zip(bounds, bounds[1:]):
        value_start = a + 1
        eq = masked.find("=", value_start, b)
        if eq != -1 and "{{" not in masked[value_start:eq] and "[[" not in masked[value_start:eq]:
            key = masked[value_start:eq].replace(INVIS, "").strip()
            params.append(Param(key, eq + 1, b))
        else:
            position += 1
            params.append(Param(str(position), value_start, b))
    return Template(start, end, name, tuple(params))


def _line_bounds(masked: str, pos: int) -> tuple[int, int]:
    start = masked.rfind("\n", 0, pos) + 1
    end = masked.find("\n", pos)
    return start, len(masked) if end == -1 else end


def _is_standalone(masked: str, start: int, end: int) -> bool:
    """Whether a template call stands on its own line(s), where it renders as a block."""
    ls, _ = _line_bounds(masked, start)
    before = masked[ls:start].strip(" \t:*#" + INVIS)
    _, le = _line_bounds(masked, max(end - 1, start))
    after = masked[end:le].strip(" \t" + INVIS)
    return not before and (not after or "\n" in masked[start:end])


class _Lexer:
    def __init__(self, text: str, lang: Language, title: str | None) -> None:
        self.text = text
        self.lang = lang
        self.title = title
        self.tables = lang.templates
        self.resolve = user_resolver(lang)
        self.mask = _Mask(len(text))
        self.out = Lexed(text, "")
        self.suppressed: list[tuple[int, int]] = []  # quoted or hidden ranges: no links count there

    def run(self) -> Lexed:
        text, out, mask = self.text, self.out, self.mask
        _stage1(text, mask, out.bounds)
        masked = mask.render(text)
        self._templates(masked)
        del masked  # one rendering at a time: a page-sized string each
        masked = mask.render(text)
        self._links_and_tags(masked)
        del masked
        out.masked = mask.render(text)
        out.bounds.sort()
        out.seps.sort()
        out.outdents.sort()
        self._finish_links()
        return out

    # templates ---------------------------------------------------------------------------
    def _templates(self, masked: str) -> None:
        t = self.tables
        mask, out = self.mask, self.out
        for start, end, pipes in scan_templates(masked):
            tpl = _make_template(masked, start, end, pipes)
            out.templates.append(tpl)
            name = tpl.name
            delims = self._delimiters(tpl)
            if name in t.unsigned:
                self._unsigned(tpl, masked)
                mask.set(start, end, _INVIS)
                self.suppressed.append((start, end))
            elif name in t.outdent or name in t.tracked:
                mask.set(start, end, _INVIS)
                out.seps.append(start)
                if name in t.outdent:
                    out.outdents.append(start)
                else:
                    out.bounds.append(start)
            elif name in t.quote_inline or name in t.quote_block:
                for a, b in delims:
                    mask.set(a, b, _INVIS)
                for p in tpl.params:
                    if p.key.isdigit() or p.key in ("text", "quote", "1"):
                        mask.set(p.start, p.end, _OPAQUE)
                    else:
                        mask.set(p.start, p.end, _INVIS)
                self.suppressed.append((start, end))
                if name in t.quote_block:
                    out.bounds.extend((start, end))
            elif name in t.invisible or self._magic(name):
                mask.set(start, end, _INVIS)
                self.suppressed.append((start, end))
            elif name in t.ping_all or name in t.ping_first:
                for a, b in delims:
                    mask.set(a, b, _INVIS)
                users = [p for p in tpl.params if p.key.isdigit()]
                if name in t.ping_first:
                    users = users[:1]
                for p in users:
                    user = self._plain_user(masked[p.start : p.end])
                    if user:
                        out.links.append(UserLink(start, end, user, None, "template"))
                for p in tpl.params:
                    if not p.key.isdigit():
                        mask.set(p.start, p.end, _INVIS)
            else:
                self._other_template(tpl, masked, delims)

    def _delimiters(self, tpl: Template) -> list[tuple[int, int]]:
        """Ranges of ``{{name|``, ``|key=`` and ``}}``: markup, never shown."""
        first = tpl.params[0].start if tpl.params else tpl.end - 2
        if tpl.params and not tpl.params[0].key.isdigit():
            first = self._pipe_before(tpl.params[0])
        spans = [(tpl.start, first)]
        for prev, p in zip(tpl.params, tpl.params[1:]):
            spans.append((prev.end, p.start))
        spans.append((tpl.params[-1].end if tpl.params else tpl.end - 2, tpl.end))
        if tpl.params and not tpl.params[0].key.isdigit():
            spans.append((first, tpl.params[0].start))
        return spans

    @staticmethod
    def _pipe_before(p: Param) -> int:
        return p.start - len(p.key) - 2 if p.key else p.start - 2

    @staticmethod
    def _magic(name: str) -> bool:
        head = name.split(":", 1)[0]
        return name.startswith("#") or head in _MAGIC_WORDS

    def _plain_user(self, raw: str) -> str | None:
        from .signatures import normalise_user

        raw = raw.replace(INVIS, "").strip()
        if not raw or "=" in raw:
            return None
        return normalise_user(raw)

    def _unsigned(self, tpl: Template, masked: str) -> None:
        spec = self.tables.unsigned[tpl.name]
        user_p, date_p = tpl.param(spec.user), tpl.param(spec.date)
        user = masked[user_p.start : user_p.end].replace(INVIS, "").strip() if user_p else ""
        date = masked[date_p.start : date_p.end].replace(INVIS, "").strip() if date_p else ""
        if bool(date) != bool(user):
            # {{Non firmato|20:58, 17 nov 2020 87.18.165.115}}: one parameter, date then user
            date, _, user = _split_date_user(date or user)
        elif _YEAR.search(user) and not _YEAR.search(date):
            user, date = date, user  # parameter order differs from the table's assumption
        resolved = self.resolve(user) if ":" in user else None
        name = resolved[0] if resolved else self._plain_user(user)
        if name:
            self.out.unsigned.append(UnsignedNote(tpl.start, tpl.end, tpl.name, name, date))

    def _other_template(self, tpl: Template, masked: str, delims: list[tuple[int, int]]) -> None:
        t, mask, out = self.tables, self.mask, self.out
        name = tpl.name
        head, _, rest = name.partition(":")
        user = None
        if rest and _norm(head) in self.lang.user_namespaces:
            # {{User:X/sig}}: the user's own signature template
            raw = masked[tpl.start + 2 : tpl.end - 2].split("|", 1)[0].replace(INVIS, "")
            user = self._plain_user(raw.split(":", 1)[1].split("/", 1)[0])
        if user:
            mask.set(tpl.start, tpl.end, _INVIS)
            mask.set(tpl.start, tpl.start + 1, _PLACEHOLDER)
            out.links.append(UserLink(tpl.start, tpl.end, user, None, "template"))
            return
        if rest and not name.startswith("#") or name.startswith("/"):
            mask.set(tpl.start, tpl.end, _INVIS)
            mask.set(tpl.start, tpl.start + 1, _PLACEHOLDER)
            out.transclusions.append((tpl.start, masked[tpl.start + 2 : tpl.end - 2].split("|")[0].strip()))
            if _is_standalone(masked, tpl.start, tpl.end):
                out.bounds.extend((tpl.start, tpl.end))
            return
        for a, b in delims:
            mask.set(a, b, _INVIS)
        # a template with nothing to show still renders something (an icon, a word)
        mask.set(tpl.start, tpl.start + 1, _PLACEHOLDER)
        if name in t.box_open:
            out.boxes.append((tpl.start, "open"))
        elif name in t.box_close:
            out.boxes.append((tpl.start, "close"))
            mask.set(tpl.start, tpl.end, _INVIS)  # closes the box: shows nothing
        if name in t.box_open or name in t.box_close or name in t.block or _is_standalone(
            masked, tpl.start, tpl.end
        ):
            # a box: each parameter is shown in a block of its own
            out.bounds.extend((tpl.start, tpl.end))
            out.bounds.extend(p.start - 1 if p.key.isdigit() else self._pipe_before(p) for p in tpl.params)
        else:
            # inline: its parameters are part of the same line
            nl = masked.find("\n", tpl.start, tpl.end)
            while nl != -1:
                mask.set(nl, nl + 1, _INVIS)
                nl = masked.find("\n", nl + 1, tpl.end)

    # links and tags ------------------------------------------------------------------------
    def _links_and_tags(self, masked: str) -> None:
        mask, out, resolve = self.mask, self.out, self.resolve
        for m in _LINK.finditer(masked):
            target, label = m.group(1, 2)
            if INVIS in target:
                target = target.replace(INVIS, "")
            start, end = m.start(), m.end()
            colon = ":" in target
            if colon and not target.startswith(":"):
                ns = _norm(target.split(":", 1)[0])
                if ns in _HIDDEN_LINK_NS:
                    mask.set(start, end, _INVIS)
                    continue
                if ns in _FILE_NS:
                    mask.set(start, end, _INVIS)  # an image: content, but no text to read
                    mask.set(start, start + 1, _PLACEHOLDER)
                    continue
            if label is None:
                mask.set(start, start + 2, _INVIS)
                mask.set(end - 2, end, _INVIS)
            else:
                mask.set(start, m.start(2), _INVIS)
                mask.set(end - 2, end, _INVIS)
            if colon:
                found = resolve(target)
                if found:
                    shown = _clean_label(label) if label is not None else None
                    out.links.append(UserLink(start, end, found[0], shown, found[1]))
        for start, end, url, label_start in _ext_links(masked):
            label = masked[label_start : end - 1]
            if label.strip(" \t" + INVIS):
                mask.set(start, label_start, _INVIS)
                mask.set(end - 1, end, _INVIS)
            else:
                mask.set(start, end, _INVIS)
                mask.set(start, start + 1, _PLACEHOLDER)
            title = title_from_url(url)
            if title and ":" in title:
                found = resolve(title)
                if found:
                    out.links.append(
                        UserLink(start, end, found[0], _clean_label(label) or None, found[1])
                    )
        closes = _CloseFinder(masked)
        for m in _TAG.finditer(masked):
            name = m.group(2).lower()
            if name not in _HTML_INLINE_OK:
                continue
            start, end = m.start(), m.end()
            mask.set(start, end, _INVIS)
            if name == "br":
                out.seps.append(start)
            elif name == "hr":
                out.seps.append(start)
                out.bounds.append(start)
            elif name in BLOCK_TAGS:
                out.bounds.append(start)
            if not m.group(1) and _separator_class(m.group(3)):
                close = closes.end_of(name, end)
                mask.set(start, close, _INVIS)
                out.seps.append(start)
                if "outdent" in m.group(3):
                    out.outdents.append(start)
                self.suppressed.append((start, close))
        for m in _QUOTES.finditer(masked):
            mask.set(m.start(), m.end(), _INVIS)
        for m in _MAGIC.finditer(masked):
            mask.set(m.start(), m.end(), _INVIS)

    def _finish_links(self) -> None:
        out = self.out
        hidden = _merge(self.suppressed)
        starts = [s for s, _ in hidden]
        out.links = [
            link
            for link in sorted(out.links, key=lambda x: (x.start, x.end))
            if not _inside(hidden, starts, link.start)
        ]
        out.link_starts = [x.start for x in out.links]
        out.templates.sort(key=lambda t: t.start)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping ranges into sorted disjoint ones."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _inside(ranges: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    """Whether ``pos`` lies strictly inside one of the sorted disjoint ``ranges``."""
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and ranges[i][0] < pos < ranges[i][1]


def _ext_links(masked: str) -> Iterator[tuple[int, int, str, int]]:
    """Yield ``(start, end, url, label start)`` of every ``[url label]`` link.

    These are the matches of ``\\[((?:https?:|ftp:)?//[^\\s\\[\\]<>"\\x00\\x01]+)([^\\]\\n]*)\\]``,
    found in linear time: where a line has no "]" after a link's start, no link starts on the
    rest of that line either, so the search goes on from the next line (the regex alone would
    scan to the end of the line again from every "[//" on it).
    """
    pos = 0
    while True:
        m = _EXTLINK_START.search(masked, pos)
        if m is None:
            return
        stop = _EXTLINK_LABEL_END.search(masked, m.end())
        if stop is None:
            return
        if stop.group() == "]":
            yield m.start(), stop.end(), m.group(1), m.end()
        pos = stop.end()


def _separator_class(attrs: str) -> bool:
    """Whether ``\\bclass\\s*=\\s*["']?[^"'>]*\\b(outdent-template|...)\\b`` matches in ``attrs``.

    Each run of class-value characters is searched once: a later "class=" whose value starts
    inside a run already searched can only find what that search found.
    """
    pos = 0
    searched_to = -1  # end of the last run of value characters searched
    while True:
        m = _CLASS_ATTR.search(attrs, pos)
        if m is None:
            return False
        pos = m.start() + 1
        if m.end() <= searched_to:
            continue
        stop = _CLASS_VALUE_END.search(attrs, m.end())
        searched_to = stop.start() if stop else len(attrs)
        if _SEPARATOR_CLASSES.search(attrs, m.end(), searched_to):
            return True


class _CloseFinder:
    """Where elements end, nesting of the same tag counted, for any number of queries.

    ``end_of(name, pos)`` is the end of the first ``<(/?)name\\b[^>]*>`` match after ``pos`` at
    which the depth, 1 at ``pos``, drops to 0 (the end of the text if it never does). The tags
    of each name are read once; a query is then a lookup, not a scan of the rest of the page.
    """

    def __init__(self, masked: str) -> None:
        self.masked = masked
        self._tags: dict[str, tuple[list[int], list[int], list[int], dict[int, list[int]]]] = {}

    def _index(self, name: str) -> tuple[list[int], list[int], list[int], dict[int, list[int]]]:
        key = name.lower()
        found = self._tags.get(key)
        if found is None:
            starts: list[int] = []
            ends: list[int] = []
            depths: list[int] = []  # running depth after each tag, counted from the page start
            reach: dict[int, list[int]] = {}  # depth -> indexes of the tags after which it is that
            depth = 0
            for m in re.finditer(r"<(/?)" + name + r"\b[^>]*>", self.masked, re.I):
                depth += -1 if m.group(1) else 1
                reach.setdefault(depth, []).append(len(starts))
                starts.append(m.start())
                ends.append(m.end())
                depths.append(depth)
            found = self._tags[key] = (starts, ends, depths, reach)
        return found

    def end_of(self, name: str, pos: int) -> int:
        starts, ends, depths, reach = self._index(name)
        i = bisect.bisect_left(starts, pos)
        # depth moves by one per tag: the element closes at the first tag from i on after which
        # the running depth is one below what it was before tag i
        hits = reach.get((depths[i - 1] if i else 0) - 1, [])
        k = bisect.bisect_left(hits, i)
        return ends[hits[k]] if k < len(hits) else len(self.masked)


def _clean_label(label: str | None) -> str | None:
    if label is None:
        return None
    if not _LABEL_MARKUP_START.search(label):
        return " ".join(label.split()) or None  # plain text, the usual case
    # a "<" after the last ">" starts no tag: leaving it out keeps <[^>]*> linear
    cut = label.rfind(">") + 1
    text = _LABEL_MARKUP.sub("", label[:cut]) + _LABEL_QUOTES.sub("", label[cut:])
    return " ".join(text.split()) or None


_LABEL_MARKUP = re.compile(r"<[^>]*>|''+|[\x00\x01]")
_LABEL_QUOTES = re.compile(r"''+|[\x00\x01]")
_LABEL_MARKUP_START = re.compile(r"[<'\x00\x01]")
_YEAR = re.compile(r"\b\d{4}\b")
_SPLIT_DATE_USER = re.compile(r"^(.*?\d{4}[\u200e\u200f]?)\s*(.*)$")
_DATE_END = re.compile(r"\d{4}[\u200e\u200f]?\Z")


def _split_date_user(value: str) -> tuple[str, str, str]:
    """Split "20:58, 17 nov 2020 87.18.165.115" into date and user (``_SPLIT_DATE_USER``)."""
    body = value[:-1] if value.endswith("\n") else value
    last = body.rfind("\n")
    if last != -1:
        # the user part cannot hold a line break, so the date ends where the whitespace around
        # the last one starts; computed directly, as the regex would try every year before it
        date = body[:last].rstrip()
        if "\n" in date or not _DATE_END.search(date):
            return value, "", ""
        return date.strip(), "", body[last + 1 :].strip()
    m = _SPLIT_DATE_USER.match(value)
    if not m:
        return value, "", ""
    return m.group(1).strip(), "", m.group(2).strip()


_MAGIC_WORDS = frozenset(
    _norm(w)
    for w in (
        "int subst safesubst msg msgnw raw lc uc lcfirst ucfirst urlencode anchorencode fullurl "
        "localurl canonicalurl filepath formatnum padleft padright plural grammar gender ns nse tag "
        "defaultsort defaultsortkey defaultcategorysort displaytitle pagename fullpagename "
        "basepagename subpagename talkpagename namespace currentyear currentmonth currentday "
        "currenttime localtime revisionid revisionuser numberofarticles pagelanguage "
        "special speciale localurle fullurle canonicalurle"
    ).split()
)


def lex(text: str, lang: Language, title: str | None = None) -> Lexed:
    """Lex ``text``: masked copy, templates, user links, block boundaries and separators.

    The last result is kept: analysing a page lexes the very text its parse just lexed (the
    same string object, language and title), and gets it again instead of a second pass. It is
    read-only from here on.
    """
    global _last
    last = _last
    if last is not None and last[0] is text and last[1] is lang and last[2] == title:
        return last[3]
    lexed = _Lexer(text, lang, title).run()
    _last = (text, lang, title, lexed)
    return lexed


_last: tuple[str, Language, str | None, Lexed] | None = None  # see lex()


def forget_last() -> None:
    """Drop the kept result of :func:`lex` (benchmarks time the lexing of the same text again)."""
    global _last
    _last = None
