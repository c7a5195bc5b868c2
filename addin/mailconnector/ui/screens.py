"""What the pane shows for a state, as a `vdom` tree: pure functions, no browser.

Conventions the view relies on:
- `data-action` on buttons (with `data-id` when it concerns one item) names the intent;
- `data-form` on forms, `data-input` on text fields (sent as the user types), `data-change` on selects;
- containers that can be empty are always present, so that a banner appearing does not shift the
  position of the fields after it (the view patches by position and must keep focus in fields).
"""

from __future__ import annotations

from datetime import datetime

from mailconnector.core import decisions, thread
from mailconnector.core.state import (
    AppState,
    Message,
    Reauth,
    RecordChoice,
)
from mailconnector.models import AttachmentInfo, LookupLink, MailSnapshot, RecordSummary, Suggestion
from mailconnector.ui import screens_connect, screens_doctor, screens_link, screens_unlink
from mailconnector.ui.i18n import Translator
from mailconnector.ui.vdom import El, LastTree, h

# --- icons (Fluent System Icons, 20 px regular, simplified paths) --------------------------------------------
_ICONS = {
    "check": "M7.03 13.9 3.56 10.4a.75.75 0 1 0-1.06 1.06l4 4a.75.75 0 0 0 1.06 0l9-9a.75.75 0 0 0-1.06-1.06"
    "L7.03 13.9Z",
    "warning": "M10 2.5a1.5 1.5 0 0 1 1.3.75l6.5 11.5A1.5 1.5 0 0 1 16.5 17h-13a1.5 1.5 0 0 1-1.3-2.25l6.5-11.5A1.5 "
    "1.5 0 0 1 10 2.5Zm0 4.25a.75.75 0 0 0-.75.75v4a.75.75 0 0 0 1.5 0v-4a.75.75 0 0 0-.75-.75Zm0 7.75a1 1 0 1 0 "
    "0-2 1 1 0 0 0 0 2Z",
    "error": "M10 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16Zm0 11a1 1 0 1 0 0 2 1 1 0 0 0 0-2Zm0-7.5a.75.75 0 0 0-.75.75v5a.75"
    ".75 0 0 0 1.5 0v-5A.75.75 0 0 0 10 5.5Z",
    "info": "M10 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16Zm0 7a.75.75 0 0 0-.75.75v4.5a.75.75 0 0 0 1.5 0v-4.5A.75.75 0 0 0 "
    "10 9Zm0-3.25a1 1 0 1 0 0 2 1 1 0 0 0 0-2Z",
    "link": "M8 6a.75.75 0 0 1 0 1.5H6a2.5 2.5 0 0 0 0 5h2A.75.75 0 0 1 8 14H6a4 4 0 0 1 0-8h2Zm6 0a4 4 0 0 1 0 8h-2a"
    ".75.75 0 0 1 0-1.5h2a2.5 2.5 0 0 0 0-5h-2A.75.75 0 0 1 12 6h2Zm-7 3.25h6a.75.75 0 0 1 0 1.5H7a.75.75 0 0 1 0-1.5Z",
    "attach": "M4.5 10.5 10 5a2.5 2.5 0 1 1 3.54 3.54l-6.01 6a1 1 0 0 1-1.41-1.41l5.3-5.3-.7-.71-5.3 5.3a2 2 0 0 0 "
    "2.82 2.83l6.01-6.01A3.5 3.5 0 1 0 9.3 4.3L3.8 9.8l.7.7Z",
    "person": "M10 2a4 4 0 1 1 0 8 4 4 0 0 1 0-8Zm0 1.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5ZM5 12h10a2 2 0 0 1 2 2c0 "
    "1.7-.83 2.97-2.13 3.8C13.6 18.6 11.9 19 10 19s-3.6-.4-4.87-1.2C3.83 16.97 3 15.7 3 14a2 2 0 0 1 2-2Z",
    "lock": "M10 2a3 3 0 0 1 3 3v2h1a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2h1V5a3 3 0 0 1 3-3Zm"
    "0 1.5A1.5 1.5 0 0 0 8.5 5v2h3V5A1.5 1.5 0 0 0 10 3.5Z",
    "open": "M6 4a2 2 0 0 0-2 2v8c0 1.1.9 2 2 2h8a2 2 0 0 0 2-2v-2.5a.5.5 0 0 0-1 0V14a1 1 0 0 1-1 1H6a1 1 0 0 1-1-"
    "1V6a1 1 0 0 1 1-1h2.5a.5.5 0 0 0 0-1H6Zm5.5 0a.5.5 0 0 0 0 1h2.8l-4.65 4.65a.5.5 0 0 0 .7.7L15 5.71V8.5a.5.5 0 "
    "0 0 1 0v-4a.5.5 0 0 0-.5-.5h-4Z",
}
_TONE_ICON = {"info": "info", "success": "check", "warning": "warning", "error": "error"}


