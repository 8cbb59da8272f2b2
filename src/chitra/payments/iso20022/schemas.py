"""The official ISO 20022 XSDs shipped in ``xsd/`` (sources and checksums in ``xsd/README.md``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

XSD_DIR = Path(__file__).resolve().parent / "xsd"
PAIN_001_001_09 = "pain.001.001.09"
PAIN_002_001_03 = "pain.002.001.03"
PAIN_002_001_12 = "pain.002.001.12"
CAMT_054_001_08 = "camt.054.001.08"


@cache
def load_schema(message: str) -> Any:
    """``lxml.etree.XMLSchema`` for ``message`` (e.g. ``"pain.001.001.09"``), parsed once."""
    path = XSD_DIR / f"{message}.xsd"
    if not path.is_file():
        raise ValueError(f"No schema shipped for {message!r}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))
