"""What an uploaded reading really is, judged by its content, never by its name.

A PDF starts with `%PDF-`. An EPUB is a ZIP archive whose `mimetype` entry says
`application/epub+zip` (the EPUB container spec puts it first, uncompressed). Anything else,
or anything over the size limit, is refused with a message that says why.
"""

from __future__ import annotations

import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from massline.study.models import FileKind

EPUB_MIMETYPE = b"application/epub+zip"
CONTENT_TYPES = {FileKind.PDF: "application/pdf", FileKind.EPUB: "application/epub+zip"}


def sniff(stream: IO[bytes]) -> str | None:
    """The kind of a file from its bytes (FileKind value), or None if it is neither."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                info = archive.getinfo("mimetype")
                # A real mimetype entry is 20 bytes; never inflate anything bigger.
                if info.file_size <= 64 and archive.read(info).strip() == EPUB_MIMETYPE:
                    return FileKind.EPUB
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
            return None
        finally:
            stream.seek(0)
    return None


def check_reading_file(upload) -> str:
    """Validate an upload; returns its kind or raises a ValidationError naming the problem."""
    limit = settings.STUDY_READING_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; readings can be at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    kind = sniff(upload.file if hasattr(upload, "file") else upload)
    if kind is None:
        raise ValidationError(
            _(
                "This file is not a PDF or an EPUB (judged by its content, not its name). "
                "Upload a PDF or an EPUB, or add a link instead."
            )
        )
    return kind
