"""The Outlook manifest: valid for the Office schema, self-consistent, bilingual, HTTPS, and in sync."""

from __future__ import annotations

import subprocess
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import xmlschema
from PIL import Image

from mailconnector.version import VERSION
from server.manifest import (
    ADDIN_ID,
    DEV_BASE_URL,
    ManifestError,
    manifest_urls,
    render_manifest,
)
from tests.support.processes import ROOT, python_module

# Microsoft's manifest schemas, kept in the repository (see tests/schemas/office-addin-manifest/README.md).
SCHEMA = ROOT / "tests" / "schemas" / "office-addin-manifest" / "OfficeAppManifestV1_1.xsd"
MANIFEST = ROOT / "manifest.xml"

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "v10": "http://schemas.microsoft.com/office/mailappversionoverrides",
    "v11": "http://schemas.microsoft.com/office/mailappversionoverrides/1.1",
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


@pytest.fixture(scope="module")
def manifest_text() -> str:
    return MANIFEST.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def root(manifest_text: str) -> ET.Element:
    return ET.fromstring(manifest_text.encode())


def version_override_blocks(root: ET.Element) -> list[ET.Element]:
    outer = root.find("v10:VersionOverrides", NS)
    assert outer is not None
    inner = outer.find("v11:VersionOverrides", NS)
    assert inner is not None
    return [outer, inner]


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def own_elements(block: ET.Element) -> list[ET.Element]:
    """The block's descendants without those of a nested VersionOverrides (which has its own resources)."""
    found: list[ET.Element] = []
    stack = list(block)
    while stack:
        element = stack.pop()
        if local(element.tag) == "VersionOverrides":
            continue
        found.append(element)
        stack.extend(element)
    return found


def resources(block: ET.Element) -> dict[str, dict[str, ET.Element]]:
    """{'Images'|'Urls'|'ShortStrings'|'LongStrings': {id: element}} of this block's own Resources."""
    res = next(e for e in block if local(e.tag) == "Resources")
    return {local(group.tag): {item.attrib["id"]: item for item in group} for group in res}


def addin_file(url: str, base: str = DEV_BASE_URL) -> Path:
    assert url.startswith(base), url
    return ROOT / "addin" / urlsplit(url).path.removeprefix(urlsplit(base).path)


def test_committed_manifest_validates_against_the_office_schema(schema: xmlschema.XMLSchema) -> None:
    schema.validate(str(MANIFEST))


def test_committed_manifest_is_the_development_rendering_of_the_product_version(manifest_text: str) -> None:
    expected = render_manifest(DEV_BASE_URL, VERSION)
    assert manifest_text == expected, (
        "manifest.xml is out of date; regenerate it with "
        f"`python -m server manifest --base-url {DEV_BASE_URL} -o manifest.xml`"
    )


def test_manifest_version_is_the_product_version_in_four_parts(root: ET.Element) -> None:
    parts = VERSION.split(".")
    assert root.findtext("o:Version", namespaces=NS) == ".".join(parts + ["0"] * (4 - len(parts)))


def test_id_is_our_own_version_4_guid(root: ET.Element) -> None:
    text = root.findtext("o:Id", namespaces=NS)
    assert text == ADDIN_ID
    assert uuid.UUID(text).version == 4


def test_every_resid_resolves_to_a_resource_of_the_right_kind_in_its_block(root: ET.Element) -> None:
    kind_of_reference = {
        "Image": "Images",
        "SourceLocation": "Urls",
        "Label": "ShortStrings",
        "Title": "ShortStrings",
        "Description": "LongStrings",
    }
    for block in version_override_blocks(root):
        available = resources(block)
        references = [e for e in own_elements(block) if "resid" in e.attrib]
        assert references, "a VersionOverrides block without any resource reference"
        for element in references:
            kind = kind_of_reference[local(element.tag)]
            assert element.attrib["resid"] in available[kind], (local(element.tag), element.attrib["resid"])


