"""What an uploaded attachment really is. Its type comes from its content — a real image decoder for
photos, the PDF signature for documents — never from its name; its name is cleaned and given the
extension of that type. The download view serves the type recorded here (files.py)."""

import io
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import Image, UnidentifiedImageError

# Detected type → (MIME type, extensions; the first is the one given to a name without a matching one).
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", (".jpg", ".jpeg")),
    "PNG": ("image/png", (".png",)),
    "WEBP": ("image/webp", (".webp",)),
}
PDF_TYPE = "application/pdf"
PDF_EXTENSIONS = (".pdf",)
# The types shown in the page (<img>) and served inline; everything else is downloaded.
INLINE_TYPES = frozenset(mime for mime, _ in IMAGE_FORMATS.values())
ALLOWED_TYPES = INLINE_TYPES | {PDF_TYPE}
EXTENSIONS = {mime: exts for mime, exts in IMAGE_FORMATS.values()} | {PDF_TYPE: PDF_EXTENSIONS}
UNKNOWN_TYPE = "application/octet-stream"
# At most this many bytes per attachment (the console's, the API's, a 12345 case's).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The extensions of the types an attachment may have (JPEG, PNG, WebP photos; PDF). The type itself is
# decided by the content, never by the name; HEIC is not taken: it cannot be decoded here.
ATTACHMENT_TYPES = {ext for exts in EXTENSIONS.values() for ext in exts}

# A photo is decoded in full on upload (a truncated or corrupt one is refused): at most this many
# pixels (50 MP: more than a phone camera's default photo; a JPEG is decoded at 1/8 scale anyway).
MAX_IMAGE_PIXELS = 50_000_000
NAME_MAX_LENGTH = 200  # Attachment.name
MAX_SNIFF_BYTES = 20 * 1024 * 1024  # more than any allowed attachment
DEFAULT_STEM = "attachment"

# Characters never kept in a name: path separators and what Windows refuses in file names.
_UNSAFE = re.compile(r'[/\\:*?"<>|]')
_EXTENSION_LIKE = re.compile(r"\.[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$")


class NotAllowed(ValueError):
    """The content is not a photo (JPEG, PNG, WebP) or a PDF, or it is damaged."""


@dataclass(frozen=True)
class Inspected:
    name: str  # cleaned, with an extension of ``content_type``
    content_type: str


def detect_type(data: bytes) -> str:
    """The MIME type of ``data`` — one of ALLOWED_TYPES — or NotAllowed."""
    if data.startswith(b"%PDF-"):
        # A PDF starts with its signature and ends with its end-of-file marker (allowing for the
        # trailing bytes some writers leave after it).
        if not re.match(rb"%PDF-[12]\.\d", data) or b"%%EOF" not in data[-1024:]:
            raise NotAllowed("damaged PDF")
        return PDF_TYPE
    return _image_type(data)


def _image_type(data: bytes) -> str:
    formats = list(IMAGE_FORMATS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                if image.format not in IMAGE_FORMATS:
                    raise NotAllowed(f"image format {image.format}")
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise NotAllowed("image too large")
                fmt = image.format
                image.verify()  # structure and checksums (PNG chunks)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                if fmt == "JPEG":
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()  # the whole picture decodes: not truncated, not something else after a header
    except NotAllowed:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise NotAllowed(f"not a readable image: {exc}") from exc
    return IMAGE_FORMATS[fmt][0]


def clean_name(name: str, content_type: str) -> str:
    """``name`` safe to store and to send back in Content-Disposition: its last path segment, without
    control or separator characters, ending in an extension of ``content_type``, within
    NAME_MAX_LENGTH. Chinese (any letters) are kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(c) in ("Zs", "Zl", "Zp") else c for c in name
                   if not unicodedata.category(c).startswith("C"))
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    extensions = EXTENSIONS.get(content_type, ())
    stem, suffix = name, PurePosixPath(name).suffix
    if suffix and _EXTENSION_LIKE.fullmatch(suffix):
        stem = name[: -len(suffix)]
    extension = suffix.lower() if suffix.lower() in extensions else (extensions[0] if extensions else "")
    stem = stem.strip(" .")[: NAME_MAX_LENGTH - len(extension)].rstrip(" .") or DEFAULT_STEM
    return stem + extension


def check_name(name: str, content_type: str) -> None:
    """The cleaned name, checked again (the checks are on the name that is stored, not the one sent)."""
    if not name or len(name) > NAME_MAX_LENGTH or _UNSAFE.search(name) or name.startswith("."):
        raise NotAllowed("bad name")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise NotAllowed("control character in name")
    if content_type in EXTENSIONS and PurePosixPath(name).suffix.lower() not in EXTENSIONS[content_type]:
        raise NotAllowed("extension does not match the content")


def inspect(name: str, data: bytes) -> Inspected:
    """What an upload is, and the name to store it under; NotAllowed when it is not a photo or PDF."""
    content_type = detect_type(data)
    cleaned = clean_name(name, content_type)
    check_name(cleaned, content_type)
    return Inspected(name=cleaned, content_type=content_type)


def sniff(data: bytes) -> str:
    """The type of content stored by another path: an allowed type, or UNKNOWN_TYPE (downloaded only)."""
    try:
        return detect_type(data)
    except NotAllowed:
        return UNKNOWN_TYPE
