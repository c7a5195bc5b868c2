"""What the pane shows when Office has not handed it a mailbox: opened outside Outlook, office.js missing,
or Outlook slow to answer `Office.onReady` (`HostStart` of office/answers.py, from `OfficeBridge.start`).
Pure, like `screens`."""

from __future__ import annotations

from typing import Literal

from mailconnector.ui.i18n import Translator
from mailconnector.ui.screens import icon
from mailconnector.ui.vdom import El, h

HostProblem = Literal["outside", "late", "missing"]
_TONE: dict[HostProblem, str] = {"outside": "info", "late": "info", "missing": "error"}


def host_screen(problem: HostProblem, t: Translator, version: str) -> tuple[El, ...]:
    """One message bar with a title and what to do; `late` is a live status (the pane carries on by itself)."""
    tone = _TONE[problem]
    role = "alert" if tone == "error" else "status"
    return (
        h("section", {"class": "pane-body host-problem", "data-key": f"host-{problem}"},
          h("div", {"class": f"banner banner-{tone}", "role": role, "aria-live": "polite"},
            icon("error" if tone == "error" else "info"),
            h("div", {"class": "banner-body"},
              h("h1", {"class": "title", "id": "mc-host-title", "tabindex": "-1"}, t.t(f"app.host.{problem}.title")),
              h("p", {"class": "banner-text"}, t.t(f"app.host.{problem}.body"))))),
        h("footer", {"class": "pane-footer", "id": "pane-footer"},
          h("span", {"class": "footer-version"}, t.t("app.version", version=version))),
    )
