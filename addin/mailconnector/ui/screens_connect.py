"""The screens before the pane is signed in: the CRM's address, the password, the one-time code, and the
licence gate (a CRM that refuses the add-in or the user's seat). Built from ui/screens.py's widgets."""

from __future__ import annotations

from mailconnector.core.state import (
    AppState,
    GateState,
    Message,
)
from mailconnector.ui import screens as base  # the shared building blocks (imported both ways: names used at call time)
from mailconnector.ui.i18n import Translator
from mailconnector.ui.vdom import El, h

# --- connecting ----------------------------------------------------------------------------------------------


def connect_screen(state: AppState, t: Translator) -> El:
    c = state.connect
    feedback = c.feedback
    if feedback is None:
        hint = h("p", {"class": "hint", "id": "mc-url-hint"}, t.t("connect.url_hint"))
    elif feedback.ok:
        hint = h("p", {"class": "hint hint-ok", "id": "mc-url-hint"}, base.icon("lock") if feedback.base.startswith(
            "https://") else None, t.t("connect.url_ok", base=feedback.base))
    else:
        hint = h("p", {"class": "hint hint-error", "id": "mc-url-hint"}, t.t(f"url.{feedback.problem}"))
    return h(
        "form",
        {"class": "stack", "data-form": "connect", "novalidate": True, "data-key": "connect",
         "aria-busy": "true" if c.busy else "false"},
        base.heading(t.t("connect.title")),
        h("p", {"class": "muted"}, t.t("connect.intro")),
        base.field(
            t.t("connect.url_label"),
            h("input", {"id": "mc-url", "name": "url", "type": "text", "inputmode": "url", "autocomplete": "url",
                        "spellcheck": "false", "autocapitalize": "off", "data-input": "url", "value": c.url_text,
                        "aria-describedby": "mc-url-hint", "required": True,
                        "aria-invalid": "true" if feedback is not None and not feedback.ok else None}),
            hint=h("div", {"class": "hint-slot", "aria-live": "polite"}, hint),
            field_id="mc-url",
        ),
        base.field(
            t.t("connect.username_label"),
            h("input", {"id": "mc-username", "name": "username", "type": "text", "autocomplete": "username",
                        "spellcheck": "false", "autocapitalize": "off", "data-input": "username",
                        "value": c.username, "required": True}),
            field_id="mc-username",
        ),
        base.banner(t, c.problem),
        h("div", {"class": "actions"}, base.button(t.t("connect.busy") if c.busy else t.t("connect.continue"), "",
                                                   kind="primary", busy=c.busy, submit=True),
          doctor_button(t, prominent=_connection_problem(c.problem))),
    )


def _connection_problem(problem: Message | None) -> bool:
    """Problems of reaching the CRM (not of what was typed): the connection check can say more."""
    return problem is not None and problem.key.startswith("error.")


def doctor_button(t: Translator, *, prominent: bool) -> El:
    """"Check connection": next to the failure it can explain, quieter when nothing failed."""
    return base.button(t.t("doctor.open"), "doctor-open", kind="secondary" if prominent else "subtle",
                       extra={"id": "mc-doctor-open"})


def crm_card(state: AppState, t: Translator) -> El:
    crm = state.connect.crm or state.crm
    if crm is None:
        return h("div", {"class": "crm-card"})
    return h(
        "div",
        {"class": "crm-card"},
        h("p", {"class": "crm-name"}, t.t("password.at", installation=crm.installation or crm.host, host=crm.host)),
        h("p", {"class": "muted small"}, t.t("password.product", product=crm.product, version=crm.version,
                                            component=crm.component_version)),
    )


def password_screen(state: AppState, t: Translator) -> El:
    c = state.connect
    return _sign_in_step(
        "password", state, t,
        (
            h("p", {"class": "signed-as"}, base.icon("person"),
              h("span", None, t.t("password.as", username=c.username))),
            # lets password managers pair the password with the username
            h("input", {"type": "text", "name": "username", "autocomplete": "username", "value": c.username,
                        "class": "visually-hidden", "tabindex": "-1", "aria-hidden": "true", "readonly": True}),
            base.field(
                t.t("password.label"),
                h("input", {"id": "mc-password", "name": "password", "type": "password",
                            "autocomplete": "current-password", "required": True}),
                field_id="mc-password",
            ),
        ),
        t.t("password.submit"),
        h("p", {"class": "muted small"}, base.icon("lock"), h("span", None, t.t("password.privacy"))),
        # a session refused right after signing in can be the clocks: the check looks at them
        doctor_button(t, prominent=True) if c.problem and c.problem.key == "error.SESSION_EXPIRED" else None,
    )


def otp_screen(state: AppState, t: Translator) -> El:
    return _sign_in_step(
        "otp", state, t,
        (
            h("p", None, t.t("otp.intro", username=state.connect.username)),
            base.field(
                t.t("otp.label"),
                h("input", {"id": "mc-code", "name": "code", "type": "text", "inputmode": "numeric",
                            "autocomplete": "one-time-code", "maxlength": "10", "required": True,
                            "class": "code-input"}),
                field_id="mc-code",
            ),
        ),
        t.t("otp.submit"),
    )


def _sign_in_step(step: str, state: AppState, t: Translator, fields: tuple[El, ...], submit: str,
                  note: El | None = None, aside: El | None = None) -> El:
    """The password and the code steps: the same frame around their own fields (the CRM they sign in to,
    the problem, the submit button, an optional note, and "change the address" with an optional aside)."""
    c = state.connect
    return h(
        "form",
        {"class": "stack", "data-form": step, "novalidate": True, "data-key": step},
        base.heading(t.t(f"{step}.title")),
        crm_card(state, t),
        *fields,
        base.banner(t, c.problem),
        h("div", {"class": "actions"},
          base.button(t.t("password.busy") if c.busy else submit, "", kind="primary", busy=c.busy, submit=True)),
        note,
        h("div", {"class": "actions"}, base.button(t.t("password.change"), "back-to-address", kind="subtle"), aside),
    )


def gate_screen(gate: GateState, t: Translator) -> El:
    installation = gate.installation or gate.host or t.t("gate.this_crm")
    params = {"installation": installation, "host": gate.host or installation}
    return h(
        "section",
        {"class": "stack gate", "data-key": f"gate-{gate.kind}", "data-gate": gate.kind,
         "aria-labelledby": "mc-gate-title"},
        h("div", {"class": "gate-icon"}, base.icon("lock")),
        h("h1", {"class": "title", "id": "mc-gate-title", "tabindex": "-1"}, t.t(f"gate.{gate.kind}.title")),
        h("p", None, t.t(f"gate.{gate.kind}.body", **params)),
        h("p", {"class": "gate-todo"}, t.t(f"gate.{gate.kind}.todo", **params)),
        h("div", {"class": "actions"},
          base.button(t.t("gate.retry"), "retry-gate", kind="primary", busy=gate.busy),
          base.button(t.t("gate.other"), "back-to-address", kind="secondary"),
          doctor_button(t, prominent=False)),
    )
