"""Thread memory (protocol B.9): the records where earlier mails of the open mail's conversation
are stored, as the pane suggests them (first, with the reason in words).

Pure: the CRM's `thread` answer in, one suggestion per record out. It comes from the CRM, so it
works across users and devices, and the CRM already left out records the user may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailconnector.core.decisions import make_target
from mailconnector.core.state import Target
from mailconnector.models import LinkableModule, LookupLink, Suggestion, ThreadLink


@dataclass(frozen=True)
class ThreadRecord:
    """One record where mails of this conversation are stored: how many, who linked the last, when."""

    module: str
    id: str
    label: str
    mails: int  # distinct mails of the conversation stored there
    last_by: str
    last_at: datetime | None
    last_subject: str = ""


def thread_records(thread: tuple[ThreadLink, ...], links: tuple[LookupLink, ...]) -> tuple[ThreadRecord, ...]:
    """One entry per record, in the CRM's order (newest mail first); records this very mail is
    already linked to are left out (the "already in the CRM" banner shows them)."""
    here = {link.id for link in links}
    order: list[str] = []
    grouped: dict[str, list[ThreadLink]] = {}
    for item in thread:
        if item.id in here:
            continue
        if item.id not in grouped:
            order.append(item.id)
            grouped[item.id] = []
        grouped[item.id].append(item)
    records = []
    for record_id in order:
        items = grouped[record_id]
        newest = max(items, key=lambda i: i.linked_at)  # "YYYY-MM-DD HH:MM:SS" sorts as text
        records.append(ThreadRecord(
            module=items[0].module,
            id=record_id,
            label=items[0].label,
            mails=len({i.message for i in items}),
            last_by=newest.linked_by,
            last_at=newest.linked_at_datetime,
            last_subject=newest.subject,
        ))
    return tuple(records)


def without_thread(suggestions: tuple[Suggestion, ...], records: tuple[ThreadRecord, ...]) -> tuple[Suggestion, ...]:
    """The sender's suggestions still shown, minus the records the thread already put first."""
    first = {r.id for r in records}
    return tuple(s for s in suggestions if s.id not in first)


def target_from_thread(record: ThreadRecord, modules: tuple[LinkableModule, ...]) -> Target:
    return make_target(modules, record.module, record.id, record.label, record.last_subject)
