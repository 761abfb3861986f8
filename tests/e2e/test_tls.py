"""HTTPS: the real server with a self-signed certificate, and start-up errors for bad TLS files."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.e2e.server import http_json, running_server, server_env
from tests.factories import make_settings
from tradeloop.server import StartupError, tls_context

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path


def write_self_signed(directory: Path, name: str = "server") -> TlsFiles:
    """A certificate for 127.0.0.1 and localhost, signed by its own key, both as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(directory / f"{name}-cert.pem", directory / f"{name}-key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


@pytest.fixture
def tls_files(tmp_path: Path) -> TlsFiles:
    return write_self_signed(tmp_path)


def test_server_serves_https_with_the_configured_certificate(tmp_path: Path, tls_files: TlsFiles) -> None:
    args = ("--tls-cert", str(tls_files.cert), "--tls-key", str(tls_files.key))
    with running_server(tmp_path, None, *args) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        assert f"curl -s {server.base_url}/v2/account" in server.stdout
        trusting = ssl.create_default_context(cafile=tls_files.cert)
        assert http_json("GET", f"{server.base_url}/healthz", tls=trusting) == (200, {"status": "ok"})
        with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=10, context=trusting) as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
            assert response.headers["Server"] is None
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(f"{server.base_url}/healthz", timeout=10, context=ssl.create_default_context())
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)


def test_tls_context_needs_tls_1_2_or_later(tls_files: TlsFiles) -> None:
    context = tls_context(make_settings(tls_cert=tls_files.cert, tls_key=tls_files.key))
    assert context is not None and context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert tls_context(make_settings()) is None


def test_an_encrypted_key_is_refused_without_a_prompt(tls_files: TlsFiles) -> None:
    key = serialization.load_pem_private_key(tls_files.key.read_bytes(), password=None)
    tls_files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(StartupError, match="encrypted"):
        tls_context(make_settings(tls_cert=tls_files.cert, tls_key=tls_files.key))


@pytest.mark.parametrize("problem", ["missing cert", "missing key", "key of another cert", "not a cert"])
def test_bad_tls_files_exit_2_with_a_clear_message(tmp_path: Path, tls_files: TlsFiles, problem: str) -> None:
    cert, key = tls_files.cert, tls_files.key
    if problem == "missing cert":
        cert = tmp_path / "nope.pem"
        expected = f"cannot read the TLS certificate {cert}: no such file"
    elif problem == "missing key":
        key = tmp_path / "nope.pem"
        expected = f"cannot read the TLS key {key}: no such file"
    elif problem == "key of another cert":
        key = write_self_signed(tmp_path, "other").key
        expected = f"cannot load the TLS certificate {cert} with the key {key}: the key does not belong"
    else:
        cert.write_text("not a certificate\n")
        expected = f"cannot load the TLS certificate {cert} with the key {key}: not a PEM certificate"
    result = subprocess.run(
        [sys.executable, "-m", "tradeloop", "serve", "--port", "0", "--data-dir", str(tmp_path / "data")]
        + ["--market", "manual", "--tls-cert", str(cert), "--tls-key", str(key)],
        capture_output=True,
        text=True,
        env=server_env(),
        timeout=30,
    )
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert "serving on" not in result.stdout
