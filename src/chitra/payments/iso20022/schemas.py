"""The official ISO 20022 XSDs shipped in ``xsd/`` (sources and checksums in ``xsd/README.md``)."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

XSD_DIR = Path(__file__).resolve().parent / "xsd"
NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
PAIN_001_001_09 = "pain.001.001.09"
PAIN_002_001_03 = "pain.002.001.03"
PAIN_002_001_12 = "pain.002.001.12"
CAMT_054_001_08 = "camt.054.001.08"

# The versions whose XSD no package we may use ships (see xsd/README.md): their files are
# checked structurally by the readers only.
PAIN_002_WITHOUT_XSD = frozenset({4, 5, 6, 7, 9, 10, 11, 13})


@cache
def load_schema(message: str) -> Any:
    """``lxml.etree.XMLSchema`` for ``message`` (e.g. ``"pain.001.001.09"``), parsed once."""
    path = XSD_DIR / f"{message}.xsd"
    if not path.is_file():
        raise ValueError(f"No schema shipped for {message!r}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


@lru_cache(maxsize=64)  # the namespaces come from untrusted files: keep the cache bounded
def schema_for_namespace(namespace: str) -> Any | None:
    """The shipped XSD of the message named by an ISO 20022 ``namespace``, else ``None``.

    ``None`` for a namespace that is not an ISO 20022 one (the readers refuse those by
    their root) and for a version we ship no XSD for.
    """
    if not namespace.startswith(NAMESPACE_PREFIX):
        return None
    message = namespace[len(NAMESPACE_PREFIX):]
    # Only names like "pain.002.001.12": never a path that could leave XSD_DIR.
    parts = message.split(".")
    if len(parts) != 4 or not all(part.isalnum() and part.isascii() for part in parts):
        return None
    if not (XSD_DIR / f"{message}.xsd").is_file():
        return None
    return load_schema(message)
