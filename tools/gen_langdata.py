#!/usr/bin/env python3
"""Regenerate talkparse's shipped language data (src/talkparse/data/).

Maintainer tool, not a runtime dependency. It reads:

* Debian's ``mediawiki`` package (MediaWiki 1.39): ``languages/messages/Messages*.php``
  (namespace names, aliases, gender forms, date formats, digits, fallback chain, special page
  aliases) through ``php``, and ``languages/i18n/*.json`` (month, weekday and time zone messages);
* DiscussionTools' per-wiki data in ``shared/corpus/langdata/<wiki>.json`` for the wikis that have
  it (their values win over the MediaWiki files, the differences are recorded in ``sources``);
* the hand-kept tables below (per-wiki time zone, numeral and namespace settings, each with the
  place in Wikimedia's operations/mediawiki-config where it was checked).

It emulates what MediaWiki's LocalisationCache and Language classes compute from those files:
the fallback sequence is the language's explicit ``$fallback`` list plus ``en``; map-like items
(``namespaceNames``, ``namespaceAliases``, ``dateFormats``, messages) merge key by key with the
first language in the sequence winning; special page aliases concatenate; every other item comes
from the first language in the sequence that defines it.

Usage::

    python tools/gen_langdata.py            # write src/talkparse/data/languages/*.json, wikis.json
    python tools/gen_langdata.py --check    # exit 1 if the files on disk differ from a fresh run

Re-running it on unchanged inputs gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MW_DIR = Path("/usr/share/mediawiki")
DEFAULT_OUT_DIR = REPO / "src" / "talkparse" / "data"


def default_langdata_dir() -> Path:
    # CI clones main with shared/ beside it; developers have it at /work/shared.
    for cand in (REPO.parent / "shared" / "corpus" / "langdata", Path("/work/shared/corpus/langdata")):
        if cand.is_dir():
            return cand
    return REPO.parent / "shared" / "corpus" / "langdata"


# --------------------------------------------------------------------------------------------
# Hand-kept per-wiki tables (checked in wikimedia/operations-mediawiki-config).
# --------------------------------------------------------------------------------------------

CONFIG_REPO = "wikimedia/operations-mediawiki-config"
IS_FILE = "wmf-config/InitialiseSettings.php"
IS_COMMIT = "0001228577fa55950f7ef8d8b5af218d1c4b9524"
NS_FILE = "wmf-config/core-Namespaces.php"
NS_COMMIT = "519c1fe011f5d186df794bbc73b79644bd7aebc7"

TZ_LISTED = f"{CONFIG_REPO} {IS_FILE} @{IS_COMMIT[:12]}: 'wgLocaltimezone' => '{{wiki}}' => '{{tz}}'"
TZ_DEFAULT = (
    f"{CONFIG_REPO} {IS_FILE} @{IS_COMMIT[:12]}: '{{wiki}}' not listed under 'wgLocaltimezone', "
    "whose 'default' is 'UTC'"
)

# language code -> (dbname, $wgLocaltimezone). "UTC" means the wiki is not listed and uses the
# 'default' => 'UTC' of wgLocaltimezone.
WIKIS: dict[str, tuple[str, str]] = {
    "en": ("enwiki", "UTC"),
    "de": ("dewiki", "Europe/Berlin"),
    "fr": ("frwiki", "Europe/Paris"),
    "it": ("itwiki", "Europe/Berlin"),
    "es": ("eswiki", "UTC"),
    "pt": ("ptwiki", "UTC"),
    "pl": ("plwiki", "Europe/Warsaw"),
    "nl": ("nlwiki", "Europe/Berlin"),
    "ru": ("ruwiki", "UTC"),
    "ja": ("jawiki", "UTC"),
    "zh": ("zhwiki", "UTC"),
    "sv": ("svwiki", "Europe/Berlin"),
    "uk": ("ukwiki", "UTC"),
    "fa": ("fawiki", "UTC"),
    "he": ("hewiki", "Asia/Tel_Aviv"),
    "ar": ("arwiki", "UTC"),
    "ckb": ("ckbwiki", "UTC"),
    "cs": ("cswiki", "Europe/Prague"),
    "hu": ("huwiki", "Europe/Berlin"),
    "fi": ("fiwiki", "Europe/Helsinki"),
    "ko": ("kowiki", "Asia/Seoul"),
    "tr": ("trwiki", "UTC"),
    "id": ("idwiki", "UTC"),
    "vi": ("viwiki", "UTC"),
    "ca": ("cawiki", "Europe/Berlin"),
    "da": ("dawiki", "Europe/Berlin"),
    "ro": ("rowiki", "Europe/Chisinau"),
}

# Wikis that are not <code>.wikipedia.org but go into wikis.json (content language en, UTC).
EXTRA_WIKIS: dict[str, tuple[str, str]] = {
    "commonswiki": ("en", "UTC"),
    "metawiki": ("en", "UTC"),
}

# wgTranslateNumerals is true by default; these of our wikis set it to false
# (InitialiseSettings.php, 'wgTranslateNumerals' => [ 'default' => true, 'arwiki' => false, ... ]).
NO_TRANSLATE_NUMERALS = {"arwiki"}

# Wiki-specific namespace settings for NS_SPECIAL (-1), NS_USER (2), NS_USER_TALK (3).
#   names:   wgExtraNamespaces (replaces the language's name; core-Namespaces.php)
#   aliases: wgNamespaceAliases ('+<wiki>' entries; core-Namespaces.php)
#   gender:  wgExtraGenderNamespaces (replaces the language's gender forms; InitialiseSettings.php)
WIKI_NAMESPACES: dict[str, dict[str, dict[int, object]]] = {
    "cswiki": {
        "names": {2: "Wikipedista", 3: "Diskuse s wikipedistou"},
        "aliases": {
            2: ["Uživatel", "Wikipedistka"],
            3: ["Diskuse s uživatelem", "Diskuse s wikipedistkou", "Wikipedista diskuse",
                "Wikipedistka diskuse"],
        },
        "gender": {2: ["Wikipedista", "Wikipedistka"], 3: ["Diskuse s wikipedistou", "Diskuse s wikipedistkou"]},
    },
    "dewiki": {"aliases": {3: ["BD"]}},
    "fawiki": {"aliases": {2: ["كاربر"], 3: ["بحث كاربر", "بک"]}},
    "frwiki": {"aliases": {2: ["Utilisatrice"], 3: ["Discussion Utilisatrice"]}},
    "hewiki": {"aliases": {-1: ["מי"], 2: ["מש", "U"], 3: ["שמש"]}},
    "jawiki": {"names": {3: "利用者‐会話"}, "aliases": {3: ["利用者・トーク"]}},
    "kowiki": {"aliases": {2: ["사"], 3: ["사토"]}},
    "plwiki": {
        "names": {2: "Wikipedysta", 3: "Dyskusja wikipedysty"},
        "aliases": {2: ["Wikipedystka"], 3: ["Dyskusja wikipedystki"]},
        "gender": {2: ["Wikipedysta", "Wikipedystka"], 3: ["Dyskusja wikipedysty", "Dyskusja wikipedystki"]},
    },
    "ptwiki": {
        "names": {2: "Usuário(a)", 3: "Usuário(a) Discussão"},
        "aliases": {2: ["Utilizador"], 3: ["Utilizador Discussão"]},
        "gender": {2: ["Usuário", "Usuária"], 3: ["Usuário Discussão", "Usuária Discussão"]},
    },
    "ruwiki": {"aliases": {2: ["У", "U", "Участница"], 3: ["ОУ", "UT", "Обсуждение участницы"]}},
    "trwiki": {"aliases": {2: ["K"]}},
    "zhwiki": {"aliases": {2: ["U"], 3: ["UT"]}},
    "ckbwiki": {"aliases": {2: ["ب", "U"], 3: ["لب", "UT"]}},
}

# LanguageConverter variants (languages/converters); of our languages only zh has any.
VARIANTS = {"zh": ["zh", "zh-hans", "zh-hant", "zh-cn", "zh-hk", "zh-mo", "zh-my", "zh-sg", "zh-tw"]}

# Wikis whose DiscussionTools data is in the corpus (langdata/<wiki>.json).
CORPUS_WIKIS = ["enwiki", "plwiki", "ckbwiki", "arwiki", "frwiki", "itwiki", "nlwiki", "commonswiki"]

NS_KEYS = {2: "user", 3: "user_talk", -1: "special"}
CANONICAL = {2: "User", 3: "User talk", -1: "Special"}

MONTH_MESSAGES = ["january", "february", "march", "april", "may_long", "june", "july", "august",
                  "september", "october", "november", "december"]
MONTH_GENITIVE_MESSAGES = [m.replace("may_long", "may") + "-gen" for m in MONTH_MESSAGES]
MONTH_ABBREVIATED_MESSAGES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                              "nov", "dec"]
WEEKDAY_MESSAGES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
WEEKDAY_ABBREVIATED_MESSAGES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

# --------------------------------------------------------------------------------------------
# PHP side: read Messages*.php files (following $fallback) and list time zone abbreviations.
# --------------------------------------------------------------------------------------------

PHP_DUMPER = r"""<?php
$nsConst = ['NS_MEDIA'=>-2,'NS_SPECIAL'=>-1,'NS_MAIN'=>0,'NS_TALK'=>1,'NS_USER'=>2,'NS_USER_TALK'=>3,
  'NS_PROJECT'=>4,'NS_PROJECT_TALK'=>5,'NS_FILE'=>6,'NS_FILE_TALK'=>7,'NS_MEDIAWIKI'=>8,
  'NS_MEDIAWIKI_TALK'=>9,'NS_TEMPLATE'=>10,'NS_TEMPLATE_TALK'=>11,'NS_HELP'=>12,'NS_HELP_TALK'=>13,
  'NS_CATEGORY'=>14,'NS_CATEGORY_TALK'=>15,'NS_IMAGE'=>6,'NS_IMAGE_TALK'=>7];
