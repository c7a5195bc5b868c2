"""The Outlook add-in manifest (XML, MailApp, schema 1.1), rendered for one base URL and version.

`python -m server manifest --base-url https://addin.example.com/` writes a manifest whose every URL
points under that base, so nobody edits XML by hand. The committed `manifest.xml` is this module's
output for the development server (`https://localhost:3000/`) and the product version; a unit test
keeps the two identical.

All wording lives in the tables below, English first with the Italian (`it-IT`) override beside
it; the XML is assembled from them so that both VersionOverrides blocks stay in step.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape, quoteattr

from mailconnector.version import VERSION

# Generated once (uuid4) for this product; changing it makes Outlook see a different add-in.
ADDIN_ID = "287ef002-319f-4e53-af75-3446f6c00930"
PROVIDER_NAME = "Mail Connector"
DEV_BASE_URL = "https://localhost:3000/"
ROOT = Path(__file__).resolve().parents[1]
COMMITTED_MANIFEST = ROOT / "manifest.xml"

PANE_PAGE = "index.html"
SUPPORT_PAGE = "support.html"
ICON_SIZES = (16, 32, 64, 80, 128)  # files addin/assets/icon-<size>.png
BUTTON_ICON_SIZES = (16, 32, 80)  # what Outlook's ribbon asks for


def icon_path(size: int) -> str:
    return f"assets/icon-{size}.png"


@dataclass(frozen=True)
class Text:
    en: str
    it: str


DISPLAY_NAME = Text("Mail Connector for vtenext", "Mail Connector per vtenext")
DESCRIPTION = Text(
    "Files the email you are reading, with its attachments, under a record of your vtenext CRM: "
    "a company, contact, lead, opportunity, ticket or any other module you can see.",
    "Archivia l'email che stai leggendo, con i suoi allegati, in un record del tuo CRM vtenext: "
    "un'azienda, un contatto, un lead, un'opportunità, un ticket o qualsiasi altro modulo visibile.",
)
# resid -> text. Resource ids are at most 32 characters (bt:ShortString ids in the schema).
SHORT_STRINGS: dict[str, Text] = {
    "MC.Group.Label": Text("vtenext CRM", "CRM vtenext"),
    "MC.Button.Label": Text("Link to CRM", "Collega al CRM"),
}
LONG_STRINGS: dict[str, Text] = {
    "MC.Button.Tooltip": Text(
        "Open Mail Connector to link this email and its attachments to a record in vtenext.",
        "Apri Mail Connector per collegare questa email e i suoi allegati a un record di vtenext.",
    ),
}


class ManifestError(ValueError):
    """A base URL or version that cannot go into an Office manifest."""


def normalise_base_url(base_url: str) -> str:
    """`https://host[:port][/path]` with a trailing slash; Office loads add-ins only over HTTPS."""
    parts = urlsplit(base_url.strip())
    if parts.scheme != "https":
        raise ManifestError(
            f"base URL must start with https:// (Office loads add-ins only over HTTPS): {base_url!r}"
        )
    if not parts.hostname:
        raise ManifestError(f"base URL has no host: {base_url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ManifestError(f"base URL must not carry credentials, a query or a fragment: {base_url!r}")
    if re.search(r"[\s\"<>\\^`{|}]", base_url.strip()):
        raise ManifestError(f"base URL contains characters that must be percent-encoded: {base_url!r}")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"https://{parts.netloc}{path}"


def manifest_version(version: str) -> str:
    """Office wants 1 to 4 dot-separated numbers of at most 5 digits; we always write 4 (1.0.0 -> 1.0.0.0)."""
    if not re.fullmatch(r"[0-9]{1,5}(\.[0-9]{1,5}){0,3}", version):
        raise ManifestError(f"version must be 1 to 4 numbers separated by dots, like 1.2.3: {version!r}")
    numbers = version.split(".")
    return ".".join(numbers + ["0"] * (4 - len(numbers)))


def _attr(value: str) -> str:
    return quoteattr(value)


def _localised(tag: str, text: Text, indent: str) -> str:
    return (
        f"{indent}<{tag} DefaultValue={_attr(text.en)}>\n"
        f'{indent}  <Override Locale="it-IT" Value={_attr(text.it)}/>\n'
        f"{indent}</{tag}>"
    )


def _resources(base: str, indent: str) -> str:
    """bt:Resources: every user-visible string has its it-IT override; URLs are the same in both."""
    i1, i2, i3 = indent + "  ", indent + "    ", indent + "      "
    lines = [f"{indent}<Resources>", f"{i1}<bt:Images>"]
    lines += [
        f'{i2}<bt:Image id="MC.Icon.{size}" DefaultValue={_attr(urljoin(base, icon_path(size)))}/>'
        for size in BUTTON_ICON_SIZES
    ]
    lines += [f"{i1}</bt:Images>", f"{i1}<bt:Urls>"]
    lines.append(f'{i2}<bt:Url id="MC.Pane.Url" DefaultValue={_attr(urljoin(base, PANE_PAGE))}/>')
    lines += [f"{i1}</bt:Urls>"]
    for group, table in (("bt:ShortStrings", SHORT_STRINGS), ("bt:LongStrings", LONG_STRINGS)):
        lines.append(f"{i1}<{group}>")
        for resid, text in table.items():
            lines += [
                f"{i2}<bt:String id={_attr(resid)} DefaultValue={_attr(text.en)}>",
                f'{i3}<bt:Override Locale="it-IT" Value={_attr(text.it)}/>',
                f"{i2}</bt:String>",
            ]
        lines.append(f"{i1}</{group}>")
    lines.append(f"{indent}</Resources>")
    return "\n".join(lines)


def _read_button_host(indent: str, *, pinnable: bool) -> str:
    """The read-mode message button, in its own group on the default tab, opening the task pane."""
    icons = "\n".join(
        f'{indent}                <bt:Image size="{size}" resid="MC.Icon.{size}"/>'
        for size in BUTTON_ICON_SIZES
    )
    pinning = f"\n{indent}                <SupportsPinning>true</SupportsPinning>" if pinnable else ""
    return f"""{indent}<Hosts>
{indent}  <Host xsi:type="MailHost">
{indent}    <DesktopFormFactor>
{indent}      <ExtensionPoint xsi:type="MessageReadCommandSurface">
{indent}        <OfficeTab id="TabDefault">
{indent}          <Group id="MC.ReadGroup">
{indent}            <Label resid="MC.Group.Label"/>
{indent}            <Control xsi:type="Button" id="MC.OpenPaneButton">
{indent}              <Label resid="MC.Button.Label"/>
{indent}              <Supertip>
{indent}                <Title resid="MC.Button.Label"/>
{indent}                <Description resid="MC.Button.Tooltip"/>
{indent}              </Supertip>
{indent}              <Icon>
{icons}
{indent}              </Icon>
{indent}              <Action xsi:type="ShowTaskpane">
{indent}                <SourceLocation resid="MC.Pane.Url"/>{pinning}
{indent}              </Action>
{indent}            </Control>
{indent}          </Group>
{indent}        </OfficeTab>
{indent}      </ExtensionPoint>
{indent}    </DesktopFormFactor>
{indent}  </Host>
{indent}</Hosts>"""


def render_manifest(base_url: str, version: str) -> str:
    """The manifest text (UTF-8 XML) with every URL under `base_url` and Version `version` (4 parts)."""
    base = normalise_base_url(base_url)
    office_version = manifest_version(version)

    def url(path: str) -> str:
        return _attr(urljoin(base, path))

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by `python -m server manifest`; edit server/manifest.py, not this file. -->
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
           xsi:type="MailApp">
  <Id>{ADDIN_ID}</Id>
  <Version>{office_version}</Version>
  <ProviderName>{escape(PROVIDER_NAME)}</ProviderName>
  <DefaultLocale>en-US</DefaultLocale>
{_localised("DisplayName", DISPLAY_NAME, "  ")}
{_localised("Description", DESCRIPTION, "  ")}
  <IconUrl DefaultValue={url(icon_path(64))}/>
  <HighResolutionIconUrl DefaultValue={url(icon_path(128))}/>
  <SupportUrl DefaultValue={url(SUPPORT_PAGE)}>
    <Override Locale="it-IT" Value={url(SUPPORT_PAGE + "#it")}/>
  </SupportUrl>
  <!-- No AppDomains: the pane never navigates away from its own origin. The CRM is called with
       fetch() and answers with CORS headers, which needs no AppDomain, and "open the record in
       the CRM" opens a new browser window rather than loading the CRM inside the pane. -->
  <Hosts>
    <Host Name="Mailbox"/>
  </Hosts>
  <!-- Mailbox 1.5 is what the core flow needs: the item's body and attachment list, its
       Internet Message-ID, and a pinnable pane that follows ItemChanged. Later sets (1.8
       getAttachmentContentAsync, 1.14 getAsFileAsync) are detected at run time with
       Office.context.requirements.isSetSupported and the pane degrades without them. -->
  <Requirements>
    <Sets>
      <Set Name="Mailbox" MinVersion="1.5"/>
    </Sets>
  </Requirements>
  <FormSettings>
    <Form xsi:type="ItemRead">
      <DesktopSettings>
        <SourceLocation DefaultValue={url(PANE_PAGE)}/>
        <RequestedHeight>450</RequestedHeight>
      </DesktopSettings>
    </Form>
  </FormSettings>
  <!-- ReadItem is the least privilege that still lets the pane read the open message: its body,
       recipients, Internet Message-ID, and attachment content (getAttachmentContentAsync and
       getAsFileAsync both require ReadItem). Restricted allows none of that; the add-in never
       changes the mail, so ReadWriteItem is not requested, and it never touches other items, so
       ReadWriteMailbox is not either. -->
  <Permissions>ReadItem</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or">
    <Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/>
  </Rule>
  <DisableEntityHighlighting>true</DisableEntityHighlighting>
  <!-- VersionOverrides 1.0 (Mailbox 1.3) for hosts that only understand add-in commands v1.0;
       the 1.1 block nested at its end adds SupportsPinning (Mailbox 1.5) and wins where known. -->
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides"
                    xsi:type="VersionOverridesV1_0">
    <Requirements>
      <bt:Sets DefaultMinVersion="1.3">
        <bt:Set Name="Mailbox"/>
      </bt:Sets>
    </Requirements>
{_read_button_host("    ", pinnable=False)}
{_resources(base, "    ")}
    <VersionOverrides xmlns="http://schemas.microsoft.com/office/mailappversionoverrides/1.1"
                      xsi:type="VersionOverridesV1_1">
      <Requirements>
        <bt:Sets DefaultMinVersion="1.5">
          <bt:Set Name="Mailbox"/>
        </bt:Sets>
      </Requirements>
{_read_button_host("      ", pinnable=True)}
{_resources(base, "      ")}
    </VersionOverrides>
  </VersionOverrides>
</OfficeApp>
"""


