"""Development certificates: created, chained to the CA, renewed when stale, private keys private."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.certs import DevCertificates, ensure_dev_certificates
from tests.support.processes import ROOT, python_module


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def fingerprint(path: Path) -> bytes:
    return load_cert(path).fingerprint(hashes.SHA256())


def write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def leaf_valid_until(certs: DevCertificates, not_after: dt.datetime, *, signer: Path | None = None) -> None:
    """Replace the localhost certificate by one (same key) valid until `not_after`, signed by `signer`."""
    ca = load_cert(certs.ca_cert)
    ca_key = load_key(signer or certs.ca_key)
    old = load_cert(certs.cert)
    cert = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(ca.subject)
        .public_key(load_key(certs.key).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - dt.timedelta(days=30))
        .not_valid_after(not_after)
        .add_extension(
            old.extensions.get_extension_for_class(x509.SubjectAlternativeName).value, critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    write_cert(certs.cert, cert)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def certs(tmp_path: Path) -> DevCertificates:
    return ensure_dev_certificates(tmp_path / "certs")


def test_creates_a_ca_and_a_localhost_certificate_signed_by_it(certs: DevCertificates) -> None:
    for path in (certs.ca_cert, certs.cert, certs.key, certs.ca_key):
        assert path.is_file(), path
    assert certs.new_ca
    ca, leaf = load_cert(certs.ca_cert), load_cert(certs.cert)
    leaf.verify_directly_issued_by(ca)  # raises if the signature or issuer does not match
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.public_key() == load_key(certs.key).public_key()
    assert leaf.not_valid_after_utc - now() > dt.timedelta(days=300)
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= dt.timedelta(days=398)


def test_localhost_certificate_names_localhost_and_the_loopback_addresses(certs: DevCertificates) -> None:
    san = load_cert(certs.cert).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("::1") in san.get_values_for_type(x509.IPAddress)


def test_private_keys_are_readable_by_the_owner_only(certs: DevCertificates) -> None:
    for key in (certs.key, certs.ca_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_second_call_reuses_the_files(certs: DevCertificates) -> None:
    before = {p: p.read_bytes() for p in (certs.ca_cert, certs.cert, certs.key, certs.ca_key)}
    again = ensure_dev_certificates(certs.ca_cert.parent)
    assert not again.new_ca
    assert {p: p.read_bytes() for p in before} == before


def test_expired_localhost_certificate_is_reissued_by_the_same_ca(certs: DevCertificates) -> None:
    ca_before = fingerprint(certs.ca_cert)
    leaf_valid_until(certs, now() - dt.timedelta(days=1))
    stale = fingerprint(certs.cert)

    renewed = ensure_dev_certificates(certs.ca_cert.parent)

    assert not renewed.new_ca
    assert fingerprint(renewed.ca_cert) == ca_before
    assert fingerprint(renewed.cert) != stale
    leaf = load_cert(renewed.cert)
    leaf.verify_directly_issued_by(load_cert(renewed.ca_cert))
    assert leaf.not_valid_after_utc > now() + dt.timedelta(days=300)
    assert stat.S_IMODE(renewed.key.stat().st_mode) == 0o600


def test_certificate_expiring_within_a_week_is_reissued_but_not_one_with_a_month_left(
    certs: DevCertificates,
) -> None:
    leaf_valid_until(certs, now() + dt.timedelta(days=30))
    month_left = certs.cert.read_bytes()
    assert ensure_dev_certificates(certs.ca_cert.parent).cert.read_bytes() == month_left

    leaf_valid_until(certs, now() + dt.timedelta(days=3))
    days_left = certs.cert.read_bytes()
    assert ensure_dev_certificates(certs.ca_cert.parent).cert.read_bytes() != days_left


def test_certificate_not_signed_by_the_ca_is_reissued(certs: DevCertificates, tmp_path: Path) -> None:
    stranger = ensure_dev_certificates(tmp_path / "other")  # another CA, same subject shape
    leaf_valid_until(certs, now() + dt.timedelta(days=200), signer=stranger.ca_key)
    with pytest.raises(InvalidSignature):
        load_cert(certs.cert).verify_directly_issued_by(load_cert(certs.ca_cert))

    renewed = ensure_dev_certificates(certs.ca_cert.parent)

    load_cert(renewed.cert).verify_directly_issued_by(load_cert(renewed.ca_cert))


def test_expired_ca_is_replaced_and_the_localhost_certificate_with_it(certs: DevCertificates) -> None:
    old_ca = load_cert(certs.ca_cert)
    ca_key = load_key(certs.ca_key)
    expired = (
        x509.CertificateBuilder()
        .subject_name(old_ca.subject)
        .issuer_name(old_ca.subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now() - dt.timedelta(days=400))
        .not_valid_after(now() - dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    write_cert(certs.ca_cert, expired)
    old_leaf = fingerprint(certs.cert)

    renewed = ensure_dev_certificates(certs.ca_cert.parent)

    assert renewed.new_ca
    new_ca = load_cert(renewed.ca_cert)
    assert new_ca.not_valid_after_utc > now() + dt.timedelta(days=365)
    assert fingerprint(renewed.cert) != old_leaf
    load_cert(renewed.cert).verify_directly_issued_by(new_ca)


def test_missing_or_corrupt_files_are_recreated(certs: DevCertificates) -> None:
    certs.key.unlink()
    assert ensure_dev_certificates(certs.ca_cert.parent).key.is_file()
    certs.ca_key.write_text("not a key")
    renewed = ensure_dev_certificates(certs.ca_cert.parent)
    assert renewed.new_ca
    load_cert(renewed.cert).verify_directly_issued_by(load_cert(renewed.ca_cert))


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_tls_handshake_verifies_against_the_generated_ca(certs: DevCertificates, host: str) -> None:
    """What a browser does: a TLS client trusting only our CA accepts the server for this name."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certs.cert, certs.key)
    client_ctx = ssl.create_default_context(cafile=str(certs.ca_cert))

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        errors: list[BaseException] = []

        def serve_once() -> None:
            try:
                conn, _ = listener.accept()
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"ok")
            except (OSError, ssl.SSLError) as exc:
                errors.append(exc)

        thread = threading.Thread(target=serve_once)
        thread.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            client_ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            assert tls.recv(2) == b"ok"
            peer = tls.getpeercert(binary_form=True)
        thread.join(10)
        assert not errors
    assert peer is not None
    assert x509.load_der_x509_certificate(peer).fingerprint(hashes.SHA256()) == fingerprint(certs.cert)


