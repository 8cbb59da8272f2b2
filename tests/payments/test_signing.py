from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import CommandError

from chitra.payments.export import signing
from chitra.payments.export.signing import (
    DEMO_COMMON_NAME,
    DEMO_KEYSTORE_PASSWORD,
    SigningError,
    demo_cert_path,
    load_keystore,
    make_demo_keystore,
    verify_with_openssl,
)

PASSWORD = b"correct horse"


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_keystore(tmp_path_factory.mktemp("ks") / "office.p12", PASSWORD)


@pytest.fixture(scope="module")
def other_keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_keystore(tmp_path_factory.mktemp("ks2") / "other.p12", PASSWORD)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "pain001-VCB-2026-11-001.xml"
    path.write_bytes("<Document>Nguyễn Thị Thuỷ 1234567</Document>\n".encode() * 5000)
    return path


def _sign(keystore: Path, data: Path) -> Path:
    sig = data.with_name(data.name + ".p7s")
    load_keystore(keystore, PASSWORD).sign_detached(data, sig)
    return sig


def test_openssl_accepts_the_detached_signature(keystore: Path, data_file: Path) -> None:
    sig = _sign(keystore, data_file)
    assert verify_with_openssl(data_file, sig, demo_cert_path(keystore))


def test_signature_embeds_the_office_certificate(keystore: Path, data_file: Path) -> None:
    sig = _sign(keystore, data_file)
    certs = pkcs7.load_der_pkcs7_certificates(sig.read_bytes())
    assert certs == [load_keystore(keystore, PASSWORD).certificate]


def test_one_changed_byte_fails_verification(keystore: Path, data_file: Path) -> None:
    sig = _sign(keystore, data_file)
    data = bytearray(data_file.read_bytes())
    data[1000] ^= 0x01
    data_file.write_bytes(bytes(data))
    assert not verify_with_openssl(data_file, sig, demo_cert_path(keystore))


def test_signature_from_another_key_fails_against_the_office_cert(
        keystore: Path, other_keystore: Path, data_file: Path) -> None:
    sig = _sign(other_keystore, data_file)
    assert verify_with_openssl(data_file, sig, demo_cert_path(other_keystore))
    assert not verify_with_openssl(data_file, sig, demo_cert_path(keystore))


def test_empty_file_can_be_signed(keystore: Path, tmp_path: Path) -> None:
    data = tmp_path / "empty.xml"
    data.write_bytes(b"")
    assert verify_with_openssl(data, _sign(keystore, data), demo_cert_path(keystore))


def test_fixed_signing_time_gives_the_same_bytes(keystore: Path, data_file: Path) -> None:
    signer = load_keystore(keystore, PASSWORD)
    when = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    a, b = data_file.with_suffix(".a.p7s"), data_file.with_suffix(".b.p7s")
    signer.sign_detached(data_file, a, signing_time=when)
    signer.sign_detached(data_file, b, signing_time=when)
    assert a.read_bytes() == b.read_bytes()
    assert verify_with_openssl(data_file, a, demo_cert_path(keystore))


def test_signing_leaves_no_temporary_file(keystore: Path, data_file: Path) -> None:
    _sign(keystore, data_file)
    assert sorted(p.name for p in data_file.parent.iterdir()) == [
        data_file.name, data_file.name + ".p7s"]


