"""Create a record from the mail (protocol B.10): a new Contact or Lead for the sender, prefilled
from the mail, created with stock `create`, then the mail linked to it in the same step.

The pure part (name splitting, the company from the address, the form from `describe`) runs
under CPython; `RecordCreator` drives the flow for the `App`. Two creates of the same sender never
leave two records: `mcsuggest` is asked right before creating (a record with this address in
this module is offered instead) and again after an unclear failure (the answer to `create` was
lost: the record it made is used). A second click while a create runs is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from mailconnector.core import decisions
from mailconnector.core.state import CreateField, CreateFieldKind, CreateState, Message, Target
from mailconnector.crm import errors, vtql
from mailconnector.models import (
    CrmRecord,
    EmailAddress,
    FieldDescription,
    LinkableModule,
    MailSnapshot,
    ModuleDescription,
)

if TYPE_CHECKING:
    from mailconnector.core.app import App

CANDIDATES = ("Contacts", "Leads")  # modules a person who wrote a mail can become
# Surname particles: "Maria De Luca" is Maria + De Luca, "Jan van der Berg" is Jan + van der Berg.
_PARTICLES = frozenset({"de", "di", "da", "del", "della", "dello", "dei", "degli", "dal", "dalla", "lo", "la",
                        "le", "van", "von", "der", "den", "du", "des", "dos", "mac", "st.", "san"})
# Mail providers: their domain names no company.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "outlook.it", "hotmail.com", "hotmail.it", "live.com", "live.it",
    "msn.com", "yahoo.com", "yahoo.it", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.de",
    "gmx.net", "web.de", "libero.it", "virgilio.it", "tiscali.it", "alice.it", "tim.it", "fastwebnet.it",
    "email.it", "inwind.it", "pec.it", "proton.me", "protonmail.com", "yandex.com", "zoho.com",
})
# Second-level labels under which companies register (example.co.uk, example.com.au).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ltd", "plc"})
_NON_NAME = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\"“”<>]")
_FIELD_KINDS: dict[str, CreateFieldKind] = {
    "email": "email", "phone": "phone", "url": "url", "text": "textarea", "picklist": "picklist",
    "date": "date", "boolean": "boolean", "reference": "reference",
}
# Fields the add-in fills from the mail (the rest of a module's fields are asked only when mandatory).
_PREFILLED = {"Contacts": ("firstname", "lastname", "email", "account_id"),
              "Leads": ("firstname", "lastname", "company", "email")}
_UNCLEAR = (errors.NetworkError, errors.ServerError, errors.CrmProtocolError)


# --- names and companies ------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return _NON_NAME.sub(" ", text).split()


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower() if word.isalnum() else word


def split_name(display_name: str, address: str = "") -> tuple[str, str]:
    """(first name, last name) of a person as mail programs show them.

    "Rossi, Mario" is Mario Rossi; "Mario Rossi" too; "Maria De Luca" is Maria + De Luca; "ROSSI
    Mario" (a surname in capitals) is Mario + ROSSI; a single name is the last name (vtenext
    requires one). Without a display name (or one that is just the address), the address's local
    part gives the name when it reads like one ("mario.rossi"), else nothing.
    """
    name = " ".join(display_name.split())
    if not name or "@" in name:
        return _from_local_part(address)
    if "," in name:
        last, _, first = name.partition(",")
        return " ".join(_words(first)), " ".join(_words(last))
    words = _words(name)
    if not words:
        return _from_local_part(address)
    if len(words) == 1:
        return "", words[0]
    capitals = [i for i, w in enumerate(words) if len(w) > 1 and w.isupper() and w.isalpha()]
    if len(capitals) == 1 and len(words) > len(capitals):
        at = capitals[0]
        return " ".join(w for i, w in enumerate(words) if i != at), words[at]
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def _from_local_part(address: str) -> tuple[str, str]:
    local = address.partition("@")[0]
    parts = [p for p in re.split(r"[._\-+]+", local) if p]
    if len(parts) >= 2 and all(p.isalpha() and len(p) > 1 for p in parts[:2]):
        return _title(parts[0]), " ".join(_title(p) for p in parts[1:] if p.isalpha())
    return "", ""


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""


def company_from_domain(address: str) -> str:
    """A company name guessed from the address ("info@studio-verdi.it" -> "Studio Verdi"); empty
    for mail providers, where the domain says nothing about the sender's company."""
    domain = domain_of(address)
    if not domain or domain in FREE_MAIL:
        return ""
    labels = [label for label in domain.split(".") if label]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]
    name = labels[-2] if len(labels) >= 2 else labels[0]
    return " ".join(_title(w) for w in re.split(r"[-_]+", name) if w)


