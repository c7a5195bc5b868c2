"""Undoing a link (B.11), from the receipt or from the "already in the CRM" banner: one confirmation,
then what the CRM removed (the relation only, or the whole stored mail), then "link elsewhere".

The CRM decides who may remove a link (whoever made it, or an administrator); the pane offers the
action wherever the CRM can do it (`unlink` capability) and explains a refusal.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mailconnector.core import decisions
from mailconnector.core.state import Message, UnlinkState
from mailconnector.crm import errors

if TYPE_CHECKING:
    from mailconnector.core.app import App

CAPABILITY = "unlink"


def offered(capabilities: tuple[str, ...] | None) -> bool:
    """Older components cannot remove links: the pane then shows no button at all."""
    return capabilities is not None and CAPABILITY in capabilities


class UnlinkFlow:
    def __init__(self, app: App) -> None:
        self.app = app

    def _set(self, **changes: object) -> None:
        current = self.app.state.unlink
        if current is not None:
            self.app._update(unlink=replace(current, **changes))  # type: ignore[arg-type]

    def from_receipt(self) -> None:
        state = self.app.state
        outcome = state.outcome
        if outcome is None or not outcome.message_record:
            return
        self._ask(UnlinkState(
            message=outcome.message_record, module=outcome.module, module_label=outcome.module_label,
            record_id=outcome.record_id, record_label=outcome.record_label, subject=outcome.subject,
            files=len(outcome.files), eml=outcome.eml_size is not None, back_to="receipt",
        ))

    def from_banner(self, record_id: str) -> None:
        choice = self.app.state.choice
        link = next((link for link in choice.links if link.id == record_id), None)
        if link is None:
            return
        self._ask(UnlinkState(
            message=link.message, module=link.module, module_label=decisions.module_label(choice.modules, link.module),
            record_id=link.id, record_label=link.label, linked_by=link.linked_by,
            subject=self.app.state.mail.subject if self.app.state.mail else "", back_to="record",
        ))

    def _ask(self, unlink: UnlinkState) -> None:
        crm = self.app.state.crm
        if self.app._client is None or not offered(crm.capabilities if crm else None):
            return
        self.app._update(screen="unlink", unlink=unlink, problem=None)
        self.app._spawn(self._read_receipt(unlink.message), mail_bound=True)

    async def _read_receipt(self, message: str) -> None:
        """What the CRM holds, for the confirmation: how many files, which other records keep it."""
        client = self.app._client
        if client is None:
            return
        try:
            receipt = await client.receipt(message)
        except errors.CrmError:
            return  # the confirmation simply says less
        current = self.app.state.unlink
        if current is None or current.message != message or current.phase != "confirm":
            return
        self._set(subject=receipt.subject or current.subject, files=len(receipt.attachments),
                  eml=receipt.eml is not None, others=sum(1 for link in receipt.links if link.id != current.record_id))

    def confirm(self) -> None:
        unlink = self.app.state.unlink
        if unlink is None or unlink.phase != "confirm" or self.app._client is None:
            return
        self._set(phase="busy", problem=None)
        self.app._spawn(self._run(unlink))

    async def _run(self, unlink: UnlinkState) -> None:
        client = self.app._client
        assert client is not None
        try:
            result = await client.unlink(unlink.message, unlink.record_id)
        except errors.CrmError as exc:
            if isinstance(exc, errors.AccessDenied):
                problem: Message | None = decisions.unlink_refused(unlink.linked_by)
            else:
                problem = await self.app._failed(exc)
            if problem is not None and self.app.state.unlink is not None:
                self._set(phase="confirm", problem=problem)
            return
        self._set(phase="done", unlinked=result.unlinked, message_deleted=result.message_deleted)
        self.app._update(outcome=None)
        mail = self.app.state.mail
        if mail is not None:  # the banner must not show the removed link any more
            self.app._choice(links_status="loading")
            self.app._spawn(self.app._load_links(self.app.state.mail_key, mail), mail_bound=True)

    def cancel(self) -> None:
        unlink = self.app.state.unlink
        if unlink is None or unlink.phase == "busy":
            return
        back = unlink.back_to if unlink.phase == "confirm" and self.app.state.outcome is not None else "record"
        self.app._update(screen=back, unlink=None)

    def link_elsewhere(self) -> None:
        self.app._update(unlink=None)
        self.app.back_to_record()
