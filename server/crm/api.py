"""The REST endpoint `/restapi/v1/vtews/<operation>`: method rules, body limit, parameters,
authentication, the licence gate, test faults, and the envelopes (protocol §1-2)."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.crm.access import Access
from server.crm.auth import authenticate
from server.crm.context import AppState, Call
from server.crm.errors import (
    UNKNOWN_ERROR,
    ComponentError,
    CrmError,
    RequestTooLarge,
    RouteNotFound,
    WebServiceError,
    component_variant,
)
from server.crm.faults import Fault, FaultInjected
from server.crm.licence import check_licence
from server.crm.params import MalformedRequest, Params, json_dumps, parse_params
from server.crm.routes import OPERATIONS, Operation

log = logging.getLogger("server.crm")
DRAIN_LIMIT = 64 * 1024 * 1024  # read (and drop) this much of an oversized body so the client sees the answer


def json_response(status: int, body: object) -> Response:
    return Response(json_dumps(body), status_code=status, media_type="application/json")


def error_response(op: Operation | None, error: CrmError) -> Response:
    if op is not None and op.component:
        err: CrmError = component_variant(error)
    elif isinstance(error, MalformedRequest | ComponentError):
        err = WebServiceError(error.message)
    else:
        err = error
    return json_response(err.status, err.envelope())


def internal_error(op: Operation) -> Response:
    if op.component:
        return error_response(op, ComponentError("INTERNAL_ERROR", "Internal error; nothing was stored"))
    return error_response(op, WebServiceError(UNKNOWN_ERROR))


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > limit
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            too_large = True
        if too_large:
            if total > DRAIN_LIMIT:
                break
            continue
        chunks.append(chunk)
    if too_large:
        raise RequestTooLarge(f"The request is larger than {limit} bytes")
    return b"".join(chunks)


def execute(state: AppState, op: Operation, params: Params, authorization: str | None, base_url: str,
            fault: Fault | None) -> object:
    """Runs in a worker thread: all SQLite work happens off the event loop."""
    conn = state.db.connection()
    call = Call(state, conn, op.name, params, base_url, fault=fault)
    if not op.prelogin:
        caller = authenticate(conn, authorization, op.component)
        call.access_ = Access.load(conn, state.catalog, caller.user)
        call.token_id = caller.token_id
        if op.licensed:
            check_licence(conn, caller.user.id)
    return op.handler(call)


class DroppedResponse(Response):
    """Starts a response and never finishes it: the client sees the connection close (test faults)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'{"status":200,"da', "more_body": True})


def malformed_response() -> Response:
    return Response(b'{"status":200,"data":{"mess', status_code=200, media_type="application/json")


async def vtews(request: Request) -> Response:
    state: AppState = request.app.state.crm
    if state.switches.latency_ms > 0:
        await asyncio.sleep(state.switches.latency_ms / 1000)  # test mode: as if over a network
    arrived, started = time.time() * 1000, time.perf_counter()
    name = request.path_params.get("operation", "")
    if request.method == "OPTIONS":
        state.saw_options(request.url.path, request.url.query, request.headers.get("access-control-request-method"))
        return Response(status_code=200)
    op = OPERATIONS.get(name)
    if op is not None and op.component and not state.switches.component:
        op = None  # test mode: a vtenext without the component
    if op is None or request.method != "POST":
        return error_response(None, RouteNotFound("Route not found"))
    try:
        body = await read_limited(request, state.settings.max_request_bytes)
        params = await parse_params(request.url.query, request.headers, body, op.params,
                                    state.settings.max_request_bytes)
    except CrmError as exc:
        return error_response(op, exc)
    fault = state.faults.take(op.name)
    try:
        return await _run(request, state, op, params, fault)
    finally:
        state.handled(op.name, _query_text(op, params), arrived, started, time.perf_counter())
        state.faults.finished(fault)  # tests wait for this event, not for a timer


def _query_text(op: Operation, params: Params) -> str:
    try:
        return params.text("query") if "query" in op.params else ""
    except MalformedRequest:
        return ""


async def _run(request: Request, state: AppState, op: Operation, params: Params, fault: Fault | None) -> Response:
    if fault is not None:
        if fault.fault == "delay" and fault.seconds > 0:
            await asyncio.sleep(fault.seconds)
        if fault.fault == "hold" and not fault.after_commit and not await state.faults.hold(fault):
            return internal_error(op)
        if not fault.after_commit and fault.fault == "http_500":
            return internal_error(op)
        if not fault.after_commit and fault.fault == "malformed_json":
            return malformed_response()
    base_url = str(request.base_url).rstrip("/")
    try:
        result = await anyio.to_thread.run_sync(
            partial(execute, state, op, params, request.headers.get("authorization"), base_url, fault))
    except CrmError as exc:
        return error_response(op, exc)
    except FaultInjected:
        log.warning("fault injected in %s: rolled back", op.name)
        return internal_error(op)
    except Exception:
        log.exception("operation %s failed", op.name)  # the trace stays in the server log
        return internal_error(op)
    if fault is not None:
        if fault.fault == "hold" and fault.after_commit and not await state.faults.hold(fault):
            return internal_error(op)
        if fault.drop_response_after_commit or fault.fault == "drop_response":
            return DroppedResponse()
        if fault.fault == "http_500":
            return internal_error(op)
        if fault.fault == "malformed_json":
            return malformed_response()
    return json_response(200, {"status": 200, "data": result})


async def unknown_route(request: Request) -> Response:
    if request.method == "OPTIONS":
        return Response(status_code=200)
    return error_response(None, RouteNotFound("Route not found"))


class Endpoint:
    """An ASGI endpoint that accepts every HTTP method (the handler answers wrong ones itself)."""

    def __init__(self, handler: object) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response = await self.handler(request)  # type: ignore[operator]
        await response(scope, receive, send)