def sender_of(mail: MailSnapshot) -> EmailAddress | None:
    """Whom a new record would be about: the author of a received mail, the first recipient of a
    mail the user sent."""
    wanted = mail.counterpart_addresses()
    if not wanted:
        return None
    people = (*mail.to, *mail.cc) if mail.is_sent_by_user else ((mail.author,) if mail.author else ())
    for person in people:
        if person.address.casefold() == wanted[0].casefold():
            return person
    return EmailAddress(address=wanted[0])


# --- the form -------------------------------------------------------------------------------------------------


def _form_field(description: FieldDescription, shown: str = "") -> CreateField:
    kind = _FIELD_KINDS.get(description.type.name, "text")
    choices = tuple((v.value, v.label or v.value) for v in description.type.picklist_values)
    return CreateField(name=description.name, label=description.label or description.name, kind=kind,
                       mandatory=description.mandatory, choices=choices, shown=shown)


def form_for(
    description: ModuleDescription, person: EmailAddress, *, account: tuple[str, str] | None = None
) -> tuple[tuple[CreateField, ...], tuple[tuple[str, str], ...]]:
    """The fields to show and their values: what the mail gives (name, address, company), then
    every mandatory field the mail cannot fill, with describe's type (picklists as choices)."""
    first, last = split_name(person.name, person.address)
    given: dict[str, str] = {"firstname": first, "lastname": last, "email": person.address}
    if description.name == "Leads":
        given["company"] = company_from_domain(person.address)
    shown: dict[str, str] = {}
    if description.name == "Contacts" and account is not None:
        given["account_id"], shown["account_id"] = account
    fields: list[CreateField] = []
    values: dict[str, str] = {}
    prefilled = _PREFILLED.get(description.name, ())
    for field in description.fields:
        if not field.editable or field.type.name in ("owner", "autogenerated"):
            continue  # the owner defaults to the caller, as in vtenext
        if field.name in prefilled:
            if field.name == "account_id" and "account_id" not in given:
                continue
        elif not field.mandatory:
            continue
        elif field.type.name == "reference":
            continue  # nothing to choose it from here; the CRM names it if it insists
        fields.append(_form_field(field, shown.get(field.name, "")))
        value = given.get(field.name, "")
        if not value and field.type.name == "picklist" and field.type.picklist_values:
            value = field.type.default_value or field.type.picklist_values[0].value
        values[field.name] = value
    return tuple(fields), tuple(values.items())


def missing_fields(state: CreateState) -> tuple[str, ...]:
    return tuple(f.name for f in state.fields if f.mandatory and not state.value(f.name).strip())


def record_label(description: ModuleDescription, record: CrmRecord, fallback: str) -> str:
    label = " ".join(record.text(f) for f in description.label_fields if record.text(f))
    return label or fallback


# --- the flow -------------------------------------------------------------------------------------------------


