"""Results templates for the post office: per payment point and day, or a whole ward's day.

An xlsx with the headings on its first row and one row per person paid in cash — transaction
code, name, amount, empty result columns — made from the items (never typed), that the
post office fills in and uploads as its cash results. Who may take one: as for the cash
lists (BHXH staff and post offices of the cycle's province); each download is audited.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chitra.access.models import User
from chitra.payments import downloads
from chitra.payments.errors import PaymentError
from chitra.payments.export import cashlists, cashrun
from chitra.payments.models import PaymentCycle

CASH_RESULTS_TEMPLATE = "cash_results_template"  # the audit kind of a download


@dataclass(frozen=True)
class TemplateChoice:
    """One template the page offers: its label and its query (``point``/``ward``, ``day``)."""

    label: str
    day: date
    point: str = ""  # a payment point id, or cashrun.HOME
    ward: str = ""

    @property
    def is_home(self) -> bool:  # its label is translated on screen
        return self.point == cashrun.HOME


def template_choices(cycle: PaymentCycle) -> list[TemplateChoice]:
    """Every payment point's day, then every ward's day, of an exported cycle."""
    if cycle.sent_at is None:
        return []
    found = [TemplateChoice(g.point_name, g.day, point=str(g.point_id or cashrun.HOME))
             for g in cashrun.groups(cycle)]
    found += [TemplateChoice(name, day, ward=code) for code, name, day in cashrun.ward_days(cycle)]
    return found


def _not_found() -> PaymentError:
    return PaymentError("no_such_template", "Không có danh sách tiền mặt này trong kỳ.",
                        "The cycle has no such cash list.")


def cash_results_template(user: User, cycle: PaymentCycle, day: date, *, point: str = "",
                          ward: str = "") -> tuple[str, bytes]:
    """(file name, xlsx bytes) of one template; :class:`PaymentError` if the cycle is not
    exported or has no such point or ward that day. The caller checked ``user`` may see the
    cycle's cash lists (:func:`queries.may_download_cash_lists`)."""
    if cycle.sent_at is None or bool(point) == bool(ward):
        raise _not_found()
    chosen = [c for c in template_choices(cycle)
              if c.day == day and c.point == point and c.ward == ward]
    if not chosen:
        raise _not_found()
    if ward:
        where, header_name = f"XA{ward}", chosen[0].label
        lines = cashrun.lines(cycle, day, ward=ward)
        group = cashrun.Group(None, header_name, "", day)
    else:
        group = next(g for g in cashrun.groups(cycle)
                     if g.day == day and str(g.point_id or cashrun.HOME) == point)
        where, lines = group.where, cashrun.lines(cycle, day, point=group.point_id,
                                                  at_home=group.point_id is None)
    name = f"ket-qua-{cycle.period:%Y-%m}-{where}-{day:%Y%m%d}.xlsx"
    with tempfile.TemporaryDirectory(prefix="chitra-template-") as tmp:
        path = Path(tmp) / name
        cashlists.write_results_template(path, cashrun.header_of(cycle, group), lines)
        data = path.read_bytes()
    downloads.record(user, CASH_RESULTS_TEMPLATE, cycle.pk, name)
    return name, data


__all__ = ["CASH_RESULTS_TEMPLATE", "TemplateChoice", "cash_results_template",
           "template_choices"]
