"""A scripted CRM behind httpx.MockTransport, for the client's unit tests.

Answers are queued per operation (`fake.answer("query", ok([...]))`); each request is recorded with
its decoded parameters so tests can assert what the client sent.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

from mailconnector.crm import CrmClient, RetryPolicy
from mailconnector.crm.transport import NATIVE_BODY

BASE = "https://crm.example.com"
Answer = httpx.Response | Exception | Callable[["Sent"], "httpx.Response | Exception"]


@dataclass
class Sent:
    operation: str
    params: dict[str, str]
    files: dict[str, bytes]
    auth: tuple[str, str] | None
    request: httpx.Request


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"status": 200, "data": data})


def component_error(status: int, code: str, message: str = "") -> httpx.Response:
    return httpx.Response(
        status,
        json={"status": status, "error": "MailConnectorException", "code": code, "message": message or code},
    )


def stock_error(message: str) -> httpx.Response:
    return httpx.Response(500, json={"status": 500, "error": "WebServiceException", "message": message})


def invalid_login(reason: str = "Invalid user") -> httpx.Response:
    return httpx.Response(
        401,
        json={
            "status": 401,
            "error": "InvalidLoginException",
            "message": f"Authentication failed - reason: {reason}",
        },
    )


def route_not_found() -> httpx.Response:
    return httpx.Response(400, json={"status": 400, "error": "RouteNotFoundException", "message": "Route not found"})


def decode_params(request: httpx.Request) -> tuple[dict[str, str], dict[str, bytes]]:
    native = request.extensions.get(NATIVE_BODY)
    if native is not None:  # a HeldSource's chunk body (in the browser: a FormData with a Blob slice)
        fields, data = native
        return dict(fields), {"data": data}
    content_type = request.headers.get("content-type", "")
    body = request.read()
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        params: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_param("filename", header="content-disposition") is not None:
                files[str(name)] = payload
            else:
                params[str(name)] = payload.decode("utf-8")
        return params, files
    if not body:
        return {}, {}
    parsed = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=True)
    return {k: v[-1] for k, v in parsed.items()}, {}


def basic_auth(request: httpx.Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    assert scheme == "Basic"
    user, _, secret = base64.b64decode(encoded).decode().partition(":")
    return user, secret


@dataclass
class FakeCrm:
    answers: dict[str, deque[Answer]] = field(default_factory=lambda: defaultdict(deque))
    defaults: dict[str, Answer] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def answer(self, operation: str, *answers: Answer) -> FakeCrm:
        """Queue answers, used in order; the last one of the queue is not repeated."""
        self.answers[operation].extend(answers)
        return self

    def always(self, operation: str, answer: Answer) -> FakeCrm:
        self.defaults[operation] = answer
        return self

    def calls(self, operation: str | None = None) -> list[Sent]:
        return [s for s in self.sent if operation is None or s.operation == operation]

    def handler(self, request: httpx.Request) -> httpx.Response:
        prefix = "/restapi/v1/vtews/"
        assert request.method == "POST", request.method
        assert request.url.path.startswith(prefix), request.url.path
        operation = request.url.path[len(prefix) :]
        params, files = decode_params(request)
        sent = Sent(operation, params, files, basic_auth(request), request)
        self.sent.append(sent)
        queue = self.answers[operation]
        answer = queue.popleft() if queue else self.defaults.get(operation)
        if answer is None:
            raise AssertionError(f"unexpected call to {operation} with {params}")
        if callable(answer) and not isinstance(answer, httpx.Response | Exception):
            answer = answer(sent)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, *, signed_in: bool = True, **kwargs: Any) -> CrmClient:
        kwargs.setdefault("retry", RetryPolicy(attempts=3, first_delay=0.5))
        client = CrmClient(BASE, transport=httpx.MockTransport(self.handler), sleep=self.sleep, **kwargs)
        if signed_in:
            client.set_credentials("anna", "token-1")
        return client


def encoded(sent: Sent, name: str) -> Any:
    """An *Encoded* parameter decoded back from its JSON text."""
    return json.loads(sent.params[name])


STATUS = {
    "component": "mailconnector",
    "version": "1.0.0",
    "crm": {"product": "vtenext", "version": "24.08.02"},
    "capabilities": ["lookup", "suggest", "chunked_upload", "eml", "receipt"],
    "licence": {"state": "active", "installation": "ACME CRM", "expires": "2027-03-31"},
    "auth": {"methods": ["password"], "otp": False},
    "limits": {"max_file_bytes": 26214400, "max_message_bytes": 52428800, "chunk_bytes": 1048576},
}

LOGIN = {
    "token": "tok-" + "x" * 40,
    "expires": None,
    "user": {
        "id": "19x5",
        "username": "anna",
        "name": "Anna Bianchi",
        "email": "anna@example.it",
        "language": "it_it",
        "timezone": "Europe/Rome",
    },
}

CONTACTS = {
    "name": "Contacts",
    "label": "Contatti",
    "singular": "Contatto",
    "idPrefix": "4",
    "labelFields": ["firstname", "lastname"],
    "searchFields": ["firstname", "lastname", "email"],
    "emailFields": ["email", "secondaryemail"],
    "canLink": True,
}

CONTACTS_DESCRIBE = {
    "label": "Contatti",
    "name": "Contacts",
    "idPrefix": "4",
    "isEntity": True,
    "createable": True,
    "updateable": True,
    "deleteable": True,
    "retrieveable": True,
    "labelFields": "firstname,lastname",
    "fields": [
        {"name": "contact_no", "label": "N.", "type": {"name": "autogenerated"}},
        {"name": "firstname", "label": "Nome", "type": {"name": "string"}},
        {"name": "lastname", "label": "Cognome", "type": {"name": "string"}},
        {"name": "email", "label": "Email", "type": {"name": "email"}},
        {"name": "secondaryemail", "label": "Email 2", "type": {"name": "email"}},
        {"name": "account_id", "label": "Azienda", "type": {"name": "reference", "refersTo": ["Accounts"]}},
        {"name": "assigned_user_id", "label": "Assegnato a", "type": {"name": "owner"}},
        {"name": "id", "label": "id", "type": {"name": "autogenerated"}},
    ],
}
