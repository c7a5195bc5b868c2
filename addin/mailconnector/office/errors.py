"""Office failures as typed exceptions.

Every failed Office call (an AsyncResult with status "failed") becomes an `OfficeError` subclass
chosen by Outlook's error code, so callers match on types, not numbers. They are also the core's
`HostRefused` (with its stable `reason`), so the core handles them without knowing Office.

Codes are Outlook's own (outlook-web's error table, the Office Common API error codes page).
Conditions found by the bridge itself, without a host answer, use code `LOCAL_CODE` (0).
"""

from __future__ import annotations

from typing import ClassVar

from mailconnector.core.ports import HostRefused

LOCAL_CODE = 0


class OfficeError(HostRefused):
    """An Office call failed: `code`, `name` and `message` as the host reported them."""

    reason_code: ClassVar[str] = "UNAVAILABLE"

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(f"{name} ({code}): {message}" if message else f"{name} ({code})", reason=self.reason_code)
        self.code = code
        self.name = name
        self.message = message


class ItemChangedError(OfficeError):
    """9030 APICallFailedDueToItemChange, or the bridge saw that another mail is selected now."""

    reason_code = "ITEM_CHANGED"


class NoItemError(OfficeError):
    """No mail is selected (a pinned pane between selections)."""

    reason_code = "ITEM_CHANGED"


class RequirementNotMetError(OfficeError):
    """The host lacks the Mailbox requirement set the call needs (the method is undefined)."""

    reason_code = "OLD_HOST"


class AttachmentTypeNotSupportedError(OfficeError):
    """9043: this kind of attachment cannot be read (RTF embedded image, contact, task...)."""

    reason_code = "UNSUPPORTED"


class NotSupportedError(OfficeError):
    """5000: the operation is not supported by this host."""

    reason_code = "UNSUPPORTED"


class InvalidAttachmentIdError(OfficeError):
    """9003: no such attachment on the item the host has selected."""


class AttachmentUnavailableError(OfficeError):
    """9052 not found, 9053 no access, 9054 download failed: Outlook will not hand it over."""


class NetworkError(OfficeError):
    """9041: the user is offline."""


class ItemNotFoundError(OfficeError):
    """9049: the item does not exist (any more)."""


class SettingsError(OfficeError):
    """9019 settings not saved, 9057 settings larger than 32 KB."""


class InternalError(OfficeError):
    """5001, 9002, 9020, 9042 and any code not listed: the host failed."""


_BY_CODE: dict[int, type[OfficeError]] = {
    5000: NotSupportedError,
    9003: InvalidAttachmentIdError,
    9019: SettingsError,
    9030: ItemChangedError,
    9041: NetworkError,
    9043: AttachmentTypeNotSupportedError,
    9049: ItemNotFoundError,
    9052: AttachmentUnavailableError,
    9053: AttachmentUnavailableError,
    9054: AttachmentUnavailableError,
    9057: SettingsError,
}


def office_error(code: int, name: str, message: str) -> OfficeError:
    """The typed error for what the host reported."""
    return _BY_CODE.get(code, InternalError)(code, name, message)


def item_changed() -> ItemChangedError:
    return ItemChangedError(LOCAL_CODE, "ItemChanged", "Another mail is selected now.")


def no_item() -> NoItemError:
    return NoItemError(LOCAL_CODE, "NoItemSelected", "No mail is selected.")


def requirement_not_met(requirement_set: str) -> RequirementNotMetError:
    return RequirementNotMetError(LOCAL_CODE, "RequirementNotMet", f"Mailbox {requirement_set} is needed.")
