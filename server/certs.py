"""Development HTTPS for sideloading: a local CA and a `localhost` certificate it signs.

Outlook loads add-ins only over HTTPS, from a certificate the machine trusts. Trusting one small CA
once is easier than trusting every new server certificate, so `ensure_dev_certificates` keeps a
CA in `var/certs` (git-ignored) and re-issues the short-lived `localhost` certificate from it when
needed. The CA is name-constrained to localhost and the loopback addresses: should its key leak,
it still cannot vouch for any real site.

`python -m server certs` creates what is missing and prints how to trust the CA and where to
sideload the manifest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CERT_DIR = ROOT / "var" / "certs"

# Renew this long before expiry, so a demo next week does not fail on a certificate expiring today.
RENEW_BEFORE = dt.timedelta(days=7)
CA_LIFETIME = dt.timedelta(days=3 * 365)
# Apple platforms reject TLS server certificates valid for more than 825 days, browsers prefer 398.
LEAF_LIFETIME = dt.timedelta(days=397)
CLOCK_SKEW = dt.timedelta(hours=1)

DNS_NAMES = ("localhost",)
IP_ADDRESSES = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


@dataclass(frozen=True)
class DevCertificates:
    ca_cert: Path  # what users trust (PEM)
    cert: Path  # localhost server certificate (PEM), for uvicorn's ssl_certfile
    key: Path  # its private key (PEM, 0600), for uvicorn's ssl_keyfile
    ca_key: Path  # the CA's private key (PEM, 0600), used to re-issue `cert`
    new_ca: bool = False  # True when this call created the CA: it must be trusted (again)


def _paths(cert_dir: Path) -> DevCertificates:
    return DevCertificates(
        ca_cert=cert_dir / "ca.pem",
        cert=cert_dir / "localhost.pem",
        key=cert_dir / "localhost-key.pem",
        ca_key=cert_dir / "ca-key.pem",
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write_atomically(path: Path, data: bytes, *, private: bool) -> None:
    """Write via a temporary file so a reader never sees half a PEM; keys are 0600 from the start."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if private:
            os.chmod(tmp, 0o600)  # in case the umask or an old file left wider bits
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_pair(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The certificate and its key, or None when either is missing, unreadable or they do not match."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(serialization.Encoding.DER, spki) != key.public_key().public_bytes(
        serialization.Encoding.DER, spki
    ):
        return None
    return cert, key


