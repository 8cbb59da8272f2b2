"""The signed-in user's own account: changing the password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from chitra.access.lockout import client_ip
from chitra.core import audit


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's form and the configured validators (AUTH_PASSWORD_VALIDATORS); the session
    stays signed in, the other sessions of the user end (the hash they carry is stale), and
    the change leaves an audit entry (without any password)."""

    template_name = "access/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        audit.record(user.get_username(), "password.change", "user", user.pk,
                     after={"ip": client_ip(self.request)})
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response
