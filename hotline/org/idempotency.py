"""``Idempotency-Key`` for the API operations that create something (``POST /orders``, ``POST /calls``).

A client that sent a request and lost the answer (a timeout, a dropped connection, a server restart)
sends it again with the same key and gets the answer of the first — status and body — and nothing is
created twice. Keys belong to the principal (the user behind the session or token) and the operation;
they are kept ``KEEP_HOURS`` (24). The same key with a different body is refused with
``409 conflict`` (``fields: {"Idempotency-Key": …}``): a key names one request. Only a successful
answer is kept: a refused request (``4xx``) changed nothing, and sent again it is checked again.

Concurrency: the key's row is inserted in the same transaction as the work. A second request with the
key waits on the unique index until the first commits (PostgreSQL; on SQLite writes are serial
anyway), then finds the row and answers what the first answered; if the first failed and rolled back,
the second does the work itself."""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Status
from pydantic import BaseModel

from hotline.core.errors import ConflictError, ValidationError
from hotline.org.models import AuthedRequest, IdempotencyKey

HEADER = "Idempotency-Key"
KEY_MAX = 200
KEEP_HOURS = 24  # how long a key is remembered

IdempotencyKeyHeader = Annotated[str | None, Header(
    None, alias=HEADER, description=(
        "Optional, 1–200 printable ASCII characters (a UUID is fine). Sent again with the same key, the "
        "request gets the first answer and creates nothing twice; the same key with another body is "
        "`409 conflict`. Keys are per user and operation and kept for a day."))]


def _fingerprint(payload: object) -> str:
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _check(key: str) -> str:
    if not 1 <= len(key) <= KEY_MAX or not all(" " <= c <= "~" for c in key):
        raise ValidationError(fields={HEADER: _("1 to 200 printable ASCII characters.")})
    return key


def _replay(row: IdempotencyKey, fingerprint: str) -> Status:
    if row.fingerprint != fingerprint:
        raise ConflictError(_("This Idempotency-Key was used for a different request."),
                            fields={HEADER: _("Already used with another body; use a new key.")})
    return Status(row.status, row.response)


def idempotent(request: AuthedRequest, operation: str, key: str | None, payload: object,
               work: Callable[[], Status]) -> object:
    """Run ``work()`` (which returns a ``Status``) once per ``key`` of this user and operation."""
    if key is None:
        return work()
    key = _check(key)
    fingerprint = _fingerprint(payload)
    found = IdempotencyKey.objects.filter(user=request.user, operation=operation, key=key).first()
    if found is not None:
        return _replay(found, fingerprint)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(user=request.user, operation=operation, key=key,
                                                    fingerprint=fingerprint, status=0, response={})
        except IntegrityError:
            row = None  # another request with this key committed first (we waited for it)
        if row is not None:
            answer = work()
            body = json.loads(json.dumps(
                answer.value.model_dump(mode="json") if isinstance(answer.value, BaseModel) else answer.value,
                cls=DjangoJSONEncoder))
            row.status, row.response = answer.status_code, body
            row.save(update_fields=["status", "response"])
            return answer
    return _replay(IdempotencyKey.objects.get(user=request.user, operation=operation, key=key), fingerprint)


def forget_old_keys(now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - timedelta(hours=KEEP_HOURS)
    deleted, _counts = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
