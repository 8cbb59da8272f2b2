"""The foundation's pages: access refused (403, and a form's expired CSRF token), the login
page's identity, thousand separators on the dashboard."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from chitra.access.models import Role
from tests import factories as f


def test_a_refused_page_is_403_in_vietnamese_with_a_way_back(login):
    client = login(f.user(Role.WARD_TEAM))
    response = client.get("/imports/", HTTP_REFERER="http://testserver/beneficiaries/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="forbidden"' in html
    assert "Không có quyền truy cập" in html
    assert "403 Forbidden" not in html
    assert 'href="/"' in html  # the dashboard
    assert 'id="go-back" href="http://testserver/beneficiaries/"' in html
    assert 'lang="vi"' in html


def test_the_way_back_never_leads_off_the_site(login):
    client = login(f.user(Role.WARD_TEAM))
    html = client.get("/imports/", HTTP_REFERER="https://evil.example/x").content.decode()
    assert "evil.example" not in html
    assert 'id="go-back"' not in html


def test_an_expired_form_says_so_and_offers_it_again():
    user = f.user(Role.BHXH_OFFICER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/logout/", HTTP_REFERER="http://testserver/beneficiaries/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="csrf-failed"' in html
    assert "Phiên làm việc đã hết hạn" in html
    assert 'id="go-back" href="http://testserver/beneficiaries/"' in html
    assert client.get("/").status_code == 200  # still signed in: nothing happened


def test_the_login_page_names_the_product_and_bhxh(client):
    html = client.get("/login/").content.decode()
    assert "Hệ thống chi trả không dùng tiền mặt" in html
    assert "chitra" in html
    assert "Bảo hiểm xã hội Việt Nam" in html


def _side(cash: int, cashless: int) -> SimpleNamespace:
    return SimpleNamespace(cash=cash, cashless=cashless, total=cash + cashless,
                           cashless_share=100 * cashless / (cash + cashless))


def test_dashboard_counts_have_thousand_separators():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    summary = SimpleNamespace(
        beneficiaries=123456, monthly=_side(1234, 98765), one_time=_side(0, 4321),
        wards=[SimpleNamespace(ward_code="03388", ward_name="Đoàn Kết",
                               monthly=_side(1234, 98765), one_time=_side(0, 4321))])
    html = render_to_string("web/dashboard.html", {
        "summary": summary, "sees_aggregates": True, "sees_people": False}, request=request)
    assert ">123.456<" in html
    assert "98.765 / 99.999" in html
    for n in ("1.234", "98.765", "4.321"):
        assert f">{n}</td>" in html
    assert "123456" not in html
