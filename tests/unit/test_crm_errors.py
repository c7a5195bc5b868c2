"""Every documented failure of the CRM, and of the way to it, becomes the CrmError the UI explains."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator

import httpx
import pytest

from mailconnector.crm import CrmClient, RetryPolicy
from mailconnector.crm import errors as e
from mailconnector.crm.envelope import COMPONENT_CODES
from mailconnector.crm.retry import NO_RETRY
from mailconnector.crm.transport import FetchFailed
from tests.client.fake_crm import (
    CONTACTS,
    STATUS,
    FakeCrm,
    component_error,
    invalid_login,
    ok,
    route_not_found,
    stock_error,
)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def fail(fake: FakeCrm, call) -> e.CrmError:  # type: ignore[no-untyped-def]
    """Run `call(client)` and return the CrmError it raised."""

    async def go() -> e.CrmError:
        async with fake.client(retry=NO_RETRY) as client:
            with pytest.raises(e.CrmError) as caught:
                await call(client)
            return caught.value

    return run(go())


# --- component error codes ------------------------------------------------------------------------------
COMPONENT_TABLE = [
    (400, "INVALID_REQUEST", e.InvalidRequest),
    (400, "UPLOAD_OFFSET", e.UploadOffset),
    (400, "UPLOAD_CORRUPT", e.UploadCorrupt),
    (401, "AUTHENTICATION_REQUIRED", e.AuthenticationRequired),
    (401, "SESSION_EXPIRED", e.SessionExpired),
    (401, "INVALID_CREDENTIALS", e.InvalidCredentials),
    (401, "OTP_REQUIRED", e.OtpRequired),
    (401, "OTP_INVALID", e.OtpInvalid),
    (403, "USER_INACTIVE", e.UserInactive),
    (403, "LOGIN_LOCKED", e.LoginLocked),
    (403, "LICENCE_INACTIVE", e.LicenceInactive),
    (403, "LICENCE_EXPIRED", e.LicenceExpired),
    (403, "USER_NOT_ENABLED", e.UserNotEnabled),
    (403, "ACCESS_DENIED", e.AccessDenied),
    (404, "RECORD_NOT_FOUND", e.RecordNotFound),
    (404, "UPLOAD_NOT_FOUND", e.UploadNotFound),
    (413, "TOO_LARGE", e.TooLarge),
    (500, "INTERNAL_ERROR", e.ServerError),
]


def test_the_table_covers_every_documented_code() -> None:
    assert {code for _, code, _ in COMPONENT_TABLE} == set(COMPONENT_CODES)


@pytest.mark.parametrize(("status", "code", "cls"), COMPONENT_TABLE)
def test_component_codes(status: int, code: str, cls: type[e.CrmError]) -> None:
    fake = FakeCrm().always("mclookup", component_error(status, code, "text from the CRM"))
    error = fail(fake, lambda c: c.lookup("<a@b>"))
    assert type(error) is cls
    assert error.server_code == code
    assert error.server_message == "text from the CRM"
    assert error.http_status == status
    assert error.operation == "mclookup"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, e.InvalidRequest),
        (401, e.SessionExpired),
        (403, e.AccessDenied),
        (404, e.RecordNotFound),
        (413, e.TooLarge),
        (500, e.ServerError),
        (503, e.ServerError),
        (409, e.CrmProtocolError),
    ],
)
def test_an_unknown_component_code_falls_back_on_the_http_status(status: int, cls: type[e.CrmError]) -> None:
    fake = FakeCrm().always("mcmodules", component_error(status, "SOMETHING_NEW", "future"))
    error = fail(fake, lambda c: c.modules())
    assert type(error) is cls
    assert error.server_code == "SOMETHING_NEW"


def test_login_errors_come_through_as_such() -> None:
    for code, cls in [
        ("INVALID_CREDENTIALS", e.InvalidCredentials),
        ("OTP_REQUIRED", e.OtpRequired),
        ("LOGIN_LOCKED", e.LoginLocked),
        ("USER_NOT_ENABLED", e.UserNotEnabled),
    ]:
        fake = FakeCrm().always("mclogin", component_error(401, code))
        error = fail(fake, lambda c: c.login("anna", "wrong"))
        assert type(error) is cls


# --- stock vtenext errors: only the text survives ---------------------------------------------------------
STOCK_TABLE = [
    ("Permission to perform the operation is denied for name", e.AccessDenied),
    ("Permission to perform the operation is denied for id", e.AccessDenied),
    ("Permission to perform the operation is denied", e.AccessDenied),
    ("Permission to read given object is denied", e.AccessDenied),
    ("Permission to write is denied", e.AccessDenied),
    ("Permission to access '.email.' attribute denied.", e.AccessDenied),
    ("Permission to access email attribute denied.", e.AccessDenied),
    ("Id specified is incorrect", e.RecordNotFound),
    ("lastname does not have a value", e.MandatoryFieldMissing),
    ("Syntax Error on line 1: token 'FROM' Unexpected ...", e.QueryRejected),
    ("Unknown Error while processing request", e.QueryRejected),
    ("Database error while performing requested operation", e.QueryRejected),
    ("Something nobody documented", e.WebServiceError),
]


@pytest.mark.parametrize(("text", "cls"), STOCK_TABLE)
def test_stock_texts_from_query(text: str, cls: type[e.CrmError]) -> None:
    fake = FakeCrm().always("query", stock_error(text))
    error = fail(fake, lambda c: c.query("SELECT * FROM Contacts;"))
    assert type(error) is cls
    assert error.server_message == text  # the text is kept for the details view
    assert error.http_status == 500


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("Unknown Error while processing request", e.ServerError),
        ("Database error while performing requested operation", e.ServerError),
        ("Permission to perform the operation is denied", e.AccessDenied),
    ],
)
def test_generic_stock_texts_outside_query_are_server_failures(text: str, cls: type[e.CrmError]) -> None:
    fake = FakeCrm().always("retrieve", stock_error(text))
    assert type(fail(fake, lambda c: c.retrieve("4x1"))) is cls


def test_401_on_a_stock_operation_is_an_expired_session() -> None:
    fake = FakeCrm().always("query", invalid_login("Invalid user"))
    error = fail(fake, lambda c: c.query("SELECT * FROM Contacts;"))
    assert type(error) is e.SessionExpired
    assert error.server_message == "Authentication failed - reason: Invalid user"


def test_400_route_not_found_on_mcstatus_means_the_component_is_missing() -> None:
    fake = FakeCrm().always("mcstatus", route_not_found())
    error = fail(fake, lambda c: c.status())
    assert type(error) is e.ComponentMissing
    assert error.code == "COMPONENT_MISSING"


def test_400_route_not_found_on_a_stock_operation_is_a_protocol_error() -> None:
    fake = FakeCrm().always("describe", route_not_found())
    assert type(fail(fake, lambda c: c.describe("Contacts"))) is e.CrmProtocolError


# --- answers that are not vtenext ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("response", "cls"),
    [
        (httpx.Response(200, html="<!doctype html><title>Welcome</title>"), e.NotVtenext),
        (httpx.Response(200, text="<html><body>login</body></html>"), e.NotVtenext),
        (httpx.Response(404, html="<h1>Not Found</h1>"), e.NotVtenext),
        (httpx.Response(200, text="not json {"), e.NotVtenext),
        (httpx.Response(200, content=b"\xff\xfe\x00garbage"), e.NotVtenext),
        (httpx.Response(200, json={"hello": "world"}), e.NotVtenext),
        (httpx.Response(200, json=[1, 2, 3]), e.NotVtenext),
        (httpx.Response(200, json={"status": 200}), e.NotVtenext),
        (httpx.Response(404, json={"detail": "Not Found"}), e.NotVtenext),
        (httpx.Response(302, headers={"location": "https://sso.example.com/"}), e.NotVtenext),
        (httpx.Response(301, headers={"location": "https://crm.example.com/vtenext/"}), e.NotVtenext),
        (httpx.Response(413, html="<h1>413 Request Entity Too Large</h1>"), e.TooLarge),
        (httpx.Response(502, html="<h1>Bad Gateway</h1>"), e.ServerError),
        (httpx.Response(503, text=""), e.ServerError),
        (httpx.Response(500, html="<b>Fatal error</b>: Allowed memory size exhausted"), e.ServerError),
        (httpx.Response(200, json={"status": 200, "data": {"component": "other"}}), e.CrmProtocolError),
        (httpx.Response(200, json={"status": 200, "data": None}), e.CrmProtocolError),
    ],
)
def test_answers_that_are_not_a_vtenext_envelope(response: httpx.Response, cls: type[e.CrmError]) -> None:
    fake = FakeCrm().always("mcstatus", response)
    error = fail(fake, lambda c: c.status())
    assert type(error) is cls
    assert error.http_status in (None, response.status_code)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="not json {"),
        httpx.Response(200, html="<!doctype html><title>Welcome</title>"),
        httpx.Response(200, json={"hello": "world"}),
        httpx.Response(302, headers={"location": "https://sso.example.com/"}),
    ],
)
def test_after_discovery_a_broken_answer_is_the_crm_failing_not_a_wrong_address(response: httpx.Response) -> None:
    fake = FakeCrm().always("mclookup", response)
    assert type(fail(fake, lambda c: c.lookup("<x@y>"))) is e.CrmProtocolError


def test_a_redirect_names_where_it_goes() -> None:
    fake = FakeCrm().always("mcstatus", httpx.Response(302, headers={"location": "https://sso.example.com/"}))
    assert "https://sso.example.com/" in str(fail(fake, lambda c: c.status()))


def test_json_served_as_text_html_is_still_read() -> None:
    body = b'{"status":200,"data":' + httpx.Response(200, json=STATUS).content + b"}"
    fake = FakeCrm().always("mcstatus", httpx.Response(200, content=body, headers={"content-type": "text/html"}))

    async def go() -> str:
        async with fake.client(retry=NO_RETRY) as client:
            return (await client.status()).licence.installation

    assert run(go()) == "ACME CRM"


# --- no answer at all ------------------------------------------------------------------------------------------
def _connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ReadTimeout("slow"), e.Timeout),
        (httpx.ConnectTimeout("slow"), e.Timeout),
        (httpx.WriteTimeout("slow"), e.Timeout),
        (httpx.PoolTimeout("slow"), e.Timeout),
        (_connect_error(socket.gaierror(-2, "Name or service not known")), e.HostNotFound),
        (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), e.HostNotFound),
        (_connect_error(ssl.SSLCertVerificationError(1, "certificate verify failed")), e.TlsError),
        (_connect_error(ConnectionRefusedError(111, "Connection refused")), e.Unreachable),
        (httpx.ConnectError("All connection attempts failed"), e.NetworkError),
        (httpx.ReadError("connection reset"), e.NetworkError),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), e.NetworkError),
        (FetchFailed("TypeError: Failed to fetch"), e.NetworkError),
    ],
)
def test_transport_failures(exc: Exception, cls: type[e.CrmError]) -> None:
    fake = FakeCrm().always("mcstatus", exc)
    error = fail(fake, lambda c: c.status())
    assert type(error) is cls
    assert isinstance(error, e.NetworkError)


def test_the_browser_cannot_tell_cors_from_network_and_says_so() -> None:
    fake = FakeCrm().always("mcstatus", FetchFailed("TypeError: Failed to fetch"))
    error = fail(fake, lambda c: c.status())
    assert isinstance(error, e.NetworkError)
    assert error.hint == "CORS_OR_NETWORK"


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def plain_tcp_server() -> Iterator[int]:
    """A server that answers HTTP/1.0 garbage to anything: an https:// client fails its handshake."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nthis is not TLS\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    server.close()


