"""Settings chosen when the add-in is built that the server must apply: today the `frame-ancestors` list.

The build writes them to `<dist>/.site.json` (a hidden name: the server never serves it); `StaticSite`
reads them at start. Without the file the defaults apply (Microsoft's public Outlook hosts).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = ".site.json"
# A CSP host-source with https (optionally `*.` for subdomains, optional port), or 'self'. Nothing that could
# widen the policy: no bare scheme, no `*`, no path tricks, no separators that would start a new directive.
_SOURCE = re.compile(r"^('self'|https://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:[0-9]{1,5})?)$")


class SiteConfigError(ValueError):
    """A value the person building the add-in must correct; the message names it."""


@dataclass(frozen=True)
class SiteConfig:
    frame_ancestors: tuple[str, ...]


def default() -> SiteConfig:
    from server.static import FRAME_ANCESTORS

    return SiteConfig(frame_ancestors=FRAME_ANCESTORS)


def parse_frame_ancestors(value: str) -> tuple[str, ...]:
    """`"'self' https://mail.contoso.com https://*.contoso.com"` → checked sources (lower-cased hosts)."""
    sources = tuple(part if part == "'self'" else part.lower().rstrip("/") for part in value.replace(",", " ").split())
    if not sources:
        raise SiteConfigError("frame-ancestors: give at least one https origin (e.g. https://mail.contoso.com)")
    for source in sources:
        if not _SOURCE.match(source):
            raise SiteConfigError(
                f"frame-ancestors: {source!r} is not an https origin like https://mail.contoso.com or "
                "https://*.contoso.com (or 'self'); the pane may only be framed by Outlook hosts you name"
            )
    return sources


def write(out: Path, config: SiteConfig) -> None:
    (out / FILE_NAME).write_text(json.dumps({"frame_ancestors": list(config.frame_ancestors)}, indent=1) + "\n")


def load(root: Path) -> SiteConfig:
    path = root / FILE_NAME
    if not path.is_file():
        return default()
    data = json.loads(path.read_text())
    return SiteConfig(frame_ancestors=parse_frame_ancestors(" ".join(data["frame_ancestors"])))
