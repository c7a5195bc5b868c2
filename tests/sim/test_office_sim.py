"""The simulated Outlook host alone, in Chromium: what it shows for each fixture equals what
Python's email package reads from the same file, and it behaves like Office.js where the pane can
tell (asynchrony, AsyncResult, requirement sets, failures, item switching)."""

from __future__ import annotations

import base64
import email
import email.utils
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page

from tests.fixtures.make_large import MB, build_large_eml, expected_sha256
from tests.sim.conftest import EML_DIR, SimSite
from tests.sim.expected import ExpectedMail, expected_mail, parse

pytestmark = pytest.mark.browser

FIXTURES = sorted(p.name for p in EML_DIR.glob("*.eml"))


def load(page: Page, name: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("(url) => OfficeSim.loadEmlUrl(url)", f"/dev/fixtures/{name}")
    return result


def delivered_ms(path: Path, date_ms: int | None) -> int:
    received = email.message_from_bytes(path.read_bytes()).get("Received")
    if received and ";" in received:
        moment = int(email.utils.parsedate_to_datetime(received.rsplit(";", 1)[1].strip()).timestamp() * 1000)
        if moment != date_ms:
            return moment
    assert date_ms is not None
    return date_ms + 137_000


def item_view(page: Page) -> dict[str, Any]:
    """Everything the pane can read synchronously from the current item."""
    view: dict[str, Any] = page.evaluate(
        """() => {
          const it = Office.context.mailbox.item;
          const addr = (a) => a ? [a.displayName, a.emailAddress] : null;
          return {
            itemType: it.itemType, itemId: it.itemId, subject: it.subject,
            from: addr(it.from), sender: addr(it.sender),
            to: it.to.map(addr), cc: it.cc.map(addr),
            toTypes: it.to.map((a) => a.recipientType),
            created: it.dateTimeCreated instanceof Date ? it.dateTimeCreated.getTime() : 'not a Date',
            modified: it.dateTimeModified instanceof Date ? it.dateTimeModified.getTime() : 'not a Date',
            internetMessageId: it.internetMessageId === undefined ? null : it.internetMessageId,
            conversationId: it.conversationId,
            attachments: it.attachments.map((a) => ({...a})),
          };
        }"""
    )
    return view


def body(page: Page, coercion: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        "(c) => officeCall((cb) => Office.context.mailbox.item.body.getAsync(c, cb))", coercion
    )
    return result


def attachment_content(
    page: Page, attachment_id: str, item_expr: str = "Office.context.mailbox.item"
) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        f"(id) => {{ const item = {item_expr}; return officeCall((cb) => item.getAttachmentContentAsync(id, cb)); }}",
        attachment_id,
    )
    return result


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_reads_as_python_email_reads_it(sim: Page, name: str) -> None:
    expected: ExpectedMail = expected_mail(EML_DIR / name)
    load(sim, name)
    view = item_view(sim)

    assert view["itemType"] == "message"
    assert view["subject"] == expected.subject
    assert tuple(view["from"]) == expected.from_
    assert tuple(view["sender"]) == expected.sender
    assert [tuple(a) for a in view["to"]] == expected.to
    assert [tuple(a) for a in view["cc"]] == expected.cc
    # dateTimeCreated is when the mailbox got the item (the newest Received header here), never the Date header
    # (learn.microsoft.com "Office.MessageRead"); the sim's default delivery delay where nothing says when.
    assert view["created"] == delivered_ms(EML_DIR / name, expected.date_ms)
    assert view["created"] != expected.date_ms
    assert view["modified"] == expected.date_ms
    assert view["internetMessageId"] == expected.message_id
    assert view["itemId"] and view["conversationId"]

    html = body(sim, "html")
    text = body(sim, "text")
    assert html["status"] == text["status"] == "succeeded"
    assert html["sync"] is False and text["sync"] is False
    if expected.html is not None:
        assert html["value"] == expected.html
    else:  # Outlook gives an HTML rendering of a text-only mail
        assert "<html" in html["value"] and "<script" not in html["value"]
    if expected.text is not None:
        assert text["value"] == expected.text
    else:
        assert text["value"].strip()

    attachments = view["attachments"]
    assert [a["name"] for a in attachments] == [e.name for e in expected.attachments]
    for shown, wanted in zip(attachments, expected.attachments, strict=True):
        assert shown["contentType"] == wanted.content_type
        assert shown["attachmentType"] == wanted.kind
        assert shown["isInline"] is wanted.is_inline
        assert shown.get("contentId") == wanted.content_id
        content = attachment_content(sim, shown["id"])
        assert content["status"] == "succeeded", content
        value = content["value"]
        if wanted.kind == "item" and wanted.text is not None:
            # an attached calendar item: iCalendar text (learn.microsoft.com "Office.AttachmentContent")
            assert value["format"] == "iCalendar"
            assert value["content"] == wanted.text
        elif wanted.kind == "item":
            assert value["format"] == "eml"
            inner = parse(value["content"].encode("utf-8"))
            assert wanted.message is not None
            assert str(inner["subject"]) == str(wanted.message["subject"])
            assert str(inner["message-id"]) == str(wanted.message["message-id"])
            inner_text = inner.get_body(preferencelist=("plain",))
            wanted_text = wanted.message.get_body(preferencelist=("plain",))
            assert inner_text is not None and wanted_text is not None
            assert inner_text.get_content() == wanted_text.get_content()
            assert shown["size"] == len(value["content"].encode("utf-8"))
        else:  # every file, a .ics file too
            assert value["format"] == "base64"
            assert base64.b64decode(value["content"]) == wanted.data
            assert shown["size"] == len(wanted.data)


