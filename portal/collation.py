"""Ordering Chinese names the way a reader expects: by their pinyin (拼音), as a printed
directory does, not by code point (which puts 东关 after 米山 and 北街 far down).

The order is pypinyin's readings compared syllable by syllable, ties broken by the text
itself; it agrees with ICU's Chinese collation (PostgreSQL's "zh-x-icu"), which SQLite
lacks, so lists are sorted here rather than in the query."""

from __future__ import annotations


def pinyin_key(text: str) -> tuple[tuple[str, ...], str]:
    # pypinyin reads its phrase dictionary (about a second) on import; every `portal`
    # command loads the views, and only the pages that sort names need it.
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.TONE3, errors="default")), text


def by_pinyin(items, name=lambda item: item.name) -> list:
    return sorted(items, key=lambda item: pinyin_key(name(item)))
