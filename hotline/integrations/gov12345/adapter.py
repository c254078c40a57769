"""The 12345 platform adapter: the ONE module that knows the platform's wire format (docs/gov12345.md).

Inbound: the JSON a transferred case and an urge arrive as (``CaseIn``, ``UrgeIn``), the platform's
categories mapped to our subjects, and ``case_data`` — the payload turned into our fields (attachments
decoded and checked). Outbound: ``PlatformGateway`` posts each outbox message of channel ``gov12345``
(our JSON, see ``services``) to ``{GOV12345_URL}/cases/{case_id}/{action}``, signed, with the message's
idempotency key; ``gateway_from_settings`` is the factory the outbox uses.

To connect a city's real platform, change this module only: the schemas and ``case_data`` for what it
sends, ``to_wire`` and ``PlatformGateway._answer`` for what it expects back."""

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from ninja import Schema
from pydantic import Field, field_validator, model_validator

from hotline.core.errors import DomainError, ValidationError
from hotline.core.signing import signed_headers
from hotline.customers.text import normalize_phone
from hotline.notify.gateways import PermanentError, TemporaryError

# --- limits and errors ------------------------------------------------------------------------------

MAX_BODY_BYTES = 20 * 1024 * 1024  # a whole request (attachments inline, base64: a third larger)
MAX_ATTACHMENTS = 20
CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"  # it goes into URLs, ours and the platform's


class PayloadTooLargeError(DomainError):
    code = "payload_too_large"
    http_status = 413
    default_message = _("The request is too large.")


class UnprocessableError(ValidationError):
    """Well-formed JSON whose content cannot be taken (an attachment that is not base64 …)."""

    http_status = 422


def max_body_bytes() -> int:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return MAX_BODY_BYTES if limit is None else min(MAX_BODY_BYTES, limit)


def check_body_size(request) -> None:
    """Before anything reads the body: Django would refuse a body over its own limit with a bare 400."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body_bytes():
        raise PayloadTooLargeError(
            _("The request is larger than %(mb)d MB.") % {"mb": max_body_bytes() // (1024 * 1024)},
            fields={"request": _("%(n)d bytes") % {"n": length}})


# --- inbound: what the platform sends ---------------------------------------------------------------

def _aware(value: datetime) -> datetime:
    """A time without an offset is the platform's local time (TIME_ZONE)."""
    from hotline.core.api_types import sane_moment

    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return sane_moment(value)  # between 2000 and 2100, in UTC (PostgreSQL refuses offsets beyond ±15:59)


class AttachmentIn(Schema):
    name: str = Field(min_length=1, max_length=200, description="File name, e.g. 现场照片.jpg")
    url: str | None = Field(None, max_length=1000, description="A link (kept as a link, not fetched)")
    content_base64: str | None = Field(None, description="The file itself, base64 (at most 10 MB decoded; "
                                                         "a JPEG, PNG or WebP photo or a PDF, by its content)")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _one_source(self):
        if (self.url is None) == (self.content_base64 is None):
            raise ValueError("give either url or content_base64")
        return self


class CaseIn(Schema):
    case_id: str = Field(pattern=CASE_ID, description="The platform's case number (at most 40 letters, digits, "
                                                      "`-`, `_`, `.`); the idempotency key")
    received_at: datetime = Field(description="When the platform received the case (ISO 8601; without an offset: "
                                              "local time)")
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=20000, description="The citizen's request as recorded")
    category: str = Field(min_length=1, max_length=50, description="The platform's category, e.g. 冻管, 水压低")
    address: str = Field(min_length=1, max_length=200)
    caller: str = Field(max_length=50, description="The citizen's name (may be empty)")
    phone: str = Field(max_length=20, description="The citizen's phone (may be empty)")
    sign_deadline: datetime = Field(description="签收时限: sign for by")
    reply_deadline: datetime = Field(description="办结/答复时限: reply by")
    urgency: Literal["normal", "urgent", "emergency"] | None = Field(
        None, description="Default: the urgency of the subject the category maps to")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @field_validator("received_at", "sign_deadline", "reply_deadline")
    @classmethod
    def _with_offset(cls, value: datetime) -> datetime:
        return _aware(value)

    @field_validator("case_id", "title", "category", "address", "caller", "phone")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("title", "content", "category", "address")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        digits = normalize_phone(value)
        if value and not 5 <= len(digits) <= 15:
            raise ValueError("is not a phone number")
        return digits

    @field_validator("sign_deadline")
    @classmethod
    def _sign_after_receipt(cls, value: datetime, info) -> datetime:
        received = info.data.get("received_at")
        if received is not None and value <= received:
            raise ValueError("must be after received_at")
        return value

    @field_validator("reply_deadline")
    @classmethod
    def _reply_after_sign(cls, value: datetime, info) -> datetime:
        sign = info.data.get("sign_deadline")
        if sign is not None and value < sign:
            raise ValueError("must not be before sign_deadline")
        return value


