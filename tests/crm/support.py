"""Helpers for talking to the running local CRM over real HTTP, as a client would."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from server.crm.otp import totp
from tests.conftest import RunningCrm

GIULIA_SECRET = "JBSWY3DPEHPK3PXP"
CORS = {
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "Authorization, Content-Type",
    "access-control-allow-methods": "POST, OPTIONS",
    "access-control-allow-credentials": "true",
}


def post(crm: RunningCrm, op: str, auth: tuple[str, str] | None = None, timeout: float = 30,
         **params: Any) -> httpx.Response:
    """POST form-encoded parameters; lists/dicts are sent as JSON text (Encoded parameters)."""
    data = {k: (json.dumps(v) if isinstance(v, (list, dict)) else str(v)) for k, v in params.items()}
    return httpx.post(crm.endpoint(op), data=data, auth=auth, timeout=timeout)


def login(crm: RunningCrm, username: str, password: str | None = None, device: str = "pytest") -> Session:
    params: dict[str, Any] = {"username": username, "password": password or f"{username}123", "device": device}
    if username == "giulia":
        params["otp"] = totp(GIULIA_SECRET).now()
    r = post(crm, "mclogin", **params)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    return Session(crm, username, data["token"], data)


@dataclass
class Session:
    crm: RunningCrm
    username: str
    secret: str
    login_data: dict[str, Any]

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.secret)

    def call(self, op: str, **params: Any) -> httpx.Response:
        return post(self.crm, op, auth=self.auth, **params)

    def data(self, op: str, **params: Any) -> Any:
        r = self.call(op, **params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == 200
        return body["data"]

    def error(self, op: str, status: int, **params: Any) -> dict[str, Any]:
        r = self.call(op, **params)
        assert r.status_code == status, r.text
        body: dict[str, Any] = r.json()
        assert body["status"] == status
        return body

    def query(self, text: str) -> list[dict[str, Any]]:
        result = self.data("query", query=text)
        assert isinstance(result, list)
        return result

    def upload(self, content: bytes, filename: str = "file.bin", content_type: str = "application/octet-stream",
               chunk: int | None = None) -> str:
        start = self.data("mcupload", action="start", filename=filename, content_type=content_type,
                          size=len(content), sha256=hashlib.sha256(content).hexdigest())
        step = chunk or int(start["chunk_bytes"])
        for offset in range(0, len(content), step):
            self.chunk(str(start["upload"]), offset, content[offset:offset + step])
        return str(start["upload"])

    def chunk(self, upload: str, offset: int, data: bytes) -> httpx.Response:
        return httpx.post(self.crm.endpoint("mcupload"), auth=self.auth, timeout=30,
                          data={"action": "chunk", "upload": upload, "offset": str(offset)},
                          files={"data": ("chunk", data, "application/octet-stream")})


def new_messageid() -> str:
    return f"<{uuid.uuid4().hex}@pytest.example>"


def mail(messageid: str | None = None, subject: str = "Quarterly offer", **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "body_html": "<p>Hello <b>Mario</b>, here is the offer. Ciao, è tutto 🙂</p>",
        "body_text": "Hello Mario, here is the offer. Ciao, è tutto 🙂",
        "from": {"name": "John Smith", "address": "john.smith@example.com"},
        "to": [{"name": "Mario Rossi", "address": "mario.rossi@example.it"}],
        "cc": [],
        "date": "2026-03-02T10:15:00+01:00",
        "messageid": messageid or new_messageid(),
        **extra,
    }


def attachment(upload: str, content: bytes, filename: str = "offer.pdf",
               content_type: str = "application/pdf") -> dict[str, Any]:
    return {"upload": upload, "filename": filename, "content_type": content_type, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(), "inline": False}


def inspect(crm: RunningCrm, what: str, **query: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{crm.url}/_test/{what}", params=query, timeout=10)
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result
