"""Detached CMS signatures over export files with the office's certificate (DESIGN §6).

A ``.p7s`` is a DER ``ContentInfo``/``SignedData`` (RFC 5652) without the content: SHA-256
digest, signed attributes (content type, signing time, message digest), the office's X.509
certificate embedded. ``openssl cms -verify -binary -inform DER -content FILE`` checks it.

The structure is encoded here rather than with cryptography's ``PKCS7SignatureBuilder``
because that builder takes the whole content as ``bytes``: a 50,000-transaction pain.001 is
about 30 MB, which would fit, but here the file is digested in 1 MB chunks, so memory stays
flat whatever the size, and the signing time can be fixed by the caller, which makes a
re-signed file byte-identical (RSA PKCS#1 v1.5 is deterministic). The tests check every
signature with the real ``openssl`` binary.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from chitra.core import atomicfile
from chitra.core.errors import DomainError

DEMO_KEYSTORE_PASSWORD = b"chitra-demo-keystore"  # = config.py default
DEMO_COMMON_NAME = "BHXH tỉnh Lai Châu (demo)"
_CHUNK = 1024 * 1024


class SigningError(DomainError):
    """The keystore cannot be used: missing, wrong password, incomplete or expired."""

    http_status = 500


# --- keystore ------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """A private key with its certificate (and any chain certificates from the keystore)."""

    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def sign_detached(self, data_path: Path, out_path: Path,
                      signing_time: dt.datetime | None = None,
                      digest: bytes | None = None) -> None:
        """Write a detached DER CMS signature of ``data_path`` to ``out_path``.

        The data is read in 1 MB chunks; the signature is written to a temporary file in
        the same directory and renamed into place. ``signing_time`` (aware) defaults to now;
        pass a fixed one to regenerate the same bytes. ``digest``: the SHA-256 of the data
        when the caller already has it (computed while writing it), to spare a read.
        """
        when = signing_time or dt.datetime.now(dt.UTC)
        if when.tzinfo is None:
            raise ValueError("signing_time must be timezone-aware")
        der = self._signed_data(digest or _sha256_file(data_path), when.astimezone(dt.UTC))
        atomicfile.write_bytes(out_path, der)

    def _signed_data(self, digest: bytes, when: dt.datetime) -> bytes:
        cert = self.certificate
        attrs = _set(
            _seq(_oid(_OID_CONTENT_TYPE), _set(_oid(_OID_DATA))),
            _seq(_oid(_OID_SIGNING_TIME), _set(_time(when))),
            _seq(_oid(_OID_MESSAGE_DIGEST), _set(_tlv(0x04, digest))),
        )
        # The signature covers the attributes encoded as a SET (tag 0x31); inside the
        # SignerInfo they carry the implicit tag [0] (0xA0) instead.
        signature, sig_alg = self._sign(attrs)
        signer_info = _seq(
            _int(1),
            _seq(cert.issuer.public_bytes(), _int(cert.serial_number)),
            _SHA256_ALG,
            b"\xa0" + attrs[1:],
            sig_alg,
            _tlv(0x04, signature),
        )
        certs = [c.public_bytes(serialization.Encoding.DER) for c in (cert, *self.chain)]
        signed_data = _seq(
            _int(1),
            _set(_SHA256_ALG),
            _seq(_oid(_OID_DATA)),  # no eContent: detached
            _tlv(0xA0, b"".join(sorted(set(certs)))),
            _set(signer_info),
        )
        return _seq(_oid(_OID_SIGNED_DATA), _tlv(0xA0, signed_data))

    def _sign(self, attrs: bytes) -> tuple[bytes, bytes]:
        key = self.private_key
        if isinstance(key, rsa.RSAPrivateKey):
            return (key.sign(attrs, padding.PKCS1v15(), hashes.SHA256()),
                    _seq(_oid(_OID_RSA), b"\x05\x00"))
        return key.sign(attrs, ec.ECDSA(hashes.SHA256())), _seq(_oid(_OID_ECDSA_SHA256))


def load_keystore(path: Path, password: bytes | str,
                  now: dt.datetime | None = None) -> Signer:
    """Open a PKCS#12 keystore; refuse it clearly if it cannot sign today."""
    pw = password.encode() if isinstance(password, str) else password
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SigningError(
            "keystore_missing",
            f"Không tìm thấy kho khoá ký {path} (bản demo: chạy `chitra make_demo_keystore`).",
            f"Keystore {path} not found (for a demo: run `chitra make_demo_keystore`).",
        ) from None
    except OSError as e:
        raise SigningError("keystore_unreadable", f"Không đọc được kho khoá ký {path}: {e}",
                           f"Cannot read keystore {path}: {e}") from e
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, pw or None)
    except ValueError:
        raise SigningError(
            "keystore_password",
            f"Sai mật khẩu kho khoá ký hoặc {path} không phải tệp PKCS#12.",
            f"Wrong keystore password, or {path} is not a PKCS#12 file.",
        ) from None
    if key is None or cert is None:
        raise SigningError("keystore_incomplete",
                           f"Kho khoá {path} thiếu khoá riêng hoặc chứng thư số.",
                           f"Keystore {path} lacks a private key or a certificate.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError("keystore_key_type",
                           "Chỉ hỗ trợ khoá RSA hoặc EC.", "Only RSA or EC keys are supported.")
    if _spki(key.public_key()) != _spki(cert.public_key()):
        raise SigningError("keystore_mismatch",
                           "Khoá riêng không khớp với chứng thư số trong kho khoá.",
                           "The private key does not match the keystore's certificate.")
    today = now or dt.datetime.now(dt.UTC)
    if today > cert.not_valid_after_utc:
        raise SigningError(
            "certificate_expired",
            f"Chứng thư số đã hết hạn ngày {cert.not_valid_after_utc:%d/%m/%Y}.",
            f"The certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}.")
    if today < cert.not_valid_before_utc:
        raise SigningError(
            "certificate_not_yet_valid",
            f"Chứng thư số chỉ có hiệu lực từ ngày {cert.not_valid_before_utc:%d/%m/%Y}.",
            f"The certificate is valid only from {cert.not_valid_before_utc:%Y-%m-%d}.")
    return Signer(key, cert, tuple(extra))


