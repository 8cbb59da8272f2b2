"""Files that appear whole or not at all: written to a temporary file in the same
directory, flushed to disk, then renamed over the target (a crash leaves no half file)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(out: Path, mode: int = 0o644) -> Iterator[Path]:
    """A temporary path next to ``out``, renamed onto it if the block succeeds (removed
    otherwise, and the error goes on)."""
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(out: Path, data: bytes, mode: int = 0o644) -> None:
    with replacing(out, mode) as tmp:
        tmp.write_bytes(data)