foreach ($nsConst as $k => $v) if (!defined($k)) define($k, $v);
$dir = $argv[1];
$queue = json_decode($argv[2], true);
$zones = json_decode($argv[3], true);
function mw_file($dir, $code) {
  return $dir . '/languages/messages/Messages' . ucfirst(str_replace('-', '_', $code)) . '.php';
}
function mw_read($file) {
  $fallback = $namespaceNames = $namespaceAliases = $namespaceGenderAliases = $dateFormats = null;
  $defaultDateFormat = $digitTransformTable = $specialPageAliases = null;
  require $file;
  return ['fallback' => $fallback, 'namespaceNames' => $namespaceNames,
    'namespaceAliases' => $namespaceAliases, 'namespaceGenderAliases' => $namespaceGenderAliases,
    'dateFormats' => $dateFormats, 'defaultDateFormat' => $defaultDateFormat,
    'digitTransformTable' => $digitTransformTable,
    'contributions' => $specialPageAliases['Contributions'] ?? null];
}
$langs = [];
while ($queue) {
  $code = array_shift($queue);
  if (array_key_exists($code, $langs)) continue;
  $file = mw_file($dir, $code);
  if (!is_file($file)) { $langs[$code] = null; continue; }
  $data = mw_read($file);
  $langs[$code] = $data;
  if (is_string($data['fallback'])) {
    foreach (explode(',', $data['fallback']) as $fb) $queue[] = trim($fb);
  }
}
$tz = [];
foreach ($zones as $z) {
  $abbrs = [];
  foreach ((new DateTimeZone($z))->getTransitions() as $t) $abbrs[] = $t['abbr'];
  $tz[$z] = array_values(array_unique($abbrs));
}
echo json_encode(['langs' => $langs, 'timezones' => $tz, 'php' => PHP_VERSION],
  JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
"""


def run_php(mw_dir: Path, codes: list[str], zones: list[str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".php", delete=False) as fh:
        fh.write(PHP_DUMPER)
        script = fh.name
    try:
        out = subprocess.run(
            ["php", script, str(mw_dir), json.dumps(codes), json.dumps(zones)],
            check=True, capture_output=True, text=True,
        ).stdout
    finally:
        os.unlink(script)
    return json.loads(out)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value


def spaced(name: str) -> str:
    return nfc(name.replace("_", " ").strip())


def ucfirst(name: str) -> str:
    return name[:1].upper() + name[1:]


def messages_file(code: str) -> str:
    return "Messages" + code[:1].upper() + code[1:].replace("-", "_") + ".php"


class MediaWikiData:
    """What LocalisationCache + Language compute for one language from the core files."""

    def __init__(self, mw_dir: Path, php: dict):
        self.mw_dir = mw_dir
        self.raw = php["langs"]
        self.i18n_cache: dict[str, dict] = {}

    def chain(self, code: str) -> list[str]:
        """[code] + explicit $fallback list + 'en' (LocalisationCache::recache)."""
        if code == "en":
            return ["en"]
        data = self.raw.get(code) or {}
        fb = data.get("fallback")
        seq = [c.strip() for c in fb.split(",")] if isinstance(fb, str) and fb.strip() else []
        if not seq or seq[-1] != "en":
            seq.append("en")
        return [code] + seq

    def files_in_chain(self, code: str) -> list[str]:
        return [c for c in self.chain(code) if self.raw.get(c) is not None]

    def item(self, code: str, key: str):
        """First non-null value of a non-mergeable item along the chain."""
        for c in self.chain(code):
            v = (self.raw.get(c) or {}).get(key)
            if v is not None:
                return v
        return None

    def merged_map(self, code: str, key: str) -> dict:
        out: dict = {}
        for c in self.chain(code):
            v = (self.raw.get(c) or {}).get(key)
            if isinstance(v, list):
                v = dict(enumerate(v))
            if isinstance(v, dict):
                for k, val in v.items():
                    out.setdefault(str(k), val)
        return out

    def i18n(self, code: str) -> dict:
        if code not in self.i18n_cache:
            path = self.mw_dir / "languages" / "i18n" / f"{code}.json"
            self.i18n_cache[code] = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        return self.i18n_cache[code]

    def message(self, code: str, key: str) -> tuple[str | None, str | None]:
        """(text, language it came from), following the message fallback chain."""
        for c in self.chain(code):
            msgs = self.i18n(c)
            if key in msgs:
                return msgs[key], c
        return None, None

    def i18n_files_in_chain(self, code: str) -> list[str]:
        return [c for c in self.chain(code) if (self.mw_dir / "languages" / "i18n" / f"{c}.json").is_file()]

    # Language::getDateFormatString( 'both', dateFormat( false ) ) with $wgAmericanDates = false
    def date_format(self, code: str) -> tuple[str, str]:
        pref = self.item(code, "defaultDateFormat")
        if pref == "dmy or mdy":
            pref = "dmy"
        fmt = self.merged_map(code, "dateFormats").get(f"{pref} both")
        return fmt, pref

    def digits(self, code: str) -> list[str]:
        table = self.item(code, "digitTransformTable") or {}
        if isinstance(table, list):  # json_encode turns the 0..9 keys into a list
            table = dict(enumerate(table))
        return [str(table.get(str(d), table.get(d, d))) for d in range(10)]

    def ns_name(self, code: str, ns: int) -> str | None:
        name = self.merged_map(code, "namespaceNames").get(str(ns))
        return spaced(name) if name else None

    def ns_aliases(self, code: str, ns: int) -> list[str]:
        return [spaced(a) for a, idx in self.merged_map(code, "namespaceAliases").items() if idx == ns]

    def ns_gender(self, code: str) -> dict[int, list[str]]:
        genders = self.item(code, "namespaceGenderAliases") or {}
        return {int(k): [spaced(f) for f in forms.values()] for k, forms in genders.items()}

    def contributions(self, code: str) -> list[str]:
        out: list[str] = []
        for c in self.chain(code):
            for alias in (self.raw.get(c) or {}).get("contributions") or []:
                out.append(spaced(alias))
        return out


def dedupe(names, exclude=()) -> list[str]:
    seen = {e.casefold() for e in exclude}
    out = []
    for n in names:
        if not n:
            continue
        key = n.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(n)
    return out


def load_langdata(langdata_dir: Path) -> dict[str, dict]:
    out = {}
    for wiki in CORPUS_WIKIS:
        path = langdata_dir / f"{wiki}.json"
        if path.is_file():
            out[wiki] = json.loads(path.read_text("utf-8"))
    return out


# --------------------------------------------------------------------------------------------
# Building one language file
# --------------------------------------------------------------------------------------------

def build_language(code: str, mw: MediaWikiData, tz_abbrs: dict[str, list[str]],
                   langdata: dict[str, dict], mw_version: str) -> dict:
    dbname, timezone = WIKIS[code]
    notes: list[str] = []
    mwv = f"MediaWiki {mw_version}"

    # --- date format, digits, messages --------------------------------------------------------
    date_format, pref = mw.date_format(code)
    if dbname in NO_TRANSLATE_NUMERALS:
        digits = [str(d) for d in range(10)]
        if digits != mw.digits(code):
            notes.append(f"digits: ASCII because {dbname} sets wgTranslateNumerals = false "
                         f"({CONFIG_REPO} {IS_FILE} @{IS_COMMIT[:12]}); the language's "
                         f"$digitTransformTable would give {''.join(mw.digits(code))}")
    else:
        digits = mw.digits(code)

    def msgs(keys):
        vals = []
        for k in keys:
            text, src = mw.message(code, k)
            vals.append(nfc(text))
            if src != code and src is not None and code != "en":
                fell_back.setdefault(src, []).append(k)
        return vals

    fell_back: dict[str, list[str]] = {}
    months = msgs(MONTH_MESSAGES)
    months_gen = msgs(MONTH_GENITIVE_MESSAGES)
    months_abbrev = msgs(MONTH_ABBREVIATED_MESSAGES)
    weekdays = msgs(WEEKDAY_MESSAGES)
    weekdays_abbrev = msgs(WEEKDAY_ABBREVIATED_MESSAGES)
    n_msgs = len(MONTH_MESSAGES) * 3 + len(WEEKDAY_MESSAGES) * 2
    for src, keys in fell_back.items():
        which = f"all {n_msgs} month and weekday messages" if len(keys) == n_msgs else ", ".join(keys)
        notes.append(f"{which}: not in i18n/{code}.json, taken from i18n/{src}.json along the "
                     "fallback chain, as MediaWiki does")

    # --- time zone labels (DiscussionTools LanguageData::getLocalData) ------------------------
    tz_labels: dict[str, str] = {}
    for abbr in tz_abbrs[timezone]:
        text, _src = mw.message(code, "timezone-" + abbr.strip().lower())
        label = text if text is not None else abbr.upper()
        tz_labels[nfc(label)] = abbr.upper()

    # --- namespaces -----------------------------------------------------------------------------
    wiki_ns = WIKI_NAMESPACES.get(dbname, {})
    lang_gender = mw.ns_gender(code)
    namespaces: dict[str, list[str]] = {}
    for ns, key in NS_KEYS.items():
        lang_name = mw.ns_name(code, ns)
        wiki_name = wiki_ns.get("names", {}).get(ns)
        # wgExtraGenderNamespaces replaces the language's forms on the wiki; both are kept here.
        gender = [*wiki_ns.get("gender", {}).get(ns, []), *lang_gender.get(ns, [])]
        converted = []
        for variant in VARIANTS.get(code, []):
            if variant != code:
                converted.append(mw.ns_name(variant, ns))
        names = [wiki_name or lang_name, *gender, *mw.ns_aliases(code, ns),
                 *wiki_ns.get("aliases", {}).get(ns, []), *converted, lang_name]
        namespaces[key] = dedupe([nfc(n) for n in names if n], exclude=[CANONICAL[ns]])
    if wiki_ns:
        notes.append(f"namespaces: {dbname}'s own settings merged in ({CONFIG_REPO} {NS_FILE} "
                     f"@{NS_COMMIT[:12]} wgExtraNamespaces/wgNamespaceAliases, {IS_FILE} "
                     f"@{IS_COMMIT[:12]} wgExtraGenderNamespaces); the language's own names are kept too")
    if code in VARIANTS:
        notes.append(f"namespaces: include the names of the LanguageConverter variants "
                     f"{', '.join(v for v in VARIANTS[code] if v != code)} (Language::getNamespaceAliases)")

    contributions = dedupe(mw.contributions(code))

    # --- merge DiscussionTools' data for the corpus wikis ---------------------------------------
    ld = langdata.get(dbname)
    if ld:
        data, config = ld["data"], ld["config"]
        lcode = config["wgContentLanguage"]

        def take(field, ours, theirs):
            theirs = nfc(theirs)
            if ours != theirs:
                notes.append(f"{field}: langdata value {show(theirs)} used; the MediaWiki files give {show(ours)}")
            return theirs

        date_format = take("date_format", date_format, data["dateFormat"][lcode])
        digits = take("digits", digits, data["digits"][lcode])
        clm = data["contLangMessages"][lcode]
        months = take("months", months, [clm[k] for k in MONTH_MESSAGES])
        months_gen = take("months_genitive", months_gen, [clm[k] for k in MONTH_GENITIVE_MESSAGES])
        months_abbrev = take("months_abbrev", months_abbrev, [clm[k] for k in MONTH_ABBREVIATED_MESSAGES])
        weekdays = take("weekdays", weekdays, [clm[k] for k in WEEKDAY_MESSAGES])
        weekdays_abbrev = take("weekdays_abbrev", weekdays_abbrev, [clm[k] for k in WEEKDAY_ABBREVIATED_MESSAGES])
        tz_labels = take("timezone_labels", tz_labels, data["timezones"][lcode])
        if data["localTimezone"] != timezone:
            raise SystemExit(f"{dbname}: langdata localTimezone {data['localTimezone']} != table {timezone}")

        local = spaced(data["specialContributionsName"])
        if not contributions or contributions[0] != local:
            notes.append(f"contributions: langdata's local name {local!r} put first")
        contributions = dedupe([local, *contributions])

        formatted = config["wgFormattedNamespaces"]
        for ns, key in NS_KEYS.items():
            extra = [ucfirst(spaced(name)) for name, idx in config["wgNamespaceIds"].items() if idx == ns]
            first = spaced(formatted[str(ns)])
            merged = dedupe([first, *namespaces[key], *extra], exclude=[CANONICAL[ns]])
            added = [n for n in merged if n.casefold() not in {x.casefold() for x in namespaces[key]}]
            if added:
                notes.append(f"namespaces.{key}: {', '.join(added)} added from langdata config.wgNamespaceIds")
            namespaces[key] = merged

    # --- sources ----------------------------------------------------------------------------------
    msg_files = [f"languages/messages/{messages_file(c)}" for c in mw.files_in_chain(code)]
    i18n_files = [f"languages/i18n/{c}.json" for c in mw.i18n_files_in_chain(code)]
    if code in VARIANTS:
        msg_files += [f"languages/messages/{messages_file(v)}" for v in VARIANTS[code]
                      if v != code and mw.raw.get(v) is not None and
                      f"languages/messages/{messages_file(v)}" not in msg_files]
    sources = {
        "messages": f"{mwv} " + ", ".join(msg_files)
                    + f" ($defaultDateFormat '{pref}', $dateFormats['{pref} both'])",
        "i18n": f"{mwv} " + ", ".join(i18n_files),
    }
    if ld:
        sources["langdata"] = f"{ld['source']} (shared/corpus/langdata/{dbname}.json)"
    if notes:
        sources["notes"] = notes

    tz_source = (TZ_LISTED if timezone != "UTC" else TZ_DEFAULT).format(wiki=dbname, tz=timezone)
    return {
        "code": code,
        "fallback": mw.chain(code)[1:],
        "date_format": date_format,
        "digits": digits,
        "months": months,
        "months_genitive": months_gen,
        "months_abbrev": months_abbrev,
        "weekdays": weekdays,
        "weekdays_abbrev": weekdays_abbrev,
        "timezone_labels": tz_labels,
        "namespaces": namespaces,
        "contributions": contributions,
        "wiki": {"dbname": dbname, "timezone": timezone, "timezone_source": tz_source},
        "sources": sources,
    }


def build_wikis() -> dict:
    wikis = {dbname: {"lang": code, "timezone": tz} for code, (dbname, tz) in WIKIS.items()}
    for dbname, (code, tz) in EXTRA_WIKIS.items():
        wikis[dbname] = {"lang": code, "timezone": tz}
    return dict(sorted(wikis.items()))


def _dump(obj, indent: int) -> str:
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and all(isinstance(v, str) and len(v) <= 60 for v in obj):
        return json.dumps(obj, ensure_ascii=False)  # short strings: one line
    if isinstance(obj, list):
        if not obj:
            return "[]"
        return "[\n" + ",\n".join(inner + _dump(v, indent + 2) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def dump(obj) -> str:
    """JSON, two-space indent, short string lists on one line (stable, diff-friendly)."""
    return _dump(obj, 0) + "\n"


def show(value) -> str:
    """JSON for notes, with invisible characters (NBSP, LRM, RLM, ZWNJ...) escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(c if c == " " or unicodedata.category(c)[0] not in "ZC" else f"\\u{ord(c):04x}"
                   for c in text)


def generate(mw_dir: Path, langdata_dir: Path) -> dict[str, str]:
    """Return {relative path: file content} for everything the tool writes."""
    version = re.search(r"define\(\s*'MW_VERSION',\s*'([^']+)'", (mw_dir / "includes" / "Defines.php").read_text())
    mw_version = version.group(1) if version else "unknown"
    codes = list(WIKIS) + [v for vs in VARIANTS.values() for v in vs]
    zones = sorted({tz for _db, tz in WIKIS.values()} | {tz for _l, tz in EXTRA_WIKIS.values()})
    php = run_php(mw_dir, codes, zones)
    missing = [c for c in WIKIS if php["langs"].get(c) is None]
    if missing:
        raise SystemExit(f"no Messages file for {missing} under {mw_dir}")
    mw = MediaWikiData(mw_dir, php)
    langdata = load_langdata(langdata_dir)
    if len(langdata) != len(CORPUS_WIKIS):
        print(f"warning: langdata found for {sorted(langdata)} only (looked in {langdata_dir})", file=sys.stderr)

    files = {}
    for code in WIKIS:
        files[f"languages/{code}.json"] = dump(build_language(code, mw, php["timezones"], langdata, mw_version))
    files["wikis.json"] = dump(build_wikis())
    return files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mw-dir", type=Path, default=DEFAULT_MW_DIR, help="MediaWiki installation (default %(default)s)")
    ap.add_argument("--langdata-dir", type=Path, default=None, help="DiscussionTools langdata directory")
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="output directory (default %(default)s)")
    ap.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = ap.parse_args(argv)

    files = generate(args.mw_dir, args.langdata_dir or default_langdata_dir())
    stale = []
    for rel, content in files.items():
        path = args.out_dir / rel
        if args.check:
            if not path.is_file() or path.read_text("utf-8") != content:
                stale.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text("utf-8") != content:
            path.write_text(content, "utf-8")
            stale.append(rel)
    if args.check:
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"{len(files)} files up to date")
        return 0
    print(f"wrote {len(stale)} of {len(files)} files under {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