def icon(name: str, label: str = "") -> El:
    attrs: dict[str, str | bool | None] = {
        "class": f"icon icon-{name}",
        "viewBox": "0 0 20 20",
        "width": "20",
        "height": "20",
        "focusable": "false",
    }
    if label:
        attrs |= {"role": "img", "aria-label": label}
    else:
        attrs["aria-hidden"] = "true"
    return h("svg", attrs, h("path", {"d": _ICONS[name], "fill": "currentColor"}))


# --- building blocks -----------------------------------------------------------------------------------------


def banner(t: Translator, message: Message | None, *, actions: tuple[El, ...] = (), role: str = "") -> El:
    """A Fluent message bar; an empty container when there is nothing to say."""
    if message is None:
        return h("div", {"class": "banner-slot"})
    tone = message.tone
    body: list[El | str | None] = [h("p", {"class": "banner-text"}, t.message(message))]
    if message.cause is not None:
        body.append(h("p", {"class": "banner-text"}, t.message(message.cause)))
    if message.detail:
        body.append(h("p", {"class": "banner-detail"}, t.t("common.details", detail=message.detail)))
    role = role or ("alert" if tone == "error" else "status")
    return h(
        "div",
        {"class": "banner-slot"},
        h(
            "div",
            {"class": f"banner banner-{tone}", "role": role, "data-key": f"{message.key}:{tone}"},
            icon(_TONE_ICON[tone]),
            h("div", {"class": "banner-body"}, body),
            h("div", {"class": "banner-actions"}, actions) if actions else None,
        ),
    )


def button(label: str, action: str, *, kind: str = "secondary", item: str = "", disabled: bool = False,
           busy: bool = False, submit: bool = False, extra: dict[str, str] | None = None) -> El:
    attrs: dict[str, str | bool | None] = {
        "type": "submit" if submit else "button",
        "class": f"btn btn-{kind}",
        "data-action": action or None,
        "data-id": item or None,
        "disabled": disabled or busy,
        "aria-busy": "true" if busy else None,
    }
    attrs |= extra or {}
    return h("button", attrs, h("span", {"class": "spinner", "aria-hidden": "true"}) if busy else None, label)


def field(label: str, control: El, *, hint: El | None = None, field_id: str) -> El:
    return h("div", {"class": "field"}, h("label", {"for": field_id, "class": "label"}, label), control, hint)


def heading(text: str, level: int = 1) -> El:
    return h(f"h{level}", {"class": "title" if level == 1 else "subtitle", "tabindex": "-1"}, text)


def external_link(label: str, url: str, t: Translator, *, kind: str = "") -> El:
    return h(
        "a",
        {"href": url, "target": "_blank", "rel": "noopener noreferrer", "class": f"btn btn-{kind}" if kind else "link"},
        icon("open"),
        h("span", None, label),
        h("span", {"class": "visually-hidden"}, " " + t.t("common.opens_new_window")),
    )


# --- the mail header -----------------------------------------------------------------------------------------


