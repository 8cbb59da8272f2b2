from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from chitra.payments.export.manifest import (
    ManifestEntry,
    sha256_file,
    verify_manifest,
    write_manifest,
)

META = {"province": "12", "period": "2026-11", "note": "Lai Châu"}


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, list[ManifestEntry]]:
    entries = []
    for name, body in (("pain001-VCB-001.xml", b"<a/>\n"), ("pain001-AGR-001.xml", b"<b/>\n")):
        (tmp_path / name).write_bytes(body)
        (tmp_path / f"{name}.p7s").write_bytes(b"sig-" + body)
        entries.append(ManifestEntry(
            file_name=name, sha256=sha256_file(tmp_path / name), tx_count=2,
            control_sum=2_469_134, signature_file=f"{name}.p7s",
            signature_sha256=sha256_file(tmp_path / f"{name}.p7s")))
    return tmp_path / "manifest-12-2026-11.json", entries


def test_sha256_file_matches_hashlib_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = bytes(range(256)) * (5 * 4096 + 17)  # > 5 MB, not a chunk multiple
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_manifest_is_deterministic(export: tuple[Path, list[ManifestEntry]]) -> None:
    path, entries = export
    write_manifest(path, entries, META)
    first = path.read_bytes()
    write_manifest(path, list(reversed(entries)), dict(reversed(META.items())))
    assert path.read_bytes() == first
    assert first.endswith(b"}\n")
    assert "Lai Châu" in first.decode()  # ensure_ascii=False


def test_manifest_lists_files_sorted_with_their_hashes(
        export: tuple[Path, list[ManifestEntry]]) -> None:
    path, entries = export
    write_manifest(path, entries, META)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["meta"] == META
    assert [f["file_name"] for f in doc["files"]] == ["pain001-AGR-001.xml",
                                                       "pain001-VCB-001.xml"]
    assert doc["files"][1]["control_sum"] == 2_469_134
    assert doc["files"][1]["sha256"] == hashlib.sha256(b"<a/>\n").hexdigest()


def test_intact_export_has_no_problems(export: tuple[Path, list[ManifestEntry]]) -> None:
    path, entries = export
    write_manifest(path, entries, META)
    assert verify_manifest(path) == []


def test_missing_file_is_reported(export: tuple[Path, list[ManifestEntry]]) -> None:
    path, entries = export
    write_manifest(path, entries, META)
    (path.parent / "pain001-VCB-001.xml.p7s").unlink()
    assert verify_manifest(path) == ["pain001-VCB-001.xml.p7s: thiếu tệp / missing file"]


def test_changed_file_is_reported(export: tuple[Path, list[ManifestEntry]]) -> None:
    path, entries = export
    write_manifest(path, entries, META)
    (path.parent / "pain001-AGR-001.xml").write_bytes(b"<c/>\n")
    [problem] = verify_manifest(path)
    assert problem.startswith("pain001-AGR-001.xml: sai mã băm / hash mismatch")


def test_unreadable_manifest_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{not json")
    [problem] = verify_manifest(path)
    assert "unreadable" in problem


def test_names_outside_the_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain file names"):
        write_manifest(tmp_path / "m.json",
                       [ManifestEntry("../etc/passwd", "0" * 64, 0, 0)], {})
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"format": "chitra-manifest/1", "files": [
        {"file_name": "../secret", "sha256": "0" * 64}]}))
    assert verify_manifest(path) == ["'../secret': tên tệp không hợp lệ / unsafe file name"]