async def _status_error(url: str) -> e.CrmError:
    async with CrmClient(url, retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(e.CrmError) as caught:
            await client.status()
        return caught.value


def test_real_socket_nothing_listening_is_unreachable(closed_port: int) -> None:
    assert type(run(_status_error(f"http://127.0.0.1:{closed_port}"))) is e.Unreachable


def test_real_socket_tls_to_a_plain_server_is_a_tls_error(plain_tcp_server: int) -> None:
    assert type(run(_status_error(f"https://localhost:{plain_tcp_server}"))) is e.TlsError


def test_every_error_class_has_its_own_stable_code() -> None:
    codes = [cls.code for cls in e.ALL_ERRORS]
    assert len(codes) == len(set(codes))
    assert all(code.isupper() and " " not in code for code in codes)
    documented = set(COMPONENT_CODES) - {"INTERNAL_ERROR"}
    assert documented <= set(codes)  # a component code the UI shows keeps its name


def test_module_listing_answer_with_a_bad_item_is_a_protocol_error() -> None:
    bad = {**CONTACTS, "idPrefix": "four"}
    fake = FakeCrm().always("mcmodules", ok([CONTACTS, bad]))
    error = fail(fake, lambda c: c.modules())
    assert type(error) is e.CrmProtocolError
    assert "1.idPrefix" in str(error)
