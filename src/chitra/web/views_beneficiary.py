"""The beneficiary's page: who they are, how they are paid, what they were paid, and what
changed (issue 14). It lives in web because it shows payments and outreach data, which the
registry may not import (DESIGN §5); each section comes from its own app's query module,
after :func:`chitra.registry.queries.get_beneficiary_for` has checked the scope (404)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from chitra.access.models import User
from chitra.access.scoping import sees_full_account_numbers, sees_full_citizen_ids
from chitra.core import audit
from chitra.core.errors import DomainError
from chitra.outreach import letters
from chitra.outreach.models import ContactOutcome, ContactPlace
from chitra.payments.history import HISTORY_MONTHS, payment_history
from chitra.registry import queries
from chitra.registry.authorizations import letter_authorization, may_open_letters
from chitra.registry.history import HISTORY_LIMIT, actor_names, change_history

logger = logging.getLogger(__name__)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


def _choice_label(choices: list[tuple[str, Any]]) -> Callable[[str], str]:
    labels = {value: str(label) for value, label in choices}
    return lambda value: gettext(labels[value]) if value in labels else value


VALUE_LABELS = {"outcome": _choice_label(ContactOutcome.choices),
                "place": _choice_label(ContactPlace.choices)}


@login_required
@require_safe
def beneficiary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = queries.get_beneficiary_for(user, pk)
    show_ids = sees_full_citizen_ids(user)
    accounts = list(person.payment_accounts.select_related("provider")
                    .order_by(F("valid_to").desc(nulls_first=True), "-valid_from", "-id"))
    names = actor_names([u for a in accounts for u in (a.created_by, a.approved_by)])
    for a in accounts:
        a.created_by_name = names.get(a.created_by, a.created_by)  # type: ignore[attr-defined]
        a.approved_by_name = names.get(a.approved_by, a.approved_by)  # type: ignore[attr-defined]
    return render(request, "registry/beneficiary_detail.html", {
        "person": person,
        "benefits": person.benefits.order_by("-start_date", "id"),
        "accounts": accounts,
        "authorizations": person.authorizations.order_by("-valid_from", "-id"),
        "may_open_letters": may_open_letters(user, person),
        "anomalies": person.anomalies.order_by("kind"),
        "payments": payment_history(person.pk),
        "payment_months": HISTORY_MONTHS,
        "history": change_history(person.pk, show_ids=show_ids,
                                  value_labels=VALUE_LABELS),
        "history_limit": HISTORY_LIMIT,
        "show_ids": show_ids,
        "show_accounts": sees_full_account_numbers(user),
    })


@login_required
@require_safe
def beneficiary_letter(request: HttpRequest, pk: int, authorization: int) -> HttpResponse:
    """A scanned authorization letter of the person, as checked and kept (never a media URL):
    to BHXH of the person's province and the team of their ward; 404 to anyone else. The
    download is recorded."""
    user = _user(request)
    auth = letter_authorization(user, pk, authorization)
    try:
        letter = letters.read_letter(auth.letter_path)
    except DomainError as e:  # a letter kept before issue 11 that fails today's checks
        logger.warning("authorization letter %s not served: %s", auth.pk, e)
        raise Http404 from None
    if letter is None:
        raise Http404
    name = f"giay-uy-quyen-{auth.pk}{letter.suffix}"
    audit.record_download(user.username, "authorization_letter", auth.pk, name,
                          beneficiary=pk)
    response = HttpResponse(letter.data, content_type=letter.content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
