"""The CRM's own web view: sign-in, record detail with linked mails, escaping, downloads."""

from __future__ import annotations

import html
import os
import re

import httpx

from tests.conftest import RunningCrm
from tests.crm.support import attachment, login, mail


def signed_in(crm: RunningCrm, username: str) -> httpx.Client:
    client = httpx.Client(base_url=crm.url, timeout=30)
    r = client.post("/index.php?action=Login", data={"username": username, "password": f"{username}123",
                                                     "next": "/index.php"})
    assert r.status_code == 303
    assert "httponly" in r.headers["set-cookie"].lower()
    return client


def test_record_view_requires_sign_in(crm: RunningCrm) -> None:
    url = "/index.php?module=Contacts&action=DetailView&record=3"
    r = httpx.get(crm.url + url)
    assert r.status_code == 200
    assert "Sign in" in r.text and "Mario" not in r.text
    assert 'name="next" value="/index.php?module=Contacts&amp;action=DetailView&amp;record=3"' in r.text
    client = httpx.Client(base_url=crm.url)
    r = client.post("/index.php?action=Login", data={"username": "anna", "password": "bad", "next": url})
    assert r.status_code == 401 and "Invalid username or password" in r.text
    r = client.post("/index.php?action=Login", data={"username": "anna", "password": "anna123", "next": url})
    assert r.status_code == 303 and r.headers["location"] == url
    page = client.get(url)
    assert page.status_code == 200 and "Mario Rossi" in page.text and "Rossi Costruzioni S.r.l." in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    client.get("/index.php?action=Logout")
    assert "Sign in" in client.get(url).text


def test_open_redirect_is_refused(crm: RunningCrm) -> None:
    r = httpx.post(crm.url + "/index.php?action=Login",
                   data={"username": "anna", "password": "anna123", "next": "https://evil.example/"})
    assert r.headers["location"] == "/index.php"


def test_permissions_apply_to_the_web_view(crm: RunningCrm) -> None:
    marco = signed_in(crm, "marco")
    r = marco.get("/index.php?module=Contacts&action=DetailView&record=3")
    assert r.status_code == 404 and "Mario" not in r.text
    sara = signed_in(crm, "sara")
    r = sara.get("/index.php?module=Accounts&action=DetailView&record=1")
    assert r.status_code == 200 and "Annual Revenue" not in r.text and "Fatturato" not in r.text


def test_hostile_text_is_escaped(crm: RunningCrm) -> None:
    anna = login(crm, "anna")
    hostile = '<img src=x onerror=alert(1)>"\'&'
    content = os.urandom(64)
    up = anna.upload(content)
    m = mail(subject=f"Re: {hostile}", body_html=f"<p>hi</p><script>alert('x')</script>{hostile}", body_text="text")
    m["from"] = {"name": hostile, "address": "evil@example.com"}
    linked = anna.data("mclink", target="4x22", message=m,
                       attachments=[attachment(up, content, filename=f"{hostile}.pdf")])
    assert isinstance(linked, dict)
    client = signed_in(crm, "anna")
    page = client.get("/index.php?module=Contacts&action=DetailView&record=22").text
    assert "<img src=x onerror" not in page and "<script>alert" not in page
    assert html.escape("<img src=x onerror=alert(1)>") in page  # the contact's hostile lastname, as text
    frame = re.search(r'<iframe sandbox="" [^>]*srcdoc="([^"]*)"', page)
    assert frame is not None
    srcdoc = html.unescape(frame.group(1))
    assert "<script" not in srcdoc and "onerror" not in srcdoc and "<p>hi</p>" in srcdoc
    # the attachment downloads as a file, never rendered as a page of the CRM's origin
    doc = linked["documents"][0].split("x")[1]
    r = client.get(f"/index.php?module=Documents&action=Download&record={doc}")
    assert r.status_code == 200 and r.content == content
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;")
    # a user who cannot see the contact cannot download its attachment either
    sara = signed_in(crm, "sara")
    assert sara.get(f"/index.php?module=Documents&action=Download&record={doc}").status_code == 404


def test_link_url_opens_the_record(crm: RunningCrm) -> None:
    anna = login(crm, "anna")
    linked = anna.data("mclink", target="2x9", message=mail(subject="Lead follow-up"), attachments=[])
    url = linked["target"]["url"]
    assert url.startswith(crm.url + "/index.php?")
    page = signed_in(crm, "anna").get(url)
    assert page.status_code == 200 and "Lead follow-up" in page.text and "Paolo Neri" in page.text
    assert "linked by Anna Rossi" in page.text
