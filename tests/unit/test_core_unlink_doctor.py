"""Undo a link and the connection doctor, in the pure core: which button shows, what one confirmation
leads to, how a refusal reads; each probe sequence and the diagnosis it leads to; which addresses
Local Network Access concerns."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from mailconnector.core import decisions
from mailconnector.core.doctor import FetchAnswer, Run, clock_skew, examine, version_tuple
from mailconnector.core.state import Diagnosis, DoctorState, Probe
from mailconnector.crm import errors as e
from mailconnector.crm.urls import address_space, blocked_by_local_network_access, host_of_origin
from mailconnector.models import LoginResult, LookupLink, Receipt, UnlinkResult
from mailconnector.ui.i18n import Translator
from mailconnector.ui.screens import pane as render
from mailconnector.ui.screens_doctor import report_text
from mailconnector.ui.vdom import El
from tests.unit.core_fakes import STATUS, mail, make_pane, settle, sign_in, status_with


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def texts(node: El | str | None) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    return " ".join(texts(c) for c in node.children)


def actions(node: El | str | None) -> list[str]:
    if node is None or isinstance(node, str):
        return []
    found = [str(v) for k, v in node.attrs if k == "data-action"]
    for child in node.children:
        found += actions(child)
    return found


def page(pane: Any, language: str = "en") -> tuple[str, list[str]]:
    tree = render(pane.state, Translator(language), datetime.now(UTC), "1.0")
    return " ".join(texts(n) for n in tree), [a for n in tree for a in actions(n)]


# --- Local Network Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "space"), [
    ("localhost", "loopback"), ("crm.localhost", "loopback"), ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"),
    ("::1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"),
    ("192.168.1.20", "private"), ("169.254.10.10", "private"), ("fd12:3456::1", "private"), ("fe80::1", "private"),
    ("crm.local", "private"), ("crm", "private"), ("0.0.0.0", "private"), ("::ffff:192.168.0.5", "private"),
    ("172.32.0.1", "public"), ("8.8.8.8", "public"), ("2001:db8::1", "public"), ("crm.example.com", "public"),
    ("crm.local.example.com", "public"),
])
def test_address_spaces(host: str, space: str) -> None:
    assert address_space(host) == space


@pytest.mark.parametrize(("crm", "origin", "blocked"), [
    ("192.168.1.20", "https://addin.example.com", True),
    ("crm.local", "https://addin.example.com:8443", True),
    ("127.0.0.1", "https://addin.example.com", True),
    ("fd00::5", "https://[2001:db8::7]", True),
    ("crm.example.com", "https://addin.example.com", False),  # public to public
    ("192.168.1.20", "https://192.168.1.10", False),  # the add-in itself is served on the local network
    ("127.0.0.1", "http://127.0.0.1:8080", False),
    ("10.0.0.2", "", False),
    ("10.0.0.2", "null", False),
])
def test_local_network_access_concerns_a_private_crm_from_a_public_pane(crm: str, origin: str, blocked: bool) -> None:
    assert blocked_by_local_network_access(crm, origin) is blocked


def test_host_of_origin() -> None:
    assert host_of_origin("https://addin.example.com:8443") == "addin.example.com"
    assert host_of_origin("https://[2001:db8::7]:443") == "2001:db8::7"
    assert host_of_origin("http://127.0.0.1") == "127.0.0.1"


def test_a_refused_request_to_a_private_crm_from_a_public_pane_gets_its_own_explanation() -> None:
    refused = e.NetworkError("fetch failed", hint="CORS_OR_NETWORK")
    message = decisions.explain_connect(refused, "https://192.168.1.20/vtenext", "https://addin.example.com")
    assert message.key == "error.LOCAL_NETWORK" and message.kwargs == {"host": "192.168.1.20"}
    assert decisions.explain_connect(refused, "crm.example.com", "https://addin.example.com").key == \
        "error.CORS_OR_NETWORK"
    assert decisions.explain_connect(refused, "https://192.168.1.20", "https://192.168.1.2").key == \
        "error.CORS_OR_NETWORK"
    timeout = e.Timeout("slow")
    assert decisions.explain_connect(timeout, "https://192.168.1.20", "https://addin.example.com").key == \
        "error.TIMEOUT"
    for language in ("en", "it"):
        text = Translator(language).message(message)
        assert "192.168.1.20" in text and "{" not in text


def test_connect_error_on_the_pane_says_local_network() -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("status", e.NetworkError("x", hint="CORS_OR_NETWORK")))
        pane.app.origin = "https://addin.example.com"
        pane.app.start(mail())
        pane.app.signin.submit_address("https://10.0.0.8", "anna")
        await settle()
        assert pane.state.connect.problem.key == "error.LOCAL_NETWORK"
        text, buttons = page(pane, "it")
        assert "10.0.0.8" in text and "doctor-open" in buttons

    run(scenario)


# --- unlink -----------------------------------------------------------------------------------------------------


def _linked_pane_on_receipt(capabilities: tuple[str, ...] | None = None) -> Any:
    async def prepare() -> Any:
        def script(client: Any) -> None:
            if capabilities is not None:
                data = STATUS.model_dump(mode="json", by_alias=True)
                data["capabilities"] = list(capabilities)
                client.defaults["status"] = type(STATUS).model_validate(data)

        pane = make_pane(script=script)
        pane.app.start(mail())
        await sign_in(pane)
        pane.app.pick_suggestion("4x10")
        pane.app.link()
        await settle()
        assert pane.state.screen == "receipt"
        return pane

    return prepare


def test_undo_from_the_receipt_confirms_once_then_says_the_mail_was_deleted_and_offers_another_record() -> None:
    async def scenario() -> None:
        pane = await _linked_pane_on_receipt()()
        text, buttons = page(pane)
        assert "unlink-receipt" in buttons
        assert pane.state.outcome.message_record == "40x1"
        pane.client.answer("receipt", Receipt.model_validate(
            {"subject": "Offerta", "attachments": [{"filename": "a.pdf", "size": 3, "sha256": "x"}],
             "links": [{"module": "Contacts", "id": "4x10", "label": "Mario Rossi"}]}))
        pane.app.unlink.from_receipt()
        assert pane.state.screen == "unlink" and pane.state.unlink.phase == "confirm"
        await settle()
        assert pane.state.unlink.others == 0 and pane.state.unlink.files == 1
        text, buttons = page(pane)
        assert Translator("en").t("unlink.deletes") in text
        assert pane.client.names().count("unlink") == 0  # nothing removed before the confirmation
        pane.app.unlink.confirm()
        await settle()
        call = pane.client.calls[[c.name for c in pane.client.calls].index("unlink")]
        assert call.args == ("40x1", "4x10")
        unlink = pane.state.unlink
        assert unlink.phase == "done" and unlink.message_deleted and pane.state.outcome is None
        text, buttons = page(pane, "it")
        assert Translator("it").t("unlink.done_deleted", module="Contact", record="Mario Rossi") in text
        assert Translator("it").plural("unlink.deleted_files", 1) in text
        assert buttons.count("unlink-elsewhere") == 1
        pane.app.unlink.link_elsewhere()
        assert pane.state.screen == "record" and pane.state.unlink is None

    run(scenario)


def test_undo_from_the_banner_keeps_the_mail_for_other_records_and_a_refusal_names_who_may() -> None:
    async def scenario() -> None:
        pane = make_pane()
        links = (LookupLink(module="Contacts", id="4x10", label="Mario Rossi", message="40x7", linked_by="Anna Rossi"),
                 LookupLink(module="Accounts", id="3x2", label="Rossi SpA", message="40x7", linked_by="Marco"))
        pane.app.start(mail())
        await sign_in(pane)
        pane.client.defaults["receipt"] = Receipt.model_validate(
            {"subject": "Offerta", "links": [{"module": link.module, "id": link.id, "label": link.label}
                                             for link in links]})
        pane.client.answer("lookup", links)
        pane.app.back_to_record()
        await settle()
        text, buttons = page(pane)
        assert buttons.count("unlink-link") == 2
        pane.client.answer("unlink", e.AccessDenied("no"))
        pane.app.unlink.from_banner("3x2")
        await settle()
        assert pane.state.unlink.message == "40x7" and pane.state.unlink.others == 1
        assert Translator("en").plural("unlink.keeps", 1) in page(pane)[0]
        pane.app.unlink.confirm()
        await settle()
        unlink = pane.state.unlink
        assert unlink.phase == "confirm" and unlink.problem.key == "unlink.denied"
        text, buttons = page(pane, "it")
        assert Translator("it").t("unlink.denied", user="Marco") in text
        pane.app.unlink.cancel()
        assert pane.state.screen == "record"

        pane.client.answer("unlink", UnlinkResult(unlinked=True, message_deleted=False))
        pane.app.unlink.from_banner("4x10")
        pane.app.unlink.confirm()
        await settle()
        assert pane.state.unlink.phase == "done" and not pane.state.unlink.message_deleted
        text, _ = page(pane)
        assert Translator("en").t("unlink.done_relation", module="Contact", record="Mario Rossi") in text
        assert pane.client.names().count("lookup") >= 3  # the banner is read again after the removal

        # removed meanwhile by someone else: the answer says nothing changed
        pane.client.answer("lookup", links)
        pane.app.unlink.link_elsewhere()
        await settle()
        pane.client.answer("unlink", UnlinkResult(unlinked=False, message_deleted=False))
        pane.app.unlink.from_banner("4x10")
        pane.app.unlink.confirm()
        await settle()
        assert Translator("en").t("unlink.done_nothing") in page(pane)[0]

    run(scenario)


def test_an_older_crm_gets_no_undo_button() -> None:
    async def scenario() -> None:
        pane = await _linked_pane_on_receipt(("lookup", "suggest", "chunked_upload", "eml", "receipt"))()
        _, buttons = page(pane)
        assert "unlink-receipt" not in buttons
        pane.app.unlink.from_receipt()
        assert pane.state.screen == "receipt"

    run(scenario)


# --- the doctor -------------------------------------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
ORIGIN = "https://addin.example.com"


class ScriptedProbe:
    def __init__(self, cors: FetchAnswer, no_cors: FetchAnswer | None = None) -> None:
        self.answers = {True: cors, False: no_cors or FetchAnswer(answered=False, error="TypeError: Failed to fetch")}
        self.sent: list[tuple[str, bool]] = []

    async def post(self, url: str, *, cors: bool, seconds: float) -> FetchAnswer:
        self.sent.append((url, cors))
        return self.answers[cors]


def status_answer(status: Any = STATUS, skew: float = 0.0) -> FetchAnswer:
    body = ('{"status":200,"data":' + status.model_dump_json(by_alias=True) + "}").encode()
    date = format_datetime(NOW + timedelta(seconds=skew), usegmt=True)
    return FetchAnswer(answered=True, status=200, headers=(("content-type", "application/json"), ("date", date)),
                       body=body)


def diagnose(url: str, probe: ScriptedProbe, signed_in: str | None = None, origin: str = ORIGIN) -> tuple[
        list[Probe], Diagnosis | None]:
    result: dict[str, Any] = {}

    def publish(probes: tuple[Probe, ...], diagnosis: Diagnosis | None, base: str) -> None:
        result.update(probes=list(probes), diagnosis=diagnosis)

    asyncio.run(examine(Run(publish), url, origin=origin, probe=probe, now=lambda: NOW,
                        signed_in=lambda: signed_in))
    return result["probes"], result["diagnosis"]


FAILED = FetchAnswer(answered=False, error="TypeError: Failed to fetch")


@pytest.mark.parametrize(("url", "probe", "signed_in", "key", "who"), [
    ("http://crm.example.com", ScriptedProbe(FAILED), None, "address", "user"),
    ("crm.example.com", ScriptedProbe(FAILED, FetchAnswer(answered=True, error="opaque")), None, "cors", "admin"),
    ("crm.example.com", ScriptedProbe(FAILED), None, "unreachable_https", "user"),
    ("127.0.0.1:9", ScriptedProbe(FAILED), None, "local_network", "admin"),  # from a public pane
    ("https://192.168.1.5", ScriptedProbe(FAILED), None, "local_network", "admin"),
    ("crm.example.com", ScriptedProbe(FetchAnswer(answered=False, error="AbortError", timed_out=True)), None,
     "timeout", "admin"),
    ("crm.example.com", ScriptedProbe(FetchAnswer(answered=True, status=400, body=b'{"status":400,"error":'
                                                  b'"RouteNotFoundException","message":"Route not found"}')),
     None, "component_missing", "admin"),
    ("crm.example.com/crm", ScriptedProbe(FetchAnswer(answered=True, status=404, body=b"Not Found",
                                                      headers=(("content-type", "text/plain"),))),
     None, "wrong_path", "user"),
    ("crm.example.com", ScriptedProbe(status_answer(STATUS.model_copy(update={"version": "0.9.2"}))), None,
     "too_old", "admin"),
    ("crm.example.com", ScriptedProbe(status_answer(status_with(state="expired"))), None, "licence_expired", "admin"),
    ("crm.example.com", ScriptedProbe(status_answer(status_with(state="inactive"))), None, "licence_inactive",
     "admin"),
    ("crm.example.com", ScriptedProbe(status_answer()), "USER_NOT_ENABLED", "user_not_enabled", "admin"),
    ("crm.example.com", ScriptedProbe(status_answer(skew=-7200)), None, "clock_skew", "user"),
    ("crm.example.com", ScriptedProbe(status_answer(skew=120)), "ok", "all_good", "user"),
])
def test_each_diagnosis(url: str, probe: ScriptedProbe, signed_in: str | None, key: str, who: str) -> None:
    probes, diagnosis = diagnose(url, probe, signed_in)
    assert diagnosis is not None and (diagnosis.key, diagnosis.who) == (key, who)
    assert any(p.outcome == "fail" for p in probes) == (key != "all_good")
    for language in ("en", "it"):
        t = Translator(language)
        doctor = DoctorState(url_text=url, origin=ORIGIN, running=False, probes=tuple(probes), diagnosis=diagnosis,
                             checked_at=NOW.isoformat())
        report = report_text(doctor, t, "1.2.3")
        assert t.t(f"doctor.{key}.title", **_params(diagnosis, t)) in report and "{" not in report


def _params(diagnosis: Diagnosis, t: Translator) -> dict[str, str]:
    from mailconnector.ui.screens_doctor import diagnosis_params

    return diagnosis_params(diagnosis, t)


def test_the_cors_diagnosis_gives_the_exact_headers_for_this_origin() -> None:
    _, diagnosis = diagnose("crm.example.com", ScriptedProbe(FAILED, FetchAnswer(answered=True, error="opaque")))
    assert diagnosis is not None
    assert diagnosis.kwargs["headers"].splitlines() == [
        "Access-Control-Allow-Origin: https://addin.example.com",
        "Access-Control-Allow-Headers: Authorization, Content-Type",
        "Access-Control-Allow-Methods: POST, OPTIONS",
    ]


def test_a_private_crm_from_a_private_pane_is_just_unreachable() -> None:
    probe = ScriptedProbe(FAILED)
    _, diagnosis = diagnose("127.0.0.1:9", probe, origin="http://127.0.0.1:8080")
    assert diagnosis is not None and diagnosis.key == "unreachable"
    assert [cors for _, cors in probe.sent] == [True, False]  # the no-cors request decides


def test_clock_and_versions() -> None:
    assert clock_skew(format_datetime(NOW + timedelta(minutes=7), usegmt=True), NOW) == 420
    assert clock_skew(None, NOW) is None and clock_skew("yesterday", NOW) is None
    assert version_tuple("1.0.0") >= (1, 0, 0) > version_tuple("0.9.12") and version_tuple("2.1-beta") == (2, 1)
    # a Date header the browser hides (not exposed) is "not checked", never a false alarm
    answer = status_answer()
    hidden = FetchAnswer(answered=True, status=200, headers=answer.headers[:1], body=answer.body)
    probes, diagnosis = diagnose("crm.example.com", ScriptedProbe(hidden))
    assert [p.outcome for p in probes if p.name == "clock"] == ["skip"] and diagnosis.key == "all_good"


def test_the_doctor_screen_from_a_connect_error_and_back() -> None:
    async def scenario() -> None:
        pane = make_pane(script=lambda c: c.answer("status", e.NetworkError("x", hint="CORS_OR_NETWORK")))
        probe = ScriptedProbe(FAILED, FetchAnswer(answered=True, error="opaque"))
        pane.app.doctor.probe = probe
        pane.app.doctor.origin = ORIGIN
        pane.app.start(mail())
        pane.app.signin.submit_address("crm.example.com", "anna")
        await settle()
        _, buttons = page(pane)
        assert "doctor-open" in buttons
        pane.app.doctor.open()
        await settle()
        doctor = pane.state.doctor
        assert pane.state.screen == "doctor" and not doctor.running and doctor.diagnosis.key == "cors"
        text, buttons = page(pane, "it")
        assert "Access-Control-Allow-Origin: https://addin.example.com" in text
        assert {"doctor-copy", "doctor-again", "doctor-back"} <= set(buttons)
        pane.app.doctor.copied(True)
        assert Translator("it").t("doctor.copied") in page(pane, "it")[0]
        pane.app.doctor.close()
        assert pane.state.screen == "connect" and pane.state.doctor is None

    run(scenario)


def test_a_session_refused_right_after_sign_in_offers_the_check_which_looks_at_the_clocks() -> None:
    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        await sign_in(pane)
        pane.client.answer("modules", e.SessionExpired("expired at once"))
        pane.client.answer("lookup", e.SessionExpired("expired at once"))
        pane.app.retry_gate()  # any signed-in call: the CRM says the new token is expired
        await settle()
        assert pane.state.screen == "password" and pane.state.connect.problem.key == "error.SESSION_EXPIRED"
        assert "doctor-open" in page(pane)[1]

    run(scenario)


def test_a_token_already_expired_by_this_computers_clock_points_at_the_clocks() -> None:
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    assert decisions.expired_on_arrival("2026-12-07 06:30:00", "Europe/Rome", now)  # 05:30 UTC
    assert not decisions.expired_on_arrival("2027-01-06 07:00:00", "Europe/Rome", now)
    assert not decisions.expired_on_arrival(None, "Europe/Rome", now)  # a token that never expires
    assert not decisions.expired_on_arrival("soon", "Europe/Rome", now)
    assert decisions.expired_on_arrival("2026-11-01 00:00:00", "No/Such_Zone", now)
    assert not decisions.expired_on_arrival("2026-12-07 12:00:00", "No/Such_Zone", now)  # could be any zone

    async def scenario() -> None:
        pane = make_pane()
        pane.app.start(mail())
        pane.app.signin.submit_address("crm.example.com", "anna")
        await settle()
        pane.client.answer("login", LoginResult.model_validate(
            {"token": "t" * 40, "expires": "2020-01-01 00:00:00",
             "user": {"id": "19x5", "username": "anna", "name": "Anna Rossi", "timezone": "Europe/Rome"}}))
        pane.app.signin.submit_password("pw")
        await settle()
        assert pane.state.screen == "record" and pane.state.problem.key == "doctor.clock_suspect"
        text, buttons = page(pane, "it")
        assert Translator("it").t("doctor.clock_suspect") in text and "doctor-open" in buttons

    run(scenario)