def test_every_user_visible_string_has_an_italian_override(root: ET.Element) -> None:
    checked = 0
    for tag in ("DisplayName", "Description"):
        element = root.find(f"o:{tag}", NS)
        assert element is not None
        overrides = {o.attrib["Locale"]: o.attrib["Value"] for o in element.findall("o:Override", NS)}
        assert overrides.get("it-IT", "").strip(), tag
        checked += 1
    for block in version_override_blocks(root):
        groups = resources(block)
        for strings in (groups["ShortStrings"], groups["LongStrings"]):
            for resid, string in strings.items():
                overrides = {o.attrib["Locale"]: o.attrib["Value"] for o in string.findall("bt:Override", NS)}
                assert overrides.get("it-IT", "").strip(), resid
                checked += 1
    assert checked >= 2 + 2 * 3  # name, description, and group label, button label, tooltip per block


def test_every_url_is_https_and_manifest_urls_finds_them_all(root: ET.Element, manifest_text: str) -> None:
    # Independent of manifest_urls: every attribute or text that looks like a URL.
    url_like = [
        value
        for element in root.iter()
        for value in [*element.attrib.values(), (element.text or "").strip()]
        if "://" in value
    ]
    assert url_like
    assert all(value.startswith("https://") for value in url_like), url_like
    assert sorted(manifest_urls(manifest_text)) == sorted(url_like)


def test_pane_button_opens_a_pinnable_task_pane_for_read_messages(root: ET.Element) -> None:
    assert root.attrib[XSI_TYPE] == "MailApp"
    assert root.findtext("o:Permissions", namespaces=NS) == "ReadItem"
    mailbox = root.find("o:Requirements/o:Sets/o:Set[@Name='Mailbox']", NS)
    assert mailbox is not None and mailbox.attrib["MinVersion"] == "1.5"
    rules = root.findall(".//o:Rule[@ItemType]", NS)
    assert [(r.attrib["ItemType"], r.attrib["FormType"]) for r in rules] == [("Message", "Read")]
    form = root.find("o:FormSettings/o:Form", NS)
    assert form is not None and form.attrib[XSI_TYPE] == "ItemRead"
    assert form.find("o:DesktopSettings/o:SourceLocation", NS) is not None

    outer, inner = version_override_blocks(root)
    for block, ns in ((outer, "v10"), (inner, "v11")):
        points = block.findall(f"{ns}:Hosts/{ns}:Host/{ns}:DesktopFormFactor/{ns}:ExtensionPoint", NS)
        assert [p.attrib[XSI_TYPE] for p in points] == ["MessageReadCommandSurface"]
        groups = points[0].findall(f"{ns}:OfficeTab/{ns}:Group", NS)
        assert len(groups) == 1 and groups[0].find(f"{ns}:Label", NS) is not None
        controls = groups[0].findall(f"{ns}:Control", NS)
        assert [c.attrib[XSI_TYPE] for c in controls] == ["Button"]
        action = controls[0].find(f"{ns}:Action", NS)
        assert action is not None and action.attrib[XSI_TYPE] == "ShowTaskpane"
        sizes = [int(i.attrib["size"]) for i in controls[0].findall(f"{ns}:Icon/bt:Image", NS)]
        assert sizes == [16, 32, 80]
    pinning = inner.findtext(
        "v11:Hosts/v11:Host/v11:DesktopFormFactor/v11:ExtensionPoint/v11:OfficeTab/v11:Group/"
        "v11:Control/v11:Action/v11:SupportsPinning",
        namespaces=NS,
    )
    assert pinning == "true"
    inner_mailbox = inner.find("v11:Requirements/bt:Sets", NS)
    assert inner_mailbox is not None and inner_mailbox.attrib["DefaultMinVersion"] == "1.5"