def _fresh(cert: x509.Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now and cert.not_valid_after_utc - now > RENEW_BEFORE


def _issued_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        leaf.verify_directly_issued_by(ca)
    except (InvalidSignature, ValueError, TypeError):  # wrong signature, issuer name or key type
        return False
    return True


def _covers_localhost(leaf: x509.Certificate) -> bool:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return set(DNS_NAMES) <= set(san.get_values_for_type(x509.DNSName)) and set(IP_ADDRESSES) <= set(
        san.get_values_for_type(x509.IPAddress)
    )


def _new_ca(now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    # The machine and date in the name tell one generated CA from another in a trust store.
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mail Connector development"),
            x509.NameAttribute(
                NameOID.COMMON_NAME,
                f"Mail Connector dev CA {socket.gethostname()[:20]} {now:%Y-%m-%d %H:%M}",
            ),
        ]
    )
    loopback = [x509.DNSName(n) for n in DNS_NAMES] + [
        x509.IPAddress(ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}")) for ip in IP_ADDRESSES
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.NameConstraints(permitted_subtrees=loopback, excluded_subtrees=None), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _new_leaf(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(n) for n in DNS_NAMES] + [x509.IPAddress(ip) for ip in IP_ADDRESSES]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + LEAF_LIFETIME, ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def ensure_dev_certificates(cert_dir: Path = DEFAULT_CERT_DIR) -> DevCertificates:
    """Reuse the CA and localhost certificate in `cert_dir`, or (re)create what is missing or stale.

    The CA is replaced when missing, unreadable, not matching its key, expired or expiring within
    7 days; the localhost certificate additionally when it no longer chains to the CA or does not
    cover localhost/127.0.0.1/::1.
    """
    cert_dir.mkdir(parents=True, exist_ok=True)
    paths = _paths(cert_dir)
    now = _now()

    ca_pair = _load_pair(paths.ca_cert, paths.ca_key)
    new_ca = ca_pair is None or not _fresh(ca_pair[0], now)
    if new_ca or ca_pair is None:
        ca_pair = _new_ca(now)
        _write_atomically(paths.ca_key, _key_pem(ca_pair[1]), private=True)
        _write_atomically(paths.ca_cert, ca_pair[0].public_bytes(serialization.Encoding.PEM), private=False)
    ca, ca_key = ca_pair

    leaf_pair = None if new_ca else _load_pair(paths.cert, paths.key)
    if leaf_pair is None or not (
        _fresh(leaf_pair[0], now) and _issued_by(leaf_pair[0], ca) and _covers_localhost(leaf_pair[0])
    ):
        leaf, leaf_key = _new_leaf(ca, ca_key, now)
        _write_atomically(paths.key, _key_pem(leaf_key), private=True)
        _write_atomically(paths.cert, leaf.public_bytes(serialization.Encoding.PEM), private=False)

    return DevCertificates(paths.ca_cert, paths.cert, paths.key, paths.ca_key, new_ca=new_ca)


def ca_summary(ca_cert: Path) -> tuple[str, str, dt.datetime]:
    """(common name, SHA-256 fingerprint as shown by Windows/macOS dialogs, expiry) of the CA file."""
    cert = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    common_name = str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    fingerprint = cert.fingerprint(hashes.SHA256()).hex(":").upper()
    return common_name, fingerprint, cert.not_valid_after_utc


def sideload_instructions(certs: DevCertificates, port: int = 3000) -> str:
    """What a developer does next: trust the CA once, start the server, sideload the manifest."""
    common_name, fingerprint, expires = ca_summary(certs.ca_cert)
    ca = certs.ca_cert
    renewed = (
        "\nA NEW development CA was just created: trust it as below (remove older\n"
        '"Mail Connector dev CA" entries from your trust store).\n'
        if certs.new_ca
        else ""
    )
    manifest = ROOT / "manifest.xml"
    manifest_line = (
        f"  {manifest}  (points at https://localhost:3000/)"
        if port == 3000
        else f"  python -m server manifest --base-url https://localhost:{port}/ -o manifest-dev.xml"
    )
    return f"""Development certificates for https://localhost (also 127.0.0.1 and ::1)
  CA certificate    {ca}
  CA name           {common_name}
  CA SHA-256        {fingerprint}
  CA expires        {expires:%Y-%m-%d}
  server cert, key  {certs.cert}, {certs.key}
{renewed}
The CA can only vouch for localhost and loopback addresses (name constraints); its private
key stays in {ca.parent}, readable only by you and ignored by git.

1. Trust the CA once on the computer that runs Outlook
   Windows (current user, no admin rights needed; confirm the security warning):
     certutil -user -addstore Root "{ca}"
     or: certmgr.msc (MMC) > Trusted Root Certification Authorities > Certificates >
         All Tasks > Import... > choose the file (file type "All files") > Next > Finish
   macOS (login keychain; asks for your password):
     security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db "{ca}"
     or: Keychain Access > File > Import Items... > login > double-click the certificate >
         Trust > When using this certificate: Always Trust
   Linux browsers (Chrome/Chromium NSS store):
     certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "Mail Connector dev CA" -i "{ca}"
   Firefox keeps its own store: Settings > Privacy & Security > Certificates > View
   Certificates > Authorities > Import.
   Restart Outlook and the browser afterwards. To remove the CA later:
     Windows: certutil -user -delstore Root "{common_name}"
     macOS:   security delete-certificate -c "{common_name}"

2. Start the add-in server
     python -m server serve --https --port {port}
   and check that https://localhost:{port}/index.html opens without a certificate warning.

3. Sideload the manifest
{manifest_line}
   Outlook on the web and new Outlook (Windows, Mac): open https://aka.ms/olksideload
     > My add-ins > Custom Addins: Add a custom add-in > Add from File... > choose the manifest.
   Classic Outlook on Windows: File > Info > Manage Add-ins (opens the same dialog in your
     browser) > My add-ins > Add a custom add-in > Add from File...; the add-in follows your
     mailbox, so sideloading it once in Outlook on the web works too (it can take a while to
     appear in classic Outlook).
   Then open an email and choose "Link to CRM" (or Apps / ... > Mail Connector).
"""


def _run(args: argparse.Namespace) -> int:
    certs = ensure_dev_certificates(Path(args.dir))
    print(sideload_instructions(certs, port=args.port), end="")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "certs",
        help="development CA + localhost certificate for sideloading",
        description=(
            "Create (or renew) the development CA and the localhost certificate, then print how to "
            "trust the CA on Windows and macOS and where to sideload the manifest in Outlook."
        ),
    )
    parser.add_argument(
        "--dir", default=str(DEFAULT_CERT_DIR), help=f"where to keep them (default {DEFAULT_CERT_DIR})"
    )
    parser.add_argument("--port", type=int, default=3000, help="port you will serve on (default 3000)")
    parser.set_defaults(run=_run)

