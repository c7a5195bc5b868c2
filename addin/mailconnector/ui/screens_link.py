"""The screens of one link: the preflight (what will be stored, before anything is sent), the progress
of each file, and the receipt (what the CRM stored, checked). Built from ui/screens.py's widgets."""

from __future__ import annotations

from mailconnector.core.state import (
    AppState,
    ItemProgress,
    LinkOutcome,
    Message,
    PreflightItem,
    Target,
)
from mailconnector.ui import screens as base  # the shared building blocks (imported both ways: names used at call time)
from mailconnector.ui import screens_unlink
from mailconnector.ui.i18n import Translator
from mailconnector.ui.vdom import El, h

# --- preflight, progress, receipt ----------------------------------------------------------------------------


def kind_key(content_type: str, name: str, kind: str) -> str:
    ct = content_type.lower()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind == "cloud":
        return "kind.cloud"
    if kind == "item" or ct == "message/rfc822" or ext in ("eml", "msg"):
        return "kind.mail"
    if ct == "application/pdf" or ext == "pdf":
        return "kind.pdf"
    if ct.startswith("image/"):
        return "kind.image"
    if ct in ("text/calendar",) or ext == "ics":
        return "kind.calendar"
    if ct in ("text/vcard", "text/x-vcard") or ext == "vcf":
        return "kind.contact"
    if "spreadsheet" in ct or "excel" in ct or ext in ("xls", "xlsx", "ods", "csv"):
        return "kind.spreadsheet"
    if "presentation" in ct or "powerpoint" in ct or ext in ("ppt", "pptx", "odp"):
        return "kind.presentation"
    if "word" in ct or "opendocument.text" in ct or ext in ("doc", "docx", "odt", "rtf"):
        return "kind.document"
    if "zip" in ct or "compressed" in ct or ext in ("zip", "7z", "rar", "gz", "tar"):
        return "kind.archive"
    if ct.startswith("text/"):
        return "kind.text"
    return "kind.file"


def target_card(target: Target, t: Translator) -> El:
    return h("div", {"class": "target-card"},
             h("span", {"class": "badge"}, target.module_label),
             h("p", {"class": "target-title"}, target.label),
             h("p", {"class": "muted small"}, target.detail) if target.detail else None)


def preflight_row(item: PreflightItem, t: Translator) -> El:
    if item.kind == "body":
        name, kind = t.t("preflight.body"), t.t("kind.text")
    elif item.kind == "eml":
        name, kind = t.t("preflight.eml"), t.t("kind.mail")
    else:
        name = item.name
        kind = t.t(kind_key(item.content_type, item.name, item.kind))
    meta = kind if item.kind == "eml" else f"{kind} · {t.size(item.size)}"
    return h(
        "li",
        {"class": "copy-item", "data-plan": item.plan},
        h("span", {"class": "copy-name"}, name),
        h("span", {"class": "copy-meta muted small"}, meta),
        h("span", {"class": f"plan plan-{item.plan}"}, t.t(f"preflight.plan.{item.plan}")),
        h("span", {"class": "copy-reason small"}, t.t(item.reason)) if item.reason else None,
    )


def preflight_screen(state: AppState, t: Translator) -> El:
    target = state.target
    assert target is not None
    already = any(link.id == target.id for link in state.choice.links)
    blocked = state.problem is not None and state.problem.key.startswith("preflight.")
    problem_actions = ()
    return h(
        "div",
        {"class": "stack", "data-key": f"preflight-{target.id}"},
        base.heading(t.t("preflight.title")),
        h("p", {"class": "muted small"}, t.t("preflight.to", module=target.module_label)),
        target_card(target, t),
        base.banner(t, Message.of("preflight.already", tone="info")) if already else h("div", {"class": "banner-slot"}),
        h("h2", {"class": "subtitle"}, t.t("preflight.copied")),
        h("ul", {"class": "copy-list", "id": "mc-preflight"}, [preflight_row(i, t) for i in state.preflight]),
        base.banner(t, state.problem, actions=problem_actions),
        h("div", {"class": "actions"},
          base.button(t.t("preflight.link"), "link", kind="primary", disabled=blocked),
          base.button(t.t("preflight.back"), "back-to-record", kind="secondary")),
    )


