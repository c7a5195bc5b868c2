"""The connection check screen (core/doctor.py): each probe and its result, the first thing wrong
with what to do and who should do it, and a plain-text report to copy for the administrator.

The report holds versions, addresses and probe results only: never a password or a token (the
doctor never has either).
"""

from __future__ import annotations

from mailconnector.core.state import Diagnosis, DoctorState, Probe
from mailconnector.ui import screens as base  # the shared building blocks (names used at call time)
from mailconnector.ui.i18n import Translator
from mailconnector.ui.vdom import El, h

_OUTCOME_ICON = {"ok": "check", "fail": "error", "warn": "warning", "skip": "info"}


def diagnosis_params(diagnosis: Diagnosis, t: Translator) -> dict[str, str]:
    """Parameters of a diagnosis, with the ones that are themselves translation keys translated."""
    params = diagnosis.kwargs
    if "reason_key" in params:
        params["reason"] = t.t(params.pop("reason_key"))
    if "direction" in params:
        params["direction"] = t.t(f"doctor.direction.{params['direction']}")
    return params


def _probe_row(probe: Probe, t: Translator) -> El:
    return h(
        "li",
        {"class": f"probe probe-{probe.outcome}", "data-probe": probe.name, "data-outcome": probe.outcome},
        base.icon(_OUTCOME_ICON[probe.outcome]),
        h("span", {"class": "probe-name"}, t.t(f"doctor.probe.{probe.name}")),
        h("span", {"class": "probe-outcome"}, t.t(f"doctor.outcome.{probe.outcome}")),
        h("span", {"class": "probe-detail muted small"}, probe.detail) if probe.detail else None,
    )


def _diagnosis(diagnosis: Diagnosis, t: Translator) -> El:
    params = diagnosis_params(diagnosis, t)
    tone = "success" if diagnosis.key == "all_good" else "error"
    return h(
        "section",
        {"class": f"banner banner-{tone} diagnosis", "role": "alert" if tone == "error" else "status",
         "id": "mc-diagnosis", "data-diagnosis": diagnosis.key, "data-who": diagnosis.who,
         "aria-labelledby": "mc-diagnosis-title"},
        base.icon("check" if tone == "success" else "error"),
        h("div", {"class": "banner-body"},
          h("h2", {"class": "banner-title", "id": "mc-diagnosis-title"},
            t.t(f"doctor.{diagnosis.key}.title", **params)),
          h("p", {"class": "banner-text"}, t.t(f"doctor.{diagnosis.key}.todo", **params)),
          h("pre", {"class": "code", "id": "mc-cors-headers"}, params["headers"]) if "headers" in params else None,
          h("p", {"class": "banner-text who"}, t.t(f"doctor.who.{diagnosis.who}"))),
    )


def report_text(doctor: DoctorState, t: Translator, version: str) -> str:
    """What "Copy report" copies: plain text for the administrator."""
    lines = [
        t.t("doctor.report_title"),
        t.t("doctor.report_addin", version=t.t("app.version", version=version), origin=doctor.origin or "?"),
        t.t("doctor.report_crm", base=doctor.base or doctor.url_text),
        t.t("doctor.report_when", when=doctor.checked_at or "?"),
        "",
    ]
    for number, probe in enumerate(doctor.probes, 1):
        detail = f" ({probe.detail})" if probe.detail else ""
        lines.append(f"{number}. {t.t(f'doctor.probe.{probe.name}')}: {t.t(f'doctor.outcome.{probe.outcome}')}{detail}")
    if doctor.diagnosis is not None:
        params = diagnosis_params(doctor.diagnosis, t)
        lines += ["", t.t("doctor.report_result", title=t.t(f"doctor.{doctor.diagnosis.key}.title", **params)),
                  t.t("doctor.report_todo", todo=t.t(f"doctor.{doctor.diagnosis.key}.todo", **params))]
        if "headers" in params:
            lines.append(params["headers"])
        lines.append(t.t(f"doctor.who.{doctor.diagnosis.who}"))
    return "\n".join(lines) + "\n"


def doctor_screen(doctor: DoctorState, t: Translator, version: str) -> El:
    report = report_text(doctor, t, version)
    copied = None
    if doctor.copied:
        copied = h("p", {"class": "muted small", "role": "status", "id": "mc-copied"}, t.t("doctor.copied"))
    return h(
        "div",
        {"class": "stack doctor", "data-key": "doctor", "aria-busy": "true" if doctor.running else "false",
         "data-running": "true" if doctor.running else "false"},
        base.heading(t.t("doctor.title")),
        h("p", {"class": "muted"}, t.t("doctor.intro", base=doctor.base or doctor.url_text)),
        h("ol", {"class": "copy-list probes", "id": "mc-probes"}, [_probe_row(p, t) for p in doctor.probes]),
        h("p", {"class": "muted small loading", "role": "status"}, t.t("doctor.running")) if doctor.running else None,
        h("div", {"class": "diagnosis-slot"}, _diagnosis(doctor.diagnosis, t) if doctor.diagnosis else None),
        h("div", {"class": "field"},
          h("label", {"for": "mc-report", "class": "label"}, t.t("doctor.report")),
          h("textarea", {"id": "mc-report", "class": "report", "readonly": True, "rows": "8", "spellcheck": "false",
                         "value": report})),
        h("div", {"class": "copied-slot", "aria-live": "polite"}, copied),
        h("div", {"class": "actions"},
          base.button(t.t("doctor.copy"), "doctor-copy", kind="primary", disabled=doctor.running),
          base.button(t.t("doctor.again"), "doctor-again", kind="secondary", busy=doctor.running),
          base.button(t.t("doctor.back"), "doctor-back", kind="subtle")),
    )
