"""The operation table: every REST operation, its handler, whether it needs sign-in, its layer
(stock vtenext or Mail Connector component) and the parameters it declares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from server.crm.context import Call
from server.crm.linking import mclink
from server.crm.ops_lookup import mclookup, mcmodules, mcsuggest
from server.crm.ops_session import mclogin, mclogout, mcstatus
from server.crm.ops_stock import create, describe, listtypes, loginpwd, query, relate_op, retrieve
from server.crm.params import ParamKind
from server.crm.receipt import mcreceipt
from server.crm.unlinking import mcunlink
from server.crm.uploads import mcupload

Handler = Callable[[Call], object]


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Handler
    params: dict[str, ParamKind] = field(default_factory=dict)
    prelogin: bool = False  # callable without credentials
    component: bool = False  # Mail Connector operation: component envelopes and codes
    licensed: bool = False  # behind the licence gate


def _stock(name: str, handler: Handler, params: dict[str, ParamKind], prelogin: bool = False) -> Operation:
    return Operation(name, handler, params, prelogin=prelogin)


def _component(name: str, handler: Handler, params: dict[str, ParamKind], *, prelogin: bool = False,
               licensed: bool = True) -> Operation:
    return Operation(name, handler, params, prelogin=prelogin, component=True, licensed=licensed)


OPERATIONS: dict[str, Operation] = {op.name: op for op in (
    _stock("loginpwd", loginpwd, {"username": "text", "password": "text"}, prelogin=True),
    _stock("listtypes", listtypes, {"fieldTypeList": "encoded"}),
    _stock("describe", describe, {"elementType": "text"}),
    _stock("query", query, {"query": "text"}),
    _stock("retrieve", retrieve, {"id": "text"}),
    _stock("create", create, {"elementType": "text", "element": "encoded"}),
    _stock("relate", relate_op, {"id": "text", "relatelist": "encoded"}),
    _component("mcstatus", mcstatus, {"username": "text"}, prelogin=True, licensed=False),
    _component("mclogin", mclogin, {"username": "text", "password": "text", "otp": "text", "device": "text"},
               prelogin=True, licensed=False),
    _component("mclogout", mclogout, {}, licensed=False),
    _component("mcmodules", mcmodules, {}),
    _component("mcsuggest", mcsuggest, {"addresses": "encoded"}),
    _component("mclookup", mclookup, {"messageid": "text", "references": "encoded", "conversation_id": "text",
                                      "fingerprint": "text", "date": "text"}),
    _component("mcupload", mcupload, {"action": "text", "filename": "text", "content_type": "text", "size": "text",
                                      "sha256": "text", "upload": "text", "offset": "text", "data": "binary"}),
    _component("mclink", mclink, {"target": "text", "message": "encoded", "attachments": "encoded",
                                  "eml": "text"}),
    _component("mcreceipt", mcreceipt, {"message": "text"}),
    _component("mcunlink", mcunlink, {"message": "text", "target": "text"}),
)}
