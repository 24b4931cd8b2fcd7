"""The admin in its owner's language; the public pages in the site's.

Bambicim's pages are written in English only, so they are served in English
(``LANGUAGE_CODE``) whatever a visitor's browser asks for: Django's
LocaleMiddleware would translate their form errors, dates and the assistant's
widget into a language the rest of the page is not in. The admin is another
matter: its owner reads it in the language their browser asks for, among
``LANGUAGES`` (English, German, Slovenian).
"""

from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class AdminLanguageMiddleware:
    """Under the admin's address only, the language of the browser's Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            admin = reverse("admin:index")
        except NoReverseMatch:  # a URLconf without the admin (a test's, say)
            return self.get_response(request)
        if not request.path.startswith(admin):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        # Only for this request: the thread's next one (a public page) is in the language
        # it was in before, LANGUAGE_CODE.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