@pytest.mark.parametrize("name", ["several-attachments.eml", "non-ascii-names.eml", "folded-lf-only.eml"])
def test_get_as_file_returns_the_original_bytes(sim: Page, name: str) -> None:
    load(sim, name)
    result = sim.evaluate("() => officeCall((cb) => Office.context.mailbox.item.getAsFileAsync(cb))")
    assert result["status"] == "succeeded" and result["sync"] is False
    assert base64.b64decode(result["value"]) == (EML_DIR / name).read_bytes()


def test_office_is_ready_like_office_js(sim: Page) -> None:
    assert sim.evaluate("window.contextBeforeReady") == "undefined"
    assert sim.evaluate("window.initializeReason") == "documentOpened"
    assert sim.evaluate("window.onReadyCallbackInfo") == {"host": "Outlook", "platform": "OfficeOnline"}
    assert sim.evaluate("Office.onReady()") == {"host": "Outlook", "platform": "OfficeOnline"}
    enums = sim.evaluate(
        """() => [Office.AsyncResultStatus.Failed, Office.CoercionType.Html, Office.EventType.ItemChanged,
                  Office.MailboxEnums.AttachmentContentFormat.ICalendar, Office.MailboxEnums.AttachmentType.Cloud,
                  Office.MailboxEnums.ItemType.Message]"""
    )
    assert enums == ["failed", "html", "olkItemSelectedChanged", "iCalendar", "cloud", "message"]
    context = sim.evaluate(
        """() => ({lang: Office.context.displayLanguage, theme: Office.context.officeTheme,
                   user: {...Office.context.mailbox.userProfile}, host: {...Office.context.mailbox.diagnostics}})"""
    )
    assert context["lang"] == "en-US"
    assert set(context["theme"]) >= {
        "bodyBackgroundColor",
        "bodyForegroundColor",
        "controlBackgroundColor",
        "controlForegroundColor",
    }
    assert context["user"]["emailAddress"] == "anna.rossi@acme-crm.example"
    assert context["user"]["displayName"] == "Anna Rossi"
    assert context["host"]["hostName"] == "OutlookWebApp"
    # Without a preset, a sample mail is open so the pane has something to show.
    assert sim.evaluate("Office.context.mailbox.item.subject")


def test_async_result_carries_async_context_and_never_calls_back_synchronously(sim: Page) -> None:
    result = sim.evaluate(
        """() => officeCall((cb) => Office.context.mailbox.item.body.getAsync(
                 Office.CoercionType.Text, {asyncContext: {mail: 7}}, cb))"""
    )
    assert result["status"] == "succeeded"
    assert result["asyncContext"] == {"mail": 7}
    assert result["sync"] is False
    assert result["keys"] == ["asyncContext", "status", "value"]
    failed = sim.evaluate("() => officeCall((cb) => Office.context.mailbox.item.getAttachmentContentAsync('nope', cb))")
    assert failed["keys"] == ["error", "status", "value"]
    assert failed["value"] is None
    assert failed["error"] == {"code": 9003, "name": "InvalidAttachmentId", "message": "The attachment ID was invalid."}
    with pytest.raises(Exception, match="callback"):
        sim.evaluate("() => Office.context.mailbox.item.body.getAsync('text')")
    with pytest.raises(Exception, match="coercionType"):
        sim.evaluate("() => Office.context.mailbox.item.body.getAsync('rtf', () => {})")


