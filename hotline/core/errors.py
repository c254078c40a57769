"""Domain errors with stable codes. The API renders them as ``{code, message, fields}``; the console
shows ``message`` in the user's language."""

from collections.abc import Mapping
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A message: text, or lazily translated text (gettext_lazy).
Text = str | Promise


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    INVALID_STATE = "invalid_state"
    THROTTLED = "throttled"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNAVAILABLE = "unavailable"


class DomainError(Exception):
    code: ErrorCode = ErrorCode.VALIDATION
    http_status = 400
    default_message = _("The request is not valid.")

    def __init__(
        self,
        message: Text | None = None,
        *,
        fields: Mapping[str, Text] | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        if code is not None:
            self.code = code
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": str(self.message), "fields": self.fields}


class ValidationError(DomainError):
    code = ErrorCode.VALIDATION
    http_status = 400


class NotFoundError(DomainError):
    code = ErrorCode.NOT_FOUND
    http_status = 404
    default_message = _("Not found.")


class PermissionDeniedError(DomainError):
    code = ErrorCode.PERMISSION_DENIED
    http_status = 403
    default_message = _("You do not have permission to do this.")


class ConflictError(DomainError):
    code = ErrorCode.CONFLICT
    http_status = 409
    default_message = _("Someone else changed this record; reload and try again.")


class InvalidStateError(DomainError):
    code = ErrorCode.INVALID_STATE
    http_status = 409


class ThrottledError(DomainError):
    code = ErrorCode.THROTTLED
    http_status = 429


class PayloadTooLargeError(DomainError):
    code = ErrorCode.PAYLOAD_TOO_LARGE
    http_status = 413
    default_message = _("The request is too large.")


class UnavailableError(DomainError):
    """A dependency (the database, the queue) cannot be reached: try again later."""

    code = ErrorCode.UNAVAILABLE
    http_status = 503
    default_message = _("The service is temporarily unavailable; try again in a moment.")
