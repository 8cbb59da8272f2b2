"""Labels of the registry's internal names, for its templates (issue 14, broken 5)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from chitra.registry.importing.columns import BY_KEY

register = template.Library()


@register.filter
def import_column(key: str | None) -> str:
    """An import problem's column (``citizen_id``) as the template's header ("Số định danh
    cá nhân"); a header of the file itself as it came."""
    column = BY_KEY.get(key or "")
    return gettext(column.header_vi) if column else (key or "")
