import re

from django.contrib.auth.middleware import LoginRequiredMiddleware


class ConsoleLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Login required for every console page; the API answers 401 itself (tokens or session)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class DomainErrorMiddleware:
    """A DomainError that escapes a console view becomes an error page with its message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from hotline.core.errors import DomainError

        if not isinstance(exception, DomainError) or request.path_info.startswith("/api/"):
            return None
        return render(request, "core/error.html", {"error": exception}, status=exception.http_status)


class ConsoleLocaleMiddleware:
    """The interface speaks Simplified Chinese unless the user chose another language.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a seat whose browser
    happens to be set to English would get English; here only the user's own choice (the language
    cookie set by the switcher) overrides LANGUAGE_CODE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestInputGuardMiddleware:
    """Refuse, in one place, input that no field of ours can hold, before any view reads it:

    - a NUL character (``%00``, ``\\u0000``) in the path, the query string, a form field or a JSON
      string, and a lone surrogate (``\\ud800``) in JSON: PostgreSQL cannot store either (an HTML 500
      before this), and no text of ours has them — ``validation_error`` (400);
    - a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (files of a multipart upload excepted: their own
      limits apply), which Django would answer with a bare HTML 400 — ``payload_too_large`` (413).

    The API answers with its JSON error format, the console with the error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from hotline.core.errors import DomainError

        try:
            _check_request_input(request)
        except DomainError as exc:
            return _error_response(request, exc)
        return self.get_response(request)


def _error_response(request, exc):
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path_info.startswith("/api/"):
        return JsonResponse(exc.as_dict(), status=exc.http_status)
    try:
        return render(request, "core/error.html", {"error": exc}, status=exc.http_status)
    except Exception:  # the page itself needs what was refused (e.g. the database): plain text
        from django.http import HttpResponse

        return HttpResponse(str(exc.message), status=exc.http_status, content_type="text/plain; charset=utf-8")


def _bad_text(value: str) -> bool:
    """NUL, or a lone surrogate (only JSON's escapes can make one: URLs and forms are decoded with
    replacement)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refuse(field: str):
    from django.utils.translation import gettext as _

    from hotline.core.errors import ValidationError

    return ValidationError(_("The request contains a character that is not allowed (NUL or an unpaired surrogate)."),
                           fields={field or "request": _("Remove the character that is not allowed.")})


# Backstops for what no form or schema field limits by itself (a console view that reads request.POST
# directly): the longest text field of ours (handover notes) and the longest query value (a search).
FORM_VALUE_MAX = 20000
QUERY_VALUE_MAX = 2000


def _too_long(field: str, limit: int):
    from django.utils.translation import gettext as _

    from hotline.core.errors import ValidationError

    message = _("Too long: at most %(n)d characters.") % {"n": limit}
    return ValidationError(message, fields={field: message})


def _too_large():
    from django.conf import settings
    from django.utils.translation import gettext as _

    from hotline.core.errors import PayloadTooLargeError

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return PayloadTooLargeError(_("The request is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)})


def _check_request_input(request) -> None:
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    from hotline.core.errors import ValidationError

    if _bad_text(request.path_info):
        raise _refuse("path")
    for key, values in request.GET.lists():
        if _bad_text(key) or any(_bad_text(v) for v in values):
            raise _refuse(key)
        if any(len(v) > QUERY_VALUE_MAX for v in values):
            raise _too_long(key, QUERY_VALUE_MAX)
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    content_type = request.content_type or ""
    try:
        if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for key, values in request.POST.lists():
                if _bad_text(key) or any(_bad_text(v) for v in values):
                    raise _refuse(key)
                if any(len(v) > FORM_VALUE_MAX for v in values):
                    raise _too_long(key, FORM_VALUE_MAX)
            for key in request.FILES:
                if _bad_text(key) or any(_bad_text(f.name or "") for f in request.FILES.getlist(key)):
                    raise _refuse(key)
            return
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            raise _too_large()
        body = request.body
    except RequestDataTooBig:
        raise _too_large() from None
    except TooManyFieldsSent:
        raise ValidationError(fields={"request": "too many fields"}) from None
    if not ("json" in content_type or content_type.startswith("text/")):
        return  # no text of ours comes in another type
    if b"\x00" in body:
        raise _refuse("request")
    if b"\\u" in body and _JSON_SUSPECT.search(body):
        import json

        try:
            data = json.loads(body)
        except ValueError:
            return  # not JSON: the API's own parser says so
        field = _bad_json_text(data, "")
        if field is not None:
            raise _refuse(field)


_JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _bad_json_text(value, path: str) -> str | None:
    """The dotted path of the first string (or key) with a NUL or lone surrogate, else None."""
    if isinstance(value, str):
        return path if _bad_text(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if _bad_text(key):
                return inner
            if (found := _bad_json_text(item, inner)) is not None:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            if (found := _bad_json_text(item, f"{path}.{n}" if path else str(n))) is not None:
                return found
    return None
