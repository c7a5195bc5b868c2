"""Times: stored in UTC as 'YYYY-MM-DD HH:MM:SS', shown in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FORMAT = "%Y-%m-%d %H:%M:%S"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_db(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORMAT)


def now_db() -> str:
    return to_db(utc_now())


def later_db(seconds: int) -> str:
    return to_db(utc_now() + timedelta(seconds=seconds))


def from_db(text: str) -> datetime:
    return datetime.strptime(text, FORMAT).replace(tzinfo=UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def for_user(text: str | None, time_zone: str) -> str | None:
    """A stored UTC time rendered in the user's zone; '' and None pass through."""
    if not text:
        return text
    try:
        return from_db(text).astimezone(zone(time_zone)).strftime(FORMAT)
    except ValueError:
        return text
