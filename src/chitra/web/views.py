"""Pages that belong to no bounded context: dashboard, login, errors."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chitra.access.models import User
from chitra.access.scoping import scope_of
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


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot log anyone out."""
