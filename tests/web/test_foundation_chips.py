"""Every status chip has a colour: a chip class written in a template or built by a view has a
rule in chitra.css, and that rule uses one of the app's five status colours. A chip added
later without a rule fails here instead of rendering grey."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

import pytest

from chitra.payments.models import CycleStatus, ExceptionState, ExclusionReason, ItemStatus
from chitra.registry.models import BeneficiaryStatus, Channel

SRC = Path(__file__).resolve().parents[2] / "src" / "chitra"
CSS = SRC / "web" / "static" / "web" / "chitra.css"
# A chip class made from a value (`chip-cycle-{{ c.status }}`): the values it can take.
DYNAMIC: dict[str, type[Enum]] = {
    "chip-cycle-": CycleStatus, "chip-item-": ItemStatus, "chip-excl-": ExclusionReason,
    "chip-status-": BeneficiaryStatus, "chip-exc-": ExceptionState, "chip-": Channel,
}
STATUS_COLOURS = {"var(--ok-bg)", "var(--warn-bg)", "var(--bad-bg)", "var(--info-bg)",
                  "var(--neutral-bg)"}
_TOKEN = re.compile(r"(?<![\w-])chip-[A-Za-z0-9_-]*")


def _uses(text: str) -> tuple[set[str], set[str]]:
    """The static chip classes and the prefixes of dynamic ones in ``text``."""
    static, dynamic = set(), set()
    for m in _TOKEN.finditer(text):
        after = text[m.end():m.end() + 2]
        if after == "{{" or (after[:1] == "{" and after != "{%"):
            dynamic.add(m.group())  # `chip-x-{{ value }}` or an f-string `chip-x-{value}`
        elif m.group() != "chip-":
            static.add(m.group())
    return static, dynamic


def _sources() -> list[Path]:
    return sorted([*SRC.glob("**/templates/**/*.html"), *SRC.glob("**/*.py")])


def _css_rules() -> dict[str, str]:
    """Chip class → the background of the last rule that sets it."""
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        background = re.search(r"background(?:-color)?\s*:\s*([^;]+)", body)
        if not background:
            continue
        for cls in re.findall(r"\.(chip-[A-Za-z0-9_-]+)", selectors):
            rules[cls] = background.group(1).strip()
    return rules


def _used() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in _sources():
        static, dynamic = _uses(path.read_text(encoding="utf-8"))
        for prefix in dynamic:
            assert prefix in DYNAMIC, (
                f"{path.relative_to(SRC)} builds chip classes '{prefix}…' from values this "
                "test does not know: add the prefix and its choices to DYNAMIC")
            static |= {f"{prefix}{v.value}" for v in DYNAMIC[prefix]}
        for cls in static:
            used.setdefault(cls, set()).add(str(path.relative_to(SRC)))
    return used


def test_the_scan_finds_static_and_dynamic_chips():
    static, dynamic = _uses('<span class="chip {% if ok %}chip-paid{% else %}chip-rejected'
                            '{% endif %}"></span><i class="chip chip-cycle-{{ c.status }}">'
                            ' f"chip chip-item-{status}"')
    assert static == {"chip-paid", "chip-rejected"}
    assert dynamic == {"chip-cycle-", "chip-item-"}


def test_the_chips_the_issue_found_grey_have_colours():
    rules = _css_rules()
    for cls in ("chip-rejected", "chip-paid", "chip-red", "chip-overdue", "chip-returned"):
        assert rules.get(cls, "var(--neutral-bg)") != "var(--neutral-bg)", cls


def test_every_chip_class_in_use_has_a_rule():
    rules = _css_rules()
    missing = {cls: sorted(where) for cls, where in _used().items() if cls not in rules}
    assert not missing, f"chip classes without a colour in chitra.css: {missing}"


@pytest.mark.parametrize("cls", sorted(_css_rules()))
def test_chip_rules_use_the_status_colours(cls):
    if cls == "chip-current":  # the selected one of a row of chips: solid, white text
        return
    assert _css_rules()[cls] in STATUS_COLOURS, cls
