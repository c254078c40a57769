"""The outbox and the message templates in the API."""

from datetime import datetime
from typing import Annotated

from ninja import Query, Router, Schema

from hotline.core.api_types import MaxLen
from hotline.core.errors import NotFoundError
from hotline.notify import services
from hotline.notify.models import Message, MessageTemplate
from hotline.notify.selectors import masked, outbox_page
from hotline.org.roles import Perm, require_perm

router = Router(tags=["notifications"])


class MessageOut(Schema):
    id: int
    channel: str
    recipient: str
    recipient_name: str
    template: str
    text: str
    topic: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


@router.get("/outbox", response=list[MessageOut], summary="Outgoing messages, newest first")
def outbox(request, status: str = "", topic: str = "", limit: int = Query(50, ge=1, le=500)):
    require_perm(request.user, Perm.NOTIFY_VIEW)
    rows = Message.objects.order_by("-id")
    if status:
        rows = rows.filter(status=status)
    if topic:
        rows = rows.filter(topic=topic)
    return outbox_page(request.user, rows[:limit], via="api")


@router.get("/outbox/counts", response=dict[str, int], summary="Messages by status")
def outbox_counts(request, topic: str = ""):
    require_perm(request.user, Perm.NOTIFY_VIEW)
    return services.outbox_counts(topic or None)


@router.post("/outbox/{message_id}/retry", response=MessageOut, summary="Send a failed message again")
def outbox_retry(request, message_id: int):
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        raise NotFoundError()
    return masked(request.user, services.retry_failed(actor=request.user, message=message))


class TemplateOut(Schema):
    code: str
    name: str
    text: str
    variables: str


class TemplateIn(Schema):
    text: Annotated[str, MaxLen(1000)]  # an SMS is read on a phone


@router.get("/message-templates", response=list[TemplateOut], summary="Message templates")
def templates(request):
    require_perm(request.user, Perm.NOTIFY_VIEW)
    return list(MessageTemplate.objects.all())


@router.put("/message-templates/{code}", response=TemplateOut, summary="Change a template's text")
def template_update(request, code: str, payload: TemplateIn):
    template = MessageTemplate.objects.filter(code=code).first()
    if template is None:
        raise NotFoundError()
    return services.template_update(actor=request.user, template=template, text=payload.text)
