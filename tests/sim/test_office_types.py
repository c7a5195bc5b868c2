"""The simulated host exposes nothing Office.js does not: every member it defines exists in
Microsoft's declarations (@types/office-js from npm) with the same kind (method or property), and
every enum member it defines has the declared value."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

# Where each object of the simulated host is declared (the interface and, through `extends`, its bases).
SURFACES = {
    "Office.context": "Context",
    "Office.context.mailbox": "Mailbox",
    "Office.context.mailbox.item": "MessageRead",
    "Office.context.mailbox.item.body": "Body",
    "Office.context.mailbox.item.attachments[0]": "AttachmentDetails",
    "Office.context.mailbox.item.to[0]": "EmailAddressDetails",
    "Office.context.mailbox.item.from": "EmailAddressDetails",
    "Office.context.mailbox.userProfile": "UserProfile",
    "Office.context.mailbox.diagnostics": "Diagnostics",
    "Office.context.roamingSettings": "RoamingSettings",
    "Office.context.requirements": "RequirementSetSupport",
    "Office.context.officeTheme": "OfficeTheme",
    "Office.context.diagnostics": "ContextInformation",
    "window.lastResult": "AsyncResult",
    "window.lastResult.error": "Error",
    "window.lastContent": "AttachmentContent",
}
ENUMS = {
    "Office.AsyncResultStatus": "AsyncResultStatus",
    "Office.CoercionType": "CoercionType",
    "Office.EventType": "EventType",
    "Office.HostType": "HostType",
    "Office.PlatformType": "PlatformType",
    "Office.InitializationReason": "InitializationReason",
    "Office.MailboxEnums.AttachmentContentFormat": "AttachmentContentFormat",
    "Office.MailboxEnums.AttachmentType": "AttachmentType",
    "Office.MailboxEnums.ItemType": "ItemType",
    "Office.MailboxEnums.RecipientType": "RecipientType",
}
# Members of the `Office` namespace itself that are not enums.
# (`initialize` is the page's own handler, assigned as with office.js.)
NAMESPACE_MEMBERS = {"onReady": "method", "context": "property", "MailboxEnums": "namespace", "initialize": "method"}


@pytest.fixture(scope="module")
def declarations(tmp_path_factory: pytest.TempPathFactory) -> str:
    npm = shutil.which("npm")
    assert npm, "npm is needed to fetch @types/office-js"
    prefix = tmp_path_factory.mktemp("office-types")
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save", "@types/office-js"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    source = (prefix / "node_modules" / "@types" / "office-js" / "index.d.ts").read_text(encoding="utf-8")
    # Comments hold braces and member names of their own: drop them before reading blocks.
    without_blocks = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    clean = re.sub(r"(?m)^\s*//.*$", "", without_blocks)
    # Only the Office namespaces (Word, Excel... declare enums of the same names).
    office = [body for _, body in _blocks(clean, "declare namespace", "Office")]
    office += [body for _, body in _blocks(clean, "declare namespace", "Office.MailboxEnums")]
    assert office, "no Office namespace in @types/office-js"
    return "\n".join(office)


def _blocks(source: str, keyword: str, name: str) -> Iterator[tuple[str, str]]:
    """(header, body) of every `keyword name ... { body }` declaration (interfaces merge)."""
    for match in re.finditer(rf"\b{keyword}\s+{re.escape(name)}(?![\w.])([^{{;]*)\{{", source):
        depth = 1
        i = match.end()
        while depth and i < len(source):
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            i += 1
        yield match.group(1), source[match.end() : i - 1]


@dataclass
class Declared:
    methods: set[str]
    properties: set[str]


def declared_members(source: str, interface: str, seen: set[str] | None = None) -> Declared:
    seen = seen if seen is not None else set()
    result = Declared(set(), set())
    if interface in seen:
        return result
    seen.add(interface)
    for header, body in _blocks(source, "interface", interface):
        top = _top_level(body)
        result.methods |= set(re.findall(r"(?m)^\s*(\w+)\??\s*(?:<[^>]*>)?\s*\(", top))
        result.properties |= set(re.findall(r"(?m)^\s*(?:readonly\s+)?(\w+)\??\s*:", top))
        for base in re.findall(r"\b(\w+)(?:<[^>]*>)?", header.replace("extends", " ")):
            inherited = declared_members(source, base, seen)
            result.methods |= inherited.methods
            result.properties |= inherited.properties
    return result


def _top_level(body: str) -> str:
    """The block without nested braces (inline object types would add false members)."""
    out = []
    depth = 0
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def declared_enum(source: str, name: str) -> dict[str, str | None]:
    """Member -> declared string value (None where the declaration gives no value)."""
    values: dict[str, str | None] = {}
    for _, body in _blocks(source, "enum", name):
        for member, value in re.findall(r"(\w+)\s*(?:=\s*\"([^\"]*)\"\s*)?(?:,|$)", body.strip()):
            values[member] = value or None
    return values


SURFACE_JS = """async (paths) => {
  const item = Office.context.mailbox.item;
  await new Promise((resolve) => item.getAttachmentContentAsync(item.attachments[0].id, (r) => {
    window.lastResult = r; window.lastContent = r.value; resolve();
  }));
  await new Promise((resolve) => item.getAttachmentContentAsync('no-such-id', (r) => {
    window.lastResult = Object.assign({}, r, {value: window.lastResult.value, asyncContext: 1}); resolve();
  }));
  const out = {};
  for (const path of paths) {
    const target = path.split(/\\.|\\[|\\]/).filter(Boolean)
      .reduce((obj, key) => obj[key], window);
    out[path] = Object.keys(target).map((key) => [key, typeof target[key] === 'function' ? 'method' : 'property']);
  }
  return out;
}"""


def test_every_simulated_member_is_declared_with_the_same_kind(sim: Page, declarations: str) -> None:
    sim.evaluate("() => OfficeSim.loadEmlUrl('/dev/fixtures/several-attachments.eml')")
    surfaces: dict[str, list[list[str]]] = sim.evaluate(SURFACE_JS, list(SURFACES))
    problems = []
    for path, members in surfaces.items():
        assert members, path
        declared = declared_members(declarations, SURFACES[path])
        for name, kind in members:
            if kind == "method" and name not in declared.methods:
                problems.append(f"{path}.{name}() is not a method of {SURFACES[path]}")
            if kind == "property" and name not in declared.properties:
                problems.append(f"{path}.{name} is not a property of {SURFACES[path]}")
    assert problems == []


def test_every_simulated_enum_member_has_the_declared_value(sim: Page, declarations: str) -> None:
    enums: dict[str, dict[str, Any]] = sim.evaluate(
        "(paths) => Object.fromEntries(paths.map((p) => [p, {...p.split('.').reduce((o, k) => o[k], window)}]))",
        list(ENUMS),
    )
    for path, members in enums.items():
        declared = declared_enum(declarations, ENUMS[path])
        assert declared, path
        for name, value in members.items():
            assert name in declared, f"{path}.{name} is not declared"
            if declared[name] is not None:
                assert declared[name] == value, f"{path}.{name}"


def test_the_office_namespace_holds_only_declared_members(sim: Page, declarations: str) -> None:
    names: list[str] = sim.evaluate("() => Object.keys(Office)")
    enum_names = {path.rsplit(".", 1)[1] for path in ENUMS if path.count(".") == 1}
    assert set(names) == enum_names | set(NAMESPACE_MEMBERS)
    assert re.search(r"\bfunction onReady\s*\(", declarations)
    assert re.search(r"\bvar context\s*:\s*Context\b", declarations)
    assert re.search(r"\bnamespace MailboxEnums\b|enum AttachmentContentFormat\b", declarations)
    assert re.search(r"\bfunction initialize\s*\(", declarations)


def test_declaration_reader_tells_methods_from_properties(declarations: str) -> None:
    """Guards the regex reader above, on members whose kind is known."""
    message = declared_members(declarations, "MessageRead")
    assert {"getAttachmentContentAsync", "getAsFileAsync"} <= message.methods
    assert {"subject", "attachments", "itemId", "dateTimeCreated", "from"} <= message.properties
    assert "subject" not in message.methods
    assert declared_enum(declarations, "AttachmentContentFormat")["ICalendar"] == "iCalendar"
