"""Turning an HTTP exchange with the CRM into data, or into the CrmError that explains it.

Three kinds of failure arrive here: no HTTP answer at all (transport exceptions), an answer in one of
vtenext's error envelopes (crm-protocol §2 and §D), and an answer that is not vtenext at all.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from collections.abc import Iterator
from functools import cache
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from mailconnector.crm.errors import (
    AccessDenied,
    AuthenticationRequired,
    ComponentMissing,
    CrmError,
    CrmProtocolError,
    HostNotFound,
    InvalidCredentials,
    InvalidRequest,
    LicenceExpired,
    LicenceInactive,
    LoginLocked,
    MandatoryFieldMissing,
    NetworkError,
    NotVtenext,
    OtpInvalid,
    OtpRequired,
    QueryRejected,
    RecordNotFound,
    ServerError,
    SessionExpired,
    Timeout,
    TlsError,
    TooLarge,
    Unreachable,
    UploadCorrupt,
    UploadNotFound,
    UploadOffset,
    UserInactive,
    UserNotEnabled,
    WebServiceError,
)
from mailconnector.crm.transport import FetchFailed

T = TypeVar("T")

COMPONENT_CODES: dict[str, type[CrmError]] = {
    "INVALID_REQUEST": InvalidRequest,
    "UPLOAD_OFFSET": UploadOffset,
    "UPLOAD_CORRUPT": UploadCorrupt,
    "AUTHENTICATION_REQUIRED": AuthenticationRequired,
    "SESSION_EXPIRED": SessionExpired,
    "INVALID_CREDENTIALS": InvalidCredentials,
    "OTP_REQUIRED": OtpRequired,
    "OTP_INVALID": OtpInvalid,
    "USER_INACTIVE": UserInactive,
    "LOGIN_LOCKED": LoginLocked,
    "LICENCE_INACTIVE": LicenceInactive,
    "LICENCE_EXPIRED": LicenceExpired,
    "USER_NOT_ENABLED": UserNotEnabled,
    "ACCESS_DENIED": AccessDenied,
    "RECORD_NOT_FOUND": RecordNotFound,
    "UPLOAD_NOT_FOUND": UploadNotFound,
    "TOO_LARGE": TooLarge,
    "INTERNAL_ERROR": ServerError,
}
"""Component error codes (crm-protocol §2, layer B)."""

# Stock vtenext loses the machine code: only these texts tell errors apart (crm-protocol §D).
_QUERY_OPERATIONS = frozenset({"query"})
_STOCK_TEXTS: tuple[tuple[re.Pattern[str], type[CrmError]], ...] = (
    (re.compile(r"^Permission to perform the operation is denied"), AccessDenied),
    (re.compile(r"^Permission to read given object is denied"), AccessDenied),
    (re.compile(r"^Permission to write is denied"), AccessDenied),
    (re.compile(r"^Permission to access .* attribute denied"), AccessDenied),
    (re.compile(r"^Id specified is incorrect"), RecordNotFound),
    (re.compile(r"^Invalid username or password"), InvalidCredentials),
    (re.compile(r"^Syntax Error on line"), QueryRejected),
    (re.compile(r"^\S+ does not have a value$"), MandatoryFieldMissing),
)
# Generic texts that, from `query`, mean our VTQL was refused, and elsewhere a server failure.
_GENERIC_TEXTS = (
    "Unknown Error while processing request",
    "Database error while performing requested operation",
)
TRANSIENT_HTTP_STATUSES = frozenset({408, 429, 502, 503, 504})


def decode_response(operation: str, response: httpx.Response) -> Any:
    """The `data` of a success envelope; any other answer raises the matching CrmError."""
    status = response.status_code
    body = _json_or_none(response)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error:
            raise error_from_envelope(operation, status, body)
        if status == 200 and "data" in body and body.get("status") in (200, "200"):
            return body["data"]
    raise _error_without_envelope(operation, response, body)


def error_from_envelope(operation: str, http_status: int, body: dict[str, Any]) -> CrmError:
    kind = body["error"]
    raw_message = body.get("message")
    message = raw_message if isinstance(raw_message, str) else ""
    details: dict[str, Any] = {
        "operation": operation,
        "http_status": http_status,
        "server_message": message or None,
    }
    if kind == "MailConnectorException":
        code = body.get("code")
        cls = COMPONENT_CODES.get(code) if isinstance(code, str) else None
        return (cls or _class_for_status(http_status))(
            message or f"{operation}: {code}", server_code=code if isinstance(code, str) else None, **details
        )
    if kind == "InvalidLoginException":
        if operation == "loginpwd":
            return InvalidCredentials(message or "Invalid username or password", server_code=kind, **details)
        return SessionExpired(message or "Authentication failed", server_code=kind, **details)
    if kind == "RouteNotFoundException":
        if operation.startswith("mc"):
            return ComponentMissing(
                f"The CRM does not know '{operation}': Mail Connector is not installed (or too old).",
                server_code=kind,
                **details,
            )
        return CrmProtocolError(f"The CRM does not know the operation '{operation}'.", server_code=kind, **details)
    if kind == "WebServiceException":
        return _stock_error(operation, message, details)
    return _class_for_status(http_status)(message or f"{operation}: {kind}", server_code=kind, **details)


def _stock_error(operation: str, message: str, details: dict[str, Any]) -> CrmError:
    for pattern, cls in _STOCK_TEXTS:
        if pattern.search(message):
            return cls(message, server_code="WebServiceException", **details)
    if message.startswith(_GENERIC_TEXTS):
        cls = QueryRejected if operation in _QUERY_OPERATIONS else ServerError
        return cls(message, server_code="WebServiceException", **details)
    return WebServiceError(message or "vtenext reported an error", server_code="WebServiceException", **details)


def _class_for_status(http_status: int) -> type[CrmError]:
    if http_status >= 500:
        return ServerError
    return {
        400: InvalidRequest,
        401: SessionExpired,
        403: AccessDenied,
        404: RecordNotFound,
        413: TooLarge,
    }.get(http_status, CrmProtocolError)


def _error_without_envelope(operation: str, response: httpx.Response, body: Any) -> CrmError:
    status = response.status_code
    kw: dict[str, Any] = {"operation": operation, "http_status": status}
    if status == 413:  # usually the proxy in front of the CRM, with its own HTML page
        return TooLarge("The request is larger than the server accepts.", **kw)
    if status >= 500 or status in TRANSIENT_HTTP_STATUSES:
        return ServerError(f"The server answered HTTP {status}.", **kw)
    if operation != "mcstatus":
        # Discovery (mcstatus) already recognised this CRM: a broken answer later in the session is the
        # CRM (or a proxy) failing, not a wrong address.
        return CrmProtocolError(f"The CRM answered {operation} with something that is not a vtenext envelope "
                                f"(HTTP {status}).", **kw)
    if 300 <= status < 400:
        where = response.headers.get("location", "elsewhere")
        return NotVtenext(f"The address redirects ({status}) to {where}: not the CRM's REST API.", **kw)
    if body is None:
        kind = "an HTML page" if _looks_like_html(response) else "something that is not JSON"
        return NotVtenext(f"The address answered {kind} (HTTP {status}), not vtenext's REST API.", **kw)
    if status == 200:
        return NotVtenext("The address answered JSON that is not a vtenext REST envelope.", **kw)
    return NotVtenext(f"The address answered HTTP {status} without a vtenext error envelope.", **kw)


def _json_or_none(response: httpx.Response) -> Any:
    # Content-Type is not trusted: PHP often sends JSON as text/html.
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _looks_like_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", ""):
        return True
    return response.content[:512].lstrip()[:1] == b"<"


# --- transport failures ------------------------------------------------------------------------------
_DNS_TEXTS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated with hostname",
    "name resolution",
)
_TLS_TEXTS = ("certificate", "ssl", "tls")


def map_transport_error(operation: str, exc: httpx.TransportError) -> CrmError:
    """The CrmError for an exchange that got no HTTP answer."""
    if isinstance(exc, httpx.TimeoutException):
        return Timeout(f"{operation}: the CRM did not answer in time.", operation=operation)
    if isinstance(exc, FetchFailed):
        return NetworkError(
            f"{operation}: the browser could not reach the CRM ({exc}).",
            hint=FetchFailed.hint,
            operation=operation,
        )
    if isinstance(exc, httpx.ConnectError):
        causes = list(_causes(exc))
        texts = " ".join(str(c) for c in causes).lower()
        if any(isinstance(c, socket.gaierror) for c in causes) or any(t in texts for t in _DNS_TEXTS):
            return HostNotFound(f"{operation}: the CRM's host name does not resolve.", operation=operation)
        if any(isinstance(c, ssl.SSLError | ssl.CertificateError) for c in causes) or any(
            t in texts for t in _TLS_TEXTS
        ):
            return TlsError(f"{operation}: the secure connection failed ({exc}).", operation=operation)
        if any(_is_refused(c) for c in causes) or "connection refused" in texts:
            return Unreachable(f"{operation}: nothing answers at the CRM's address.", operation=operation)
        return NetworkError(f"{operation}: cannot connect to the CRM ({exc}).", operation=operation)
    return NetworkError(f"{operation}: the connection to the CRM failed ({exc!r}).", operation=operation)


def _is_refused(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionRefusedError) or (
        isinstance(exc, OSError) and exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH)
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


# --- answers into models -----------------------------------------------------------------------------------
@cache
def _adapter(shape: Any) -> TypeAdapter[Any]:
    return TypeAdapter(shape)


def parse(model: type[T], data: Any, operation: str) -> T:
    """Validate the CRM's `data` against a model; a mismatch is a CrmProtocolError."""
    result: T = _validate(model, data, operation)
    return result


def parse_many(model: type[T], data: Any, operation: str) -> tuple[T, ...]:
    """Validate a JSON list of `model` items."""
    result: tuple[T, ...] = _validate(tuple[model, ...], data, operation)  # type: ignore[valid-type]
    return result


def _validate(shape: Any, data: Any, operation: str) -> Any:
    try:
        return _adapter(shape).validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        raise CrmProtocolError(
            f"{operation}: unexpected answer from the CRM ({where}: {first['msg']}; {exc.error_count()} problem(s))",
            operation=operation,
        ) from None
