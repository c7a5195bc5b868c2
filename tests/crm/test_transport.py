"""Transport and envelopes (protocol §1-2): methods, CORS, parameters, limits, error shapes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.crm.support import CORS, login, post
from tests.support.processes import ServerProcess, free_port, python_module


def assert_headers_once(response: httpx.Response) -> None:
    for name, value in CORS.items():
        assert response.headers.get_list(name) == [value], name
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_success_envelope_and_headers(crm: RunningCrm) -> None:
    r = post(crm, "mcstatus")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == 200
    data = body["data"]
    assert data["component"] == "mailconnector"
    assert data["version"] == "1.0.0"
    assert data["crm"] == {"product": "vtenext", "version": "24.08.02"}
    assert data["licence"] == {"state": "active", "installation": "ACME CRM", "expires": "2027-03-31"}
    assert data["auth"] == {"methods": ["password"], "otp": False}
    assert set(data["limits"]) == {"max_file_bytes", "max_message_bytes", "chunk_bytes"}
    assert "seats" not in json.dumps(data)
    assert_headers_once(r)


def test_mcstatus_tells_when_the_named_user_needs_a_code(crm: RunningCrm) -> None:
    assert post(crm, "mcstatus", username="giulia").json()["data"]["auth"]["otp"] is True
    assert post(crm, "mcstatus", username="anna").json()["data"]["auth"]["otp"] is False


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_route_not_found(crm: RunningCrm, method: str) -> None:
    r = httpx.request(method, crm.endpoint("mcstatus"))
    assert r.status_code == 400
    assert r.json()["status"] == 400
    assert r.json()["error"] == "RouteNotFoundException"
    assert_headers_once(r)


def test_options_is_an_empty_200_with_cors(crm: RunningCrm) -> None:
    for op in ("query", "mclink", "nosuchoperation"):
        r = httpx.options(crm.endpoint(op), headers={"Origin": "https://addin.example",
                                                     "Access-Control-Request-Method": "POST"})
        assert r.status_code == 200
        assert r.content == b""
        assert_headers_once(r)


def test_unknown_operation(crm: RunningCrm) -> None:
    r = post(crm, "nosuchoperation")
    assert r.status_code == 400
    assert r.json()["error"] == "RouteNotFoundException"
    assert_headers_once(r)


def test_webservice_error_envelope(crm: RunningCrm) -> None:
    s = login(crm, "anna")
    r = s.call("describe", elementType="NoSuchModule")
    assert r.status_code == 500
    assert r.json() == {"status": 500, "error": "WebServiceException",
                        "message": "Permission to perform the operation is denied for name"}
    assert_headers_once(r)


def test_401_envelopes_and_no_browser_prompt(crm: RunningCrm) -> None:
    r = post(crm, "describe", auth=("anna", "not-a-token"), elementType="Contacts")
    assert r.status_code == 401
    body = r.json()
    assert body["error"] == "InvalidLoginException"
    assert body["message"].startswith("Authentication failed - reason: ")
    assert "www-authenticate" not in r.headers  # a browser must not pop up its own dialog
    assert_headers_once(r)
    r = post(crm, "describe", elementType="Contacts")
    assert r.status_code == 401
    assert r.json()["error"] == "InvalidLoginException"
    r = post(crm, "mcmodules")
    assert r.status_code == 401
    assert r.json() == {"status": 401, "error": "MailConnectorException", "code": "AUTHENTICATION_REQUIRED",
                        "message": r.json()["message"]}
    r = post(crm, "mcmodules", auth=("anna", "not-a-token"))
    assert r.status_code == 401
    assert r.json()["code"] == "SESSION_EXPIRED"


def test_parameters_from_json_body_with_encoded_text(crm: RunningCrm) -> None:
    s = login(crm, "anna")
    r = httpx.post(crm.endpoint("listtypes"), auth=s.auth, json={"fieldTypeList": json.dumps(["email"])})
    assert r.status_code == 200
    assert "Potentials" not in r.json()["data"]["types"]
    assert "Contacts" in r.json()["data"]["types"]
    # an Encoded parameter given as a JSON object instead of JSON text is malformed
    r = httpx.post(crm.endpoint("mcsuggest"), auth=s.auth, json={"addresses": ["mario.rossi@example.it"]})
    assert r.status_code == 400
    assert r.json()["code"] == "INVALID_REQUEST"


def test_parameters_from_multipart_and_query_string_first(crm: RunningCrm) -> None:
    s = login(crm, "anna")
    r = httpx.post(crm.endpoint("describe"), auth=s.auth, files={"elementType": (None, "Leads")})
    assert r.json()["data"]["name"] == "Leads"
    r = httpx.post(crm.endpoint("describe") + "?elementType=Accounts", auth=s.auth, data={"elementType": "Leads"})
    assert r.json()["data"]["name"] == "Accounts"


def test_missing_parameter_is_empty(crm: RunningCrm) -> None:
    s = login(crm, "anna")
    r = s.call("describe")
    assert r.status_code == 500
    assert r.json()["message"] == "Permission to perform the operation is denied for name"
    assert s.data("mcsuggest") == []


@pytest.mark.parametrize("body,ctype", [
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"--x\r\nbroken", "multipart/form-data"),
    (b"\xff\xfe=\xff", "application/x-www-form-urlencoded"),
])
def test_malformed_bodies_get_an_envelope_not_a_trace(crm: RunningCrm, body: bytes, ctype: str) -> None:
    s = login(crm, "anna")
    r = httpx.post(crm.endpoint("mcsuggest"), auth=s.auth, content=body, headers={"Content-Type": ctype})
    assert r.status_code == 400
    assert r.json()["code"] == "INVALID_REQUEST"
    assert "Traceback" not in r.text
    r = httpx.post(crm.endpoint("describe"), auth=s.auth, content=body, headers={"Content-Type": ctype})
    assert r.status_code == 500
    assert r.json()["error"] == "WebServiceException"
    assert "Traceback" not in r.text


def test_oversized_request_gets_the_documented_envelope(crm: RunningCrm) -> None:
    s = login(crm, "anna")
    limit = 16 * 1024 * 1024 + 256 * 1024  # the documented minimum request limit
    big = b"x" * (limit + 1024)
    r = httpx.post(crm.endpoint("mcupload"), auth=s.auth, content=big,
                   headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert r.status_code == 413
    assert r.json()["code"] == "TOO_LARGE"
    r = httpx.post(crm.endpoint("query"), auth=s.auth, content=big,
                   headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert r.status_code == 413
    assert r.json()["error"] == "WebServiceException"
    assert_headers_once(r)


def test_test_endpoints_exist_only_in_test_mode(crm: RunningCrm) -> None:
    assert httpx.get(f"{crm.url}/_test/messages").status_code == 200


def test_test_endpoints_are_absent_without_test_mode(tmp_path: Path) -> None:
    port = free_port()
    proc = ServerProcess(python_module("server.crm", "serve", "--host", "127.0.0.1", "--port", str(port),
                                       "--db", str(tmp_path / "crm.sqlite3")), tmp_path / "crm.log")
    url = f"http://127.0.0.1:{port}"
    try:
        proc.wait_ready(lambda: httpx.post(f"{url}/restapi/v1/vtews/mcstatus", timeout=2).status_code == 200)
        for path in ("/_test/messages", "/_test/uploads", "/_test/faults"):
            assert httpx.get(url + path).status_code == 404
        assert httpx.post(f"{url}/_test/faults", json={"operation": "mclink", "fault": "http_500"}).status_code == 404
        assert httpx.post(f"{url}/restapi/v1/vtews/mcstatus").status_code == 200
    finally:
        proc.stop()
