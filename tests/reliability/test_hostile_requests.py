"""Requests of the wrong type at the CRM's write operations: the parameters of a body that is neither
form, multipart nor JSON are not read (as in vtenext's PHP), so the request is refused as
incomplete and nothing is created - whatever the body says."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import httpx
import pytest

from tests.reliability.support import PASSWORDS, RestartableCrm, http, inspect, sha

WRONG_TYPES = ["text/plain", "application/xml", "text/html", "application/octet-stream", "image/png", ""]


@pytest.fixture(scope="module")
def anna(restartable_crm: RestartableCrm) -> tuple[str, str]:
    restartable_crm.ensure_running()
    answer = http().post(restartable_crm.endpoint("mclogin"),
                         data={"username": "anna", "password": PASSWORDS["anna"], "device": "wrong-types"})
    return "anna", answer.json()["data"]["token"]


@pytest.mark.parametrize("content_type", WRONG_TYPES)
def test_write_operations_with_a_body_of_the_wrong_type_are_refused_and_create_nothing(
    own_crm: RestartableCrm, anna: tuple[str, str], content_type: str
) -> None:
    crm = own_crm
    auth = anna
    tag = uuid.uuid4().hex
    data = b"contenuto"
    before = len(inspect(crm, "uploads", user="anna"))

    def post(operation: str, params: dict[str, str]) -> httpx.Response:
        # the very text a form would carry, declared as something else
        return http().post(crm.endpoint(operation), auth=auth, content=urlencode(params).encode(),
                           headers={"Content-Type": content_type} if content_type else {})

    start = post("mcupload", {"action": "start", "filename": f"{tag}.txt", "content_type": "text/plain",
                              "size": str(len(data)), "sha256": sha(data)})
    assert start.status_code == 400 and start.json()["code"] == "INVALID_REQUEST"
    assert len(inspect(crm, "uploads", user="anna")) == before

    message_id = f"<wrong-type-{tag}@example.it>"
    message = {"subject": "x", "body_text": "x", "body_html": "", "from": {"name": "", "address": "a@b.it"},
               "to": [], "cc": [], "date": "2024-11-12T10:15:00+01:00", "messageid": message_id}
    link = post("mclink", {"target": "4x3", "message": json.dumps(message), "attachments": "[]"})
    assert link.status_code == 400 and link.json()["code"] == "INVALID_REQUEST"
    assert inspect(crm, "messages", messageid=message_id) == []

    # the same requests as a form are accepted: the refusal was about the type alone
    form = http().post(crm.endpoint("mclink"), auth=auth,
                       data={"target": "4x3", "message": json.dumps(message), "attachments": "[]"})
    assert form.status_code == 200 and form.json()["data"]["created"] is True