@pytest.mark.parametrize(
    ("version", "attachment_api", "file_api"),
    [("1.5", False, False), ("1.8", True, False), ("1.13", True, False), ("1.14", True, True)],
)
def test_methods_of_higher_requirement_sets_are_missing(
    sim: Page, version: str, attachment_api: bool, file_api: bool
) -> None:
    sim.evaluate("(v) => OfficeSim.configure({maxMailbox: v})", version)
    shape = sim.evaluate(
        """() => { const it = Office.context.mailbox.item, req = Office.context.requirements;
                   return [typeof it.getAttachmentContentAsync, typeof it.getAsFileAsync, typeof it.body.getAsync,
                           req.isSetSupported('Mailbox', '1.5'), req.isSetSupported('Mailbox', '1.8'),
                           req.isSetSupported('Mailbox', '1.14'), req.isSetSupported('mailbox'),
                           req.isSetSupported('Mailbox', '1.15'), req.isSetSupported('WordApi', '1.1')]; }"""
    )
    function_or_missing = {True: "function", False: "undefined"}
    assert shape == [
        function_or_missing[attachment_api],
        function_or_missing[file_api],
        "function",
        True,
        attachment_api,
        file_api,
        True,
        False,
        False,
    ]


def test_url_parameters_preset_the_mail_language_theme_and_requirement_set(
    open_sim: Callable[[str], Page],
) -> None:
    page = open_sim("?eml=/dev/fixtures/non-ascii-names.eml&lang=it-IT&theme=dark&mailbox=1.8&failEml=1")
    expected = expected_mail(EML_DIR / "non-ascii-names.eml")
    state = page.evaluate(
        """() => ({subject: Office.context.mailbox.item.subject, lang: Office.context.displayLanguage,
                   bg: Office.context.officeTheme.bodyBackgroundColor,
                   file: typeof Office.context.mailbox.item.getAsFileAsync,
                   content: typeof Office.context.mailbox.item.getAttachmentContentAsync})"""
    )
    assert state == {
        "subject": expected.subject,
        "lang": "it-IT",
        "bg": "#292929",
        "file": "undefined",
        "content": "function",
    }


def test_failures_are_injected_per_attachment_and_for_the_eml(sim: Page) -> None:
    load(sim, "several-attachments.eml")
    attachments = item_view(sim)["attachments"]
    by_name = {a["name"]: a["id"] for a in attachments}
    sim.evaluate(
        """(ids) => OfficeSim.configure({failures: {'Offerta-2024-117.pdf': true, [ids.png]: {code: 9043},
                                          'invito.ics': {code: 9041, message: 'offline'}},
                                         getAsFileFails: true, bodyFails: {html: 9042}})""",
        {"png": by_name["campione.png"]},
    )
    pdf = attachment_content(sim, by_name["Offerta-2024-117.pdf"])
    assert pdf["status"] == "failed"
    assert pdf["error"] == {
        "code": 9054,
        "name": "AttachmentDownloadFailed",
        "message": "Downloading the attachment failed.",
    }
    png = attachment_content(sim, by_name["campione.png"])
    assert png["error"]["code"] == 9043 and png["error"]["name"] == "AttachmentTypeNotSupported"
    ics = attachment_content(sim, by_name["invito.ics"])
    assert ics["error"] == {"code": 9041, "name": "NetworkError", "message": "offline"}
    xlsx = attachment_content(sim, by_name["Listino prezzi.xlsx"])
    assert xlsx["status"] == "succeeded"
    eml = sim.evaluate("() => officeCall((cb) => Office.context.mailbox.item.getAsFileAsync(cb))")
    assert eml["status"] == "failed" and eml["error"]["code"] == 9020
    assert body(sim, "html")["error"]["code"] == 9042
    assert body(sim, "text")["status"] == "succeeded"


