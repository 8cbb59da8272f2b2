"""Beneficiary list pages: parse the request, call a scoped query, render (STYLE §1).

The beneficiary's own page shows payments and outreach too, which registry may not import:
it lives in :mod:`chitra.web.views_beneficiary`."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from chitra.access.models import User
from chitra.access.scoping import scope_of, sees_full_account_numbers, sees_full_citizen_ids
from chitra.core import audit
from chitra.registry import export, queries
from chitra.registry.models import BenefitType, Channel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _translated(choices: list[tuple[str, str]]) -> list[tuple[str, object]]:
    """Model choices (Vietnamese, untranslated in the models) in the user's language."""
    return [(value, _(label)) for value, label in choices]


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
            label=_("Hình thức nhận"), required=False,
            choices=[everyone, *_translated(Channel.choices)])
        self.fields["benefit_type"] = forms.ChoiceField(
            label=_("Loại chế độ"), required=False,
            choices=[everyone, *_translated(BenefitType.choices)])

    def search(self) -> queries.Search:
        data = self.cleaned_data if self.is_valid() else {}
        return queries.Search(text=data.get("q", ""), ward_code=data.get("ward", ""),
                              channel=data.get("channel", ""),
                              benefit_type=data.get("benefit_type", ""))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


# A search is POSTed and kept in the session under an opaque token, so the URLs that reach
# access logs, browser history and Referer headers (``?s=<token>&page=2``) never carry the
# citizen ID or name that was searched. A GET with ``q=`` is not searched.
SEARCH_FIELDS = ("q", "ward", "channel", "benefit_type")
SEARCHES_KEY = "registry.searches"
SEARCHES_KEPT = 20


def _search_token(params: dict[str, str]) -> str:
    payload = json.dumps(params, sort_keys=True, ensure_ascii=False)
    return salted_hmac("chitra.registry.search", payload).hexdigest()[:24]


def _keep_search(request: HttpRequest, params: dict[str, str]) -> str:
    token = _search_token(params)
    searches = dict(request.session.get(SEARCHES_KEY, {}))
    searches.pop(token, None)
    searches[token] = params  # newest last
    request.session[SEARCHES_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def _kept_search(request: HttpRequest, token: str) -> QueryDict | None:
    params = request.session.get(SEARCHES_KEY, {}).get(token)
    if not isinstance(params, dict):
        return None
    data = QueryDict(mutable=True)
    data.update({k: str(v) for k, v in params.items() if k in SEARCH_FIELDS})
    return data


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def beneficiary_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    list_url = reverse("beneficiary_list")
    if request.method == "POST":
        params = {k: request.POST.get(k, "")[:120].strip() for k in SEARCH_FIELDS}
        if not any(params.values()):
            return HttpResponseRedirect(list_url)
        return HttpResponseRedirect(
            f"{list_url}?{urlencode({'s': _keep_search(request, params)})}")
    token = request.GET.get("s", "")
    data = _kept_search(request, token) if token else None
    # An unknown token (another session, logged out since) or an old ?q= link: search again.
    search_lost = data is None and bool(token or request.GET.get("q"))
    sees_people = scope_of(user).sees_people
    form = SearchForm(user, data)
    page = Paginator(queries.search_beneficiaries(user, form.search()),
                     queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/beneficiary_list.html", {
        "form": form, "page": page, "sees_people": sees_people, "search_lost": search_lost,
        "show_ids": sees_full_citizen_ids(user),
        "show_accounts": sees_full_account_numbers(user),
        "query": urlencode({"s": token}) if data is not None else "",
    })


@login_required
@require_GET
def beneficiary_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The list page's people as xlsx: the same scope and the same kept search (``?s=`` is
    the list's opaque token, never the search itself); the whole scope without one."""
    user = _user(request)
    if not scope_of(user).sees_people:
        raise Http404
    list_url = reverse("beneficiary_list")
    token = request.GET.get("s", "")
    data = _kept_search(request, token) if token else None
    if token and data is None:  # lost with the session: the list page says so
        return HttpResponseRedirect(f"{list_url}?{urlencode({'s': token})}")
    search = SearchForm(user, data).search()
    try:
        total, out = export.write_xlsx(queries.search_beneficiaries(user, search),
                                       show_ids=sees_full_citizen_ids(user),
                                       show_accounts=sees_full_account_numbers(user))
    except export.ExportTooBig as e:
        messages.error(request, e.message_en if get_language() == "en" else e.message_vi)
        return HttpResponseRedirect(f"{list_url}?{urlencode({'s': token})}" if token
                                    else list_url)
    name = f"nguoi-huong-{timezone.localdate():%Y-%m-%d}.xlsx"
    scope = scope_of(user)
    audit.record_download(user.username, "beneficiary_list",
                          scope.ward_code or scope.province_code or "*", name, rows=total,
                          filters=sorted(k for k in ("ward_code", "channel", "benefit_type",
                                                     "text") if getattr(search, k)))
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