def test_ca_cannot_vouch_for_real_sites(certs: DevCertificates) -> None:
    constraints = load_cert(certs.ca_cert).extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = constraints.value.permitted_subtrees or []
    assert x509.DNSName("localhost") in permitted
    networks = [name.value for name in permitted if isinstance(name, x509.IPAddress)]
    assert len(networks) == 2
    assert all(
        isinstance(net, ipaddress.IPv4Network | ipaddress.IPv6Network) and net.network_address.is_loopback
        for net in networks
    )
    assert len(networks) + 1 == len(permitted)
    assert [n.value for n in permitted if isinstance(n, x509.DNSName)] == ["localhost"]


def test_certs_command_creates_the_files_and_explains_trust_and_sideloading(tmp_path: Path) -> None:
    cert_dir = tmp_path / "var-certs"
    done = subprocess.run(
        python_module("server", "certs", "--dir", str(cert_dir)),
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    ca_path = cert_dir / "ca.pem"
    assert ca_path.is_file()
    assert str(ca_path) in out
    common_name = load_cert(ca_path).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert str(common_name) in out
    for expected in (
        "certutil -user -addstore Root",  # Windows, command line
        "certmgr.msc",  # Windows, MMC
        "security add-trusted-cert",  # macOS, command line
        "Keychain Access",  # macOS, UI
        "https://aka.ms/olksideload",  # Outlook on the web / new Outlook
        "My add-ins",
        "Add from File",
        "Classic Outlook on Windows",
        "new Outlook",
        "python -m server serve --https",
        str(ROOT / "manifest.xml"),
    ):
        assert expected in out, expected
    assert os.stat(cert_dir / "localhost-key.pem").st_mode & 0o077 == 0
