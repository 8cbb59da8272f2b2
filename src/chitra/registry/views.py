"""Beneficiary pages: parse the request, call a scoped query, render (STYLE §1)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from chitra.access.models import User
from chitra.access.scoping import scope_of, sees_full_account_numbers, sees_full_citizen_ids
from chitra.registry import queries
from chitra.registry.models import BenefitType, Channel


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=120)

    def __init__(self, user: User, data: QueryDict | None = None) -> None:
        super().__init__(data)
        wards: list[tuple[str, object]] = list(queries.wards_for(user))
        everyone = ("", _("Tất cả"))
        self.fields["ward"] = forms.ChoiceField(
            label=_("Phường/xã"), required=False,
            choices=wards if len(wards) == 1 else [everyone, *wards])
        self.fields["channel"] = forms.ChoiceField(
            label=_("Hình thức nhận"), required=False, choices=[everyone, *Channel.choices])
        self.fields["benefit_type"] = forms.ChoiceField(
            label=_("Loại chế độ"), required=False, choices=[everyone, *BenefitType.choices])

    def search(self) -> queries.Search:
        data = self.cleaned_data if self.is_valid() else {}
        return queries.Search(text=data.get("q", ""), ward_code=data.get("ward", ""),
                              channel=data.get("channel", ""),
                              benefit_type=data.get("benefit_type", ""))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


@login_required
def beneficiary_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sees_people = scope_of(user).sees_people
    form = SearchForm(user, request.GET or None)
    page = Paginator(queries.search_beneficiaries(user, form.search()),
                     queries.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "registry/beneficiary_list.html", {
        "form": form, "page": page, "sees_people": sees_people,
        "show_ids": sees_full_citizen_ids(user),
        "show_accounts": sees_full_account_numbers(user), "query": query.urlencode(),
    })


@login_required
def beneficiary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = queries.get_beneficiary_for(user, pk)
    accounts = (person.payment_accounts.select_related("provider")
                .order_by(F("valid_to").desc(nulls_first=True), "-valid_from", "-id"))
    return render(request, "registry/beneficiary_detail.html", {
        "person": person,
        "benefits": person.benefits.order_by("-start_date", "id"),
        "accounts": accounts,
        "authorizations": person.authorizations.order_by("-valid_from", "-id"),
        "anomalies": person.anomalies.order_by("kind"),
        "show_ids": sees_full_citizen_ids(user),
        "show_accounts": sees_full_account_numbers(user),
    })