def test_item_changed_replaces_the_item_object(sim: Page) -> None:
    load(sim, "plain-text.eml")
    events = sim.evaluate(
        """async () => {
             window.events = [];
             window.oldItem = Office.context.mailbox.item;
             await officeCall((cb) => Office.context.mailbox.addHandlerAsync(
               Office.EventType.ItemChanged, (args) => window.events.push(args.type), cb));
             await OfficeSim.loadEmlUrl('/dev/fixtures/several-attachments.eml');
             await new Promise((r) => setTimeout(r, 20));
             return window.events;
           }"""
    )
    assert events == ["olkItemSelectedChanged"]
    state = sim.evaluate(
        """() => ({same: window.oldItem === Office.context.mailbox.item, old: window.oldItem.subject,
                   now: Office.context.mailbox.item.subject})"""
    )
    assert state == {"same": False, "old": "Riepilogo telefonata", "now": "Offerta 2024-117 con allegati"}


def test_calls_on_a_replaced_item_behave_like_the_host(sim: Page) -> None:
    """Office.js item methods talk to whatever item the host has selected now: an old attachment id
    is invalid there, and a call in flight across the switch fails with 9030."""
    load(sim, "several-attachments.eml")
    old_id = sim.evaluate("() => { window.oldItem = Office.context.mailbox.item; return oldItem.attachments[0].id; }")
    load(sim, "plain-text.eml")
    stale = attachment_content(sim, old_id, item_expr="window.oldItem")
    assert stale["error"]["code"] == 9003
    stale_body = sim.evaluate("() => officeCall((cb) => window.oldItem.body.getAsync('text', cb))")
    assert stale_body["value"] == expected_mail(EML_DIR / "plain-text.eml").text  # the NEW mail's body

    in_flight = sim.evaluate(
        """async () => {
             OfficeSim.configure({delays: {default: 'hold'}});
             const item = Office.context.mailbox.item;
             const pending = officeCall((cb) => item.body.getAsync('text', cb));
             await OfficeSim.loadEmlUrl('/dev/fixtures/html-inline-image.eml');
             OfficeSim.configure({delays: {}});
             if (OfficeSim.release() !== 1) throw new Error('the body call was not held');
             return pending;
           }"""
    )
    assert in_flight["error"] == {
        "code": 9030,
        "name": "APICallFailedDueToItemChange",
        "message": "The selected item has been changed.",
    }


@pytest.mark.parametrize(("mode", "code"), [("serve", None), ("fail", 9030)])
def test_stale_item_modes(sim: Page, mode: str, code: int | None) -> None:
    sim.evaluate("(m) => OfficeSim.configure({staleItemCalls: m})", mode)
    load(sim, "several-attachments.eml")
    old_id = sim.evaluate("() => { window.oldItem = Office.context.mailbox.item; return oldItem.attachments[0].id; }")
    load(sim, "plain-text.eml")
    result = attachment_content(sim, old_id, item_expr="window.oldItem")
    if code is None:
        assert result["status"] == "succeeded"
        assert base64.b64decode(result["value"]["content"]).startswith(b"%PDF")
    else:
        assert result["error"]["code"] == code


def test_reselect_and_select_none(sim: Page) -> None:
    first = load(sim, "plain-text.eml")
    load(sim, "sent-by-user.eml")
    assert sim.evaluate("() => OfficeSim.selectNone()") is None
    assert sim.evaluate("Office.context.mailbox.item") is None
    again = sim.evaluate("(id) => OfficeSim.reselect(id)", first["itemId"])
    assert again["itemId"] == first["itemId"]
    assert sim.evaluate("Office.context.mailbox.item.subject") == "Riepilogo telefonata"


def test_same_mail_same_ids_and_threads_share_a_conversation(sim: Page) -> None:
    a = load(sim, "several-attachments.eml")
    conv_a = sim.evaluate("Office.context.mailbox.item.conversationId")
    b = load(sim, "several-attachments.eml")
    assert a == b
    load(sim, "sent-by-user.eml")  # a reply to several-attachments.eml
    assert sim.evaluate("Office.context.mailbox.item.conversationId") == conv_a
    load(sim, "plain-text.eml")
    assert sim.evaluate("Office.context.mailbox.item.conversationId") != conv_a