class UrgeIn(Schema):
    urge_id: str = Field(pattern=CASE_ID, description="The platform's number of this urge; the idempotency key")
    at: datetime = Field(description="When the platform urged (ISO 8601; without an offset: local time)")
    content: str = Field(max_length=2000, description="The urge's text")

    @field_validator("at")
    @classmethod
    def _with_offset(cls, value: datetime) -> datetime:
        return _aware(value)


# The platform's categories → our subject codes. Exact names first, then key words in the category
# (the first that matches), then the fallback: a complaint the hotline classifies and dispatches.
CATEGORY_SUBJECTS = {
    "冻管": "frozen_pipe", "管道冻裂": "frozen_pipe", "水管冻裂": "frozen_pipe", "管道冻堵": "frozen_pipe",
    "冻表": "frozen_meter", "水表冻裂": "frozen_meter", "水表冻坏": "frozen_meter",
    "水压低": "low_pressure", "水压小": "low_pressure", "水压不足": "low_pressure",
    "管道漏水": "branch_leak", "漏水": "branch_leak", "支管漏水": "branch_leak",
    "表前漏水": "before_meter_leak", "表后漏水": "after_meter_leak",
    "主管道漏水": "burst_main", "主管漏水": "burst_main", "爆管": "burst_main", "管道爆裂": "burst_main",
    "消防栓漏水": "hydrant", "消火栓漏水": "hydrant", "消防栓损坏": "hydrant", "消火栓撞断": "hydrant",
    "阀门故障": "valve_fault", "关阀": "valve_shutoff", "井盖": "manhole_cover", "井盖缺失": "manhole_cover",
    "停水": "no_water", "无水": "no_water", "没水": "no_water", "停水咨询": "outage_question",
    "水质": "water_quality", "水质问题": "water_quality", "水质浑浊": "water_quality",
    "水费": "bill_query", "水费异常": "high_bill", "水费过高": "high_bill", "缴费": "payment", "欠费": "payment",
    "过户": "ownership_transfer", "换表": "meter_replacement", "水表故障": "meter_replacement",
    "抄表": "reading_dispute", "报装": "new_connection", "二次供水": "secondary_supply",
    "服务投诉": "complaint_service", "服务态度": "complaint_service",
}
CATEGORY_KEYWORDS = [
    ("消防栓", "hydrant"), ("消火栓", "hydrant"), ("爆管", "burst_main"), ("主管", "burst_main"),
    ("冻", "frozen_pipe"), ("水压", "low_pressure"), ("水质", "water_quality"), ("浑浊", "water_quality"),
    ("停水", "no_water"), ("无水", "no_water"), ("漏水", "branch_leak"), ("井盖", "manhole_cover"),
    ("阀门", "valve_fault"), ("二次供水", "secondary_supply"), ("水费", "bill_query"), ("水表", "meter_replacement"),
]
FALLBACK_SUBJECT = "complaint_service"
# The request type (咨询/报修/投诉 …) follows the subject's group: repairs and supply are repair requests,
# everything else the platform transfers counts as a complaint.
REQUEST_TYPE_BY_GROUP = {"repair": "repair", "supply": "repair", "secondary": "repair"}
FALLBACK_REQUEST_TYPE = "complaint"


def subject_code_for(category: str) -> str:
    category = (category or "").strip()
    if category in CATEGORY_SUBJECTS:
        return CATEGORY_SUBJECTS[category]
    if "冻" in category and "表" in category:
        return "frozen_meter"
    for word, code in CATEGORY_KEYWORDS:
        if word in category:
            return code
    return FALLBACK_SUBJECT


@dataclass
class InlineFile:
    name: str
    content: bytes


@dataclass
class CaseData:
    """A transferred case in our terms (what ``services.case_receive`` takes)."""

    case_id: str
    received_at: datetime
    title: str
    content: str
    category: str
    address: str
    caller: str
    phone: str
    sign_deadline: datetime
    reply_deadline: datetime
    urgency: str = ""
    links: list[dict] = field(default_factory=list)
    files: list[InlineFile] = field(default_factory=list)
    digest: str = ""


