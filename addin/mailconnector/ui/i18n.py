"""Texts in the user's language: the translation tables of `locales`, filled with parameters.

Parameters are plain text; the view inserts the result as a text node, so a subject or a record
name with markup in it is shown as written.
"""

from __future__ import annotations

import string
from datetime import date, datetime

from mailconnector.core.state import Message
from mailconnector.ui import formatting
from mailconnector.ui.formatting import Locale, pick_locale
from mailconnector.ui.locales import en, it

TABLES: dict[str, dict[str, str]] = {"en": en.TEXTS, "it": it.TEXTS}


class _Lenient(dict[str, str]):
    """A missing parameter shows as {name} instead of breaking the whole sentence."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Translator:
    def __init__(self, locale: Locale | str | None = None) -> None:
        self.locale = locale if isinstance(locale, Locale) else pick_locale(locale)
        self.table = TABLES.get(self.locale.language, en.TEXTS)

    @property
    def language(self) -> str:
        return self.locale.language

    def has(self, key: str) -> bool:
        return key in self.table or key in en.TEXTS

    def t(self, key: str, **params: object) -> str:
        template = self.table.get(key) or en.TEXTS.get(key)
        if template is None:
            return key  # visible to the tests (every key is checked), never a crash
        # str.format_map: the same fields and lookups as string.Formatter, in C (a page of hits formats dozens)
        return template.format_map(_Lenient({k: str(v) for k, v in params.items()}))

    def plural(self, key: str, count: int, **params: object) -> str:
        """`key.zero` (when the table has one), `key.one` or `key.other`."""
        suffix = "zero" if count == 0 and self.has(f"{key}.zero") else "one" if count == 1 else "other"
        return self.t(f"{key}.{suffix}", count=self.number(count), **params)

    def message(self, message: Message) -> str:
        """A core message; parameters named `<name>_bytes` are sizes, shown as `{name}` in this locale."""
        params: dict[str, str] = {}
        for name, value in message.params:
            if name.endswith("_bytes") and value.isdigit():
                params[name.removesuffix("_bytes")] = self.size(int(value))
            else:
                params[name] = value
        return self.t(message.key, **params)

    # --- formats -------------------------------------------------------------------------------------
    def size(self, size: int) -> str:
        return formatting.format_size(size, self.locale)

    def number(self, value: int) -> str:
        return formatting.format_number(value, self.locale)

    def datetime(self, moment: datetime) -> str:
        return formatting.format_datetime(moment, self.locale)

    def day(self, day: date, today: date) -> str:
        return formatting.format_day(day, self.locale, today)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