def test_roaming_settings_are_saved_and_survive_a_reload(open_sim: Callable[[str], Page]) -> None:
    page = open_sim("")
    saved = page.evaluate(
        """async () => {
             const rs = Office.context.roamingSettings;
             rs.set('crmUrl', 'https://crm.example.com'); rs.set('username', 'anna'); rs.set('tmp', 1);
             rs.remove('tmp');
             const before = OfficeSim.savedRoamingSettings();
             const r = await officeCall((cb) => rs.saveAsync(cb));
             return {before, status: r.status, after: OfficeSim.savedRoamingSettings(),
                     tmp: rs.get('tmp') === undefined};
           }"""
    )
    assert saved == {
        "before": {},
        "status": "succeeded",
        "after": {"crmUrl": "https://crm.example.com", "username": "anna"},
        "tmp": True,
    }
    page = open_sim("")
    assert page.evaluate("Office.context.roamingSettings.get('crmUrl')") == "https://crm.example.com"
    too_big = page.evaluate(
        """() => { Office.context.roamingSettings.set('big', 'x'.repeat(40000));
                   return officeCall((cb) => Office.context.roamingSettings.saveAsync(cb)); }"""
    )
    assert too_big["error"]["code"] == 9057


def test_json_description_with_cloud_and_unsupported_attachments(sim: Page) -> None:
    summary = sim.evaluate("() => OfficeSim.loadJsonUrl('/dev/fixtures/cloud-attachment.json')")
    names = [(a["name"], a["attachmentType"]) for a in summary["attachments"]]
    assert names == [
        ("summary.txt", "file"),
        ("Contact card.vcf", "file"),
        ("Capitolato tecnico.docx", "cloud"),
    ]
    ids = {a["name"]: a["id"] for a in summary["attachments"]}
    cloud = attachment_content(sim, ids["Capitolato tecnico.docx"])
    assert cloud["value"]["format"] == "url"
    assert cloud["value"]["content"].startswith("https://contoso-my.sharepoint.example/")
    assert summary["attachments"][2]["size"] == 48213344
    text = attachment_content(sim, ids["summary.txt"])
    assert base64.b64decode(text["value"]["content"]) == b"Specification summary: 42 pages.\r\n"
    vcf = attachment_content(sim, ids["Contact card.vcf"])
    assert vcf["error"]["code"] == 9043
    view = item_view(sim)
    assert view["subject"] == "Capitolato tecnico (link OneDrive)"
    assert view["internetMessageId"] == "<cloud-010@example.com>"
    assert view["toTypes"] == ["user"]  # same domain as the user
    eml = sim.evaluate("() => officeCall((cb) => Office.context.mailbox.item.getAsFileAsync(cb))")
    parsed = parse(base64.b64decode(eml["value"]))
    assert str(parsed["subject"]) == "Capitolato tecnico (link OneDrive)"
    assert body(sim, "text")["value"].startswith("Hi Anna,")


def test_hostile_text_stays_data(sim: Page) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    sim.on("dialog", on_dialog)
    load(sim, "hostile-text.eml")
    view = item_view(sim)
    assert "<script>alert(1)</script>" in view["subject"]
    assert view["from"][0] == "<img src=x onerror=alert(1)>"
    assert "<script>" in body(sim, "html")["value"]  # handed over as the mail has it, never run
    assert "alert('head')" not in body(sim, "text")["value"]  # text rendering skips scripts
    # nothing of the mail became markup in the page (so nothing of it can run, now or later)
    assert sim.evaluate("document.querySelectorAll('img[src=\"x\"], [onerror]').length") == 0
    assert not sim.evaluate("Array.from(document.scripts).some((s) => s.text.includes('alert'))")
    # a positive control: the same markup inserted by the test does raise the dialog the check listens for
    with sim.expect_event("dialog"):
        sim.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(\"control\")>')")
    assert dialogs == ["control"]


@pytest.mark.slow
def test_a_20_mb_attachment_arrives_intact(sim: Page, sim_site: SimSite) -> None:
    sim_site.extra["/large.eml"] = build_large_eml(20 * MB)
    summary = sim.evaluate("() => OfficeSim.loadEmlUrl('/large.eml')")
    big = summary["attachments"][0]
    assert big["size"] == 20 * MB
    digest = sim.evaluate(
        """(id) => new Promise((resolve) => Office.context.mailbox.item.getAttachmentContentAsync(id, async (r) => {
             const bin = atob(r.value.content); const bytes = new Uint8Array(bin.length);
             for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
             const hash = await crypto.subtle.digest('SHA-256', bytes);
             resolve(Array.from(new Uint8Array(hash)).map((b) => b.toString(16).padStart(2, '0')).join(''));
           }))""",
        big["id"],
    )
    assert digest == expected_sha256(20 * MB)


