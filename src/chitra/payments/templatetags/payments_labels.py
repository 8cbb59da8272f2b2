"""Payments words on screen (``{% load payments_labels %}``): a reason code with its meaning,
a system actor by name, a file reader's column in words, a status file's source. The texts
are in :mod:`chitra.payments.labels`; the language is the request's."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from chitra.payments import labels

register = template.Library()


@register.filter
def reason(code: str | None) -> str:
    """``AC04`` → "Tài khoản đã đóng (AC04)" ("Account closed (AC04)" in English)."""
    return labels.reason_label(code, get_language())


@register.filter
def actor(name: str | None) -> str:
    """``system:seed_demo`` → "Hệ thống (dữ liệu mẫu)"; a username as it is."""
    return labels.actor_label(name, get_language())


@register.filter
def column(name: str | None) -> str:
    """``end_to_end_id`` → "Mã giao dịch"; a file's own header as it is."""
    return labels.column_label(name, get_language())


@register.filter
def status_source(source: str | None) -> str:
    """``pain002`` → "Báo cáo trạng thái của ngân hàng (pain.002)"."""
    return labels.source_label(source, get_language())
