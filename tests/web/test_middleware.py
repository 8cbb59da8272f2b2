import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation

from chitra.core.errors import DomainError, NotInScope
from chitra.web.middleware import DomainErrorMiddleware


@pytest.fixture
def middleware():
    return DomainErrorMiddleware(lambda request: None)


def _request():
    request = RequestFactory().get("/")
    request.user = None
    return request


def test_not_in_scope_is_a_plain_404(middleware):
    with pytest.raises(Http404):
        middleware.process_exception(_request(), NotInScope())


def test_domain_error_renders_its_message_with_its_status(middleware):
    error = DomainError("account_date_order", "Ngày hiệu lực phải sau.", "Must start after.")
    response = middleware.process_exception(_request(), error)
    assert response.status_code == 400
    assert "Ngày hiệu lực phải sau." in response.content.decode()
    with translation.override("en"):
        response = middleware.process_exception(_request(), error)
    assert "Must start after." in response.content.decode()


def test_other_exceptions_pass_through(middleware):
    assert middleware.process_exception(_request(), ValueError("x")) is None
