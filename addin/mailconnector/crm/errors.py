"""Every way talking to the CRM can fail, as one exception hierarchy the UI can explain.

Each class carries a stable `code` (the key of the translation tables). The UI picks its message by
`code`; `str(error)` is for logs. Text that came from the CRM is kept in `server_message`.
"""

from __future__ import annotations

from typing import ClassVar


class CrmError(Exception):
    """Root of everything the CRM client raises on purpose."""

    code: ClassVar[str] = "CRM_ERROR"

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        http_status: int | None = None,
        server_code: str | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.http_status = http_status
        self.server_code = server_code
        self.server_message = server_message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, operation={self.operation!r}, code={self.code!r})"


# --- the URL the user typed -------------------------------------------------------------------
class UrlError(CrmError):
    """The CRM address cannot be used; `reason` says why (stable, upper-case)."""

    code = "URL_ERROR"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class MalformedUrl(UrlError):
    code = "MALFORMED_URL"


class InsecureUrl(UrlError):
    """Plain http:// to anything but this machine: mail data must not travel in clear."""

    code = "INSECURE_URL"


# --- getting there ------------------------------------------------------------------------------
class NetworkError(CrmError):
    """The request did not get an HTTP answer.

    In the browser `fetch` cannot tell a refused CORS request from a network failure, so this
    class is also what the browser gives for both; `hint` then says "CORS_OR_NETWORK".
    """

    code = "NETWORK_ERROR"

    def __init__(self, message: str, *, hint: str | None = None, operation: str | None = None) -> None:
        super().__init__(message, operation=operation)
        self.hint = hint


class HostNotFound(NetworkError):
    code = "HOST_NOT_FOUND"


class Unreachable(NetworkError):
    """The host is known but nothing answers (connection refused, no route)."""

    code = "UNREACHABLE"


class TlsError(NetworkError):
    code = "TLS_ERROR"


class Timeout(NetworkError):
    code = "TIMEOUT"


# --- who answered -------------------------------------------------------------------------------
class NotVtenext(CrmError):
    """Something answered, but not a vtenext REST API (HTML page, redirect, foreign JSON)."""

    code = "NOT_VTENEXT"


class ComponentMissing(CrmError):
    """vtenext without the Mail Connector component (or a version older than 24.08)."""

    code = "COMPONENT_MISSING"


class CrmProtocolError(CrmError):
    """The CRM answered in a shape the protocol does not allow: a bug on one side."""

    code = "PROTOCOL_ERROR"


class InvalidRequest(CrmError):
    """The CRM says our request was malformed (`INVALID_REQUEST`): a bug on our side."""

    code = "INVALID_REQUEST"


# --- signing in -----------------------------------------------------------------------------------
class AuthError(CrmError):
    code = "AUTH_ERROR"


class InvalidCredentials(AuthError):
    code = "INVALID_CREDENTIALS"


class OtpRequired(AuthError):
    code = "OTP_REQUIRED"


class OtpInvalid(AuthError):
    code = "OTP_INVALID"


class UserInactive(AuthError):
    code = "USER_INACTIVE"


class LoginLocked(AuthError):
    code = "LOGIN_LOCKED"


class SessionExpired(AuthError):
    """The device token is unknown, revoked or expired: sign in again, then carry on."""

    code = "SESSION_EXPIRED"


class AuthenticationRequired(SessionExpired):
    """No token at all (never signed in, or signed out)."""

    code = "AUTHENTICATION_REQUIRED"


# --- licence gate ---------------------------------------------------------------------------------
class LicenceError(CrmError):
    code = "LICENCE_ERROR"


class LicenceInactive(LicenceError):
    code = "LICENCE_INACTIVE"


class LicenceExpired(LicenceError):
    code = "LICENCE_EXPIRED"


class UserNotEnabled(LicenceError):
    code = "USER_NOT_ENABLED"


# --- what the CRM refuses -------------------------------------------------------------------------
class AccessDenied(CrmError):
    """The CRM refuses: hidden module or field, invisible record, no write permission.

    vtenext reports a missing record the same way ("Permission to perform the operation is
    denied"), so for stock operations this also covers a record that no longer exists.
    """

    code = "ACCESS_DENIED"


class RecordNotFound(CrmError):
    code = "RECORD_NOT_FOUND"


class TooLarge(CrmError):
    code = "TOO_LARGE"


class UploadError(CrmError):
    code = "UPLOAD_ERROR"


class UploadCorrupt(UploadError):
    """The bytes received do not match the announced size and SHA-256; the upload is discarded."""

    code = "UPLOAD_CORRUPT"


class UploadOffset(UploadError):
    code = "UPLOAD_OFFSET"


class UploadNotFound(UploadError):
    """Unknown, expired (24 h) or already consumed by a link."""

    code = "UPLOAD_NOT_FOUND"


class ServerError(CrmError):
    """HTTP 5xx or `INTERNAL_ERROR`: the CRM (or a proxy in front of it) failed."""

    code = "SERVER_ERROR"


class WebServiceError(CrmError):
    """A stock vtenext error whose text we do not recognise; the text is in `server_message`."""

    code = "WEBSERVICE_ERROR"


class QueryRejected(WebServiceError):
    """vtenext refused a VTQL query we built (grammar, stray character, ORDER BY)."""

    code = "QUERY_REJECTED"


class MandatoryFieldMissing(WebServiceError):
    """`create` without a value for a field the module requires; `server_message` names the field
    ("lastname does not have a value")."""

    code = "MANDATORY_FIELDS_MISSING"

    @property
    def field(self) -> str:
        return (self.server_message or "").split(" ", 1)[0]


ALL_ERRORS: tuple[type[CrmError], ...] = (
    CrmError,
    UrlError,
    MalformedUrl,
    InsecureUrl,
    NetworkError,
    HostNotFound,
    Unreachable,
    TlsError,
    Timeout,
    NotVtenext,
    ComponentMissing,
    CrmProtocolError,
    InvalidRequest,
    AuthError,
    InvalidCredentials,
    OtpRequired,
    OtpInvalid,
    UserInactive,
    LoginLocked,
    SessionExpired,
    AuthenticationRequired,
    LicenceError,
    LicenceInactive,
    LicenceExpired,
    UserNotEnabled,
    AccessDenied,
    RecordNotFound,
    TooLarge,
    UploadError,
    UploadCorrupt,
    UploadOffset,
    UploadNotFound,
    ServerError,
    WebServiceError,
    QueryRejected,
    MandatoryFieldMissing,
)
"""Every class, for the translation tables' completeness test."""
