"""Attachments are personal data (photos of homes): served only to users who may see the order."""

from django.http import FileResponse, Http404
from django.urls import reverse

from hotline.workorders.models import Attachment
from hotline.workorders.selectors import orders_visible_to


def attachment_url(attachment: Attachment) -> str:
    return reverse("attachment", args=[attachment.pk])


def attachment_download(request, attachment_id: int):
    attachment = Attachment.objects.filter(pk=attachment_id).select_related("order").first()
    if attachment is None or not orders_visible_to(request.user).filter(pk=attachment.order_id).exists():
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, filename=attachment.name)