def case_data(payload: CaseIn) -> CaseData:
    """The validated payload in our fields; attachments decoded. Raises 413 for a file over 10 MB and
    422 for one that is not base64 or not an allowed type — before anything is stored."""
    from hotline.workorders import uploads
    from hotline.workorders.uploads import MAX_ATTACHMENT_BYTES

    links, files = [], []
    for n, attachment in enumerate(payload.attachments):
        if attachment.url is not None:
            links.append({"name": attachment.name, "url": attachment.url})
            continue
        where = f"attachments.{n}.content_base64"
        encoded = re.sub(r"\s+", "", attachment.content_base64)
        if len(encoded) * 3 // 4 - encoded[-2:].count("=") > MAX_ATTACHMENT_BYTES:
            raise PayloadTooLargeError(_("An attachment is larger than 10 MB."),
                                       fields={where: _("%(name)s: larger than 10 MB") % {"name": attachment.name}})
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise UnprocessableError(_("An attachment is not valid base64."),
                                     fields={where: _("%(name)s: not base64") % {"name": attachment.name}})
        try:  # typed by its content, as every upload (workorders.uploads), never by its name
            inspected = uploads.inspect(attachment.name, content)
        except uploads.NotAllowed:
            raise UnprocessableError(_("Attach photos (JPEG, PNG, WebP) or PDF files."),
                                     fields={where: _("%(name)s: not a photo or PDF") % {"name": attachment.name}})
        files.append(InlineFile(name=inspected.name, content=content))
    return CaseData(
        case_id=payload.case_id, received_at=payload.received_at, title=payload.title, content=payload.content,
        category=payload.category, address=payload.address, caller=payload.caller, phone=payload.phone,
        sign_deadline=payload.sign_deadline, reply_deadline=payload.reply_deadline, urgency=payload.urgency or "",
        links=links, files=files, digest=payload_digest(payload))


def payload_digest(payload: CaseIn) -> str:
    """The same case sent again (other key order, other spacing, other offset for the same instant)
    has the same digest."""
    data = payload.model_dump(mode="json")
    for name in ("received_at", "sign_deadline", "reply_deadline"):
        data[name] = getattr(payload, name).timestamp()
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- outbound: what we send -------------------------------------------------------------------------

def to_wire(body: dict) -> tuple[str, dict]:
    """Our message (``services`` writes it: ``{case_id, action, …}``) → (path, the platform's JSON).
    The reference platform takes our JSON as it is."""
    return f"/cases/{quote(body['case_id'], safe='')}/{quote(body['action'], safe='')}", body


class PlatformGateway:
    """``POST {url}/cases/{case_id}/{action}`` with the JSON, ``X-Api-Key``, ``X-Timestamp``,
    ``X-Signature`` (core.signing) and ``Idempotency-Key`` (the message's key: a repeat after a crash
    is the same message to the platform). 2xx: accepted; 429, 5xx, timeouts: try again later; any
    other answer: failed (it will not get better by itself)."""

    name = "gov12345"

    def __init__(self, *, url: str, api_key: str, secret: str, timeout: float = 10.0):
        self.url, self.api_key, self.secret = url.rstrip("/"), api_key, secret
        self.client = httpx.Client(timeout=timeout)

    def send(self, *, key: str, to: str, text: str, channel: str) -> str:
        try:
            path, payload = to_wire(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            raise PermanentError(f"not a 12345 message: {exc}") from exc
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Api-Key": self.api_key, "Idempotency-Key": key,
                   **signed_headers(self.secret, body, method="POST", path=urlsplit(self.url + path).path)}
        try:
            response = self.client.post(self.url + path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from exc
        return self._answer(response, default_id=f"{to}:{payload.get('action', '')}")

    @staticmethod
    def _answer(response: httpx.Response, *, default_id: str) -> str:
        status = response.status_code
        if status == 429 or status >= 500:
            raise TemporaryError(f"HTTP {status}: {response.text[:200]}")
        if not 200 <= status < 300:
            raise PermanentError(f"HTTP {status}: {response.text[:200]}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return str((answer or {}).get("id") or default_id)[:64] if isinstance(answer, dict) else default_id

    def close(self) -> None:
        self.client.close()


class NotConfiguredGateway:
    """Without ``GOV12345_URL`` every reply fails at once, visibly ("not configured") in the console,
    and is sent again by hand once the URL is set: nothing pretends to have reached the platform."""

    name = "gov12345-not-configured"

    def send(self, *, key: str, to: str, text: str, channel: str) -> str:
        # Stored in English, shown in the reader's language (the outbox translates the stored error).
        raise PermanentError(gettext_noop("12345 platform URL not configured (GOV12345_URL)"))


class InCaseOrder:
    """A case's messages reach the platform in the order they were written: one waits (try again
    later) while an earlier message of its case is not yet sent — a sign-for before the reply."""

    def __init__(self, gateway):
        self.gateway = gateway
        self.name = getattr(gateway, "name", "gov12345")

    def send(self, *, key: str, to: str, text: str, channel: str) -> str:
        from hotline.integrations.gov12345.selectors import earlier_unsent

        waiting = earlier_unsent(key)
        if waiting is not None:
            raise TemporaryError(f"waiting for message #{waiting}")
        return self.gateway.send(key=key, to=to, text=text, channel=channel)

    def close(self) -> None:
        if hasattr(self.gateway, "close"):
            self.gateway.close()


def gateway_from_settings():
    if not settings.GOV12345_URL:
        return InCaseOrder(NotConfiguredGateway())
    return InCaseOrder(PlatformGateway(url=settings.GOV12345_URL, api_key=settings.GOV12345_KEY,
                                       secret=settings.GOV12345_SECRET, timeout=settings.GOV12345_TIMEOUT))
