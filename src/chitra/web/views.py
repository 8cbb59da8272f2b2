"""Pages that belong to no bounded context: dashboard, login, errors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from chitra.access.lockout import client_ip
from chitra.access.models import User
from chitra.access.scoping import scope_of
from chitra.config import CONFIG
from chitra.core import audit
from chitra.registry import queries


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # guaranteed by login_required
    scope = scope_of(user)
    provider = user.organization.provider if scope.provider_id and user.organization else None
    return render(request, "web/dashboard.html", {
        "summary": queries.cashless_summary(user),
        "sees_aggregates": queries.aggregate_scope_filter(user) is not None,
        "sees_people": scope.sees_people,
        "provider": provider,
    })


def back_url(request: HttpRequest) -> str:
    """The page the user came from, if it is ours and not this one ("" otherwise)."""
    referer = request.headers.get("referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()},
            require_https=request.is_secure()):
        return ""
    return "" if referer == request.build_absolute_uri() else referer


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: the refusal in the site's own page, with the way back."""
    return render(request, "403.html", {"back_url": back_url(request)}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: mostly a form left open past the session's end; say so, and
    offer the form again (its page answers a GET)."""
    return render(request, "403.html", {
        "csrf_failed": True, "back_url": back_url(request) or request.path,
    }, status=403)


ANONYMOUS = "anonymous"


class LoginView(auth_views.LoginView):
    """Every sign-in and every refused one leaves an audit entry with the client's address."""

    template_name = "web/login.html"
    redirect_authenticated_user = True
    extra_context = {"hotline": CONFIG.hotline,
                     "hotline_tel": "".join(c for c in CONFIG.hotline if c.isdigit() or c == "+")}

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        audit.record(user.get_username(), "login", "user", user.pk,
                     after={"ip": client_ip(self.request)})
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # Nobody is signed in: the actor is not the name typed (anyone can type any name);
        # that name is what the entry is about.
        attempted = str(form.data.get("username", ""))[:150]
        audit.record(ANONYMOUS, "login.failed", "user", attempted[:64], after={
            "ip": client_ip(self.request),
            "locked_out": bool(getattr(self.request, "axes_locked_out", False)),
        })
        return super().form_invalid(form)


CLEAR_SITE_DATA = '"cache", "storage"'


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot log anyone out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if isinstance(user, User):
            audit.record(user.get_username(), "logout", "user", user.pk,
                         after={"ip": client_ip(request)})
        response = super().post(request, *args, **kwargs)
        # A shared phone keeps nothing of the session: the payment-day pages the offline
        # worker kept (names, amounts) and the marks in localStorage go with it.
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
