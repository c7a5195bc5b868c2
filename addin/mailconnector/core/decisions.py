"""Pure decisions: what an address means, which gate applies, how an error is explained, what a
link will copy and whether the receipt matches. No I/O, no state changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailconnector.core.receipt_check import SentContent, checked_record_url, verify
from mailconnector.core.state import (
    CopyKind,
    CopyPlan,
    CrmInfo,
    GateKind,
    LinkOutcome,
    Message,
    PreflightItem,
    SearchView,
    StoredFile,
    Target,
    UrlFeedback,
)
from mailconnector.crm import errors
from mailconnector.crm.urls import CrmUrl, blocked_by_local_network_access, normalise_crm_url
from mailconnector.models import (
    CrmStatus,
    LinkableModule,
    LinkResult,
    MailSnapshot,
    Receipt,
    RecordSummary,
    SearchResult,
    Suggestion,
)

# --- the CRM address --------------------------------------------------------------------------------------


def url_feedback(text: str) -> UrlFeedback:
    """What the address field means as the user types: the site it resolves to, or why not."""
    try:
        url = normalise_crm_url(text)
    except errors.UrlError as exc:
        return UrlFeedback(problem=exc.reason)
    return UrlFeedback(base=url.base)


def crm_info(url: CrmUrl, status: CrmStatus) -> CrmInfo:
    return CrmInfo(
        base=url.base,
        host=url.display_host,
        installation=status.licence.installation,
        product=status.crm.product,
        version=status.crm.version,
        component_version=status.version,
        otp=status.auth.otp,
        max_message_bytes=status.limits.max_message_bytes,
        max_file_bytes=status.limits.max_file_bytes,
        chunk_bytes=status.limits.chunk_bytes,
        capabilities=status.capabilities,
    )


# --- licence gate ---------------------------------------------------------------------------------------------

_GATE_BY_ERROR: tuple[tuple[type[errors.CrmError], GateKind], ...] = (
    (errors.ComponentMissing, "component_missing"),
    (errors.LicenceInactive, "licence_inactive"),
    (errors.LicenceExpired, "licence_expired"),
    (errors.UserNotEnabled, "user_not_enabled"),
)


def gate_for_status(status: CrmStatus) -> GateKind | None:
    """The gate discovery already tells (seats are only known at sign-in)."""
    if status.licence.state == "inactive":
        return "licence_inactive"
    if status.licence.state == "expired":
        return "licence_expired"
    return None


def gate_for_error(error: BaseException) -> GateKind | None:
    """Any call can meet the gate (a licence can expire while a session is open)."""
    for kind, gate in _GATE_BY_ERROR:
        if isinstance(error, kind):
            return gate
    return None


# --- errors as messages ------------------------------------------------------------------------------------------


def explain(error: BaseException) -> Message:
    """The user's message for a failure: a key per error code (the tables have one for each)."""
    if isinstance(error, errors.UrlError):
        return Message.of(f"url.{error.reason}")
    if isinstance(error, errors.NetworkError) and type(error) is errors.NetworkError and error.hint:
        return Message.of(f"error.{error.hint}")
    if isinstance(error, errors.CrmError):
        detail = error.server_message or "" if isinstance(error, errors.WebServiceError | errors.AccessDenied) else ""
        return Message.of(f"error.{error.code}", detail=detail)
    return Message.of("error.UNEXPECTED", detail=f"{type(error).__name__}: {error}")


def explain_connect(error: BaseException, url_text: str, origin: str) -> Message:
    """A failed discovery: as `explain`, except that a request the browser refused outright for a CRM
    on a private address, from a pane on a public origin, is most likely Local Network Access."""
    if isinstance(error, errors.NetworkError) and type(error) is errors.NetworkError and error.hint:
        try:
            host = normalise_crm_url(url_text).host
        except errors.UrlError:
            host = ""
        if host and blocked_by_local_network_access(host, origin):
            return Message.of("error.LOCAL_NETWORK", host=host)
    return explain(error)


