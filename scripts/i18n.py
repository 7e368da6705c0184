"""Keep the translation catalogues in step with the source.

    python scripts/i18n.py update          extract messages, merge them into both catalogues
    python scripts/i18n.py merge FILE.json add Chinese translations from a {msgid: msgstr} file
    python scripts/i18n.py check           exit 1 if any catalogue lacks a translation
    python scripts/i18n.py compile         build the .mo files the portal loads

English strings are the message ids, so the en catalogue is filled with them.
"""

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
POT = ROOT / "build" / "messages.pot"
# Babel parses zh_CN as zh_Hans_CN and looks the catalogue up under that name.
LOCALES = ("zh_Hans_CN", "en")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def _po(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _load(locale: str):
    with _po(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def _save(catalog, locale: str) -> None:
    with _po(locale).open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


def extract() -> None:
    POT.parent.mkdir(exist_ok=True)
    _babel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
           "--no-location", "-o", str(POT), str(ROOT))


def update() -> None:
    extract()
    for locale in LOCALES:
        if _po(locale).exists():
            _babel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale,
                   "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _babel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
    english = _load("en")
    for message in english:
        if message.id and not message.string:
            message.string = message.id
    _save(english, "en")


def merge(path: str) -> None:
    catalog = _load("zh_Hans_CN")
    for msgid, msgstr in json.loads(Path(path).read_text(encoding="utf-8")).items():
        if msgid in catalog:
            catalog[msgid].string = msgstr
            catalog[msgid].flags.discard("fuzzy")
    _save(catalog, "zh_Hans_CN")


def missing() -> dict[str, list[str]]:
    gaps = {}
    for locale in LOCALES:
        catalog = _load(locale)
        gaps[locale] = [m.id for m in catalog
                        if m.id and (not m.string or "fuzzy" in m.flags)]
    return gaps


def check() -> int:
    extract()
    with POT.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    status = 0
    for locale, gaps in missing().items():
        absent = wanted - {m.id for m in _load(locale) if m.id}
        for msgid in sorted(absent, key=str) + gaps:
            print(f"{locale}: untranslated: {msgid!r}")
            status = 1
    return status


def compile_all() -> None:
    _babel("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "merge":
        merge(sys.argv[2])
    elif command == "compile":
        compile_all()
    elif command == "check":
        sys.exit(check())
    else:
        subprocess.run([sys.executable, __file__, "--help"], check=False)
        sys.exit(2)