def progress_row(item: ItemProgress, t: Translator) -> El:
    name = item.name or t.t("linking.eml")
    if item.status == "uploading":
        status = t.t("linking.item.uploading", sent=t.size(item.sent), size=t.size(item.size))
    else:
        status = t.t(f"linking.item.{item.status}")
    if item.status == "reading":
        value = None  # Outlook gives no progress while it hands a file over: the bar moves (indeterminate)
    elif item.status == "skipped":
        value = "0"
    else:
        value = str(item.sent if item.status != "done" else item.size)
    return h(
        "li",
        {"class": f"progress-item status-{item.status}", "data-status": item.status},
        h("span", {"class": "copy-name"}, name),
        h("progress", {"max": str(max(item.size, 1)), "value": value, "aria-label": name}),
        h("span", {"class": "muted small"}, status),
        h("span", {"class": "copy-reason small"}, t.t(item.reason)) if item.reason else None,
    )


def linking_screen(state: AppState, t: Translator) -> El:
    target = state.target
    progress = state.progress
    assert target is not None
    phase = progress.phase if progress else "uploading"
    phase_text = t.t(f"linking.{phase}") if phase in ("uploading", "saving", "verifying") else ""
    total = progress.total if progress else 0
    sent = progress.sent if progress else 0
    return h(
        "div",
        {"class": "stack", "data-key": "linking", "aria-busy": "true"},
        base.heading(t.t("linking.title", module=target.module_label, record=target.label)),
        h("p", {"class": "phase loading", "role": "status", "data-phase": phase}, phase_text),
        h("progress", {"class": "overall", "max": str(max(total, 1)), "value": str(sent),
                       "aria-label": t.t("linking.overall", sent=t.size(sent), total=t.size(total))}),
        h("p", {"class": "muted small"}, t.t("linking.overall", sent=t.size(sent), total=t.size(total))),
        h("ul", {"class": "copy-list", "id": "mc-progress"},
          [progress_row(i, t) for i in (progress.items if progress else ())]),
        h("p", {"class": "muted small"}, t.t("linking.background")),
    )


def receipt_screen(outcome: LinkOutcome, t: Translator, can_unlink: bool = False,
                   note: El | None = None) -> El:
    params = {"module": outcome.module_label, "record": outcome.record_label}
    if outcome.already_linked:
        title, tone = t.t("receipt.already", **params), "info"
    elif not outcome.created:
        title, tone = t.t("receipt.added", **params), "success"
    else:
        title, tone = t.t("receipt.linked", **params), "success"
    stored = [
        h("li", None, t.t("receipt.subject", subject=outcome.subject)),
        h("li", None, t.t("receipt.body", size=t.size(outcome.body_bytes))),
        h("li", None, t.plural("receipt.files", len(outcome.files), size=t.size(outcome.files_size)),
          h("ul", {"class": "plain files"},
            [h("li", None, h("span", {"class": "copy-name"}, f.name), " ",
               h("span", {"class": "muted small"}, t.size(f.size))) for f in outcome.files])
          if outcome.files else None),
        h("li", None, t.plural("receipt.links", len(outcome.links))) if outcome.links else None,
        h("li", None, t.t("receipt.eml", size=t.size(outcome.eml_size))) if outcome.eml_size is not None else None,
        h("li", None, t.t("receipt.eml_skipped", reason=t.t(outcome.eml_skipped))) if outcome.eml_skipped else None,
    ]
    checks = []
    if outcome.verified:
        checks.append(h("p", {"class": "verified"}, base.icon("check"), h("span", None, t.t("receipt.verified"))))
    if outcome.mismatch or outcome.mismatch_parts:
        names = ", ".join((*outcome.mismatch, *(t.t(part) for part in outcome.mismatch_parts)))
        checks.append(base.banner(t, Message.of("receipt.mismatch", tone="warning", names=names)))
    if outcome.record_url_problem:
        checks.append(base.banner(t, Message.of(outcome.record_url_problem, tone="warning")))
    if outcome.skipped:
        checks.append(base.banner(t, Message.of("receipt.skipped", tone="warning", names=", ".join(outcome.skipped))))
    return h(
        "div",
        {"class": "stack", "data-key": f"receipt-{outcome.record_id}-{outcome.created}-{outcome.linked}"},
        h("div", {"class": f"banner banner-{tone} receipt-title", "role": "status"},
          base.icon("check" if tone == "success" else "info"),
          h("div", {"class": "banner-body"}, h("h1", {"class": "title", "tabindex": "-1"}, title))),
        note,
        h("h2", {"class": "subtitle"}, t.t("receipt.stored")),
        h("ul", {"class": "receipt-list", "id": "mc-receipt"}, stored),
        checks,
        h("div", {"class": "actions"},
          base.external_link(t.t("receipt.open"), outcome.record_url, t, kind="primary")
          if outcome.record_url else None,
          base.button(t.t("receipt.again"), "link-again", kind="secondary"),
          screens_unlink.undo_button(t) if can_unlink and outcome.message_record else None),
    )