def expired_on_arrival(expires: str | None, time_zone: str, now: datetime) -> bool:
    """A token the CRM says expires before this computer's now: the clocks differ (or the CRM is set
    to issue tokens that cannot be used). `expires` is "YYYY-MM-DD HH:MM:SS" in the user's time zone."""
    if not expires:
        return False
    try:
        local = datetime.strptime(expires, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    try:
        return local.replace(tzinfo=ZoneInfo(time_zone or "UTC")) < now
    except (ZoneInfoNotFoundError, ValueError):
        return local < now.replace(tzinfo=None) - timedelta(hours=14)  # past in every time zone


def unlink_refused(linked_by: str) -> Message:
    """The CRM refused to remove a link: only whoever made it, or an administrator, may."""
    return Message.of("unlink.denied", user=linked_by) if linked_by else Message.of("unlink.denied_other")


# --- records ---------------------------------------------------------------------------------------------------------


def record_number(ws_id: str) -> str:
    return ws_id.split("x", 1)[1] if "x" in ws_id else ws_id


def record_url(base: str, module: str, ws_id: str) -> str:
    """Where a record opens in the CRM's web interface (vtenext's DetailView URL)."""
    return f"{base}/index.php?module={module}&action=DetailView&record={record_number(ws_id)}"


def module_label(modules: Iterable[LinkableModule], name: str, *, singular: bool = True) -> str:
    for module in modules:
        if module.name == name:
            return (module.singular or module.label) if singular else module.label
    return name


def make_target(modules: tuple[LinkableModule, ...], module: str, id: str, label: str, detail: str) -> Target:
    """A record the user may pick; a module the CRM did not list is not refused here (the CRM decides)."""
    known = next((m for m in modules if m.name == module), None)
    return Target(
        module=module,
        module_label=module_label(modules, module),
        id=id,
        label=label,
        detail=detail,
        can_link=known.can_link if known else True,
    )


def target_from_suggestion(suggestion: Suggestion, modules: tuple[LinkableModule, ...]) -> Target:
    detail = suggestion.account.label if suggestion.account and suggestion.account.label else suggestion.email
    return make_target(modules, suggestion.module, suggestion.id, suggestion.label, detail)


def target_from_record(record: RecordSummary, modules: tuple[LinkableModule, ...]) -> Target:
    detail = record.account_label or record.email or record.number or ""
    return make_target(modules, record.module, record.id, record.label, detail)


def default_module(modules: tuple[LinkableModule, ...], preferred: str = "") -> str:
    """The module to search in: the one chosen before if still offered, else the CRM's first."""
    names = [m.name for m in modules]
    if preferred in names:
        return preferred
    return names[0] if names else ""


def search_view(result: SearchResult) -> SearchView:
    status = result.state
    return SearchView(
        status=status,
        text=result.text,
        records=result.records,
        total=result.total,
    )


def suggestions_for(mail: MailSnapshot, suggestions: tuple[Suggestion, ...]) -> tuple[Suggestion, ...]:
    """Suggestions in the CRM's order, one per record, never the user's own address."""
    own = mail.mailbox_user.address.casefold() if mail.mailbox_user else ""
    seen: set[str] = set()
    kept = []
    for s in suggestions:
        if s.id in seen or (own and own in (s.email.casefold(), s.matched.casefold())):
            continue
        seen.add(s.id)
        kept.append(s)
    return tuple(kept)


# --- what a link copies -------------------------------------------------------------------------------------------


def body_bytes(mail: MailSnapshot) -> int:
    return len((mail.body_html or "").encode("utf-8")) + len((mail.body_text or "").encode("utf-8"))


def preflight(
    mail: MailSnapshot,
    *,
    attachments_supported: bool,
    eml_supported: bool,
    crm: CrmInfo | None,
) -> tuple[PreflightItem, ...]:
    """Everything the link will copy, link to or leave out, and why, before anything is sent."""
    items = [PreflightItem(kind="body", name="", size=body_bytes(mail), content_type="text/html")]
    for att in mail.attachments:
        if att.kind == "cloud":
            items.append(
                PreflightItem(
                    kind="cloud", name=att.name, size=att.size, content_type=att.content_type, plan="link",
                    reason="preflight.reason.cloud", attachment_id=att.id,
                )
            )
            continue
        kind: CopyKind = "item" if att.kind == "item" else "file"
        plan: CopyPlan = "copy"
        reason = ""
        if not attachments_supported:
            plan, reason = "skip", "preflight.reason.old_host"
        elif crm is not None and att.size > crm.max_file_bytes:
            plan, reason = "skip", "preflight.reason.too_large"
        items.append(
            PreflightItem(
                kind=kind, name=att.name, size=att.size, content_type=att.content_type,
                plan=plan, reason=reason, attachment_id=att.id,
            )
        )
    if crm is None or "eml" in crm.capabilities:
        if eml_supported:
            items.append(PreflightItem(kind="eml", name="", size=0, content_type="message/rfc822"))
        else:
            items.append(
                PreflightItem(kind="eml", name="", size=0, plan="skip", reason="preflight.reason.no_eml")
            )
    return tuple(items)


def too_large(items: tuple[PreflightItem, ...], crm: CrmInfo | None) -> Message | None:
    """The whole mail over the CRM's limit: linking would be refused, so say it before sending."""
    if crm is None:
        return None
    total = sum(i.size for i in items if i.plan == "copy")
    if total > crm.max_message_bytes:
        return Message.of("preflight.too_large", total_bytes=total, limit_bytes=crm.max_message_bytes)
    return None


def outcome(
    target: Target,
    result: LinkResult,
    receipt: Receipt,
    *,
    sent: SentContent,
    skipped: tuple[str, ...],
    base: str,
) -> LinkOutcome:
    """The receipt, checked against what was sent (receipt_check: every digest), and the record's link."""
    check = verify(receipt, sent, created=result.created)
    given = result.target.url or record_url(base, result.target.module, result.target.id)
    url, url_problem = checked_record_url(given, base)
    return LinkOutcome(
        module=result.target.module,
        module_label=target.module_label,
        record_id=result.target.id,
        record_label=result.target.label or target.label,
        record_url=url,
        created=result.created,
        linked=result.linked,
        subject=receipt.subject,
        files=tuple(StoredFile(a.filename, a.size, a.sha256) for a in receipt.attachments),
        links=tuple(StoredFile(link.name, 0) for link in receipt.external_links),
        eml_size=receipt.eml.size if receipt.eml else None,
        body_bytes=receipt.body_html_bytes + receipt.body_text_bytes,
        verified=check.verified,
        skipped=skipped,
        mismatch=check.files,
        mismatch_parts=check.parts,
        record_url_problem=url_problem,
        message_record=result.message,
    )
