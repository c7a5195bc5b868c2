"""The screens of "find or create the right record": the conversation's records put first (thread
memory, B.9), the offer to create a Contact or Lead when nothing fits, and its form (B.10).
Pure functions to `vdom`, like `screens`."""

from __future__ import annotations

from datetime import datetime

from mailconnector.core import decisions
from mailconnector.core.create_record import sender_of
from mailconnector.core.state import AppState, CreateField, CreateState, Message
from mailconnector.core.thread import ThreadRecord, thread_records
from mailconnector.ui.i18n import Translator
from mailconnector.ui.screens import banner, button, heading, icon
from mailconnector.ui.vdom import El, h

# --- thread memory -------------------------------------------------------------------------------------------


def thread_reason(record: ThreadRecord, t: Translator, now: datetime) -> str:
    """ "Earlier mails of this conversation are linked here: 3, last by Anna on 14 Nov" """
    if record.last_at is None:
        return t.plural("thread.reason_nodate", record.mails, user=record.last_by)
    return t.plural("thread.reason", record.mails, user=record.last_by, when=t.day(record.last_at.date(), now.date()))


def thread_section(state: AppState, t: Translator, now: datetime) -> El:
    """The records of earlier mails of this conversation, first; an empty slot when there are none."""
    choice = state.choice
    records = thread_records(choice.thread, choice.links) if choice.links_status == "ready" else ()
    if not records:
        return h("div", {"class": "thread-slot"})
    items = []
    for record in records:
        module = decisions.module_label(choice.modules, record.module)
        items.append(h(
            "li", {"class": "thread-card", "data-thread": record.id},
            h("p", {"class": "record-top"}, h("span", {"class": "record-title"}, record.label),
              h("span", {"class": "badge"}, module)),
            h("p", {"class": "muted small thread-reason"}, thread_reason(record, t, now)),
            h("div", {"class": "actions"},
              button(t.t("thread.link", record=record.label), "link-thread", kind="primary",
                     item=record.id)),
        ))
    return h(
        "div", {"class": "thread-slot"},
        h("section", {"class": "section", "aria-labelledby": "mc-thread-title"},
          h("h2", {"class": "subtitle", "id": "mc-thread-title"}, icon("link"),
            h("span", None, t.t("thread.title"))),
          h("ul", {"class": "records", "id": "mc-thread"}, items)),
    )


# --- the offer --------------------------------------------------------------------------------------------------


def create_offer(state: AppState, t: Translator) -> El:
    """"Create a Contact / Lead" when no suggestion fits and the search finds nothing."""
    choice = state.choice
    mail = state.mail
    person = sender_of(mail) if mail else None
    nothing_suggested = (choice.suggestions_status == "ready" and not choice.suggestions
                         and not thread_records(choice.thread, choice.links))
    if person is None or not (choice.search.status == "none" or nothing_suggested):
        return h("div", {"class": "create-slot"})
    if not choice.createable and not choice.not_createable:
        return h("div", {"class": "create-slot"})
    label = {m: decisions.module_label(choice.modules, m) for m in (*choice.createable, *choice.not_createable)}
    buttons = [button(t.t("create.offer", module=label[m]), "create-record", item=m)
               for m in choice.createable]
    denied = ", ".join(decisions.module_label(choice.modules, m, singular=False) for m in choice.not_createable)
    return h(
        "div", {"class": "create-slot"},
        h("section", {"class": "section create-offer", "aria-labelledby": "mc-create-offer-title"},
          h("h2", {"class": "subtitle", "id": "mc-create-offer-title"}, t.t("create.offer_title")),
          h("p", {"class": "muted small"}, t.t("create.offer_intro", address=person.address)) if buttons else None,
          h("div", {"class": "actions"}, buttons) if buttons else None,
          h("p", {"class": "muted small", "id": "mc-create-denied"},
            t.t("create.not_allowed", modules=denied)) if denied else None),
    )


# --- the form --------------------------------------------------------------------------------------------------


def _control(field: CreateField, form: CreateState, t: Translator) -> El:
    value = form.value(field.name)
    attrs: dict[str, str | bool | None] = {
        "id": f"mc-create-{field.name}", "name": field.name, "data-create-field": field.name,
        "required": field.mandatory, "aria-invalid": "true" if field.name in form.missing else None,
        "disabled": form.status == "creating",
    }
    if field.kind == "picklist":
        return h("select", {**attrs, "class": "select"},
                 [h("option", {"value": v, "selected": v == value}, label) for v, label in field.choices])
    if field.kind == "reference":
        options = [("", t.t("create.none_option"))] + ([(value, field.shown or value)] if value else [])
        return h("select", {**attrs, "class": "select"},
                 [h("option", {"value": v, "selected": v == value}, label) for v, label in options])
    if field.kind == "boolean":
        return h("input", {**attrs, "type": "checkbox", "value": "1", "checked": value == "1"})
    if field.kind == "textarea":
        return h("textarea", {**attrs, "rows": "3"}, value)
    kind = {"email": "email", "date": "date"}.get(field.kind, "text")
    return h("input", {**attrs, "type": kind, "value": value, "autocomplete": "off", "spellcheck": "false"})


def create_screen(state: AppState, t: Translator) -> El:
    form = state.create
    assert form is not None
    busy = form.status == "creating"
    fields = [
        h("div", {"class": "field"},
          h("label", {"for": f"mc-create-{f.name}", "class": "label"}, f.label,
            h("span", {"class": "required"}, " *") if f.mandatory else None,
            h("span", {"class": "visually-hidden"}, " " + t.t("create.required")) if f.mandatory else None),
          _control(f, form, t))
        for f in form.fields
    ]
    actions: tuple[El, ...] = ()
    if form.existing is not None:
        actions = (button(t.t("create.use_existing", record=form.existing.label), "create-use-existing",
                          kind="primary"),)
    body: list[El | None] = [
        heading(t.t("create.title", module=form.module_label)),
        h("p", {"class": "muted small"}, t.t("create.intro", address=form.address)),
    ]
    if form.status == "loading":
        body.append(h("p", {"class": "muted small loading", "role": "status"}, t.t("create.loading")))
    else:
        body += fields
    body += [
        banner(t, form.problem, actions=actions),
        h("div", {"class": "actions"},
          button(t.t("create.busy") if busy else t.t("create.submit"), "", kind="primary", busy=busy,
                 submit=True, disabled=form.status == "loading"),
          button(t.t("create.back"), "create-cancel", kind="secondary", disabled=busy)),
    ]
    return h("form", {"class": "stack", "data-form": "create", "novalidate": True,
                      "data-key": f"create-{form.module}", "aria-busy": "true" if busy else "false"}, body)


def receipt_note(state: AppState, t: Translator) -> El | None:
    """On the receipt: the record is the one just created from this mail."""
    outcome = state.outcome
    if outcome is None or not state.created or state.created != outcome.record_id:
        return None
    return h("p", {"class": "new-record", "id": "mc-new-record"},
             t.message(Message.of("receipt.new_record", module=outcome.module_label, record=outcome.record_label)))
