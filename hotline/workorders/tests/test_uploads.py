"""Issue 13 §2: an attachment's type comes from its content, never its name; it is stored under a
clean name and served with the recorded type, nosniff, and as a download unless it is a checked photo."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from hotline.core.errors import ValidationError
from hotline.workorders import services as svc
from hotline.workorders import uploads
from hotline.workorders.models import Attachment, Status, WorkOrder
from tests.browser.helpers import write_png

HTML = b"<!doctype html><html><body><script>fetch('/api/v1/tokens',{method:'POST'})</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(document.cookie)</script></svg>")
LONG_NAME = "p" * 195 + ".html" + "x" * 46 + ".jpg"


def image_bytes(fmt: str, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (13, 110, 253)).save(buffer, fmt)
    return buffer.getvalue()


JPEG = image_bytes("JPEG")
PNG = image_bytes("PNG")
WEBP = image_bytes("WEBP")
GIF = image_bytes("GIF")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")

REFUSED = {
    "html named .jpg": ("photo.jpg", HTML),
    "svg": ("drawing.svg", SVG),
    "svg named .png": ("drawing.png", SVG),
    "html after a long name ending .jpg": (LONG_NAME, HTML),
    "gif header then html": ("x.jpg", b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + HTML),
    "jpeg header then html": ("x.jpg", JPEG[:20] + HTML),
    "png header then html": ("x.png", PNG[:33] + HTML),
    "a real gif (not allowed)": ("anim.gif", GIF),
    "truncated jpeg": ("cut.jpg", JPEG[: len(JPEG) // 2]),
    "truncated png": ("cut.png", PNG[:-20]),
    "html named .pdf": ("report.pdf", HTML),
    "pdf without its end": ("report.pdf", PDF[:-7]),
    "empty": ("empty.jpg", b""),
    "exe": ("virus.exe", b"MZ\x90\x00"),
}


@pytest.fixture
def accepted_order(new_order, staff, units):
    order = new_order(unit=units["repair"])
    return svc.order_accept(actor=staff["worker"], order=order)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_progress(user, order, *files):
    return client_for(user).post(f"/api/v1/orders/{order.number}/progress",
                                 {"note": "现场照片", "files": list(files)})


def download(client, attachment):
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    return response


# --- detection and names -----------------------------------------------------------------------------

@pytest.mark.parametrize("case", REFUSED)
def test_content_that_is_not_a_photo_or_pdf_is_not_allowed(case):
    name, data = REFUSED[case]
    with pytest.raises(uploads.NotAllowed):
        uploads.inspect(name, data)


@pytest.mark.parametrize(("data", "content_type"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp"),
                                                    (PDF, "application/pdf")])
def test_photos_and_pdfs_are_recognised_by_their_content(data, content_type):
    assert uploads.inspect("whatever.bin", data).content_type == content_type


def test_a_photo_from_the_browser_helper_is_a_png(tmp_path):
    assert uploads.inspect("valve.png", write_png(tmp_path / "v.png").read_bytes()).content_type == "image/png"


@pytest.mark.parametrize(("sent", "content_type", "stored"), [
    ("现场照片 1.jpeg", "image/jpeg", "现场照片 1.jpeg"),
    ("现场照片.JPG", "image/jpeg", "现场照片.jpg"),
    ("scan.png", "image/jpeg", "scan.jpg"),
    ("x.html", "image/png", "x.png"),
    ("photo.html.jpg", "image/png", "photo.html.png"),
    ("报修 2024.05.01", "application/pdf", "报修 2024.05.01.pdf"),
    ("../../etc/passwd", "image/png", "passwd.png"),
    ("C:\\Users\\张伟\\Desktop\\漏水.jpg", "image/jpeg", "漏水.jpg"),
    ("a\x00b\r\n\u202egpj.exe", "image/jpeg", "abgpj.jpg"),
    ('<img src=x onerror=alert(1)>.png', "image/png", "_img src=x onerror=alert(1)_.png"),
    (".htaccess", "image/png", "htaccess.png"),
    ("", "application/pdf", "attachment.pdf"),
    ("...", "image/webp", "attachment.webp"),
])
def test_names_are_cleaned_and_end_in_the_type_of_the_content(sent, content_type, stored):
    assert uploads.clean_name(sent, content_type) == stored
    uploads.check_name(stored, content_type)


def test_a_long_name_keeps_the_extension_of_its_content_within_the_column():
    name = uploads.clean_name(LONG_NAME, "image/jpeg")
    assert len(name) <= 200 and name.endswith(".jpg") and ".html" not in name[-10:]
    cjk = uploads.clean_name("漏" * 300 + ".png", "image/png")
    assert len(cjk) == 200 and cjk == "漏" * 196 + ".png"


# --- the API ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", REFUSED)
def test_the_api_refuses_spoofed_content_and_stores_nothing(case, accepted_order, staff):
    name, data = REFUSED[case]
    response = api_progress(staff["worker"], accepted_order, SimpleUploadedFile(name, data, "image/jpeg"))
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert "files" in response.json()["fields"]
    assert not Attachment.objects.exists()
    assert WorkOrder.objects.get(pk=accepted_order.pk).status == Status.ACCEPTED


def test_one_bad_file_among_good_ones_stores_none(accepted_order, staff):
    response = api_progress(staff["worker"], accepted_order, SimpleUploadedFile("a.jpg", JPEG, "image/jpeg"),
                            SimpleUploadedFile("b.jpg", HTML, "image/jpeg"))
    assert response.status_code == 400 and not Attachment.objects.exists()


def test_the_reported_long_name_with_a_real_photo_is_stored_and_served_as_a_jpeg(accepted_order, staff):
    response = api_progress(staff["worker"], accepted_order, SimpleUploadedFile(LONG_NAME, JPEG, "text/html"))
    assert response.status_code == 200, response.json()
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/jpeg" and attachment.name.endswith(".jpg")
    assert len(attachment.name) <= 200 and attachment.file.name.endswith(".jpg")
    served = download(client_for(staff["operator"]), attachment)
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content) == JPEG


@pytest.mark.parametrize(("data", "content_type"), [(PNG, "image/png"), (WEBP, "image/webp")])
def test_other_photos_are_shown_inline_with_their_type(data, content_type, accepted_order, staff):
    assert api_progress(staff["worker"], accepted_order, SimpleUploadedFile("照片", data)).status_code == 200
    attachment = Attachment.objects.get()
    served = download(client_for(staff["worker"]), attachment)
    assert served["Content-Type"] == content_type and served["Content-Disposition"].startswith("inline")
    assert attachment.shown_inline


def test_a_pdf_is_stored_and_downloaded_not_shown(accepted_order, staff):
    response = api_progress(staff["worker"], accepted_order, SimpleUploadedFile("检测报告.pdf", PDF, "image/png"))
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf" and attachment.name == "检测报告.pdf"
    served = download(client_for(staff["operator"]), attachment)
    assert served["Content-Type"] == "application/pdf" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment")
    assert not attachment.shown_inline


def test_a_jpeg_with_html_after_it_is_served_only_as_a_jpeg(accepted_order, staff):
    """A complete photo with markup appended decodes (phones append data after the picture too): it is
    kept, but served as image/jpeg with nosniff, so a browser never reads it as a page."""
    response = api_progress(staff["worker"], accepted_order, SimpleUploadedFile("x.html", JPEG + HTML))
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.name == "x.jpg"
    served = download(client_for(staff["operator"]), attachment)
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"


# --- the console form --------------------------------------------------------------------------------------

def console_progress(user, order, upload):
    return client_for(user).post(f"/orders/{order.number}/progress/", {
        "version": order.version, "note": "已到现场", "files": upload})


@pytest.mark.parametrize("case", ["html named .jpg", "svg", "html after a long name ending .jpg",
                                  "gif header then html", "truncated jpeg"])
def test_the_console_form_refuses_spoofed_content(case, accepted_order, staff):
    name, data = REFUSED[case]
    response = console_progress(staff["worker"], accepted_order, SimpleUploadedFile(name, data, "image/jpeg"))
    assert response.status_code == 400 and 'id="form-progress"' in response.content.decode()
    assert not Attachment.objects.exists()
    assert WorkOrder.objects.get(pk=accepted_order.pk).status == Status.ACCEPTED


def test_the_console_form_stores_a_real_photo_under_its_cleaned_name(accepted_order, staff, tmp_path):
    png = write_png(tmp_path / "valve.png").read_bytes()
    response = console_progress(staff["worker"], accepted_order, SimpleUploadedFile("阀门/../关闭\x07.png", png))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "关闭.png" and attachment.content_type == "image/png"
    page = client_for(staff["worker"]).get(f"/orders/{accepted_order.number}/").content.decode()
    assert f'src="/attachments/{attachment.pk}/"' in page


def test_the_refusal_names_the_allowed_types(accepted_order, staff):
    with pytest.raises(ValidationError) as refused:
        svc.order_progress(actor=staff["worker"], order=accepted_order, note="x",
                           files=[SimpleUploadedFile("a.heic", b"\x00\x00\x00\x18ftypheic")])
    assert "HEIC" not in str(refused.value.message) and "PDF" in str(refused.value.message)


# --- files stored by other paths --------------------------------------------------------------------------

def test_a_file_stored_without_the_check_is_typed_by_its_content_and_only_downloaded(accepted_order, staff):
    attachment = Attachment.objects.create(order=accepted_order, file=ContentFile(HTML, name="x.jpg"),
                                           name=LONG_NAME[:200], uploaded_by=staff["worker"])
    assert attachment.content_type == uploads.UNKNOWN_TYPE and not attachment.shown_inline
    served = download(client_for(staff["operator"]), attachment)
    assert served["Content-Type"] == "application/octet-stream" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment")
    photo = Attachment.objects.create(order=accepted_order, file=ContentFile(PNG, name="p.png"), name="p.png")
    assert photo.content_type == "image/png"


def test_a_recorded_type_outside_the_allowed_ones_is_never_served_as_such(accepted_order, staff):
    attachment = Attachment.objects.create(order=accepted_order, file=ContentFile(HTML, name="x.html"),
                                           name="x.html", content_type="text/html")
    served = download(client_for(staff["operator"]), attachment)
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")