def visible_attachments(mail: MailSnapshot) -> tuple[AttachmentInfo, ...]:
    """What Outlook lists as attachments: inline images of the body are not counted."""
    return tuple(a for a in mail.attachments if not a.is_inline)


_HEADER = LastTree()
_SUGGESTIONS = LastTree()
_RESULTS = LastTree()
_PICKER = LastTree()
_FOOTER = LastTree()


def mail_header(state: AppState, t: Translator, now: datetime) -> El:
    key = (state.screen == "starting", state.mail, state.mail_key, t, now.tzinfo)
    return _HEADER.get(key, lambda: _mail_header(state, t, now))


def _mail_header(state: AppState, t: Translator, now: datetime) -> El:
    mail = state.mail
    if state.screen == "starting":
        return h(
            "header",
            {"class": "mail-header", "id": "mail-header", "aria-label": t.t("mail.label")},
            h("div", {"class": "skeleton skeleton-title"}),
            h("div", {"class": "skeleton skeleton-line"}),
            h("div", {"class": "skeleton skeleton-line short"}),
        )
    if mail is None:
        return h(
            "header",
            {"class": "mail-header", "id": "mail-header", "aria-label": t.t("mail.label")},
            h("p", {"class": "mail-none"}, t.t("mail.none")),
        )
    author = mail.author
    if mail.is_sent_by_user:
        who = t.t("mail.to", recipients=", ".join(a.name or a.address for a in (*mail.to, *mail.cc)))
        who_title = ", ".join(a.address for a in (*mail.to, *mail.cc))
    else:
        who = t.t("mail.from", sender=(author.name or author.address) if author else "")
        who_title = author.address if author else ""
    attachments = visible_attachments(mail)
    size = sum(a.size for a in attachments)
    local = mail.date_sent.astimezone(now.tzinfo) if now.tzinfo else mail.date_sent
    return h(
        "header",
        {"class": "mail-header", "id": "mail-header", "aria-label": t.t("mail.label"), "data-key": str(state.mail_key)},
        h("h2", {"class": "mail-subject", "id": "mail-subject"}, mail.subject or t.t("mail.no_subject")),
        h("p", {"class": "mail-from", "id": "mail-from", "title": who_title},
          icon("person"), h("span", None, who),
          h("span", {"class": "badge"}, t.t("mail.sent_by_you")) if mail.is_sent_by_user else None),
        h("p", {"class": "mail-meta", "id": "mail-meta"},
          h("time", {"datetime": mail.date_sent.isoformat()},
            t.datetime(local) if mail.date_source == "header" else t.t("mail.date_created", when=t.datetime(local))),
          h("span", {"class": "dot", "aria-hidden": "true"}, " · "),
          h("span", {"class": "mail-attachments"}, icon("attach") if attachments else None,
            t.plural("mail.attachments", len(attachments), size=t.size(size)))),
    )


# --- choosing the record -------------------------------------------------------------------------------------


def links_banner(state: AppState, t: Translator, now: datetime) -> El:
    choice = state.choice
    if choice.links_status == "loading":
        return h("div", {"class": "links-slot", "aria-live": "polite"},
                 h("p", {"class": "muted small loading"}, t.t("linked.loading")))
    if choice.links_status == "error":
        return h("div", {"class": "links-slot", "aria-live": "polite"},
                 h("p", {"class": "muted small"}, t.t("linked.error")))
    if not choice.links:
        return h("div", {"class": "links-slot", "aria-live": "polite"})
    base = state.session.base if state.session else ""
    return h(
        "div",
        {"class": "links-slot", "aria-live": "polite"},
        h(
            "section",
            {"class": "banner banner-success linked", "aria-labelledby": "mc-linked-title"},
            icon("check"),
            h("div", {"class": "banner-body"},
              h("h2", {"class": "banner-title", "id": "mc-linked-title"}, t.t("linked.title")),
              h("ul", {"class": "plain"}, [linked_item(link, choice, t, now, base, screens_unlink.unlink_offered(state))
                                           for link in choice.links])),
        ),
    )


