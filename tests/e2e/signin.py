"""Signing in through the login form in a fresh browser context, as a user does."""

from __future__ import annotations

from typing import Any

from tests import factories as f


def sign_in(browser: Any, url: str, username: str, viewport: dict[str, int], *,
            phone: bool) -> tuple[Any, Any, list[str]]:
    """(context, page, console errors) of ``username`` signed in at ``url``."""
    context = browser.new_context(viewport=viewport, locale="vi-VN", device_scale_factor=1,
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")
    return context, page, errors
