"""Serving the built add-in: MIME types, caching, precompression, security headers, path safety.

An ASGI app over one folder (the output of `python -m server build`). The same rules are written
out for nginx in the README ("Deploy"), so that no behaviour here is needed beyond headers.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import FileResponse, PlainTextResponse, Response

from server import site_config

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("mailconnector.static")

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".py": "text/x-python; charset=utf-8",
    ".toml": "application/toml",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".eml": "message/rfc822",
}
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Hashed outputs of the build: runtime/<hash>/…, app/<name>.<hash>.zip, static/<name>.<hash>.<ext>,
# pyscript.<hash>.json. Anything else (HTML, icons the manifest names, dev files) must revalidate.
_HASHED = re.compile(
    r"^(runtime/[0-9a-f]{12}/.+|(app|static)/[^/]+\.[0-9a-f]{12}\.[a-z0-9]+|pyscript\.[0-9a-f]{12}\.json)$"
)

# Outlook's web hosts that frame the pane (Outlook on the web, new Outlook, Microsoft 365): the default of
# `frame-ancestors`. On-premises Outlook on the web runs on the customer's own domain and sovereign clouds use
# other domains: `python -m server build --frame-ancestors "..."` replaces the list (server/site_config.py).
FRAME_ANCESTORS = (
    "'self'", "https://*.office.com", "https://*.office365.com", "https://*.outlook.com", "https://outlook.live.com",
    "https://*.microsoft.com", "https://*.officeapps.live.com", "https://*.cloud.microsoft",
)
# Where office.js comes from, and what it loads itself:
# - appsforoffice.microsoft.com: the CDN the pages name (required for the store; learn.microsoft.com
#   "Referencing the Office JavaScript API library"); office.js loads the Outlook host file
#   (outlook-web-16.01.js, outlook-win32-16.02.js, ...) and its strings from the same folder;
# - officeapis.public.onecdn.static.microsoft: the CDN Microsoft is moving office.js to (the cloud.microsoft
#   unified domain; OfficeDev/office-js-docs-pr PR 5882); a redirect there must not be blocked;
# - ajax.aspnetcdn.com: office.js for Outlook loads https://ajax.aspnetcdn.com/ajax/3.5/MicrosoftAjax.js unless
#   MS Ajax is already present (`loadMsAjaxFull`); blocked, it never becomes ready (office-js issues 4131, 6430).
OFFICE_SCRIPT_HOSTS = (
    "https://appsforoffice.microsoft.com",
    "https://officeapis.public.onecdn.static.microsoft",
    "https://ajax.aspnetcdn.com",
)
# Files Outlook on the web loads from its own origin (icons of the ribbon button, the support page the
# manifest names): without `cross-origin` a browser enforcing CORP/COEP in Outlook's page would refuse them.
CROSS_ORIGIN_PATHS = re.compile(r"^(assets/[^/]+|support\.html)$")


def content_security_policy(frame_ancestors: tuple[str, ...] = FRAME_ANCESTORS) -> str:
    """What the pane needs and nothing more.

    - scripts: our own files, office.js from Microsoft's CDNs with MicrosoftAjax.js (OFFICE_SCRIPT_HOSTS),
      'wasm-unsafe-eval' to compile Pyodide's WebAssembly, and 'unsafe-eval' because Pyodide's
      Emscripten loader turns the EM_JS/EM_ASM snippets of the interpreter and of extension modules
      (pydantic-core) into functions with eval() (pyodide.asm.mjs: addEmJs/addEmAsm); without it
      Python cannot start. No inline scripts: the pane has none, and mail text never becomes markup;
    - connect: the CRM the user chooses can be any HTTPS host; plain HTTP only for a CRM on this
      machine (the local CRM of the demo and the tests);
    - frame-ancestors: Outlook's web hosts, which show the pane in a frame (configurable at build time).
    """
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' {' '.join(OFFICE_SCRIPT_HOSTS)}",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
            "worker-src 'self' blob:",
            "frame-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "object-src 'none'",
            f"frame-ancestors {' '.join(frame_ancestors)}",
        ]
    )


def security_headers(https: bool, frame_ancestors: tuple[str, ...] = FRAME_ANCESTORS) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def safe_relative_path(path: str) -> str | None:
    """The request path as a relative file path, or None for anything that could escape the root.

    The path arrives percent-decoded once. Anything that still contains '%' (double encoding),
    backslashes, NUL or control characters, '.'/'..' segments or hidden names is refused.
    """
    if not path.startswith("/") or path.startswith("//"):
        return None
    rel = path[1:]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if any(ch in rel for ch in ("%", "\\", "\x00")) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in rel):
        return None
    parts = rel.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    return rel


def pick_encoding(accept_encoding: str, file: Path) -> tuple[Path, str | None]:
    accepted = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        accepted[name.strip().lower()] = q
    for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
        candidate = file.with_name(file.name + suffix)
        if accepted.get(encoding, 0) > 0 and candidate.is_file():
            return candidate, encoding
    return file, None


class StaticSite:
    """ASGI app serving one built folder."""

    def __init__(self, root: Path, *, https: bool = False) -> None:
        self.root = root.resolve()
        self.https = https
        self.headers = security_headers(https, site_config.load(self.root).frame_ancestors)

    def resolve(self, path: str) -> Path | None:
        rel = safe_relative_path(path)
        if rel is None:
            return None
        candidate = self.root / rel
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        # Symlinks must not lead out of the root.
        if not real.is_relative_to(self.root) or not real.is_file():
            return None
        return candidate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        response = self.respond(scope)
        await response(scope, receive, send)
        client = scope.get("client") or ("-", 0)
        log.info(
            '%s "%s %s" %d %s %s %.1fms',
            client[0],
            scope["method"],
            scope["path"],
            response.status_code,
            response.headers.get("content-length", "-"),
            response.headers.get("content-encoding", "identity"),
            (time.perf_counter() - started) * 1000,
        )

    def respond(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return self._plain(405, "Method Not Allowed", {"Allow": "GET, HEAD"})
        file = self.resolve(scope["path"])
        if file is None:
            return self._plain(404, "Not Found")
        rel = file.relative_to(self.root).as_posix()
        request_headers = Headers(scope=scope)
        body, encoding = pick_encoding(request_headers.get("accept-encoding", ""), file)
        stat = body.stat()
        fingerprint = f"{rel}:{encoding}:{stat.st_size}:{stat.st_mtime_ns}".encode()
        etag = '"' + hashlib.sha256(fingerprint).hexdigest()[:20] + '"'
        headers = {
            **self.headers,
            **({"Cross-Origin-Resource-Policy": "cross-origin"} if CROSS_ORIGIN_PATHS.match(rel) else {}),
            "Cache-Control": IMMUTABLE if _HASHED.match(rel) else REVALIDATE,
            "ETag": etag,
            "Vary": "Accept-Encoding",
        }
        if encoding:
            headers["Content-Encoding"] = encoding
        if request_headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        media_type = MIME_TYPES.get(file.suffix.lower(), "application/octet-stream")
        return FileResponse(body, media_type=media_type, headers=headers, stat_result=stat)

    def _plain(self, status: int, text: str, extra: dict[str, str] | None = None) -> Response:
        return PlainTextResponse(text, status_code=status, headers={**self.headers, **(extra or {})})
