"""The CRM client: one method per operation of crm-protocol.md, typed models in, typed models out.

Runs unchanged under CPython (httpx's socket transport, or a MockTransport in tests) and in the
browser (FetchTransport, chosen automatically under Pyodide). Every method raises only CrmError
subclasses (and asyncio.CancelledError when its task is cancelled: all methods are cancellable).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from mailconnector.crm import vtql
from mailconnector.crm.connection import Connection, FilePart, SessionExpiredHook, Sleep
from mailconnector.crm.envelope import parse, parse_many
from mailconnector.crm.errors import (
    AccessDenied,
    CrmError,
    CrmProtocolError,
    RecordNotFound,
    SessionExpired,
    WebServiceError,
)
from mailconnector.crm.retry import RetryPolicy
from mailconnector.crm.search import DisplayFields, record_label, summarise
from mailconnector.crm.uploads import BytesSource, ProgressCallback, UploadSource
from mailconnector.crm.uploads import upload as run_upload
from mailconnector.crm.urls import CrmUrl, normalise_crm_url
from mailconnector.models import (
    CloudLink,
    CrmRecord,
    CrmStatus,
    CrmUser,
    LinkableModule,
    LinkAttachment,
    LinkMessage,
    LinkResult,
    LoginResult,
    LookupLink,
    LookupResult,
    ModuleDescription,
    Receipt,
    RecordSummary,
    SearchResult,
    Suggestion,
    UnlinkResult,
    UploadState,
)

DEFAULT_DEVICE = "Outlook add-in"
DEFAULT_SEARCH_LIMIT = 25
# Looked up to show a search hit's company and owner by name instead of by id.
_REFERENCE_MODULES = ("Accounts", "Users", "Groups")
# The CRM refusing a look-up that only adds display names: the hit is shown without them.
_ENRICHMENT_REFUSALS = (AccessDenied, RecordNotFound, WebServiceError, CrmProtocolError)


class CrmClient:
    """Talks to one CRM as one user (after `login`, or `set_credentials` with a stored token).

    `on_session_expired` is awaited when the CRM says the token is no longer valid; it returns a
    new token (typically after asking the user to sign in again and calling `login`) or None to
    give up. The refused call is then repeated once, transparently.
    """

    def __init__(
        self,
        base_url: str | CrmUrl,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | None = None,
        timeouts: Mapping[str, float] | None = None,
        retry: RetryPolicy | None = None,
        on_session_expired: SessionExpiredHook | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`timeout` (seconds) applies to operations without their own entry in `timeouts`
        (defaults: connection.OPERATION_TIMEOUTS, uploads and links longer)."""
        url = base_url if isinstance(base_url, CrmUrl) else normalise_crm_url(base_url)
        per_operation = dict(timeouts or {})
        if timeout is not None:
            per_operation.setdefault("default", timeout)
        self._conn = Connection(
            url,
            transport=transport,
            timeouts=per_operation,
            retry=retry,
            on_session_expired=on_session_expired,
            sleep=sleep,
            clock=clock,
        )
        self.user: CrmUser | None = None
        self._descriptions: dict[tuple[str | None, str], ModuleDescription] = {}
        # Display labels of companies, users and groups by id, for this session (None: not visible).
        self._labels: dict[str, str | None] = {}

    # --- lifecycle and credentials ------------------------------------------------------------------
    async def __aenter__(self) -> CrmClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._conn.aclose()

    @property
    def url(self) -> CrmUrl:
        return self._conn.url

    @property
    def username(self) -> str | None:
        return self._conn.username

    @property
    def token(self) -> str | None:
        return self._conn.token

    @property
    def signed_in(self) -> bool:
        return self._conn.token is not None

    def set_credentials(self, username: str, token: str) -> None:
        """Use a device token kept from an earlier sign-in."""
        if username != self._conn.username:
            self.user = None
            self._descriptions.clear()
            self._labels.clear()
        self._conn.username, self._conn.token = username, token

    def forget_credentials(self) -> None:
        self._conn.token = None
        self.user = None
        self._descriptions.clear()
        self._labels.clear()

    @property
    def on_session_expired(self) -> SessionExpiredHook | None:
        return self._conn.on_session_expired

    @on_session_expired.setter
    def on_session_expired(self, hook: SessionExpiredHook | None) -> None:
        self._conn.on_session_expired = hook

    # --- discovery and sign-in ----------------------------------------------------------------------
    async def status(self) -> CrmStatus:
        """What this CRM is (mcstatus, before sign-in). ComponentMissing when the component is absent."""
        data = await self._conn.call("mcstatus", authenticated=False, idempotent=True)
        return parse(CrmStatus, data, "mcstatus")

    async def login(
        self, username: str, password: str, otp: str | None = None, device: str = DEFAULT_DEVICE
    ) -> LoginResult:
        """Sign in and keep the device token. Never retried: failed attempts count towards lock-out."""
        params = {"username": username, "password": password, "device": device}
        if otp:
            params["otp"] = otp
        data = await self._conn.call("mclogin", params, authenticated=False, idempotent=False)
        result = parse(LoginResult, data, "mclogin")
        if username != self._conn.username:
            self._descriptions.clear()
            self._labels.clear()
        self._conn.username, self._conn.token = result.user.username, result.token
        self.user = result.user
        return result

    async def logout(self) -> None:
        """Revoke this device's token at the CRM and forget it here, even if the CRM cannot be told."""
        if self._conn.token is None:
            return
        try:
            # Nobody should be asked to sign in just to sign out: no session renewal here.
            await self._conn.call("mclogout", idempotent=False, renew_session=False)
        except SessionExpired:
            pass  # already invalid: nothing left to revoke
        finally:
            self.forget_credentials()

    # --- modules and records ------------------------------------------------------------------------
    async def modules(self) -> tuple[LinkableModule, ...]:
        data = await self._conn.call("mcmodules", idempotent=True)
        return parse_many(LinkableModule, data, "mcmodules")

    async def describe(self, module: str) -> ModuleDescription:
        """Field list of a module as this user sees it (cached for the signed-in user)."""
        key = (self._conn.username, module)
        if key not in self._descriptions:
            data = await self._conn.call("describe", {"elementType": module}, idempotent=True)
            self._descriptions[key] = parse(ModuleDescription, data, "describe")
        return self._descriptions[key]

    async def query(self, query: str) -> tuple[CrmRecord, ...]:
        """Run a VTQL query (build it with `mailconnector.crm.vtql`)."""
        data = await self._conn.call("query", {"query": query}, idempotent=True)
        if not isinstance(data, list):
            raise CrmProtocolError("query: the answer is not a list of rows.", operation="query")
        try:
            return tuple(CrmRecord.from_row(row) for row in data)
        except ValueError:
            raise CrmProtocolError("query: a row has no valid id.", operation="query") from None

    async def count(self, query: str) -> int:
        """Run a `SELECT count(*) ...` query."""
        data = await self._conn.call("query", {"query": query}, idempotent=True)
        try:
            row = data[0]
            value = row["count"] if "count" in row else next(iter(row.values()))
            return int(value)
        except (TypeError, KeyError, IndexError, StopIteration, ValueError):
            raise CrmProtocolError("query: count(*) did not answer a number.", operation="query") from None

    async def retrieve(self, record_id: str) -> CrmRecord:
        data = await self._conn.call("retrieve", {"id": record_id}, idempotent=True)
        if not isinstance(data, dict):
            raise CrmProtocolError("retrieve: the answer is not a record.", operation="retrieve")
        return parse(CrmRecord, {"id": data.get("id"), "fields": data}, "retrieve")

    def prepare_search(self) -> None:
        """A search is being typed: see `Connection.prepare` (its CORS permission asked during the debounce)."""
        self._conn.prepare("query")

    async def search(
        self,
        module: LinkableModule,
        text: str,
        limit: int = DEFAULT_SEARCH_LIMIT,
        *,
        mode: vtql.SearchMode = "words",
        resolve_references: bool = True,
        on_rows: Callable[[SearchResult], None] | None = None,
    ) -> SearchResult:
        """Records of `module` whose search fields contain the text (every word, in any field).

        One query for up to `limit` rows, then one `count(*)`: the count tells "too many, refine" from a
        page that is short only because the CRM left out rows the user may not see. The rows query asks
        only for the fields a hit shows once the module's `describe` is known (`DisplayFields.columns`).
        `describe` is cached, so this is one round trip. `resolve_references` adds company and owner
        names (`with_references`: one more round of queries for names not seen before in this session).
        `on_rows` gets the page as soon as the rows are in, before the count is asked: one round trip
        to the hits, or to "none". The count (a whole-table scan in a CRM, often slower than a page)
        can only add "too many": above a full page, or above a short or even empty one when the CRM
        left out rows this user may not see (vtenext filters them after the LIMIT).
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        terms = vtql.SearchTerms.parse(text, mode)
        if terms.empty:
            return SearchResult(module=module.name, text=text, records=(), total=0, limit=limit)
        fields = module.search_fields or (*module.label_fields, *module.email_fields)
        key = (self._conn.username, module.name)
        known = self._descriptions.get(key)
        try:
            where = vtql.search_condition(fields, terms)
            order = module.label_fields[0] if module.label_fields else None
            columns = DisplayFields.of(module, known).columns(known)
            rows_query = vtql.select(module.name, columns, where=where, order_by=order, limit=limit)
            count_query = vtql.count(module.name, where=where)
        except vtql.VtqlError as exc:
            raise CrmProtocolError(f"search: the CRM described {module.name} oddly ({exc})") from None
        # The count goes once the rows are in: sent together, the two queries share the CRM's cores and
        # the rows came back ~2.5x later (15 ms instead of 6 on the local CRM; bench/results/issue13-speed13.md).
        rows: tuple[CrmRecord, ...] = ()
        if known is not None:
            try:
                rows = await self.query(rows_query)  # no tasks to gather: one turn of the event loop less
            except (AccessDenied, WebServiceError):
                if columns == "*":
                    raise
                # A field it names was hidden after `describe` was read (an administrator's change; a pane
                # stays open all day): vtenext refuses a named column the user may no longer see. Read the
                # module's fields again and ask what the CRM can send, as the first search does.
                self._descriptions.pop(key, None)
                known, rows_query = None, vtql.select(module.name, where=where, order_by=order, limit=limit)
        if known is None:
            known, rows = await _concurrently(self._describe_or_none(module.name), self.query(rows_query))
        display = DisplayFields.of(module, known)
        records = tuple(summarise(module.name, row, display) for row in rows[:limit])
        if on_rows is not None:
            on_rows(SearchResult(module=module.name, text=text, records=records, total=len(records), limit=limit))
            await asyncio.sleep(0)  # the caller's drawing of the page ends this turn; the count is built after
        total = await self.count(count_query)
        result = SearchResult(
            module=module.name, text=text, records=records, total=max(total, len(records)), limit=limit
        )
        return await self.with_references(result) if resolve_references else result

    async def with_references(self, result: SearchResult) -> SearchResult:
        """The hits with their company and owner names (asked only for ids not seen this session)."""
        if not result.records:
            return result
        return result.model_copy(update={"records": await self._with_reference_labels(result.records)})

    async def _describe_or_none(self, module: str) -> ModuleDescription | None:
        try:
            return await self.describe(module)
        except _ENRICHMENT_REFUSALS:
            return None

    async def _with_reference_labels(self, records: tuple[RecordSummary, ...]) -> tuple[RecordSummary, ...]:
        wanted = {r.account_id for r in records if r.account_id and r.account_label is None}
        wanted |= {r.owner_id for r in records if r.owner_id}
        labels = await self.labels(wanted)
        return tuple(
            record.model_copy(
                update={
                    "account_label": record.account_label or labels.get(record.account_id or ""),
                    "owner_name": labels.get(record.owner_id or ""),
                }
            )
            for record in records
        )

    async def labels(self, ids: Iterable[str], modules: Sequence[str] = _REFERENCE_MODULES) -> dict[str, str]:
        """Display labels of records (companies, users, groups) by id; ids the user may not see,
        or of other modules, are left out."""
        wanted = set(ids)
        by_prefix: dict[str, list[str]] = {}
        for record_id in sorted(wanted - self._labels.keys()):
            by_prefix.setdefault(record_id.split("x", 1)[0], []).append(record_id)
        if by_prefix:
            descriptions = [d for d in await _concurrently(*map(self._describe_or_none, modules)) if d]
            asked = [d for d in descriptions if d.id_prefix in by_prefix]
            found: dict[str, str] = {}
            for part in await _concurrently(*(self._labels_in(d, by_prefix[d.id_prefix]) for d in asked)):
                found.update(part)
            for d in asked:
                for record_id in by_prefix[d.id_prefix]:
                    self._labels[record_id] = found.get(record_id)
        return {i: label for i in wanted if (label := self._labels.get(i)) is not None}

    async def _labels_in(self, description: ModuleDescription, ids: list[str]) -> dict[str, str]:
        label_fields = description.label_fields or tuple(f.name for f in description.fields[:1] if f.name != "id")
        if not label_fields:
            return {}
        try:
            rows = await self.query(vtql.select(description.name, label_fields, where=vtql.ids_in(ids)))
        except _ENRICHMENT_REFUSALS:
            return {}
        return {row.id: label for row in rows if (label := record_label(row, label_fields))}

    # --- the component ----------------------------------------------------------------------------------
    async def suggest(self, addresses: Iterable[str]) -> tuple[Suggestion, ...]:
        wanted = [a.strip() for a in addresses if a and a.strip()]
        if not wanted:
            return ()
        data = await self._conn.call("mcsuggest", {"addresses": _encoded(wanted)}, idempotent=True)
        return parse_many(Suggestion, data, "mcsuggest")

    async def lookup(self, message_id: str) -> tuple[LookupLink, ...]:
        """Where this mail is already stored, across all users (only records this user may see)."""
        return (await self.lookup_thread(message_id)).links

    async def lookup_thread(
        self, message_id: str, references: Sequence[str] = (), conversation_id: str | None = None,
        *, sent_item: tuple[str, datetime] | None = None,
    ) -> LookupResult:
        """Where this mail is stored, and (B.9) where earlier mails of its thread are: `references`
        are its In-Reply-To/References Message-IDs, newest last. `sent_item` (B.12) is the mail's
        content fingerprint and sent date, to find it stored earlier under a stand-in id. A component
        without those capabilities ignores the extra parameters."""
        params = {"messageid": message_id}
        if references:
            params["references"] = _encoded(list(references))
        if conversation_id:
            params["conversation_id"] = conversation_id
        if sent_item is not None:
            params["fingerprint"], params["date"] = sent_item[0], sent_item[1].isoformat()
        data = await self._conn.call("mclookup", params, idempotent=True)
        return parse(LookupResult, data, "mclookup")

    async def create(self, module: str, values: Mapping[str, str]) -> CrmRecord:
        """Stock `create` (B.10). Never repeated by the client: a retry whose first attempt did
        commit would make a second record. Callers check `suggest` after an unclear failure."""
        data = await self._conn.call(
            "create", {"elementType": module, "element": _encoded(dict(values))}, idempotent=False
        )
        if not isinstance(data, dict):
            raise CrmProtocolError("create: the answer is not a record.", operation="create")
        return parse(CrmRecord, {"id": data.get("id"), "fields": data}, "create")

    async def upload(
        self,
        source: UploadSource | bytes | bytearray | memoryview,
        filename: str,
        content_type: str,
        *,
        progress: ProgressCallback | None = None,
        resume: UploadState | None = None,
        sha256: str | None = None,
    ) -> UploadState:
        """Upload one file in chunks (see `mailconnector.crm.uploads.upload`)."""
        if not isinstance(source, UploadSource):
            source = BytesSource(source)
        return await run_upload(
            self._conn,
            source,
            filename=filename,
            content_type=content_type,
            sha256=sha256,
            progress=progress,
            resume=resume,
        )

    async def link(
        self,
        target: str,
        message: LinkMessage,
        attachments: Sequence[LinkAttachment | CloudLink] = (),
        eml: str | UploadState | None = None,
    ) -> LinkResult:
        """Store the mail on the record `target`, atomically.

        Retried like a read: `mclink` is idempotent by design (the same Message-ID on the same
        target returns the stored message with created=false), so repeating a link whose answer
        was lost cannot store the mail twice.
        """
        parts: dict[str, FilePart] = {
            "target": (None, target.encode(), "text/plain; charset=utf-8"),
            "message": (None, _encoded(message.to_wire()).encode(), "application/json"),
            "attachments": (
                None,
                _encoded([a.model_dump(mode="json", exclude_none=True) for a in attachments]).encode(),
                "application/json",
            ),
        }
        eml_id = eml.upload if isinstance(eml, UploadState) else eml
        if eml_id:
            parts["eml"] = (None, eml_id.encode(), "text/plain; charset=utf-8")
        # multipart, not form-encoding: a large HTML body would triple in size when percent-encoded
        data = await self._conn.call("mclink", files=parts, idempotent=True)
        return parse(LinkResult, data, "mclink")

    async def receipt(self, message: str) -> Receipt:
        """What the CRM holds for the stored message `message` (a ws id), read back from storage."""
        data = await self._conn.call("mcreceipt", {"message": message}, idempotent=True)
        return parse(Receipt, data, "mcreceipt")

    async def unlink(self, message: str, target: str) -> UnlinkResult:
        """Remove the link between the stored message and the record `target` (B.11).

        Retried like a read: repeating it changes nothing (the answer then says `unlinked: false`).
        """
        data = await self._conn.call("mcunlink", {"message": message, "target": target}, idempotent=True)
        return parse(UnlinkResult, data, "mcunlink")


def _encoded(value: Any) -> str:
    """An *Encoded* parameter: JSON text inside the parameter."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _concurrently(*awaitables: Awaitable[Any]) -> list[Any]:
    """Await together; on the first failure cancel the others and raise that failure as is."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


__all__ = ["CrmClient", "CrmError"]
