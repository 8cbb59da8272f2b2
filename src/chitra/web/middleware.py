"""Refused use cases (:class:`chitra.core.errors.DomainError`) become HTTP answers here, once."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from chitra.core.errors import DomainError, NotInScope


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, NotInScope):
            raise Http404(exc.message_en) from exc  # same answer as a missing row
        if isinstance(exc, DomainError):
            message = exc.message_en if get_language() == "en" else exc.message_vi
            return render(request, "web/error.html", {"message": message, "code": exc.code},
                          status=exc.http_status)
        return None