def linked_item(link: LookupLink, choice: RecordChoice, t: Translator, now: datetime, base: str,
                can_unlink: bool = False) -> El:
    module = decisions.module_label(choice.modules, link.module)
    when = link.linked_at_datetime
    if when is not None:
        text = t.t("linked.item", module=module, record=link.label, user=link.linked_by, when=t.day(when.date(),
                                                                                                    now.date()))
    else:
        text = t.t("linked.item_nodate", module=module, record=link.label, user=link.linked_by)
    return h("li", {"class": "linked-item"}, h("span", None, text), " ",
             external_link(t.t("common.open_in_crm"), decisions.record_url(base, link.module, link.id), t)
             if base else None, " " if can_unlink else None,
             screens_unlink.remove_button(link, t) if can_unlink else None)


def suggestion_row(s: Suggestion, choice: RecordChoice, t: Translator) -> El:
    module = decisions.module_label(choice.modules, s.module)
    owner = t.t("record.owner", owner=s.owner) if s.owner else ""
    details = [d for d in (s.account.label if s.account else "", s.email, owner) if d]
    return h(
        "li",
        None,
        h("button", {"type": "button", "class": "record", "data-action": "pick-suggestion", "data-id": s.id},
          h("span", {"class": "record-top"}, h("span", {"class": "record-title"}, s.label),
            h("span", {"class": "badge"}, module)),
          h("span", {"class": "record-meta"}, " · ".join(details))),
    )


def suggestions_section(state: AppState, t: Translator) -> El:
    choice = state.choice
    key = (choice.suggestions_status, choice.suggestions, choice.thread, choice.links, choice.modules, state.mail, t)
    return _SUGGESTIONS.get(key, lambda: _suggestions_section(state, t))


def _suggestions_section(state: AppState, t: Translator) -> El:
    choice = state.choice
    mail = state.mail
    addresses = ", ".join(mail.counterpart_addresses()) if mail else ""
    # the conversation's records are shown first (screens_create.thread_section), not twice
    suggestions = thread.without_thread(choice.suggestions, thread.thread_records(choice.thread, choice.links))
    if choice.suggestions_status == "loading":
        body: El = h("p", {"class": "muted small loading"}, t.t("suggestions.loading", addresses=addresses))
    elif choice.suggestions_status == "error":
        body = h("p", {"class": "muted small"}, t.t("suggestions.error"))
    elif not choice.suggestions:
        key = "suggestions.none" if addresses else "suggestions.none_addresses"
        body = h("p", {"class": "muted small"}, t.t(key, addresses=addresses))
    else:
        body = h("ul", {"class": "records", "id": "mc-suggestions"},
                 [suggestion_row(s, choice, t) for s in suggestions])
    return h("section", {"class": "section", "aria-labelledby": "mc-suggestions-title"},
             h("h2", {"class": "subtitle", "id": "mc-suggestions-title"}, t.t("suggestions.title")),
             h("div", {"aria-live": "polite"}, body))


def result_row(r: RecordSummary, t: Translator) -> El:
    details = [d for d in (r.number and t.t("record.number", number=r.number), r.account_label
                           if r.account_label != r.label else None, r.email,
                           r.owner_name and t.t("record.owner", owner=r.owner_name)) if d]
    return h(
        "li",
        None,
        h("button", {"type": "button", "class": "record", "data-action": "pick-record", "data-id": r.id},
          h("span", {"class": "record-top"}, h("span", {"class": "record-title"}, r.label)),
          h("span", {"class": "record-meta"}, " · ".join(details))),
    )


def module_picker(choice: RecordChoice, t: Translator) -> El:
    if choice.modules_status == "loading":
        return h("p", {"class": "muted small loading"}, t.t("modules.loading"))
    if choice.modules_status == "error":
        return h("p", {"class": "muted small"}, t.t("modules.error"))
    if not choice.modules:
        return h("p", {"class": "muted small"}, t.t("modules.none"))
    return field(
        t.t("search.module_label"),
        h("select", {"id": "mc-module", "name": "module", "data-change": "module", "class": "select"},
          [h("option", {"value": m.name, "selected": m.name == choice.module}, m.label) for m in choice.modules]),
        field_id="mc-module",
    )