_URL_ELEMENTS = {
    "IconUrl", "HighResolutionIconUrl", "SupportUrl", "SourceLocation", "Image", "Url", "AppDomain",
}


def manifest_urls(manifest_xml: str) -> list[str]:
    """Every URL the manifest makes Outlook fetch (defaults and locale overrides), in document order."""
    urls: list[str] = []
    # Our own rendered manifest, not untrusted input; expat also refuses entity-expansion bombs.
    for element in ET.fromstring(manifest_xml.encode()).iter():  # noqa: S314
        local = element.tag.rpartition("}")[2]
        if local not in _URL_ELEMENTS:
            continue
        if local == "AppDomain" and element.text:
            urls.append(element.text.strip())
        if "DefaultValue" in element.attrib:
            urls.append(element.attrib["DefaultValue"])
        for child in element:
            if child.tag.rpartition("}")[2] == "Override" and "Value" in child.attrib:
                urls.append(child.attrib["Value"])
    return urls


def _default_output(base: str) -> Path:
    parts = urlsplit(base)
    name = re.sub(r"[^A-Za-z0-9.]+", "-", f"{parts.netloc}{parts.path}").strip("-")
    return Path(f"manifest-{name}.xml")


def run(args: argparse.Namespace) -> int:
    try:
        text = render_manifest(args.base_url, args.version)
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    output = Path(args.output) if args.output else _default_output(normalise_base_url(args.base_url))
    output.parent.mkdir(parents=True, exist_ok=True)
    # Bytes, not text mode: the file must be UTF-8 with \n whatever the platform's defaults are.
    output.write_bytes(text.encode("utf-8"))
    base, version = normalise_base_url(args.base_url), manifest_version(args.version)
    print(f"wrote {output} (base URL {base}, version {version})", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "manifest",
        help="write manifest.xml for a public base URL and version",
        description=(
            "Write the Outlook add-in manifest with every URL under BASE_URL. "
            f"After changing VERSION, refresh the committed one with: "
            f"python -m server manifest --base-url {DEV_BASE_URL} -o manifest.xml"
        ),
    )
    parser.add_argument("--base-url", required=True, help="where the add-in is served, e.g. https://addin.example.com/")
    parser.add_argument(
        "--version", default=VERSION, help=f"product version X.Y.Z (default {VERSION}; written as 4 parts)"
    )
    parser.add_argument(
        "-o", "--output", help="file to write ('-' for standard output; default manifest-<host>.xml here)"
    )
    parser.set_defaults(run=run)
