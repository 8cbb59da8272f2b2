"""Refused use cases (:class:`chitra.core.errors.DomainError`) become HTTP answers here, once."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
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


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English with the switch (the language cookie).

    The browser's Accept-Language is ignored: a ward officer's phone set to English must
    still get the Vietnamese screens the office works in.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
