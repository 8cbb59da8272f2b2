"""The targets screen (issue 15 item 1): a province's cashless targets of a year in force, per
ward and benefit group, their history, and the form to set one.

Everyone :func:`targets.may_read` allows sees the page; those :func:`targets.may_set` allows
(BHXH Việt Nam the province's own target, the province's BHXH office its wards') also see the
form. Another province, or one that does not exist, answers as not found (404), as the
dashboards do; a POST from a reader who may set nothing is refused (403). The change goes
through :func:`targets.set_target`, as the command's does: no confirmation (a target is
replaced, never lost: the history keeps it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chitra.access.models import User
from chitra.core.admin_units import current_provinces
from chitra.core.errors import DomainError, NotInScope
from chitra.registry.history import actor_names
from chitra.registry.models import BenefitGroup
from chitra.reporting import targets
from chitra.reporting.forms import PROVINCE_LEVEL, TargetForm, add_problems, summary
from chitra.reporting.models import Target

GROUPS = (BenefitGroup.MONTHLY.value, BenefitGroup.ONE_TIME.value)
FIRST_YEAR, LAST_YEAR = 2020, 2100


@dataclass(frozen=True)
class Cell:
    """A goal of one group in the table; ``own``: set for this very area (not inherited)."""

    group: str
    goal: targets.Goal
    own: bool


@dataclass(frozen=True)
class InForce:
    """One line of the table: the province (``code`` "") or a ward, and its goal per group."""

    code: str
    name: str
    cells: list[Cell]

    def goal(self, group: str) -> targets.Goal:
        return next(c.goal for c in self.cells if c.group == group)


@dataclass(frozen=True)
class Change:
    """One row of the history, with the name of who set it."""

    target: Target
    area: str
    by: str


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required
    return request.user


def _year(request: HttpRequest) -> int:
    """``?year=`` when it is a plausible year, else this year."""
    wanted = request.GET.get("year", "")
    if wanted.isdecimal() and len(wanted) == 4 and FIRST_YEAR <= int(wanted) <= LAST_YEAR:
        return int(wanted)
    return timezone.localdate().year


def percent_input(bp: int) -> str:
    """Basis points as one types them: 9000 → "90", 9250 → "92,5", 9225 → "92,25"."""
    whole, frac = divmod(bp, 100)
    return f"{whole},{frac:02d}".rstrip("0") if frac else str(whole)


@login_required
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if code not in current_provinces() or not targets.may_read(user, code):
        raise Http404
    year = _year(request)
    wards = targets.wards_of(code)
    province_level, ward_level = targets.settable(user, code)
    areas = ([(PROVINCE_LEVEL, _("Cả tỉnh (chỉ tiêu của tỉnh)"))] if province_level else []) \
        + (wards if ward_level else [])
    rows = _in_force(code, year, wards)
    status = 200
    form = None
    if request.method == "POST":
        if not areas:
            raise PermissionDenied
        form = TargetForm(request.POST, areas=areas)
        if form.is_valid():
            saved = _save(user, code, form)
            if saved is not None:
                messages.success(request, _("Đã đặt chỉ tiêu: %(area)s, năm %(year)s.") % {
                    "area": _area_name(saved.ward_code, dict(wards)), "year": saved.year})
                return redirect(f"{reverse('reporting_targets', args=[code])}"
                                f"?year={saved.year}")
        status = 400
    elif areas:
        form = TargetForm(initial=_initial(request, year, rows, dict(areas)), areas=areas)
    return render(request, "reporting/targets.html", {
        "province_code": code, "province_name": current_provinces()[code], "year": year,
        "years": [y for y in (year - 1, year + 1) if FIRST_YEAR <= y <= LAST_YEAR],
        "groups": GROUPS, "rows": rows, "form": form,
        "summary": summary(form) if form is not None and form.is_bound else [],
        "editable": {c for c, _label in areas}, "history": _history(code, year, wards),
        "plan": targets.PLAN_BP,
    }, status=status)


def _in_force(code: str, year: int, wards: list[tuple[str, str]]) -> list[InForce]:
    """The province's own goals, then each ward's (its own or the province's), one query
    per group."""
    keys = [(code, PROVINCE_LEVEL), *((code, w) for w, _name in wards)]
    by_group = {g: targets.goals(year, keys, g) for g in GROUPS}
    names = [_("Cả tỉnh"), *(name for _w, name in wards)]
    own = {PROVINCE_LEVEL: "province"}
    return [InForce(ward, name, [
        Cell(g, by_group[g][(code, ward)],
             by_group[g][(code, ward)].source == own.get(ward, "ward")) for g in GROUPS])
        for (_p, ward), name in zip(keys, names, strict=True)]


def _initial(request: HttpRequest, year: int, rows: list[InForce],
             areas: dict[str, str]) -> dict[str, object]:
    """The form filled with the target in force of ``?ward=`` and ``?group=`` (a row's
    "change" link), or of the first area the user may set."""
    ward = request.GET.get("ward", "")
    if ward not in areas:
        ward = next(iter(areas))
    group = request.GET.get("group", "")
    if group not in GROUPS:
        group = GROUPS[0]
    goal = next(r.goal(group) for r in rows if r.code == ward)
    return {"year": year, "ward": ward, "group": group,
            "people": percent_input(goal.people_bp), "amount": percent_input(goal.amount_bp)}


def _save(user: User, code: str, form: TargetForm) -> Target | None:
    """The change in force, or None with every problem at its field."""
    data = form.cleaned_data
    change = targets.TargetChange(
        year=data["year"], province_code=code, ward_code=data["ward"] or PROVINCE_LEVEL,
        benefit_group=data["group"], people_bp=data["people"], amount_bp=data["amount"],
        reason=data["reason"])
    found = targets.problems(change)
    if found:
        add_problems(form, found)
        return None
    try:
        return targets.set_target(user, change)
    except NotInScope:
        raise Http404 from None  # not offered to this user: a forged POST
    except DomainError as e:
        form.add_error(None, e.message_en if get_language() == "en" else e.message_vi)
        return None


def _area_name(ward: str, wards: dict[str, str]) -> str:
    return wards.get(ward, ward) if ward else _("cả tỉnh")


def _history(code: str, year: int, wards: list[tuple[str, str]]) -> list[Change]:
    rows = targets.history(code, year)
    names = actor_names(t.set_by for t in rows)
    by_code = dict(wards)
    return [Change(t, by_code.get(t.ward_code, t.ward_code) if t.ward_code else _("Cả tỉnh"),
                   names.get(t.set_by, t.set_by)) for t in rows]
