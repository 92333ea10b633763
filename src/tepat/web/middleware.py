"""Bahasa Indonesia first: the language is Indonesian unless the user chose another one.

Django's LocaleMiddleware follows the browser's Accept-Language, and many phones in Indonesia are
set to English; the users asked for Indonesian by default, with an explicit switch (the
language cookie written by Django's `set_language` view).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """LocaleMiddleware without Accept-Language: the language cookie, else LANGUAGE_CODE."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