class RecordCreator:
    """The "create a Contact/Lead from this mail" intents of one pane (owned by its `App`)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._running = False

    def _state(self, **changes: object) -> None:
        current = self.app.state.create
        if current is not None:
            self.app._update(create=replace(current, **changes))  # type: ignore[arg-type]

    # which modules to offer, once per session (describe is cached by the client)
    async def load_createable(self, modules: tuple[LinkableModule, ...]) -> None:
        client = self.app._client
        if client is None:
            return
        allowed: list[str] = []
        denied: list[str] = []
        for module in modules:
            if module.name not in CANDIDATES or not module.email_fields:
                continue
            try:
                description = await client.describe(module.name)
            except errors.CrmError:
                continue  # not offered; the user can still search and link
            (allowed if description.createable else denied).append(module.name)
        self.app._choice(createable=tuple(allowed), not_createable=tuple(denied))

    # --- intents ---------------------------------------------------------------------------------------------
    def open(self, module: str) -> None:
        app = self.app
        mail = app.state.mail
        person = sender_of(mail) if mail else None
        if module not in app.state.choice.createable or person is None or app._client is None:
            return
        label = decisions.module_label(app.state.choice.modules, module)
        app._update(screen="create", problem=None,
                    create=CreateState(module=module, module_label=label, address=person.address))
        app._spawn(self._prepare(app.state.mail_key, module, person), mail_bound=True)

    def edit(self, name: str, value: str) -> None:
        current = self.app.state.create
        if current is None or name not in {f.name for f in current.fields}:
            return
        values = {**dict(current.values), name: value}
        self._state(values=tuple(values.items()), missing=tuple(m for m in current.missing if m != name))

    def cancel(self) -> None:
        if self._running:
            return
        self.app._update(screen="record", create=None, problem=None)

    def submit(self, values: Mapping[str, str]) -> None:
        app = self.app
        current = app.state.create
        if current is None or current.status not in ("ready", "error") or self._running:
            return  # a second click while creating does nothing
        known = {f.name for f in current.fields}
        merged = {**dict(current.values), **{k: v for k, v in values.items() if k in known}}
        current = replace(current, values=tuple(merged.items()), problem=None, existing=None)
        missing = missing_fields(current)
        if missing:
            labels = ", ".join(f.label for f in current.fields if f.name in missing)
            app._update(create=replace(current, missing=missing, status="error",
                                       problem=Message.of("create.missing", fields=labels)))
            return
        self._running = True
        app._update(create=replace(current, missing=(), status="creating"))
        app._spawn(self._create(app.state.mail_key, current), mail_bound=True)

    def use_existing(self) -> None:
        current = self.app.state.create
        if current is None or current.existing is None or self._running:
            return
        self.app._update(create=None)
        self.app._show_preflight(current.existing)

    # --- work ------------------------------------------------------------------------------------------------
    async def _prepare(self, key: int, module: str, person: EmailAddress) -> None:
        app, client = self.app, self.app._client
        if client is None:
            return
        try:
            description = await client.describe(module)
            account = await self._company_for(person.address) if module == "Contacts" else None
        except errors.CrmError as exc:
            problem = await app._failed(exc)
            if problem is not None and app.state.mail_key == key:
                self._state(status="error", problem=problem)
            return
        if app.state.mail_key != key:
            return
        fields, values = form_for(description, person, account=account)
        self._state(fields=fields, values=values, status="ready")

    async def _company_for(self, address: str) -> tuple[str, str] | None:
        """The one Companies record whose email addresses share the sender's domain, if exactly one."""
        client = self.app._client
        domain = domain_of(address)
        accounts = self.app.state.choice.module_named("Accounts")
        if client is None or not domain or domain in FREE_MAIL or accounts is None or not accounts.email_fields:
            return None
        pattern = f"'%@{vtql.escape_like(domain)}'"
        where = " OR ".join(f"{vtql.identifier(f)} LIKE {pattern}" for f in accounts.email_fields)
        label_fields = accounts.label_fields or ("accountname",)
        try:
            rows = await client.query(vtql.select("Accounts", label_fields, where=where, limit=2))
        except (errors.AccessDenied, errors.WebServiceError, errors.CrmProtocolError):
            return None  # a company is a convenience: the Contact is created without one
        if len(rows) != 1:
            return None
        return rows[0].id, " ".join(rows[0].text(f) for f in label_fields if rows[0].text(f))

    async def _existing(self, module: str, address: str) -> Target | None:
        client = self.app._client
        assert client is not None
        found = await client.suggest([address])
        match = next((s for s in found if s.module == module), None)
        return decisions.target_from_suggestion(match, self.app.state.choice.modules) if match else None

    async def _create(self, key: int, form: CreateState) -> None:
        app, client = self.app, self.app._client
        try:
            if client is None:
                return
            try:
                existing = await self._existing(form.module, form.address)
                if existing is not None:
                    self._state(status="error", existing=existing,
                                problem=Message.of("create.duplicate", tone="warning", module=form.module_label,
                                                   record=existing.label, address=form.address))
                    return
                values = {k: v.strip() for k, v in form.values if v.strip()}
                try:
                    record = await client.create(form.module, values)
                except _UNCLEAR as unclear:
                    # the answer was lost: the CRM may have created it. Look before saying anything.
                    made = await self._existing(form.module, form.address)
                    if made is None:
                        raise unclear
                    target = made
                else:
                    description = await client.describe(form.module)
                    label = record_label(description, record, " ".join(v for v in (
                        dict(form.values).get("firstname", ""), dict(form.values).get("lastname", "")) if v))
                    target = Target(module=form.module, module_label=form.module_label, id=record.id, label=label,
                                    detail=form.address)
            except errors.CrmError as exc:
                problem = self._explain(exc, form)
                if problem is None:
                    problem = await app._failed(exc)
                if problem is not None and app.state.mail_key == key:
                    self._state(status="error", problem=problem)
                return
        finally:
            self._running = False
        if app.state.mail_key != key:
            return
        # create -> link in one step: the preflight shows what is copied while the link runs
        app._update(create=None, created=target.id)
        if app.state.mail is not None:  # the new record is a suggestion for this sender from now on
            app._spawn(app._load_suggestions(key, app.state.mail), mail_bound=True)
        app._show_preflight(target)
        app.link()

    def _explain(self, exc: errors.CrmError, form: CreateState) -> Message | None:
        if isinstance(exc, errors.MandatoryFieldMissing):
            label = next((f.label for f in form.fields if f.name == exc.field), exc.field)
            return Message.of("create.mandatory", field=label, detail=exc.server_message or "")
        if isinstance(exc, errors.AccessDenied):
            return Message.of("create.denied", module=form.module_label, detail=exc.server_message or "")
        if isinstance(exc, _UNCLEAR):
            return Message.of("create.unclear", cause=decisions.explain(exc))
        return None
