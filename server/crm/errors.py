"""Errors raised by operations and the JSON envelopes they become (protocol §2)."""

from __future__ import annotations

from typing import Final

# HTTP status of each component error code (protocol §2).
COMPONENT_STATUS: Final[dict[str, int]] = {
    "INVALID_REQUEST": 400,
    "UPLOAD_OFFSET": 400,
    "UPLOAD_CORRUPT": 400,
    "AUTHENTICATION_REQUIRED": 401,
    "SESSION_EXPIRED": 401,
    "INVALID_CREDENTIALS": 401,
    "OTP_REQUIRED": 401,
    "OTP_INVALID": 401,
    "USER_INACTIVE": 403,
    "LOGIN_LOCKED": 403,
    "LICENCE_INACTIVE": 403,
    "LICENCE_EXPIRED": 403,
    "USER_NOT_ENABLED": 403,
    "ACCESS_DENIED": 403,
    "RECORD_NOT_FOUND": 404,
    "UPLOAD_NOT_FOUND": 404,
    "TOO_LARGE": 413,
    "INTERNAL_ERROR": 500,
}

# Stock vtenext texts (protocol D).
DENIED = "Permission to perform the operation is denied"
DENIED_NAME = "Permission to perform the operation is denied for name"
DENIED_ID = "Permission to perform the operation is denied for id"
READ_DENIED = "Permission to read given object is denied"
WRITE_DENIED = "Permission to write is denied"
ID_INCORRECT = "Id specified is incorrect"
INVALID_LOGIN = "Invalid username or password"
UNKNOWN_ERROR = "Unknown Error while processing request"


class CrmError(Exception):
    """Base of every error an operation may raise; each maps to exactly one envelope."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def envelope(self) -> dict[str, object]:
        raise NotImplementedError


class WebServiceError(CrmError):
    """A stock webservice error: HTTP 500, only the text survives."""

    status = 500

    def envelope(self) -> dict[str, object]:
        return {"status": 500, "error": "WebServiceException", "message": self.message}


class InvalidLogin(CrmError):
    """Bad or missing credentials on a stock operation."""

    status = 401

    def __init__(self, reason: str) -> None:
        super().__init__(f"Authentication failed - reason: {reason}")

    def envelope(self) -> dict[str, object]:
        return {"status": 401, "error": "InvalidLoginException", "message": self.message}


class RouteNotFound(CrmError):
    status = 400

    def envelope(self) -> dict[str, object]:
        return {"status": 400, "error": "RouteNotFoundException", "message": self.message}


class RequestTooLarge(CrmError):
    """The body exceeds the request limit; stock operations have no code, so only the status tells."""

    status = 413

    def envelope(self) -> dict[str, object]:
        return {"status": 413, "error": "WebServiceException", "message": self.message}


class ComponentError(CrmError):
    """A Mail Connector error: keeps its machine code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = COMPONENT_STATUS[code]

    def envelope(self) -> dict[str, object]:
        return {
            "status": self.status,
            "error": "MailConnectorException",
            "code": self.code,
            "message": self.message,
        }


def component_variant(error: CrmError) -> ComponentError:
    """The component envelope for an error raised by shared code (auth, parsing, permissions)."""
    if isinstance(error, ComponentError):
        return error
    if isinstance(error, InvalidLogin):
        return ComponentError("SESSION_EXPIRED", error.message)
    if isinstance(error, RequestTooLarge):
        return ComponentError("TOO_LARGE", error.message)
    if isinstance(error, RouteNotFound):
        return ComponentError("INVALID_REQUEST", error.message)
    if error.message in (DENIED, DENIED_ID, DENIED_NAME, READ_DENIED, WRITE_DENIED):
        return ComponentError("ACCESS_DENIED", error.message)
    return ComponentError("INVALID_REQUEST", error.message)
