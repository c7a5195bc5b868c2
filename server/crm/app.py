"""The Starlette application: REST API, web view, test-mode inspection, and response headers."""

from __future__ import annotations

import time
from email.utils import formatdate

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.crm.api import Endpoint, unknown_route, vtews
from server.crm.catalog import Catalog
from server.crm.context import AppState
from server.crm.db import Database, ensure_database
from server.crm.faults import Faults
from server.crm.files import FileStore
from server.crm.settings import Settings

# Exactly what vtenext sends; set (never appended) so that a response carries each header once.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Credentials": "true",
}
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
DEFAULT_CSP = "frame-ancestors 'none'"
# Component answers let the add-in read the CRM's clock (its connection check compares it with the
# computer's): browsers hide `Date` from cross-origin scripts unless it is exposed.
COMPONENT_EXPOSE = {"Access-Control-Expose-Headers": "Date"}
COMPONENT_PATH = "/restapi/v1/vtews/mc"


class HeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        switches = scope["app"].state.crm.switches

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # uvicorn's own Date header is off (serve): one Date, from the (test-skewable) clock
                headers["Date"] = formatdate(time.time() + switches.clock_skew_seconds, usegmt=True)
                cors = {**CORS_HEADERS, **COMPONENT_EXPOSE} if scope["path"].startswith(COMPONENT_PATH) \
                    else CORS_HEADERS
                for name, value in {**(cors if switches.cors else {}), **SECURITY_HEADERS}.items():
                    headers[name] = value
                if "content-security-policy" not in headers:  # pages set a fuller policy of their own
                    headers["Content-Security-Policy"] = DEFAULT_CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_app(settings: Settings) -> Starlette:
    from server.crm import testmode, web

    ensure_database(settings.db_path)
    FileStore(settings.files_dir)
    db = Database(settings.db_path)
    catalog = Catalog.load(db.connection())
    state = AppState(settings, db, catalog, Faults(enabled=settings.test_mode))
    routes: list[BaseRoute] = [
        Route("/restapi/v1/vtews/{operation}", Endpoint(vtews)),
        Route("/restapi/{rest:path}", Endpoint(unknown_route)),
        *web.routes(),
    ]
    if settings.test_mode:  # absent otherwise, so /_test/* is a plain 404
        routes += testmode.routes()
    app = Starlette(routes=routes, middleware=[Middleware(HeadersMiddleware)])
    app.state.crm = state
    return app
