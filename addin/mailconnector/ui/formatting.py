"""Dates, sizes and numbers the way each language writes them (no locale database in the browser,
and no extra package: the two languages we ship are spelled out here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "it": ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"),
}
_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "it": ("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
}
_UNITS = ("KB", "MB", "GB", "TB")


@dataclass(frozen=True)
class Locale:
    """A language we have texts for, and the region that decides date order and clock."""

    language: str  # "en" | "it"
    region: str = ""  # "US", "GB", "IT", ...

    @property
    def tag(self) -> str:
        return f"{self.language}-{self.region}" if self.region else self.language

    @property
    def us_style(self) -> bool:
        """Month before day and a 12-hour clock (en-US and the Americas' English)."""
        return self.language == "en" and self.region in ("US", "PH", "")

    @property
    def decimal(self) -> str:
        return "," if self.language == "it" else "."

    @property
    def grouping(self) -> str:
        return "." if self.language == "it" else ","


def pick_locale(display_language: str | None) -> Locale:
    """Outlook's display language (e.g. "it-IT", "en-GB") to the locale we render in."""
    tag = (display_language or "").replace("_", "-").strip()
    language, _, region = tag.partition("-")
    language = language.lower()
    region = region.split("-")[-1].upper() if region else ""
    if language == "it":
        return Locale("it", region or "IT")
    return Locale("en", region if language == "en" else "US")


def format_number(value: int, locale: Locale) -> str:
    text = f"{value:,}"
    return text.replace(",", locale.grouping)


def format_size(size: int, locale: Locale) -> str:
    """1024-based, like Outlook shows attachment sizes: "512 bytes", "1.5 KB", "23 MB"."""
    if size < 1024:
        if locale.language == "it":
            return f"{size} byte"
        return "1 byte" if size == 1 else f"{size} bytes"
    value = float(size) / 1024
    index = 0
    while value >= 1024 and index < len(_UNITS) - 1:
        value /= 1024
        index += 1
    if value < 10:
        # one decimal, cut (not rounded) so that 1023.99 KB never shows as "1024 KB"
        text = f"{int(value * 10) / 10:.1f}".removesuffix(".0").replace(".", locale.decimal)
    else:
        text = format_number(int(value), locale)
    return f"{text} {_UNITS[index]}"


def _clock(moment: datetime, locale: Locale) -> str:
    if locale.us_style:
        hour = moment.hour % 12 or 12
        return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_datetime(moment: datetime, locale: Locale) -> str:
    """A mail's date: "Tue, Nov 12, 2024, 10:15 AM" / "Tue 12 Nov 2024, 10:15" / "mar 12 nov 2024, 10:15"."""
    weekday = _WEEKDAYS[locale.language][moment.weekday()]
    month = _MONTHS[locale.language][moment.month - 1]
    if locale.us_style:
        return f"{weekday}, {month} {moment.day}, {moment.year}, {_clock(moment, locale)}"
    return f"{weekday} {moment.day} {month} {moment.year}, {_clock(moment, locale)}"


def format_day(day: date, locale: Locale, today: date) -> str:
    """A short date, with the year only when it is not this year: "12 Nov", "Nov 12", "12 nov 2023"."""
    month = _MONTHS[locale.language][day.month - 1]
    text = f"{month} {day.day}" if locale.us_style else f"{day.day} {month}"
    if day.year != today.year:
        text += f", {day.year}" if locale.us_style else f" {day.year}"
    return text