def search_section(state: AppState, t: Translator) -> El:
    choice = state.choice
    module = choice.current_module
    search = choice.search
    picker = _PICKER.get((choice.modules_status, choice.modules, choice.module, t), lambda: module_picker(choice, t))
    label = t.t("search.label", module=module.label if module else "")
    status_text = ""
    if search.status in ("waiting", "searching"):
        status_text = t.t("search.searching")
    elif search.status == "none":
        status_text = t.t("search.none", text=search.text)
    elif search.status == "too_many":
        status_text = t.t("search.too_many", total=t.number(search.total), shown=t.number(len(search.records)))
    elif search.status == "results":
        status_text = t.plural("search.results", len(search.records))
    spinning = search.status == "searching"  # only an answer that is taking a while (SearchStatus)
    results: El | None = None
    if search.status == "error":
        results = banner(t, search.problem)
    elif search.records and search.status in ("results", "too_many", "waiting", "searching"):
        stale = search.status in ("waiting", "searching")
        results = _RESULTS.get((search.records, stale, t), lambda: h(
            "ul", {"class": "records" + (" stale" if stale else ""), "id": "mc-results"},
            [result_row(r, t) for r in search.records]))
    return h(
        "section",
        {"class": "section", "aria-labelledby": "mc-search-title"},
        h("h2", {"class": "subtitle", "id": "mc-search-title"}, t.t("search.title")),
        h("div", {"class": "picker-slot"}, picker),
        h("form", {"class": "field", "data-form": "search", "role": "search", "novalidate": True},
          h("label", {"for": "mc-query", "class": "label"}, label),
          h("input", {"id": "mc-query", "name": "query", "type": "search", "autocomplete": "off",
                      "spellcheck": "false", "placeholder": t.t("search.placeholder"), "data-input": "query",
                      "value": choice.query, "disabled": module is None, "aria-describedby": "mc-search-status",
                      "aria-controls": "mc-results" if results is not None and search.status != "error" else None})),
        h("p", {"class": "muted small search-status" + (" loading" if spinning else ""),
                "id": "mc-search-status", "role": "status", "data-status": search.status}, status_text),
        h("div", {"class": "results-slot"}, results),
    )


def record_screen(state: AppState, t: Translator, now: datetime) -> El:
    from mailconnector.ui import screens_create  # it builds on this module's widgets

    if state.mail is None:
        return h("div", {"class": "stack", "data-key": "record-nomail"}, banner(t, state.problem))
    return h(
        "div",
        {"class": "stack", "data-key": "record"},
        links_banner(state, t, now),
        banner(t, state.problem or state.choice.problem,
               actions=(screens_connect.doctor_button(t, prominent=True),) if state.problem and state.problem.key ==
               "doctor.clock_suspect" else ()),
        screens_create.thread_section(state, t, now),
        suggestions_section(state, t),
        search_section(state, t),
        screens_create.create_offer(state, t),
    )


# --- session renewal, notices, footer ------------------------------------------------------------------------


def reauth_panel(reauth: Reauth, t: Translator) -> El:
    return h(
        "form",
        {"class": "stack reauth", "data-form": "reauth", "novalidate": True, "role": "dialog",
         "aria-modal": "false", "aria-labelledby": "mc-reauth-title", "data-key": f"reauth-{reauth.otp}"},
        h("h1", {"class": "title", "id": "mc-reauth-title", "tabindex": "-1"}, t.t("reauth.title")),
        h("p", None, t.t("reauth.intro", username=reauth.username)),
        h("input", {"type": "text", "name": "username", "autocomplete": "username", "value": reauth.username,
                    "class": "visually-hidden", "tabindex": "-1", "aria-hidden": "true", "readonly": True}),
        field(t.t("otp.label"),
              h("input", {"id": "mc-reauth-code", "name": "code", "type": "text", "inputmode": "numeric",
                          "autocomplete": "one-time-code", "class": "code-input"}),
              field_id="mc-reauth-code")
        if reauth.otp else
        field(t.t("password.label"),
              h("input", {"id": "mc-reauth-password", "name": "password", "type": "password",
                          "autocomplete": "current-password"}),
              field_id="mc-reauth-password"),
        banner(t, reauth.problem),
        h("div", {"class": "actions"},
          button(t.t("password.busy") if reauth.busy else t.t("reauth.submit"), "", kind="primary",
                 busy=reauth.busy, submit=True),
          button(t.t("common.cancel"), "cancel-reauth", kind="secondary")),
    )