def test_python_reference_reads_the_fixtures_without_defects() -> None:
    """Guards the fixtures themselves: a defect would make the comparison above meaningless."""
    for name in FIXTURES:
        message = parse((EML_DIR / name).read_bytes())
        defects = [d for part in message.walk() for d in part.defects]
        assert defects == [], name


def test_fixture_generator_reproduces_the_committed_files() -> None:
    from tests.fixtures.make_fixtures import FIXTURES as BUILDERS

    for name, build in BUILDERS.items():
        assert build() == (EML_DIR / name).read_bytes(), name


def test_large_generator_attachment_matches_its_digest() -> None:
    message = parse(build_large_eml(MB, attachments=2))
    parts = list(message.iter_attachments())
    assert len(parts) == 2
    for index, part in enumerate(parts):
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes) and len(payload) == MB
        assert hashlib.sha256(payload).hexdigest() == expected_sha256(MB, index)


def test_theme_change_event_handler_removal_and_unknown_events(sim: Page) -> None:
    result = sim.evaluate(
        """async () => {
             const mailbox = Office.context.mailbox, seen = [];
             await officeCall((cb) => mailbox.addHandlerAsync(Office.EventType.OfficeThemeChanged,
               (args) => seen.push(args.officeTheme.bodyBackgroundColor), cb));
             OfficeSim.configure({theme: 'dark'});
             await new Promise((r) => setTimeout(r, 20));
             const removed = await officeCall(
               (cb) => mailbox.removeHandlerAsync(Office.EventType.OfficeThemeChanged, cb));
             OfficeSim.configure({theme: 'light'});
             await new Promise((r) => setTimeout(r, 20));
             const unknown = await officeCall(
               (cb) => mailbox.addHandlerAsync('documentSelectionChanged', () => {}, cb));
             return {seen, removed: removed.status, unknown: unknown.error};
           }"""
    )
    assert result == {
        "seen": ["#292929"],
        "removed": "succeeded",
        "unknown": {
            "code": 5003,
            "name": "Event Registration Error",
            "message": "The specified event type is not supported by the current object.",
        },
    }


def test_manual_ready_holds_office_until_initialized(page: Page, sim_site: SimSite) -> None:
    page.add_init_script("window.OfficeSimConfig = {manualReady: true, displayLanguage: 'it-IT'};")
    page.goto(f"{sim_site.origin}/pane.html")
    # The start-up has loaded its mail; without manualReady it would have queued initialize() right then
    # (setTimeout 0): a macrotask queued now runs after it, so what follows is ordered, not timed.
    page.wait_for_function("window.OfficeSim !== undefined && OfficeSim.currentItem() !== null")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    assert page.evaluate("[typeof Office.context, window.onReadyCallbackInfo === undefined]") == ["undefined", True]
    info = page.evaluate("() => { OfficeSim.initialize(); return Office.onReady(); }")
    assert info == {"host": "Outlook", "platform": "OfficeOnline"}
    assert page.evaluate("Office.context.displayLanguage") == "it-IT"


def test_ready_answers_are_built_once_and_dropped_when_switched_off(sim: Page) -> None:
    """The bench's measuring aid: with readyAnswers the host answers the same mail's attachment and .eml
    calls with what it built at the first call (the very same objects), with the same content as without."""
    load(sim, "several-attachments.eml")
    result = sim.evaluate(
        """async () => {
          const item = Office.context.mailbox.item;
          const id = item.attachments.find((a) => a.name === "Offerta-2024-117.pdf").id;
          const call = (method, ...args) => new Promise((resolve) => item[method](...args, (r) => resolve(r.value)));
          const plain = await call("getAttachmentContentAsync", id);
          OfficeSim.configure({ readyAnswers: true });
          const first = await call("getAttachmentContentAsync", id);
          const second = await call("getAttachmentContentAsync", id);
          const emlFirst = await call("getAsFileAsync");
          const emlSecond = await call("getAsFileAsync");
          OfficeSim.configure({ readyAnswers: false });
          const after = await call("getAttachmentContentAsync", id);
          return { plainSame: plain === first, kept: first === second, afterSame: after === first,
                   sameContent: plain.content === first.content && first.content === after.content,
                   emlSame: emlFirst === emlSecond, emlLength: emlFirst.length };
        }"""
    )
    assert result["kept"] is True and result["plainSame"] is False and result["afterSame"] is False
    assert result["sameContent"] is True
    assert result["emlSame"] is True and result["emlLength"] > 0