def test_ec_keystore_signature_verifies(tmp_path: Path, data_file: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BHXH EC (test)")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    ks = tmp_path / "ec.p12"
    ks.write_bytes(pkcs12.serialize_key_and_certificates(
        b"ec", key, cert, None, serialization.BestAvailableEncryption(PASSWORD)))
    ca = tmp_path / "ec.pem"
    ca.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    sig = tmp_path / "data.p7s"
    load_keystore(ks, PASSWORD).sign_detached(data_file, sig)
    assert verify_with_openssl(data_file, sig, ca)


def test_chain_certificates_from_the_keystore_are_embedded(
        keystore: Path, other_keystore: Path, tmp_path: Path, data_file: Path) -> None:
    office = load_keystore(keystore, PASSWORD)
    intermediate = load_keystore(other_keystore, PASSWORD).certificate
    ks = tmp_path / "chain.p12"
    ks.write_bytes(pkcs12.serialize_key_and_certificates(
        b"office", office.private_key, office.certificate, [intermediate],
        serialization.BestAvailableEncryption(PASSWORD)))
    signer = load_keystore(ks, PASSWORD)
    assert signer.chain == (intermediate,)
    sig = tmp_path / "chain.p7s"
    signer.sign_detached(data_file, sig)
    assert set(pkcs7.load_der_pkcs7_certificates(sig.read_bytes())) == {
        office.certificate, intermediate}
    assert verify_with_openssl(data_file, sig, demo_cert_path(keystore))


def test_wrong_password_is_refused(keystore: Path) -> None:
    with pytest.raises(SigningError) as e:
        load_keystore(keystore, b"wrong")
    assert e.value.code == "keystore_password"
    assert "mật khẩu" in e.value.message_vi


def test_missing_keystore_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningError) as e:
        load_keystore(tmp_path / "nope.p12", PASSWORD)
    assert e.value.code == "keystore_missing"
    assert "make_demo_keystore" in e.value.message_en


def test_keystore_without_a_key_is_refused(keystore: Path, tmp_path: Path) -> None:
    cert = load_keystore(keystore, PASSWORD).certificate
    certs_only = tmp_path / "certs.p12"
    certs_only.write_bytes(pkcs12.serialize_key_and_certificates(
        None, None, None, [cert], serialization.BestAvailableEncryption(PASSWORD)))
    with pytest.raises(SigningError) as e:
        load_keystore(certs_only, PASSWORD)
    assert e.value.code == "keystore_incomplete"


def test_expired_certificate_is_refused(keystore: Path) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=731)
    with pytest.raises(SigningError) as e:
        load_keystore(keystore, PASSWORD, now=later)
    assert e.value.code == "certificate_expired"


def test_demo_certificate_can_sign_and_is_its_own_ca(keystore: Path) -> None:
    cert = x509.load_pem_x509_certificate(demo_cert_path(keystore).read_bytes())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.subject == cert.issuer
    assert (keystore.stat().st_mode & 0o777) == 0o600


def test_signer_from_settings_reads_path_and_password(
        keystore: Path, settings: object) -> None:
    settings.KEYSTORE_PATH = keystore  # type: ignore[attr-defined]
    settings.KEYSTORE_PASSWORD = PASSWORD.decode()  # type: ignore[attr-defined]
    signer = signing.signer_from_settings()
    assert signer.certificate == load_keystore(keystore, PASSWORD).certificate


def test_command_creates_a_keystore_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "keys" / "bhxh-demo.p12"
    call_command("make_demo_keystore", "--out", str(out))
    first = out.read_bytes()
    assert load_keystore(out, DEMO_KEYSTORE_PASSWORD).certificate
    assert demo_cert_path(out).is_file()
    with pytest.raises(CommandError, match="--force"):
        call_command("make_demo_keystore", "--out", str(out))
    assert out.read_bytes() == first
    call_command("make_demo_keystore", "--out", str(out), "--force", "--password", "s3cret")
    assert out.read_bytes() != first
    assert load_keystore(out, b"s3cret").certificate


def test_command_default_keystore_is_the_one_the_export_signs_with(
        tmp_path: Path, settings: object) -> None:
    settings.KEYSTORE_PATH = tmp_path / "k" / "office.p12"  # type: ignore[attr-defined]
    settings.KEYSTORE_PASSWORD = "from-env"  # type: ignore[attr-defined]
    call_command("make_demo_keystore")
    subject = signing.signer_from_settings().certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DEMO_COMMON_NAME


def test_demo_password_matches_the_settings_default() -> None:
    from chitra.config import load

    assert load().keystore_password.encode() == DEMO_KEYSTORE_PASSWORD
