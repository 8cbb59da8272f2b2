"""The SHA-256 manifest of an export (DESIGN §6): one JSON file listing every payment file
with its hash, transaction count, control sum and detached signature.

The JSON is deterministic (sorted keys, entries sorted by file name, fixed indentation,
trailing newline) so that regenerating an export gives the same bytes. File names are
relative to the manifest's directory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from chitra.core import atomicfile

FORMAT = "chitra-manifest/1"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ManifestEntry:
    file_name: str
    sha256: str
    tx_count: int
    control_sum: int  # đồng
    signature_file: str | None = None
    signature_sha256: str | None = None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def render_manifest(entries: list[ManifestEntry], meta: dict[str, Any]) -> bytes:
    names = [e.file_name for e in entries]
    if len(set(names)) != len(names):
        raise ValueError("duplicate file name in manifest entries")
    for e in entries:
        for name in (e.file_name, e.signature_file):
            if name is not None and not _is_plain_name(name):
                raise ValueError(f"manifest names must be plain file names: {name!r}")
    doc = {
        "format": FORMAT,
        "algorithm": "sha256",
        "meta": meta,
        "files": [asdict(e) for e in sorted(entries, key=lambda e: e.file_name)],
    }
    return (json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def write_manifest(out_path: Path, entries: list[ManifestEntry], meta: dict[str, Any]) -> None:
    """Write the manifest atomically (temporary file in the same directory, then rename)."""
    data = render_manifest(entries, meta)
    atomicfile.write_bytes(out_path, data)


def verify_manifest(manifest_path: Path) -> list[str]:
    """Every problem found, as ``"<file>: <problem>"`` lines; empty if the export is intact."""
    try:
        doc = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return [f"{manifest_path.name}: không đọc được / unreadable: {e}"]
    if not isinstance(doc, dict) or doc.get("format") != FORMAT \
            or not isinstance(doc.get("files"), list):
        return [f"{manifest_path.name}: không phải manifest {FORMAT} / not a {FORMAT} manifest"]
    base = manifest_path.parent
    problems: list[str] = []
    for i, entry in enumerate(doc["files"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("file_name"), str):
            problems.append(f"{manifest_path.name}: mục {i} hỏng / entry {i} malformed")
            continue
        pairs = [(entry["file_name"], entry.get("sha256"))]
        if entry.get("signature_file") is not None:
            pairs.append((entry["signature_file"], entry.get("signature_sha256")))
        for name, expected in pairs:
            problems.extend(_check(base, name, expected))
    return problems


def _check(base: Path, name: object, expected: object) -> list[str]:
    if not isinstance(name, str) or not _is_plain_name(name):
        return [f"{name!r}: tên tệp không hợp lệ / unsafe file name"]
    path = base / name
    if not path.is_file():
        return [f"{name}: thiếu tệp / missing file"]
    actual = sha256_file(path)
    if actual != expected:
        return [f"{name}: sai mã băm / hash mismatch (manifest {expected}, file {actual})"]
    return []


def _is_plain_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and "\\" not in name and len(p.parts) == 1 and name not in {".", ".."}
