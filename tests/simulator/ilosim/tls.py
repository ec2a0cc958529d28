# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private CA and a server certificate for the simulator, cached in a state directory."""

import datetime
import ipaddress
import json
import os
import ssl
import tempfile

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
CA_DAYS = 3650
LEAF_DAYS = 825
RENEW_BEFORE = datetime.timedelta(days=30)


def _write(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o600 if path.endswith(".key") else 0o644)
    os.replace(tmp, path)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _san(hosts):
    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _make_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lightsout.ilo simulator"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "ilosim test CA")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_leaf(ca_key, ca_cert, hosts):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(days=1))
            .not_valid_after(_now() + datetime.timedelta(days=LEAF_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_san(hosts), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _valid(path):
    try:
        with open(path, "rb") as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
    except (OSError, ValueError):
        return None
    if cert.not_valid_after_utc - RENEW_BEFORE < _now():
        return None
    return cert


def ensure_certificates(state_dir, hosts=()):
    """Create (or reuse) ``ca.pem`` and ``server.pem``/``server.key`` in ``state_dir``.

    Returns ``(ca_path, cert_path, key_path)``. The server certificate covers
    localhost, 127.0.0.1, ::1 and ``hosts``; it is re-issued when that set changes.
    """
    os.makedirs(state_dir, exist_ok=True)
    names = list(DEFAULT_HOSTS) + [h for h in hosts if h and h not in DEFAULT_HOSTS and h not in ("0.0.0.0", "::")]
    paths = {n: os.path.join(state_dir, n) for n in ("ca.pem", "ca.key", "server.pem", "server.key", "server.json")}
    with open(os.path.join(state_dir, ".lock"), "w", encoding="utf-8") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        ca_cert = _valid(paths["ca.pem"])
        if ca_cert is None or not os.path.exists(paths["ca.key"]):
            ca_key, ca_cert = _make_ca()
            _write(paths["ca.key"], _key_pem(ca_key))
            _write(paths["ca.pem"], ca_cert.public_bytes(serialization.Encoding.PEM))
            fresh = True
        else:
            with open(paths["ca.key"], "rb") as handle:
                ca_key = serialization.load_pem_private_key(handle.read(), None)
            fresh = False
        try:
            with open(paths["server.json"], encoding="utf-8") as handle:
                cached_names = json.load(handle).get("hosts")
        except (OSError, ValueError):
            cached_names = None
        if fresh or cached_names != names or _valid(paths["server.pem"]) is None or not os.path.exists(paths["server.key"]):
            key, cert = _make_leaf(ca_key, ca_cert, names)
            _write(paths["server.key"], _key_pem(key))
            _write(paths["server.pem"], cert.public_bytes(serialization.Encoding.PEM))
            _write(paths["server.json"], json.dumps({"hosts": names}).encode())
    return paths["ca.pem"], paths["server.pem"], paths["server.key"]


def server_context(cert_path, key_path):
    """An ``SSLContext`` for the HTTPS listeners (TLS 1.2+, session tickets on)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    context.set_alpn_protocols(["http/1.1"])
    return context