def notices(state: AppState, t: Translator) -> El:
    return h(
        "div",
        {"class": "notices", "id": "mc-notices", "aria-live": "polite"},
        [
            h("div", {"class": "notice-wrap", "data-key": f"notice-{n.id}"},
              banner(t, n.message, role="status",
                     actions=(button(t.t("common.dismiss"), "dismiss-notice", kind="subtle", item=str(n.id)),)))
            for n in state.notices
        ],
    )


def footer(state: AppState, t: Translator, version: str) -> El:
    return _FOOTER.get((state.session, t, version), lambda: _footer(state, t, version))


def _footer(state: AppState, t: Translator, version: str) -> El:
    session = state.session
    return h(
        "footer",
        {"class": "pane-footer", "id": "pane-footer"},
        h("span", {"class": "footer-user"}, t.t("footer.signed_in", user=session.name or session.username,
                                                 host=session.host)) if session else None,
        button(t.t("footer.sign_out"), "logout", kind="subtle", extra={"id": "mc-logout"}) if session else None,
        h("span", {"class": "footer-version"}, t.t("app.version", version=version)),
    )


def body(state: AppState, t: Translator, now: datetime, version: str = "") -> El:
    screen = state.screen
    if screen == "starting":
        content: El = h("div", {"class": "stack", "data-key": "starting"},
                        h("div", {"class": "skeleton skeleton-block"}),
                        h("div", {"class": "skeleton skeleton-block"}),
                        h("p", {"class": "boot-status", "role": "status"}, t.t("app.starting")))
    elif screen == "connect":
        content = screens_connect.connect_screen(state, t)
    elif screen == "password":
        content = screens_connect.password_screen(state, t)
    elif screen == "otp":
        content = screens_connect.otp_screen(state, t)
    elif screen == "gate" and state.gate is not None:
        content = screens_connect.gate_screen(state.gate, t)
    elif screen == "preflight" and state.target is not None:
        content = screens_link.preflight_screen(state, t)
    elif screen == "linking" and state.target is not None:
        content = screens_link.linking_screen(state, t)
    elif screen == "receipt" and state.outcome is not None:
        from mailconnector.ui import screens_create

        content = screens_link.receipt_screen(state.outcome, t, screens_unlink.unlink_offered(state),
                                 screens_create.receipt_note(state, t))
    elif screen == "create" and state.create is not None:
        from mailconnector.ui import screens_create

        content = screens_create.create_screen(state, t)
    elif screen == "unlink" and state.unlink is not None:
        content = screens_unlink.unlink_screen(state.unlink, t)
    elif screen == "doctor" and state.doctor is not None:
        content = screens_doctor.doctor_screen(state.doctor, t, version)
    else:
        content = record_screen(state, t, now)
    return h(
        "section",
        {"class": "pane-body", "id": "pane-body"},
        h("div", {"class": "reauth-slot"}, reauth_panel(state.reauth, t) if state.reauth else None),
        h("div", {"class": "screen", "data-screen": screen, "hidden": state.reauth is not None}, content),
    )


def pane(state: AppState, t: Translator, now: datetime, version: str) -> tuple[El, ...]:
    """The children of `#app`, top to bottom."""
    return (mail_header(state, t, now), notices(state, t), body(state, t, now, version), footer(state, t, version))
