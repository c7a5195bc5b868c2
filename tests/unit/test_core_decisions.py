"""Pure decisions of the pane: address feedback, errors as messages, gate, preflight, receipt check."""

from __future__ import annotations

import pytest

from mailconnector.core import decisions
from mailconnector.core.receipt_check import SentContent
from mailconnector.core.state import CrmInfo, StoredFile, Target
from mailconnector.crm import errors as e
from mailconnector.models import LinkResult, Receipt, Suggestion
from tests.unit.core_fakes import attachment, mail, status_with

CRM = CrmInfo(base="https://crm.example.com", host="crm.example.com", installation="ACME", product="vtenext",
              version="24.08", component_version="1.0.0", otp=False, max_message_bytes=1000,
              max_file_bytes=600, capabilities=("eml",))


@pytest.mark.parametrize(
    ("typed", "base", "problem"),
    [("crm.example.com", "https://crm.example.com", ""),
     ("https://crm.example.com/vtenext/index.php?module=Home", "https://crm.example.com/vtenext", ""),
     ("http://localhost:8001/", "http://localhost:8001", ""),
     ("http://crm.example.com", "", "HTTP_NOT_ALLOWED"),
     ("ftp://crm.example.com", "", "SCHEME")],
)
def test_url_feedback(typed: str, base: str, problem: str) -> None:
    feedback = decisions.url_feedback(typed)
    assert (feedback.base, feedback.problem, feedback.ok) == (base, problem, not problem)


@pytest.mark.parametrize(
    ("error", "key"),
    [(e.NetworkError("x", hint="CORS_OR_NETWORK"), "error.CORS_OR_NETWORK"),
     (e.NetworkError("x"), "error.NETWORK_ERROR"),
     (e.Timeout("x"), "error.TIMEOUT"),
     (e.InsecureUrl("x", reason="HTTP_NOT_ALLOWED"), "url.HTTP_NOT_ALLOWED"),
     (e.AccessDenied("x", server_message="Permission to write is denied"), "error.ACCESS_DENIED"),
     (RuntimeError("bug"), "error.UNEXPECTED")],
)
def test_explain(error: Exception, key: str) -> None:
    assert decisions.explain(error).key == key


def test_crm_text_is_kept_as_detail_for_refusals() -> None:
    message = decisions.explain(e.AccessDenied("x", server_message="Permission to write is denied"))
    assert message.detail == "Permission to write is denied"


def test_gates() -> None:
    assert decisions.gate_for_status(status_with(state="active")) is None
    assert decisions.gate_for_status(status_with(state="inactive")) == "licence_inactive"
    assert decisions.gate_for_status(status_with(state="expired")) == "licence_expired"
    assert decisions.gate_for_error(e.UserNotEnabled("x")) == "user_not_enabled"
    assert decisions.gate_for_error(e.ComponentMissing("x")) == "component_missing"
    assert decisions.gate_for_error(e.InvalidCredentials("x")) is None


def test_record_url_opens_the_detail_view() -> None:
    assert (decisions.record_url("https://crm.example.com/vt", "HelpDesk", "9x1042")
            == "https://crm.example.com/vt/index.php?module=HelpDesk&action=DetailView&record=1042")


def test_suggestions_drop_the_users_own_address_and_duplicates() -> None:
    own = Suggestion(module="Contacts", id="4x1", label="Anna", email="Anna.Rossi@acme-crm.example", matched="x")
    other = Suggestion(module="Contacts", id="4x2", label="Mario", email="m@example.it", matched="m@example.it")
    assert decisions.suggestions_for(mail(), (own, other, other)) == (other,)


def test_preflight_lists_body_files_cloud_links_and_what_cannot_be_copied() -> None:
    m = mail(attachments=(attachment("a.pdf", 100), attachment("big.bin", 700),
                          attachment("Fwd", 50, kind="item", content_type="message/rfc822"),
                          attachment("c.docx", 10**8, kind="cloud")))
    items = decisions.preflight(m, attachments_supported=True, eml_supported=True, crm=CRM)
    assert [(i.kind, i.name, i.plan, i.reason) for i in items] == [
        ("body", "", "copy", ""),
        ("file", "a.pdf", "copy", ""),
        ("file", "big.bin", "skip", "preflight.reason.too_large"),
        ("item", "Fwd", "copy", ""),
        ("cloud", "c.docx", "link", "preflight.reason.cloud"),
        ("eml", "", "copy", ""),
    ]
    assert items[0].size == len("<p>Buongiorno</p>") + len("Buongiorno")
    assert decisions.too_large(items, CRM) is None
    big = decisions.preflight(mail(attachments=(attachment("a", 500), attachment("b", 500))),
                              attachments_supported=True, eml_supported=False, crm=CRM)
    problem = decisions.too_large(big, CRM)
    assert problem is not None and problem.key == "preflight.too_large"
    # a CRM without the eml capability is not asked to store one
    no_eml = CrmInfo(**{**CRM.__dict__, "capabilities": ()})
    assert [i.kind for i in decisions.preflight(mail(), attachments_supported=True, eml_supported=True,
                                                crm=no_eml)] == ["body"]


def _result(created: bool, linked: bool) -> LinkResult:
    return LinkResult.model_validate({"message": "40x1", "created": created, "linked": linked,
                                      "target": {"module": "Contacts", "id": "4x10", "label": "Mario Rossi",
                                                 "url": ""}})


def test_outcome_checks_the_receipt_against_what_was_sent() -> None:
    target = Target(module="Contacts", module_label="Contact", id="4x10", label="Mario Rossi")
    abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256 of b"abc" (FIPS 180-2)
    receipt = Receipt.model_validate({"subject": "S", "body_html_bytes": 3, "body_html_sha256": abc,
                                      "body_text_bytes": 3, "body_text_sha256": abc,
                                      "attachments": [{"filename": "a.pdf", "size": 3, "sha256": abc}]})
    sent = SentContent(files=(StoredFile("a.pdf", 3, abc),), body_html="abc", body_text="abc")
    good = decisions.outcome(target, _result(True, True), receipt, sent=sent, skipped=(),
                             base="https://crm.example.com")
    assert good.verified and good.mismatch == () and good.mismatch_parts == ()
    assert good.record_url == "https://crm.example.com/index.php?module=Contacts&action=DetailView&record=10"
    assert good.body_bytes == 6
    same_size_other_bytes = SentContent(files=(StoredFile("a.pdf", 3, "0" * 64),), body_html="abc", body_text="abc")
    bad = decisions.outcome(target, _result(True, True), receipt, sent=same_size_other_bytes, skipped=(),
                            base="https://crm.example.com")
    assert not bad.verified and bad.mismatch == ("a.pdf",)
    relink = decisions.outcome(target, _result(False, False), receipt, sent=SentContent(), skipped=(),
                               base="https://crm.example.com")
    assert relink.already_linked and relink.verified