def test_icons_exist_with_the_declared_pixel_sizes(root: ET.Element) -> None:
    declared: list[tuple[str, int]] = []
    icon = root.find("o:IconUrl", NS)
    high = root.find("o:HighResolutionIconUrl", NS)
    assert icon is not None and high is not None
    declared += [(icon.attrib["DefaultValue"], 64), (high.attrib["DefaultValue"], 128)]
    for block in version_override_blocks(root):
        images = resources(block)["Images"]
        for reference in (e for e in own_elements(block) if local(e.tag) == "Image" and "resid" in e.attrib):
            url = images[reference.attrib["resid"]].attrib["DefaultValue"]
            declared.append((url, int(reference.attrib["size"])))
    for path_size in (16, 32, 64, 80, 128):  # the full set the server publishes under assets/
        declared.append((f"{DEV_BASE_URL}assets/icon-{path_size}.png", path_size))
    for url, size in declared:
        with Image.open(addin_file(url)) as image:
            assert image.format == "PNG", url
            assert image.size == (size, size), url
            assert image.mode == "RGBA", url  # transparent background


def test_every_manifest_url_names_a_file_of_the_addin(manifest_text: str) -> None:
    for url in manifest_urls(manifest_text):
        assert addin_file(url.split("#")[0]).is_file(), url


def test_rendering_for_a_host_rewrites_every_url_and_still_validates(schema: xmlschema.XMLSchema) -> None:
    text = render_manifest("https://addin.example.com/", "2.3.4")
    schema.validate(text)
    urls = manifest_urls(text)
    assert len(urls) >= 8
    assert all(url.startswith("https://addin.example.com/") for url in urls), urls
    assert "localhost" not in text
    assert ET.fromstring(text.encode()).findtext("o:Version", namespaces=NS) == "2.3.4.0"
    assert sorted(u.removeprefix("https://addin.example.com/") for u in urls) == sorted(
        u.removeprefix(DEV_BASE_URL) for u in manifest_urls(render_manifest(DEV_BASE_URL, "2.3.4"))
    )


def test_a_base_url_with_a_path_keeps_the_path_with_or_without_trailing_slash() -> None:
    for base in ("https://cdn.example.com/tools/mail", "https://cdn.example.com/tools/mail/"):
        urls = manifest_urls(render_manifest(base, "1.2.3"))
        assert all(u.startswith("https://cdn.example.com/tools/mail/") for u in urls), urls
        assert "https://cdn.example.com/tools/mail/index.html" in urls


@pytest.mark.parametrize(
    "base_url",
    ["http://addin.example.com/", "addin.example.com", "https:///x", "https://a.example/?q=1", "https://a.example/#x",
     "https://user:pw@a.example/", "https://a.example/my folder/"],
)
def test_base_urls_outlook_could_not_load_are_refused(base_url: str) -> None:
    with pytest.raises(ManifestError):
        render_manifest(base_url, "1.0.0")


@pytest.mark.parametrize("version", ["", "1.0.0-rc1", "1.2.3.4.5", "v1.0", "123456.0"])
def test_versions_office_does_not_accept_are_refused(version: str) -> None:
    with pytest.raises(ManifestError):
        render_manifest(DEV_BASE_URL, version)


def test_four_part_versions_are_kept_as_they_are() -> None:
    text = render_manifest(DEV_BASE_URL, "3.1.4.15")
    assert ET.fromstring(text.encode()).findtext("o:Version", namespaces=NS) == "3.1.4.15"


def test_manifest_command_writes_the_rendering_for_the_given_host(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "manifest.xml"
    done = subprocess.run(
        python_module("server", "manifest", "--base-url", "https://addin.example.com", "--version", "2.3.4",
                      "-o", str(out)),
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == render_manifest("https://addin.example.com/", "2.3.4").encode("utf-8")

    default_version = subprocess.run(
        python_module("server", "manifest", "--base-url", "https://addin.example.com/", "-o", "-"),
        cwd=ROOT, capture_output=True, timeout=60,
    )
    assert default_version.returncode == 0, default_version.stderr
    assert default_version.stdout == render_manifest("https://addin.example.com/", VERSION).encode("utf-8")


def test_manifest_command_refuses_plain_http_without_writing(tmp_path: Path) -> None:
    out = tmp_path / "manifest.xml"
    done = subprocess.run(
        python_module("server", "manifest", "--base-url", "http://addin.example.com/", "-o", str(out)),
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "https://" in done.stderr
    assert not out.exists()