def configured_keystore() -> tuple[Path, bytes]:
    """The keystore path and password from settings ``KEYSTORE_PATH`` / ``KEYSTORE_PASSWORD``
    (``CHITRA_KEYSTORE_PATH`` / ``CHITRA_KEYSTORE_PASSWORD``), else the demo defaults:
    ``VAR_DIR/keys/bhxh-demo.p12`` and :data:`DEMO_KEYSTORE_PASSWORD`."""
    from django.conf import settings

    path = getattr(settings, "KEYSTORE_PATH", None) \
        or Path(settings.VAR_DIR) / "keys" / "bhxh-demo.p12"
    password = getattr(settings, "KEYSTORE_PASSWORD", None) or DEMO_KEYSTORE_PASSWORD
    return Path(path), password.encode() if isinstance(password, str) else password


def signer_from_settings() -> Signer:
    """The office's signer, from the keystore the settings name."""
    return load_keystore(*configured_keystore())


def demo_cert_path(keystore_path: Path) -> Path:
    """Where :func:`make_demo_keystore` puts the certificate: ``<keystore>.crt.pem``."""
    return keystore_path.with_name(keystore_path.name + ".crt.pem")


def make_demo_keystore(path: Path, password: bytes | str = DEMO_KEYSTORE_PASSWORD,
                       common_name: str = DEMO_COMMON_NAME, days: int = 730,
                       key_size: int = 3072) -> Path:
    """Create a self-signed RSA keystore for demos and tests; also ``<path>.crt.pem``.

    The certificate is its own CA (basicConstraints CA=True) so that ``openssl cms -verify
    -CAfile <path>.crt.pem`` accepts signatures made with it. Overwrites ``path``.
    """
    pw = password.encode() if isinstance(password, str) else password
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bảo hiểm xã hội Việt Nam (demo)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        common_name.encode(), key, cert, None,
        serialization.BestAvailableEncryption(pw) if pw else serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomicfile.write_bytes(path, p12, mode=0o600)
    atomicfile.write_bytes(demo_cert_path(path), cert.public_bytes(serialization.Encoding.PEM))
    return path


def verify_with_openssl(data_path: Path, sig_path: Path, ca_cert_path: Path) -> bool:
    """True if ``openssl cms -verify`` accepts the detached signature against the CA file."""
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER",  # noqa: S607
         "-in", str(sig_path), "-content", str(data_path), "-CAfile", str(ca_cert_path),
         "-purpose", "any", "-out", os.devnull],
        capture_output=True, check=False, timeout=120)
    return result.returncode == 0


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# --- files ---------------------------------------------------------------------------


def _sha256_file(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.digest()


# --- minimal DER -----------------------------------------------------------------------

_OID_DATA = "1.2.840.113549.1.7.1"
_OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
_OID_SHA256 = "2.16.840.1.101.3.4.2.1"
_OID_RSA = "1.2.840.113549.1.1.1"
_OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"


def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + value


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _set(*items: bytes) -> bytes:
    return _tlv(0x31, b"".join(sorted(items)))  # DER orders SET OF by encoding


def _int(n: int) -> bytes:
    if n < 0:
        raise ValueError("negative INTEGER not needed here")
    return _tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _time(when: dt.datetime) -> bytes:
    """UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5652 §11.3)."""
    if 1950 <= when.year < 2050:
        return _tlv(0x17, when.strftime("%y%m%d%H%M%SZ").encode())
    return _tlv(0x18, when.strftime("%Y%m%d%H%M%SZ").encode())


_SHA256_ALG = _seq(_oid(_OID_SHA256))
