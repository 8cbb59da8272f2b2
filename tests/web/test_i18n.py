"""Vietnamese first, English on request; the English catalog covers the UI."""

import pytest
from django.utils import translation

from chitra.access.models import OrganizationKind, Role
from chitra.registry.models import (
    AnomalyKind,
    BeneficiaryStatus,
    BenefitStatus,
    BenefitType,
    Channel,
    SexChoice,
)
from tests import factories as f


def test_vietnamese_is_the_default(client):
    text = client.get("/login/").text
    assert '<html lang="vi">' in text
    assert "Đăng nhập" in text
    assert "Mật khẩu" in text


def test_language_switch_shows_english_and_back(login):
    client = login(f.user())
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/beneficiaries/"})
    assert response.status_code == 302
    assert response["Location"] == "/beneficiaries/"
    text = client.get("/beneficiaries/").text
    assert '<html lang="en">' in text
    assert "Beneficiaries" in text
    assert "Log out" in text
    assert "Người hưởng" not in text
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Đăng xuất" in client.get("/").text


def test_english_detail_page_translates_labels_and_choices(login):
    b = f.beneficiary()
    user = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET))
    client = login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get(f"/beneficiaries/{b.pk}/").text
    assert "Pension" in text
    assert "Cash" in text
    assert "Date of birth" in text
    assert "Lương hưu" not in text


@pytest.mark.parametrize("choices", [BenefitType, Channel, BeneficiaryStatus, BenefitStatus,
                                     SexChoice, AnomalyKind])
def test_every_choice_label_shown_in_the_ui_has_an_english_translation(choices):
    with translation.override("en"):
        missing = [label for label in choices.labels if translation.gettext(label) == label]
    assert not missing


def test_vietnamese_even_when_the_browser_asks_for_english(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert 'lang="vi"' in response.text


def test_english_when_chosen_with_the_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="vi")
    assert 'lang="en"' in response.text
