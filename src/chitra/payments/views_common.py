"""What the payments screens share: the signed-in user, and a message in the language the
user reads (Vietnamese unless English was chosen). Use cases give both texts; the screen
picks one here."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import get_language

from chitra.access.models import User
from chitra.core.errors import DomainError, Problem


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def in_language(vi: str, en: str) -> str:
    return en if get_language() == "en" else vi


def error_message(e: DomainError) -> str:
    return in_language(e.message_vi, e.message_en)


def problem_message(p: Problem) -> str:
    return in_language(p.message_vi, p.message_en)


def count_text(n: int) -> str:
    """A count as the ``count`` filter shows it: ``1234`` → ``1.234``."""
    return f"{n:,}".replace(",", ".")
