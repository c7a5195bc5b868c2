"""A 20 MB attachment: uploaded in parts with progress, the pane usable meanwhile (another mail
selected and searched while the upload runs), and the CRM holds the exact bytes at the end."""

from __future__ import annotations

import uuid

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver
from tests.browser.test_flow_main import flow_mail
from tests.conftest import RunningCrm, RunningSite
from tests.fixtures.make_large import MB, build_large_eml, expected_sha256

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def top_of(values: list[tuple[int, int]]) -> int:
    return max(top for _, top in values)


def test_a_20_mb_link_shows_progress_and_the_pane_stays_usable(pane: PaneDriver, crm: RunningCrm,
                                                               site: RunningSite) -> None:
    t = Translator("en-US")
    message_id = f"<large-{uuid.uuid4().hex}@example.org>"
    name = f"large-{uuid.uuid4().hex}.eml"
    (site.root / "dev" / "fixtures" / name).write_bytes(build_large_eml(20 * MB, message_id=message_id))

    flow = Flow(pane)
    page = flow.page
    flow.open(json=flow_mail(f"<before-large-{uuid.uuid4().hex}@example.it>"))
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")
    page.evaluate("url => OfficeSim.loadEmlUrl(url)", f"/dev/fixtures/{name}")
    page.wait_for_function("document.querySelector('#mail-subject')?.textContent.startsWith('Capitolato completo')")
    assert t.plural("mail.attachments", 1, size=t.size(20 * MB)) in flow.text("#mail-meta")
    page.locator("#mc-suggestions .record").first.click()  # Laura Bianchi
    flow.screen("preflight")
    # the CRM takes its time to file the mail: the link is surely still in flight while the user works on
    httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclink", "fault": "delay", "seconds": 20, "times": 1})
    # progress, per part: every value the attachment's bar showed is recorded as the page changes it
    page.evaluate("""() => {
      window.__progress = [];
      new MutationObserver(records => records.forEach(r => {
        const bar = r.target;
        if (bar.tagName === 'PROGRESS' && bar.closest('#mc-progress li:first-child')) {
          window.__progress.push([Number(bar.getAttribute('value')), Number(bar.getAttribute('max'))]);
        }
      })).observe(document.querySelector('#app'), {attributes: true, subtree: true, attributeFilter: ['value']});
    }""")
    page.click("[data-action='link']")

    page.wait_for_selector("[data-phase='saving']", timeout=120_000)  # uploads done; mclink held by the CRM
    seen = page.evaluate("window.__progress")
    partial = [(value, top) for value, top in seen if 0 < value < top]
    assert len(partial) >= 3 and top_of(partial) == 20 * MB, seen  # 20 MB went up in several parts

    # meanwhile the user moves on: another mail, a search, answered while the link is still in flight
    page.evaluate("d => OfficeSim.loadJson(d)", flow_mail(f"<after-large-{uuid.uuid4().hex}@example.it>",
                                                         "Dopo la mail grande"))
    flow.screen("record")
    page.fill("#mc-query", "rossi")
    page.wait_for_selector("#mc-search-status:is([data-status='results'], [data-status='too_many'])",
                           timeout=60_000)
    assert httpx.get(f"{crm.url}/_test/messages", params={"messageid": message_id}).json() == []

    notice = page.locator("#mc-notices [role='status']")
    try:
        notice.wait_for(timeout=180_000)
    finally:
        httpx.delete(f"{crm.url}/_test/faults")
    assert "Capitolato completo" in notice.inner_text()
    documents = httpx.get(f"{crm.url}/_test/documents", params={"messageid": message_id}).json()
    (document,) = [d for d in documents if d["kind"] == "attachment"]
    assert (document["filename"], document["filesize"]) == ("capitolato-1.bin", 20 * MB)
    assert document["file_sha256"] == expected_sha256(20 * MB)
    assert pane.page_errors == [] and pane.csp_violations() == []
