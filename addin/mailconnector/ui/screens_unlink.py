"""The undo screens (core/unlink.py): the one confirmation, then what the CRM removed."""

from __future__ import annotations

from mailconnector.core.state import AppState, Message, UnlinkState
from mailconnector.core.unlink import offered
from mailconnector.models import LookupLink
from mailconnector.ui import screens as base  # the shared building blocks (imported both ways: names used at call time)
from mailconnector.ui.i18n import Translator
from mailconnector.ui.vdom import El, h


def unlink_offered(state: AppState) -> bool:
    return offered(state.crm.capabilities if state.crm else None)


def undo_button(t: Translator) -> El:
    """On the receipt: undo the link just made."""
    return base.button(t.t("unlink.from_receipt"), "unlink-receipt", kind="subtle", extra={"id": "mc-undo"})


def remove_button(link: LookupLink, t: Translator) -> El:
    """On each line of the "already in the CRM" banner."""
    return base.button(t.t("unlink.from_banner"), "unlink-link", kind="subtle", item=link.id,
                       extra={"aria-label": t.t("unlink.from_banner_label", record=link.label)})


def _consequence(unlink: UnlinkState, t: Translator) -> str:
    if unlink.others > 0:
        return t.plural("unlink.keeps", unlink.others)
    if unlink.others == 0:
        return t.t("unlink.deletes")
    return t.t("unlink.unknown")


def unlink_screen(unlink: UnlinkState, t: Translator) -> El:
    params = {"module": unlink.module_label, "record": unlink.record_label}
    if unlink.phase == "done":
        if not unlink.unlinked:
            body: list[El] = [h("p", {"class": "unlink-result"}, t.t("unlink.done_nothing"))]
        elif unlink.message_deleted:
            body = [h("p", {"class": "unlink-result"}, t.t("unlink.done_deleted", **params))]
            if unlink.files >= 0:
                body.append(h("p", {"class": "unlink-files"}, t.plural("unlink.deleted_files", unlink.files)))
        else:
            body = [h("p", {"class": "unlink-result"}, t.t("unlink.done_relation", **params))]
        return h(
            "div",
            {"class": "stack", "data-key": f"unlink-done-{unlink.record_id}", "data-unlink": "done",
             "data-deleted": "true" if unlink.message_deleted else "false"},
            h("div", {"class": "banner banner-success receipt-title", "role": "status"},
              h("div", {"class": "banner-body"}, h("h1", {"class": "title", "tabindex": "-1"},
                                                   t.t("unlink.done_title")))),
            body,
            h("div", {"class": "actions"}, base.button(t.t("unlink.elsewhere"), "unlink-elsewhere", kind="primary")),
        )
    busy = unlink.phase == "busy"
    problem: Message | None = unlink.problem
    return h(
        "div",
        {"class": "stack", "data-key": f"unlink-{unlink.record_id}", "data-unlink": unlink.phase},
        base.heading(t.t("unlink.title", **params)),
        h("p", None, t.t("unlink.intro", subject=unlink.subject or t.t("mail.no_subject"), **params)),
        h("p", {"class": "muted", "id": "mc-unlink-consequence"}, _consequence(unlink, t)),
        base.banner(t, problem),
        h("div", {"class": "actions"},
          base.button(t.t("unlink.busy") if busy else t.t("unlink.confirm"), "unlink-confirm", kind="primary",
                      busy=busy, disabled=problem is not None and problem.key.startswith("unlink.denied")),
          base.button(t.t("common.cancel"), "unlink-cancel", kind="secondary", disabled=busy)),
    )
