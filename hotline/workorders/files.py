"""Attachments are personal data (photos of homes): served only to users who may see the order, with
the type found in their content on upload (never the one their name suggests), never sniffed by the
browser, and downloaded rather than shown unless they are a checked photo."""

from django.http import FileResponse, Http404
from django.urls import reverse

from hotline.org.models import AuthedRequest
from hotline.workorders import uploads
from hotline.workorders.models import Attachment
from hotline.workorders.selectors import orders_visible_to

# Even opened on its own, a served file runs nothing and loads nothing (a sandboxed, script-less document).
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def attachment_url(attachment: Attachment) -> str:
    return reverse("attachment", args=[attachment.pk])


def attachment_download(request: AuthedRequest, attachment_id: int) -> FileResponse:
    attachment = Attachment.objects.filter(pk=attachment_id).select_related("order").first()
    if attachment is None or not orders_visible_to(request.user).filter(pk=attachment.order_id).exists():
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = attachment.content_type if attachment.content_type in uploads.ALLOWED_TYPES else uploads.UNKNOWN_TYPE
    inline = content_type in uploads.INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response
