"""Status files uploaded on the web page, taken in by the task worker (issue 11).

The request only stores the upload (:func:`store`); reading it — an xlsx above all, and any
file can be tens of MB — happens in the worker (:func:`run`, queued by
:func:`chitra.payments.tasks.queue_status_upload`), through the same
:func:`~chitra.payments.status.ingest.ingest_status_file` as ``chitra ingest_status``. The page
of the upload shows "in progress" until the result is there, then the result.

An upload is a folder ``MEDIA_ROOT/status-uploads/<token>`` (a random token): ``job.json``
(who, which file, when), the file itself until it has been read, and ``result.json`` once
done (written whole, by rename). Only the user who uploaded sees it.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from chitra.access.models import User
from chitra.core import audit
from chitra.core.atomicfile import write_bytes
from chitra.core.errors import DomainError, Problem
from chitra.payments.errors import PaymentError
from chitra.payments.status.ingest import IngestResult, ingest_status_file

logger = logging.getLogger(__name__)

SUFFIXES = (".xml", ".xlsx", ".csv")
MAX_BYTES = 50 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 1000
TOKEN = re.compile(r"^[0-9a-f]{32}$")
DONE, FAILED = "done", "failed"


@dataclass(frozen=True)
class Upload:
    token: str
    file_name: str
    username: str
    submitted_at: str
    result: dict[str, Any] | None  # None: not read yet

    @property
    def finished(self) -> bool:
        return self.result is not None


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "status-uploads"


def _folder(token: str) -> Path:
    if not TOKEN.match(token):
        raise ValueError(token)
    return _root() / token


def _file_of(folder: Path, file_name: str) -> Path:
    return folder / f"upload{Path(file_name).suffix.lower()}"


def _too_big() -> PaymentError:
    mb = MAX_BYTES // (1024 * 1024)
    return PaymentError("file_too_big", f"Tệp lớn hơn {mb} MB.", f"The file is over {mb} MB.")


def store(file_obj: IO[bytes] | Any, file_name: str, user: User) -> str:
    """Keep the upload for the worker; its token. Checks the kind and size of the file, not
    its content (the worker does)."""
    name = Path(file_name).name[:255]
    if Path(name).suffix.lower() not in SUFFIXES:
        raise PaymentError("file_type", "Chỉ nhận tệp .xml, .xlsx hoặc .csv.",
                           "Only .xml, .xlsx and .csv files are accepted.")
    token = uuid.uuid4().hex
    folder = _folder(token)
    folder.mkdir(parents=True)
    written = 0
    chunks = file_obj.chunks() if hasattr(file_obj, "chunks") else iter(
        lambda: file_obj.read(1 << 20), b"")
    try:
        with _file_of(folder, name).open("wb") as out:
            for chunk in chunks:
                written += len(chunk)
                if written > MAX_BYTES:
                    raise _too_big()
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    job = {"file_name": name, "username": user.username,
           "submitted_at": timezone.now().isoformat()}
    write_bytes(folder / "job.json", json.dumps(job).encode(), mode=0o600)
    audit.record(user.username, "status.upload", "status_upload", token,
                 after={"file": name, "bytes": written})
    return token


def get(token: str, user: User) -> Upload | None:
    """The upload ``token`` if ``user`` made it (else None, as for no such upload)."""
    if not TOKEN.match(token):
        return None
    folder = _folder(token)
    try:
        job = json.loads((folder / "job.json").read_text())
    except (OSError, ValueError):
        return None
    if job.get("username") != user.username:
        return None
    try:
        result = json.loads((folder / "result.json").read_text())
    except FileNotFoundError:
        result = None
    return Upload(token, job["file_name"], job["username"], job["submitted_at"], result)


def run(token: str) -> str:
    """Read and apply (or refuse) the upload ``token``, once; the state it ends in."""
    folder = _folder(token)
    done = folder / "result.json"
    if done.exists():  # a task run again must not report twice
        return str(json.loads(done.read_text())["state"])
    job = json.loads((folder / "job.json").read_text())
    path = _file_of(folder, job["file_name"])
    user = User.objects.filter(username=job["username"]).first()
    try:
        if user is None:
            raise PaymentError("no_user", "Người gửi tệp không còn tồn tại.",
                               "The user who sent the file no longer exists.")
        result = ingest_status_file(path, user, job["file_name"])
        state = DONE
    except DomainError as e:
        result = IngestResult(file_name=job["file_name"], problems=[
            Problem(None, "", "", e.code, e.message_vi, e.message_en)])
        state = DONE
    except Exception:
        # Logged with its traceback, shown to the user as a system error, then raised again
        # so the task fails visibly.
        logger.exception("status upload %s failed", token)
        _write(done, FAILED, IngestResult(file_name=job["file_name"], problems=[Problem(
            None, "", "", "system_error",
            "Lỗi hệ thống khi nhận tệp; đã ghi nhật ký, không có gì được áp dụng.",
            "System error while taking the file in; logged, nothing was applied.")]))
        path.unlink(missing_ok=True)
        raise
    _write(done, state, result)
    path.unlink(missing_ok=True)  # what it said is in the database now
    return state


def _write(out: Path, state: str, r: IngestResult) -> None:
    data = {
        "state": state, "finished_at": timezone.now().isoformat(), "file_name": r.file_name,
        "source": str(r.source), "duplicate": r.duplicate, "lines": r.lines,
        "applied": r.applied, "unchanged": r.unchanged, "exceptions": r.exceptions,
        "set_aside": r.set_aside,
        "set_aside_lines": [{"row": p.row, "column": p.column, "value": p.value[:200],
                             "code": p.code, "message_vi": p.message_vi,
                             "message_en": p.message_en}
                            for p in r.set_aside_lines[:MAX_PROBLEMS_SHOWN]],
        "problems_count": len(r.problems),
        "problems": [{"row": p.row, "column": p.column, "value": p.value[:200],
                      "code": p.code, "message_vi": p.message_vi, "message_en": p.message_en}
                     for p in r.problems[:MAX_PROBLEMS_SHOWN]],
        "to_recover": [[cid, amount] for cid, amount in r.to_recover],
    }
    write_bytes(out, json.dumps(data, ensure_ascii=False).encode(), mode=0o600)
