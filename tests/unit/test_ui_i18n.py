"""Translation tables and per-locale formats: complete in both languages, text stays text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailconnector.core.state import Message
from mailconnector.crm import errors
from mailconnector.ui.formatting import Locale, pick_locale
from mailconnector.ui.i18n import TABLES, Translator, placeholders
from mailconnector.ui.locales import en, it

PACKAGE = Path(__file__).resolve().parents[2] / "addin" / "mailconnector"
KEY = re.compile(
    r"""["']((?:error|url|connect|password|otp|gate|linked|suggestions?|search|modules|record|preflight|kind|"""
    r"""linking|link|receipt|reauth|notice|logout|mail|app|footer|common|unlink|doctor|thread|create)\.[A-Za-z_.]*[A-Za-z_])["']"""
)


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(en.TEXTS) == set(it.TEXTS)
    for key, text in en.TEXTS.items():
        assert placeholders(text) == placeholders(it.TEXTS[key]), key
        assert text.strip() and it.TEXTS[key].strip(), key


def test_every_error_code_and_address_problem_has_a_message() -> None:
    codes = {cls.code for cls in errors.ALL_ERRORS} | {"CORS_OR_NETWORK", "UNEXPECTED"}
    reasons = set(re.findall(r'reason="([A-Z_]+)"', (PACKAGE / "crm" / "urls.py").read_text()))
    assert reasons >= {"EMPTY", "HTTP_NOT_ALLOWED", "HOST"}
    for table in TABLES.values():
        assert {f"error.{c}" for c in codes} <= set(table)
        assert {f"url.{r}" for r in reasons} <= set(table)
        for gate in ("component_missing", "licence_inactive", "licence_expired", "user_not_enabled"):
            assert {f"gate.{gate}.title", f"gate.{gate}.body", f"gate.{gate}.todo"} <= set(table)
        for reason in ("UNSUPPORTED", "UNAVAILABLE", "ITEM_CHANGED", "OLD_HOST"):
            assert f"link.skipped.{reason}" in table


def test_every_key_the_code_uses_exists() -> None:
    used: set[str] = set()
    for path in [*PACKAGE.joinpath("core").rglob("*.py"), *PACKAGE.joinpath("ui").glob("*.py")]:
        used |= set(KEY.findall(path.read_text()))
    assert len(used) > 40  # the scan sees the code's keys
    table = en.TEXTS
    missing = {k for k in used if k not in table and f"{k}.one" not in table and not k.endswith(".")}
    assert missing == set()


def test_parameters_are_inserted_as_given_even_markup() -> None:
    t = Translator("it-IT")
    hostile = '<img src=x onerror="alert(1)"> {record}'
    assert t.t("receipt.linked", module="Contatto", record=hostile) == f"Collegata a Contatto {hostile}"
    assert t.t("receipt.linked", module="Contatto") == "Collegata a Contatto {record}"
    assert t.t("no.such.key") == "no.such.key"
    assert t.message(Message.of("search.none", text="x'y")) == "Nessun record corrisponde a “x'y”."


def test_sizes_in_core_messages_are_formatted_for_the_locale() -> None:
    message = Message.of("preflight.too_large", total_bytes=3_500_000, limit_bytes=2000)
    italian = "Questa mail (3,3 MB) è più grande di quanto il CRM accetti (1,9 KB)."
    assert Translator("it-IT").message(message) == italian
    assert Translator("en-GB").message(message) == "This mail (3.3 MB) is larger than the CRM accepts (1.9 KB)."


def test_plurals() -> None:
    t = Translator("en-US")
    assert t.plural("mail.attachments", 0, size="0 bytes") == "No attachments"
    assert t.plural("mail.attachments", 1, size="2 KB") == "1 attachment, 2 KB"
    assert t.plural("search.results", 1234) == "1,234 records found"
    assert Translator("it").plural("mail.attachments", 3, size="2 KB") == "3 allegati, 2 KB"
    assert Translator("it").plural("search.results", 1234) == "1.234 record trovati"


@pytest.mark.parametrize(
    ("display", "locale"),
    [("it-IT", Locale("it", "IT")), ("it-CH", Locale("it", "CH")), ("en-GB", Locale("en", "GB")),
     ("en-US", Locale("en", "US")), ("de-DE", Locale("en", "US")), ("", Locale("en", "US")),
     (None, Locale("en", "US")), ("IT", Locale("it", "IT"))],
)
def test_language_from_outlooks_display_language(display: str | None, locale: Locale) -> None:
    assert pick_locale(display) == locale


@pytest.mark.parametrize(
    ("size", "english", "italian"),
    [(0, "0 bytes", "0 byte"), (1, "1 byte", "1 byte"), (1023, "1023 bytes", "1023 byte"),
     (1024, "1 KB", "1 KB"), (1536, "1.5 KB", "1,5 KB"), (10 * 1024 - 1, "9.9 KB", "9,9 KB"),
     (48_213_344, "45 MB", "45 MB"), (3_500_000, "3.3 MB", "3,3 MB"), (1000 * 1024**2, "1,000 MB", "1.000 MB")],
)
def test_sizes(size: int, english: str, italian: str) -> None:
    assert Translator("en-US").size(size) == english
    assert Translator("it-IT").size(size) == italian


def test_dates_per_locale() -> None:
    moment = datetime(2024, 11, 12, 14, 5, tzinfo=UTC)
    assert Translator("en-US").datetime(moment) == "Tue, Nov 12, 2024, 2:05 PM"
    assert Translator("en-GB").datetime(moment) == "Tue 12 Nov 2024, 14:05"
    assert Translator("it-IT").datetime(moment) == "mar 12 nov 2024, 14:05"
    assert Translator("en-US").datetime(moment.replace(hour=0)) == "Tue, Nov 12, 2024, 12:05 AM"
    rome = moment.astimezone(timezone(timedelta(hours=1)))
    assert Translator("it-IT").datetime(rome) == "mar 12 nov 2024, 15:05"
    today = date(2024, 12, 1)
    assert Translator("en-GB").day(date(2024, 11, 12), today) == "12 Nov"
    assert Translator("en-US").day(date(2024, 11, 12), today) == "Nov 12"
    assert Translator("it-IT").day(date(2023, 5, 2), today) == "2 mag 2023"
